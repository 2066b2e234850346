"""YAML reading for every file a user writes (scenarios, sweeps, parameters, calibration and
optimisation files): PyYAML's safe loader, except that a key given twice in one mapping is an error.

PyYAML keeps the last of two equal keys silently; a user who pasted a block twice, or put a
setting under the wrong parent, would never learn that one of them is ignored. Here the second one
raises :class:`DuplicateKeyError` (a :class:`yaml.YAMLError`, so the callers' "not valid YAML"
handling reports it) naming the key by its dotted path and both lines.
"""

from __future__ import annotations

from typing import Any

import yaml

DUPLICATE_FIX = "keep one of them (otherwise only the last would count)"
_MERGE_TAG = "tag:yaml.org,2002:merge"  # ``<<: *anchor``: keys merged in may be overridden, by design


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping gives the same key twice.

    Args:
        key: the key's dotted path from the top of the file (``targets.exit_share_cum.2016``).
        first: where the key is given first.
        second: where it is given again.

    Attributes:
        key: the dotted path.
        lines: the (1-based) lines of the two occurrences.
        where: both places in words (``on line 2 and on line 5``).
    """

    def __init__(self, key: str, first: yaml.Mark, second: yaml.Mark):
        self.key = key
        self.lines = (first.line + 1, second.line + 1)
        if first.line == second.line:
            self.where = f"on line {first.line + 1}, at columns {first.column + 1} and {second.column + 1}"
        else:
            self.where = f"on line {first.line + 1} and on line {second.line + 1}"
        super().__init__(problem=f"key '{key}' is given twice, {self.where}; {DUPLICATE_FIX}", problem_mark=second)

    def __str__(self) -> str:
        return self.problem


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, refusing duplicate keys."""

    def construct_document(self, node: yaml.Node) -> Any:
        self._refuse_duplicate_keys(node, "", set())
        return super().construct_document(node)

    def _refuse_duplicate_keys(self, node: yaml.Node, path: str, visited: set[int]) -> None:
        """Walk the node tree (each node once: aliases may make cycles) and raise on a repeated key."""
        if id(node) in visited:
            return
        visited.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._refuse_duplicate_keys(item, f"{path}[{index}]", visited)
        if not isinstance(node, yaml.MappingNode):
            return
        first_mark: dict[Any, yaml.Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self._refuse_duplicate_keys(value_node, path, visited)
                continue
            key = self.construct_object(key_node, deep=True)
            dotted = f"{path}.{key}" if path else str(key)
            try:
                first = first_mark.setdefault(key, key_node.start_mark)
            except TypeError:  # an unhashable key: the constructor reports it
                continue
            if first is not key_node.start_mark:
                raise DuplicateKeyError(dotted, first, key_node.start_mark)
            self._refuse_duplicate_keys(value_node, dotted, visited)


def safe_load(text: str | Any) -> Any:
    """Parse YAML text (or an open file) like :func:`yaml.safe_load`, refusing duplicate keys.

    Raises:
        DuplicateKeyError: a mapping gives a key twice (the message names it and both lines).
        yaml.YAMLError: any other YAML error.
    """
    return yaml.load(text, Loader=_StrictLoader)
