"""Typed, documented settings for scenarios and programmes, validated on load.

A :class:`Setting` says what a key accepts; :func:`validate_settings` checks a
mapping against a set of them and returns the values with defaults filled in,
or raises a :class:`~fupin_sim.errors.ScenarioError` naming the key and the fix.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fupin_sim.errors import ScenarioError

KINDS = ("number", "integer", "bool", "text", "choice", "subset", "month", "by_year")


@dataclass(frozen=True)
class Month:
    """A calendar month."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def ordinal(self) -> int:
        """Months since year 0, for comparisons and differences."""
        return self.year * 12 + self.month - 1

    @classmethod
    def parse(cls, value: Any) -> Month:
        """Parse ``"YYYY-MM"`` or a date; raise ValueError otherwise."""
        if isinstance(value, Month):
            return value
        if isinstance(value, dt.date):
            return cls(value.year, value.month)
        if isinstance(value, str):
            parts = value.strip().split("-")
            if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
                year, month = int(parts[0]), int(parts[1])
                if 1 <= month <= 12:
                    return cls(year, month)
        raise ValueError(f"expected a month as YYYY-MM, got {value!r}")


@dataclass(frozen=True)
class Horizon:
    """First and last simulated month (inclusive)."""

    start: Month
    end: Month

    @property
    def months(self) -> int:
        """Number of simulated months."""
        return self.end.ordinal - self.start.ordinal + 1

    @property
    def years(self) -> range:
        """Calendar years touched by the horizon."""
        return range(self.start.year, self.end.year + 1)

    def contains(self, month: Month) -> bool:
        """Whether ``month`` lies inside the horizon."""
        return self.start.ordinal <= month.ordinal <= self.end.ordinal


@dataclass(frozen=True)
class Setting:
    """What one key accepts.

    Attributes:
        kind: one of ``KINDS``; ``by_year`` is a mapping year → number.
        default: value when the key is absent.
        description: what it means (shown in docs and errors).
        unit: unit of numbers (``CNY`` units must not be negative).
        minimum, maximum: inclusive bounds for numbers.
        choices: allowed values for ``choice`` and ``subset`` (a list of choices).
        nullable: whether ``null`` is allowed.
        scales: whether the value scales with the scenario's ``population_scale``
            (budgets, capacities, per-village money: a scaled district is a scaled copy).
    """

    kind: str
    default: Any
    description: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False
    scales: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown setting kind {self.kind}")


def scaled(specs: Mapping[str, Setting], values: Mapping[str, Any], scale: float) -> dict[str, Any]:
    """``values`` with every setting marked ``scales`` multiplied by ``scale`` (integers rounded)."""

    def times(spec: Setting, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Mapping):
            return {key: times(spec, v) for key, v in value.items()}
        if spec.kind != "integer":
            return value * scale
        return max(int(round(value * scale)), 1) if value > 0 else 0  # a positive capacity stays open

    return {name: times(specs[name], value) if specs[name].scales else value for name, value in values.items()}


def did_you_mean(key: str, known: Any) -> str:
    """' (did you mean X?)' for the closest known key, or ''."""
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(map(str, known)))}"


def validate_settings(
    specs: Mapping[str, Setting], given: Mapping[str, Any], file: str, prefix: str, horizon: Horizon | None
) -> dict[str, Any]:
    """Check ``given`` against ``specs`` and fill in defaults.

    Args:
        specs: the accepted keys.
        given: the user's mapping.
        file: the scenario file, for error messages.
        prefix: dotted key of the mapping, for error messages (``programmes.industry``).
        horizon: the simulated period; months and years must lie inside it.

    Raises:
        ScenarioError: on an unknown key, a wrong type, a value out of bounds, or a
            date outside the horizon.
    """
    if not isinstance(given, Mapping):
        raise ScenarioError(file, prefix, f"expected a mapping of settings, got {type(given).__name__}")
    for key in given:
        if key not in specs:
            raise ScenarioError(file, _join(prefix, key), "unknown key", did_you_mean(key, specs))
    # Defaults are not held against the horizon: only what the user wrote is.
    return {
        name: _check(spec, given.get(name, spec.default), file, _join(prefix, name), horizon if name in given else None)
        for name, spec in specs.items()
    }


def _join(prefix: str, key: Any) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _check(spec: Setting, value: Any, file: str, key: str, horizon: Horizon | None) -> Any:
    if value is None:
        if spec.nullable or spec.default is None:
            return None
        raise ScenarioError(file, key, "must not be empty", f"give {spec.description.lower()}")
    if spec.kind == "by_year":
        if not isinstance(value, Mapping):
            raise ScenarioError(
                file, key, f"expected values by year (e.g. {{2016: ...}}), got {value!r}", spec.description
            )
        checked = {}
        for year, amount in value.items():
            if isinstance(year, bool) or not isinstance(year, int):
                raise ScenarioError(file, f"{key}.{year}", "years must be integers like 2016")
            if horizon is not None and year not in horizon.years:
                raise ScenarioError(
                    file,
                    f"{key}.{year}",
                    f"year {year} is outside the horizon {horizon.start}..{horizon.end}",
                    "use a year inside the horizon or extend start/end",
                )
            checked[year] = _number(spec, amount, file, f"{key}.{year}", integer=False)
        return checked
    if spec.kind in ("number", "integer"):
        return _number(spec, value, file, key, integer=spec.kind == "integer")
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ScenarioError(file, key, f"expected true or false, got {value!r}")
        return value
    if spec.kind == "text":
        if not isinstance(value, str):
            raise ScenarioError(file, key, f"expected text, got {value!r}")
        return value
    if spec.kind == "choice":
        if value not in spec.choices:
            raise ScenarioError(file, key, f"unknown value {value!r}", did_you_mean(value, spec.choices))
        return value
    if spec.kind == "subset":
        if not isinstance(value, (list, tuple)):
            raise ScenarioError(file, key, f"expected a list, got {value!r}", f"choose from {', '.join(spec.choices)}")
        for item in value:
            if item not in spec.choices:
                raise ScenarioError(file, key, f"unknown value {item!r}", did_you_mean(item, spec.choices))
        return list(value)
    try:
        month = Month.parse(value)
    except ValueError as err:
        raise ScenarioError(file, key, str(err), "write the month as YYYY-MM, e.g. 2016-09") from None
    if horizon is not None and not horizon.contains(month):
        raise ScenarioError(
            file,
            key,
            f"{month} is outside the horizon {horizon.start}..{horizon.end}",
            "use a month inside the horizon or extend start/end",
        )
    return month


def _number(spec: Setting, value: Any, file: str, key: str, integer: bool) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        expected = "a whole number" if integer else "a number"
        raise ScenarioError(file, key, f"expected {expected}{f' ({spec.unit})' if spec.unit else ''}, got {value!r}")
    if spec.unit.startswith("CNY") and value < 0:
        raise ScenarioError(file, key, f"money cannot be negative, got {value:g}", "give an amount of 0 or more")
    if spec.minimum is not None and value < spec.minimum:
        raise ScenarioError(file, key, f"must be at least {spec.minimum:g}, got {value:g}")
    if spec.maximum is not None and value > spec.maximum:
        raise ScenarioError(file, key, f"must be at most {spec.maximum:g}, got {value:g}")
    return int(value) if integer else float(value)
