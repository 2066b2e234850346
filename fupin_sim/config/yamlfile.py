"""YAML reading for every file a user writes (scenarios, sweeps, parameters, calibration and
optimisation files): PyYAML's safe loader, except that a key given twice in one mapping is an error.

PyYAML keeps the last of two equal keys silently; a user who pasted a block twice, or put a
setting under the wrong parent, would never learn that one of them is ignored. Here the second one
raises :class:`DuplicateKeyError` (a :class:`yaml.YAMLError`, so the callers' "not valid YAML"
handling reports it) naming the key and both lines.
"""

from __future__ import annotations

from typing import Any

import yaml


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping gives the same key twice."""

    def __str__(self) -> str:
        return self.problem


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, refusing duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                seen = first_line.setdefault(key, line)
            except TypeError:  # an unhashable key: the base class reports it
                break
            if seen != line:
                raise DuplicateKeyError(
                    problem=f"key '{key}' is given twice, on line {seen} and on line {line}; keep one of them"
                )
        return super().construct_mapping(node, deep=deep)


def safe_load(text: str | Any) -> Any:
    """Parse YAML text (or an open file) like :func:`yaml.safe_load`, refusing duplicate keys.

    Raises:
        DuplicateKeyError: a mapping gives a key twice (the message names it and both lines).
        yaml.YAMLError: any other YAML error.
    """
    return yaml.load(text, Loader=_StrictLoader)
