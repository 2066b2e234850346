"""The error of an invalid optimise file, and the checks of its single values.

:class:`OptimiseError` names the file, the key, the problem and the fix, like a scenario error.
The helpers check one value each (a ``[low, high]`` pair, a step, a month, a number, a share
of the district, a section's keys) and raise it with the key the value was given under; the
file's reader (:mod:`fupin_sim.experiments.optimisation.optimise_file`) and the decision
variables (:mod:`fupin_sim.experiments.optimisation.variables`) share them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from fupin_sim.config.files import refuse_unknown_keys
from fupin_sim.config.settings import Month
from fupin_sim.errors import ScenarioError


class OptimiseError(ScenarioError):
    """An optimise file is invalid (file, key, problem and fix, like a scenario error)."""


def _pair(given: Any, where: str, file: str) -> tuple[Any, Any]:
    if not isinstance(given, list) or len(given) != 2:
        raise OptimiseError(file, where, f"expected [low, high], got {given!r}", "e.g. [0, 2.0e+7]")
    return given[0], given[1]


def _bounds(given: Any, where: str, file: str) -> tuple[float, float]:
    low, high = _pair(given, where, file)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
        raise OptimiseError(file, where, f"expected two numbers, got {given!r}", "e.g. [0, 2.0e+7]")
    if not low < high:
        raise OptimiseError(file, where, f"low ({low:g}) must be below high ({high:g})", "swap them, or fix the value")
    return float(low), float(high)


def _step(spec: Mapping[str, Any], width: float, where: str, file: str) -> float | None:
    step = spec.get("step")
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, int | float) or not 0 < step <= width:
        raise OptimiseError(file, f"{where}.step", f"expected a step above 0 and at most the range, got {step!r}")
    if not math.isclose(width / step, round(width / step), abs_tol=1e-9):
        raise OptimiseError(file, f"{where}.step", "the range is not a whole number of steps", "adjust the bounds")
    return float(step)


def _month(value: Any, where: str, file: str) -> int:
    try:
        return Month.parse(value).ordinal
    except ValueError as err:
        raise OptimiseError(file, where, str(err), "write months as YYYY-MM, e.g. [2016-01, 2016-12]") from None


def _mapping(raw: Mapping[str, Any], key: str, file: str, example: str, optional: bool = False) -> Mapping[str, Any]:
    given = raw.get(key)
    if given is None and optional:
        return {}
    if not isinstance(given, Mapping) or not given:
        problem = "missing" if given is None else f"expected a non-empty mapping, got {given!r}"
        raise OptimiseError(file, key, problem, example)
    return given


def _section(given: Any, key: str, keys: Sequence[str], file: str) -> Mapping[str, Any]:
    given = {} if given is None else given
    if not isinstance(given, Mapping):
        raise OptimiseError(file, key, f"expected a mapping, got {given!r}", f"use keys {', '.join(keys)}")
    refuse_unknown_keys(given, keys, file, key, OptimiseError)
    return given


def _number(
    raw: Mapping[str, Any],
    key: str,
    default: Any,
    file: str,
    *,
    whole: bool = False,
    minimum: float = 0,
    nullable: bool = False,
    where: str | None = None,
) -> Any:
    value = raw.get(key, default)
    if value is None and nullable:
        return None
    ok = not isinstance(value, bool) and isinstance(value, int if whole else int | float) and value >= minimum
    if not ok:
        kind = "a whole number" if whole else "a number"
        raise OptimiseError(file, where or key, f"expected {kind} of at least {minimum:g}, got {value!r}")
    return value


def _scale(raw: Mapping[str, Any], key: str, default: float, file: str, prefix: str = "") -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise OptimiseError(
            file, f"{prefix}{key}", f"expected a share of the district in (0, 1], got {value!r}", "e.g. 0.25"
        )
    return float(value)
