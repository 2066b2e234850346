"""Dated, documented parameters loaded from YAML (OpenFisca-style parameter files).

Every file in this folder is one domain (``poverty_line.yaml``, ``health.yaml`` …)
and the district's aggregates in ``data/daan.yaml`` form the ``district`` domain.
A parameter is addressed by its dotted path ``<domain>.<name>`` and carries:

``description``  what it is;
``unit``         e.g. ``CNY/person/year``, ``share``, ``probability/year``;
``source``       where the figure comes from;
``confidence``   ``H`` (published), ``M`` (secondary source), ``EST`` (estimate);
``value``        a number, or ``values``: a mapping year → number (step function:
                 the value in force in year *y* is the one of the latest year ≤ *y*);
``range``        ``[low, high]`` — required for ``EST`` parameters, so analysts can
                 vary every estimate (for dated values a mapping year → range).

Scenario files override parameters by dotted path; :meth:`ParameterSet.with_overrides`
validates each override (unknown path with a "did you mean", wrong type, money
below zero, shares and probabilities outside [0, 1]). A value outside the documented
``range`` is allowed — exploring beyond an estimate's range is a legitimate question —
but :meth:`Parameter.range_problems` names it, so that a scenario file that sets one
is loaded with a :class:`ParameterRangeWarning` (``fupin validate --strict`` refuses it).
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fupin_sim.config import yamlfile
from fupin_sim.errors import UserError

PARAMETER_DIR = Path(__file__).resolve().parent
DATA_DIR = PARAMETER_DIR.parents[2] / "data"
DISTRICT_FILE = DATA_DIR / "daan.yaml"

_REQUIRED_FIELDS = ("description", "unit", "source", "confidence")
_CONFIDENCE_LEVELS = ("H", "M", "L", "EST")


class ParameterError(UserError, ValueError):
    """A parameter file or a parameter override is invalid.

    Args:
        message: what is wrong.
        path: the dotted path at fault, when one is.
    """

    def __init__(self, message: str, path: str | None = None):
        super().__init__(message)
        self.path = path


class ParameterRangeWarning(UserWarning):
    """A scenario sets a parameter outside its documented range (the run goes ahead)."""


@dataclass(frozen=True)
class Parameter:
    """One documented parameter.

    Attributes:
        path: dotted path, ``<domain>.<name>``.
        description: what the parameter means.
        unit: the unit of its values.
        source: where the figure comes from.
        confidence: ``H``, ``M``, ``L`` or ``EST``.
        values: year → value; a scalar parameter is stored under year 0.
        range: ``(low, high)`` for EST parameters, else ``None``.
        year: the year a published figure refers to, when known.
    """

    path: str
    description: str
    unit: str
    source: str
    confidence: str
    values: dict[int, float]
    range: Any = None
    year: int | None = None

    @property
    def is_dated(self) -> bool:
        """Whether the parameter has values by year."""
        return 0 not in self.values

    def at(self, year: int | None = None) -> float:
        """Value in force in ``year`` (the latest dated value not after it).

        Args:
            year: calendar year; may be omitted for scalar parameters.
        """
        if not self.is_dated:
            return self.values[0]
        if year is None:
            raise ParameterError(f"{self.path} has values by year; give a year")
        eligible = [y for y in self.values if y <= year]
        if not eligible:
            first = min(self.values)
            raise ParameterError(f"{self.path} has no value for {year} (first value is for {first})")
        return self.values[max(eligible)]

    def range_problems(self) -> list[str]:
        """Each value outside the documented range, naming the range and its source (empty when inside).

        An undated range applies to every value; a range by year to the value in force in that year.
        """
        if self.range is None:
            return []
        if isinstance(self.range, Mapping):
            checks = [(f"[{year}]", self.at(year), self.range[year]) for year in sorted(self.range)]
        elif self.is_dated:
            checks = [(f"[{year}]", value, self.range) for year, value in sorted(self.values.items())]
        else:
            checks = [("", self.values[0], self.range)]
        return [
            f"{self.path}{where}: {value:g} {self.unit} is outside its documented range [{low:g}, {high:g}] "
            f"({self.confidence}; source: {self.source})"
            for where, value, (low, high) in checks
            if not low <= value <= high
        ]

    @property
    def is_money(self) -> bool:
        """Whether the unit is an amount of money (so it must not be negative)."""
        return self.unit.startswith("CNY")

    @property
    def is_share(self) -> bool:
        """Whether the unit is a share or probability (so it must lie in [0, 1])."""
        return self.unit.split("/")[0] in ("share", "probability")


def _parse_parameter(path: str, spec: Any, file: Path) -> Parameter:
    if not isinstance(spec, Mapping):
        raise ParameterError(f"{file}: {path} must be a mapping with description, unit, source, confidence")
    missing = [f for f in _REQUIRED_FIELDS if f not in spec]
    if missing:
        raise ParameterError(f"{file}: {path} lacks {', '.join(missing)}")
    if spec["confidence"] not in _CONFIDENCE_LEVELS:
        raise ParameterError(f"{file}: {path} confidence must be one of {_CONFIDENCE_LEVELS}")
    if ("value" in spec) == ("values" in spec):
        raise ParameterError(f"{file}: {path} needs exactly one of 'value' or 'values'")
    if "value" in spec:
        values = {0: float(spec["value"])}
    else:
        values = {int(y): float(v) for y, v in spec["values"].items()}
    if spec["confidence"] == "EST" and "range" not in spec:
        raise ParameterError(f"{file}: {path} is an estimate (EST) and must document a 'range'")
    return Parameter(
        path=path,
        description=str(spec["description"]).strip(),
        unit=str(spec["unit"]),
        source=str(spec["source"]).strip(),
        confidence=spec["confidence"],
        values=values,
        range=spec.get("range"),
        year=spec.get("year"),
    )


def _load_file(domain: str, file: Path) -> dict[str, Parameter]:
    try:
        with file.open(encoding="utf-8") as handle:
            raw = yamlfile.safe_load(handle) or {}
    except yamlfile.DuplicateKeyError as err:
        raise ParameterError(
            f"{file}: {domain}.{err.key}: given twice, {err.where}; {yamlfile.DUPLICATE_FIX}"
        ) from None
    except yaml.YAMLError as err:
        raise ParameterError(f"{file}: not valid YAML: {err}".replace("\n", " ")) from None
    return {f"{domain}.{name}": _parse_parameter(f"{domain}.{name}", spec, file) for name, spec in raw.items()}


def _coerce_override(param: Parameter, value: Any) -> dict[int, float]:
    """Turn a scenario override into a year → value mapping, or raise."""

    def number(v: Any, where: str) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ParameterError(f"{where} must be a number ({param.unit}), got {v!r}")
        v = float(v)
        if param.is_money and v < 0:
            raise ParameterError(f"{where} is money ({param.unit}) and cannot be negative, got {v:g}")
        if param.is_share and not 0.0 <= v <= 1.0:
            raise ParameterError(f"{where} is a {param.unit} and must lie in [0, 1], got {v:g}")
        return v

    if isinstance(value, Mapping):
        if not param.is_dated:
            raise ParameterError(f"{param.path} is a single value; give a number, not values by year")
        merged = dict(param.values)
        for year, v in value.items():
            if not isinstance(year, int):
                raise ParameterError(f"{param.path}: years must be integers, got {year!r}")
            merged[year] = number(v, f"{param.path}[{year}]")
        return merged
    v = number(value, param.path)
    return {min(param.values): v} if param.is_dated else {0: v}


class ParameterSet(Mapping):
    """All parameters of a run, addressable by dotted path.

    Args:
        parameters: dotted path → :class:`Parameter`.
    """

    def __init__(self, parameters: dict[str, Parameter]):
        self._parameters = parameters

    @classmethod
    def load(cls, directory: Path = PARAMETER_DIR, district_file: Path = DISTRICT_FILE) -> ParameterSet:
        """Load every ``*.yaml`` in ``directory`` plus the district aggregates."""
        parameters: dict[str, Parameter] = {}
        for file in sorted(directory.glob("*.yaml")):
            parameters.update(_load_file(file.stem, file))
        parameters.update(_load_file("district", district_file))
        return cls(parameters)

    def __getitem__(self, path: str) -> Parameter:
        try:
            return self._parameters[path]
        except KeyError:
            raise ParameterError(self.unknown_path_message(path)) from None

    def __contains__(self, path: object) -> bool:
        return path in self._parameters

    def __iter__(self):
        return iter(self._parameters)

    def __len__(self) -> int:
        return len(self._parameters)

    def unknown_path_message(self, path: str) -> str:
        """An error message for an unknown path, with the closest known paths."""
        close = difflib.get_close_matches(path, self._parameters, n=3, cutoff=0.6)
        hint = (
            f"; did you mean {' or '.join(close)}?"
            if close
            else "; see fupin_sim/config/parameters/*.yaml and data/daan.yaml"
        )
        return f"unknown parameter '{path}'{hint}"

    def value(self, path: str, year: int | None = None) -> float:
        """The value of ``path`` (in force in ``year`` for dated parameters)."""
        return self[path].at(year)

    def with_overrides(self, overrides: Mapping[str, Any]) -> ParameterSet:
        """A copy with scenario overrides applied; raises ParameterError on bad input."""
        parameters = copy.copy(self._parameters)
        for path, value in overrides.items():
            try:
                param = self[path]
                parameters[path] = Parameter(**{**param.__dict__, "values": _coerce_override(param, value)})
            except ParameterError as err:
                raise ParameterError(str(err), path) from None
        return ParameterSet(parameters)

    def to_frame(self):
        """A documentation table: path, value(s), unit, confidence, range, source."""
        import pandas as pd

        rows = [
            {
                "path": p.path,
                "values": p.values[0] if not p.is_dated else dict(p.values),
                "unit": p.unit,
                "confidence": p.confidence,
                "range": p.range,
                "year": p.year,
                "source": p.source,
                "description": p.description,
            }
            for p in self._parameters.values()
        ]
        return pd.DataFrame(rows)
