"""Parameter overlays: files of parameter values that a scenario names under ``parameter_files``.

A calibration writes its fitted parameters as an overlay (``fupin calibrate``)::

    description: Parameters fitted by `fupin calibrate calibration/daan.yaml` (loss 0.42)
    source: calibration/daan.yaml
    parameters:
      health.serious_cost_mean: 10450.0
      poverty_line.exit_line: {2017: 3350.0}

and a scenario uses it::

    extends: baseline
    parameter_files: [calibration/fitted/daan.yaml]      # beside this file, else in the project folder
    parameters:
      health.serious_cost_mean: 9000.0                   # the scenario's own overrides win

A path is taken relative to the scenario file, else to the project folder (where
the shipped overlays are). Overlays apply in the order given, then the scenario's ``parameters:`` on top; a
scenario that extends another inherits its overlays and may name more. The
resolved scenario holds the values themselves, so it runs the same without the
files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from fupin_sim.config import yamlfile
from fupin_sim.config.settings import did_you_mean
from fupin_sim.errors import ScenarioError

KEY = "parameter_files"
PROJECT_DIR = Path(__file__).resolve().parents[2]  # shipped overlays: calibration/fitted/*.yaml
OVERLAY_KEYS = ("description", "source", "parameters")


def fold_parameter_files(raw: Mapping[str, Any], file: str, base_dir: Path) -> dict[str, Any]:
    """A scenario mapping with its ``parameter_files`` read into ``parameters`` (its own values on top).

    Args:
        raw: one scenario file's mapping (before ``extends`` is resolved).
        file: the scenario file (for error messages).
        base_dir: the folder overlay paths are relative to.

    Raises:
        ScenarioError: not a list of paths, a file that is missing or invalid, or an unknown parameter.
    """
    if raw.get(KEY) is None:
        return {k: v for k, v in raw.items() if k != KEY}
    names = raw[KEY]
    names = [names] if isinstance(names, str) else names
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise ScenarioError(file, KEY, f"expected a list of overlay file paths, got {raw[KEY]!r}")
    values: dict[str, Any] = {}
    for name in names:
        path = next((folder / name for folder in (base_dir, PROJECT_DIR) if (folder / name).is_file()), None)
        if path is None:
            raise ScenarioError(
                file, KEY, f"{name} not found beside the scenario ({base_dir}) or in {PROJECT_DIR}", "check the path"
            )
        values = _merge(values, read_overlay(path))
    own = raw.get("parameters")
    merged = _merge(values, own) if isinstance(own, Mapping) else values if own is None else own
    return {**{k: v for k, v in raw.items() if k != KEY}, "parameters": merged}


def read_overlay(path: Path) -> dict[str, Any]:
    """The ``parameters`` of an overlay file, every path checked.

    Raises:
        ScenarioError: invalid YAML, an unknown key, or an unknown parameter (with "did you mean").
    """
    from fupin_sim.config.scenario import default_parameters  # scenario imports this module

    file = str(path)
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ScenarioError(
            file, "(file)", f"not valid YAML: {err}".replace("\n", " "), "fix the YAML syntax"
        ) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("parameters"), Mapping):
        raise ScenarioError(file, "parameters", "an overlay is a mapping with parameters: {dotted.path: value}")
    for key in data:
        if key not in OVERLAY_KEYS:
            raise ScenarioError(file, str(key), "unknown key", did_you_mean(str(key), OVERLAY_KEYS))
    known = list(default_parameters())
    for parameter in data["parameters"]:
        if parameter not in known:
            raise ScenarioError(
                file, f"parameters.{parameter}", "unknown parameter", did_you_mean(str(parameter), known)
            )
    return dict(data["parameters"])


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter values over others; a dated parameter's years merge."""
    merged = dict(base)
    for path, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(path), Mapping):
            merged[path] = {**merged[path], **value}
        else:
            merged[path] = value
    return merged
