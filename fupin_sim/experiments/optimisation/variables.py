"""The decision variables: programme settings with their bounds, and what a value stands for.

:func:`parse_variable` checks one ``variables`` entry against the programmes' settings (a
number, a whole number, a month, a choice, or a programme's money over the horizon spread by a
profile); a :class:`Variable` gives the sampler its distribution and turns a sampled value into
the scenario settings it stands for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fupin_sim.config.files import refuse_unknown_keys
from fupin_sim.config.scenario import Scenario
from fupin_sim.config.settings import Month, did_you_mean
from fupin_sim.experiments.optimisation.checks import OptimiseError, _bounds, _month, _pair, _step
from fupin_sim.programmes import REGISTRY

VARIABLE_KEYS = ("range", "step", "choices", "total", "profile")
START = "start"  # profile: the starting scenario's own split of a budget over the years


@dataclass(frozen=True)
class Variable:
    """One decision variable: a programme setting with its bounds.

    Attributes:
        key: the dotted key as written under ``variables`` (``programmes.industry.budget_cny.2016``).
        kind: ``number``, ``integer``, ``month`` (a range of months), ``choice`` or ``total``
            (a programme's money over the horizon, spread by ``profile``).
        low, high: the bounds (months as their ordinal).
        step: the grid the value lies on (None: continuous).
        choices: the values of a ``choice``.
        profile: year → share of a ``total``.
    """

    key: str
    kind: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[Any, ...] = ()
    profile: dict[int, float] = field(default_factory=dict)

    def distribution(self) -> Any:
        """The Optuna distribution the sampler draws this variable from."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if self.kind == "choice":
            return CategoricalDistribution(self.choices)
        if self.kind in ("integer", "month"):
            return IntDistribution(int(self.low), int(self.high), step=int(self.step or 1))
        return FloatDistribution(self.low, self.high, step=self.step)

    def inputs(self, value: Any) -> dict[str, Any]:
        """The scenario settings (vary key → value) this variable's value stands for."""
        if self.kind == "month":
            month = int(value)
            return {self.key: str(Month(month // 12, month % 12 + 1))}
        if self.kind == "integer":
            return {self.key: int(value)}
        if self.kind == "total":
            return {f"{self.key}.{year}": round(float(value) * share) for year, share in self.profile.items()}
        if self.kind == "choice":
            return {self.key: value}
        return {self.key: _tidy(float(value))}

    def display(self, value: Any) -> Any:
        """The value as a planner reads it (months as YYYY-MM)."""
        return next(iter(self.inputs(value).values())) if self.kind == "month" else value


def parse_variable(key: str, spec: Any, start: Scenario, file: str) -> Variable:
    """One ``variables`` entry, checked against the programmes' settings.

    Args:
        key: ``programmes.<programme>.<setting>[.<year>]``.
        spec: ``{range: [low, high], step: s}``, ``{choices: [...]}`` or ``{total: [low, high], profile: ...}``.
        start: the starting scenario.
        file: the optimise file (for error messages).

    Raises:
        OptimiseError: an unknown programme or setting (with "did you mean"), a parameter (an
            uncertainty, not a decision), bounds that do not fit the setting, a bad profile.
    """
    where = f"variables.{key}"
    setting, year = _setting_of(key, start, file)
    if not isinstance(spec, Mapping):
        raise OptimiseError(
            file,
            where,
            f"expected bounds, got {spec!r}",
            "give {range: [low, high]}, {choices: [a, b]} or {total: [low, high]} (for a budget)",
        )
    refuse_unknown_keys(spec, VARIABLE_KEYS, file, where, OptimiseError)
    given = [name for name in ("range", "choices", "total") if name in spec]
    if len(given) != 1:
        raise OptimiseError(
            file, where, "give exactly one of range, choices or total", "e.g. {range: [0, 2.0e+7], step: 1.0e+6}"
        )
    if "choices" in spec:
        choices = spec["choices"]
        if not isinstance(choices, list) or len(choices) < 2:
            raise OptimiseError(file, f"{where}.choices", f"expected a list of two or more values, got {choices!r}")
        if setting.choices and setting.kind == "choice":
            for choice in choices:
                if choice not in setting.choices:
                    raise OptimiseError(
                        file, f"{where}.choices", f"unknown choice {choice!r}", did_you_mean(choice, setting.choices)
                    )
        if "step" in spec or "profile" in spec:
            raise OptimiseError(file, where, "step and profile apply to ranges and totals", "remove them")
        return Variable(key, "choice", choices=tuple(choices))
    if "total" in spec:
        if setting.kind != "by_year" or year is not None:
            raise OptimiseError(
                file,
                f"{where}.total",
                "a total applies to a programme's yearly budget as a whole",
                f"use programmes.<programme>.budget_cny, or a range for {key}",
            )
        low, high = _bounds(spec["total"], f"{where}.total", file)
        profile = _profile(spec.get("profile", START), key, start, f"{where}.profile", file)
        return Variable(key, "total", low, high, _step(spec, high - low, where, file), profile=profile)
    if "profile" in spec:
        raise OptimiseError(file, f"{where}.profile", "a profile belongs to a total", "use total: [low, high]")
    if setting.kind == "month":
        low, high = (_month(v, f"{where}.range", file) for v in _pair(spec["range"], f"{where}.range", file))
        if low > high:
            raise OptimiseError(file, f"{where}.range", "the first month is after the last", "swap them")
        if "step" in spec:
            raise OptimiseError(file, f"{where}.step", "months are tried one by one", "remove step")
        return Variable(key, "month", low, high, 1)
    if setting.kind not in ("number", "integer", "by_year"):
        raise OptimiseError(
            file,
            f"{where}.range",
            f"{key} is a {setting.kind} setting, which has no range",
            "give choices: [...] instead",
        )
    if setting.kind == "by_year" and year is None:
        raise OptimiseError(
            file,
            f"{where}.range",
            f"{key} is set year by year",
            f"vary one year ({key}.{start.horizon.start.year}) or the total: {{total: [low, high]}}",
        )
    low, high = _bounds(spec["range"], f"{where}.range", file)
    if setting.minimum is not None and low < setting.minimum:
        raise OptimiseError(file, f"{where}.range", f"{key} cannot be below {setting.minimum:g}", "raise the low bound")
    if setting.maximum is not None and high > setting.maximum:
        raise OptimiseError(
            file, f"{where}.range", f"{key} cannot be above {setting.maximum:g}", "lower the high bound"
        )
    step = _step(spec, high - low, where, file)
    if setting.kind == "integer":
        if not (float(low).is_integer() and float(high).is_integer() and (step is None or float(step).is_integer())):
            raise OptimiseError(file, where, f"{key} is a whole number", "give whole-number bounds and step")
        if step is not None and (high - low) % step:
            raise OptimiseError(file, f"{where}.step", "the range is not a whole number of steps", "adjust the bounds")
        return Variable(key, "integer", int(low), int(high), int(step or 1))
    return Variable(key, "number", low, high, step)


def _setting_of(key: str, start: Scenario, file: str) -> tuple[Any, int | None]:
    """The programme setting a variable key names, and its year (for one year of a budget)."""
    where = f"variables.{key}"
    parts = str(key).split(".")
    if parts[0] != "programmes":
        raise OptimiseError(
            file,
            where,
            "decision variables are programme settings (parameters are uncertainties, not decisions)",
            "use programmes.<programme>.<setting>[.<year>], e.g. programmes.industry.budget_cny.2016",
        )
    if len(parts) < 3 or len(parts) > 4:
        raise OptimiseError(
            file, where, "expected programmes.<programme>.<setting>[.<year>]", "e.g. programmes.employment.public_jobs"
        )
    programme, name = parts[1], parts[2]
    if programme not in REGISTRY:
        raise OptimiseError(file, where, f"unknown programme {programme!r}", did_you_mean(programme, REGISTRY))
    specs = REGISTRY[programme].specs()
    if name not in specs:
        raise OptimiseError(file, where, f"{programme} has no setting {name!r}", did_you_mean(name, specs))
    setting = specs[name]
    if len(parts) == 3:
        return setting, None
    if setting.kind != "by_year" or not parts[3].isdigit():
        raise OptimiseError(
            file, where, f"{programme}.{name} is not set year by year", f"use programmes.{programme}.{name}"
        )
    year = int(parts[3])
    if year not in start.horizon.years:
        first, last = start.horizon.start.year, start.horizon.end.year
        raise OptimiseError(file, where, f"{year} is outside the horizon {first}–{last}", "use a year of the horizon")
    return setting, year


def _profile(given: Any, key: str, start: Scenario, where: str, file: str) -> dict[int, float]:
    """Year → share of a total: the starting scenario's own split, or the shares given."""
    if given == START:
        programme = key.split(".")[1]
        budget = (start.programmes.get(programme) or {}).get("budget_cny")
        if not isinstance(budget, Mapping) or not sum(v or 0 for v in budget.values()):
            raise OptimiseError(
                file,
                where,
                f"the starting scenario gives {programme} no yearly budget to take the split from",
                "give the shares by year, e.g. profile: {2016: 0.6, 2017: 0.4}",
            )
        total = sum(v or 0 for v in budget.values())
        given = {year: (value or 0) / total for year, value in budget.items()}
    if not isinstance(given, Mapping) or not given:
        raise OptimiseError(
            file, where, f"expected start or shares by year, got {given!r}", "e.g. {2016: 0.6, 2017: 0.4}"
        )
    shares = {}
    for year, share in given.items():
        if not str(year).isdigit() or int(year) not in start.horizon.years:
            raise OptimiseError(file, f"{where}.{year}", "not a year of the horizon", "use years of the horizon")
        if isinstance(share, bool) or not isinstance(share, int | float) or share < 0:
            raise OptimiseError(file, f"{where}.{year}", f"expected a share of 0 or more, got {share!r}")
        shares[int(year)] = float(share)
    if not math.isclose(sum(shares.values()), 1.0, abs_tol=1e-6):
        raise OptimiseError(
            file, where, f"the shares add up to {sum(shares.values()):g}, not 1", "make the yearly shares sum to 1"
        )
    return {year: shares.get(year, 0.0) for year in start.horizon.years}  # a year not given has no money


def _tidy(value: float) -> float:
    """Round away binary noise (0.55 instead of 0.5500000000000001)."""
    return float(f"{value:.12g}")
