"""The files a user writes other than scenarios (sweep, calibration and optimise files): read one
YAML mapping and refuse keys it does not know, naming the file, the key and the fix."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from fupin_sim.config import yamlfile
from fupin_sim.config.settings import did_you_mean
from fupin_sim.errors import ScenarioError, UserError

FileError = Callable[[str, str, str, str], ScenarioError]  # (file, key, problem, fix) → the file kind's error


def read_mapping_file(path: Path, kind: str, keys: Iterable[str], error: FileError, example: str) -> dict[str, Any]:
    """The top-level mapping of a ``kind`` file, its keys checked against ``keys``.

    Args:
        path: the file.
        kind: what the file is, in words (``sweep``, ``calibration``, ``optimise``).
        keys: the top-level keys the file may give.
        error: the file kind's error class.
        example: where to look for a good one (``sweeps/*.yaml``).

    Raises:
        UserError: the file does not exist.
        ScenarioError: (``error``) not valid YAML (a key given twice included), not a mapping, or an unknown key.
    """
    file = str(path)
    try:
        raw = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{kind} file {file} not found") from None
    except yaml.YAMLError as err:
        raise error(file, "(file)", f"not valid YAML: {err}".replace("\n", " "), "fix the YAML syntax") from None
    if not isinstance(raw, dict):
        raise error(file, "(file)", f"a {kind} file must be a mapping of keys to values", f"see {example}")
    refuse_unknown_keys(raw, keys, file, "", error)
    return raw


def refuse_unknown_keys(given: Iterable[Any], keys: Iterable[str], file: str, where: str, error: FileError) -> None:
    """Raise ``error`` naming the first of ``given`` that is not in ``keys`` (with "did you mean").

    Args:
        given: the keys a mapping of the file gives.
        keys: those it may give.
        file: the file.
        where: the mapping's dotted path (``""`` at the top).
        error: the file kind's error class.
    """
    known = list(keys)
    for name in given:
        if name not in known:
            raise error(file, f"{where}.{name}" if where else str(name), "unknown key", did_you_mean(str(name), known))
