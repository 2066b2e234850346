"""Budget optimisation: the cheapest plan that meets the targets, and the cost–target frontier.

An optimise file names a starting scenario, the **decision variables** (programme settings
by the sweep files' dotted keys, each with bounds), one or several **objectives** and the
**constraints**::

    description: The cheapest plan meeting the 2016 and 2017 targets
    scenario: decision_2016          # the starting scenario (a shipped name or a path beside this file)
    seed: 20160806                   # base seed of every candidate's replications (default: the scenario's)
    reps: 8                          # replications per candidate (common random numbers across candidates)
    population_scale: 0.25           # scale of the candidates' runs (budgets scale with it)
    trials: 300                      # candidates to try (``--trials`` overrides)
    sampler_seed: 1                  # seed of the Optuna sampler (TPE; NSGA-II for several objectives)
    variables:
      programmes.industry.budget_cny.2016: {range: [0, 4.0e+7], step: 1.0e+6}   # one year's budget
      programmes.relocation.budget_cny: {total: [5.0e+7, 2.0e+8], step: 1.0e+6, profile: start}
      programmes.employment.public_jobs: {range: [0, 3000], step: 100}          # a capacity
      programmes.industry.targeting: {choices: [village_plan, poorest_first]}   # a targeting order
      programmes.relocation.construction_start: {range: [2016-01, 2016-12]}     # a start month
    objectives:                      # metric: minimise | maximise (several: a Pareto frontier)
      total_cost_cny: minimise
    constraints:                     # metric: {min: x} and/or {max: y}, on the mean over replications
      p_exit_target_2016: {min: 0.9}
      total_cost_cny: {max: 1.0e+9}
    confirm:                         # the chosen plans re-run on fresh seeds (no optimism bias)
      reps: 20
      population_scale: 1.0
      seed: 20170806                 # must differ from seed (default: seed + 1)
      plans: 8                       # at most this many plans of the frontier
    marginal:                        # optional: per programme, the cost of one more sustained exit
      step_cny: 5.0e+6               # extra money for the programme, spread over its budget years
      reps: 10

A ``total`` variable is a programme's money over the horizon, spread over the years by its
``profile`` (``start``: the starting scenario's own split; or shares by year that sum to 1).
Metrics (all for the full district, whatever the scale of the runs): ``total_cost_cny``
(spending over the horizon), ``spending_cny_<year>``, ``budget_cny_total`` and
``budget_cny_<year>`` (the capped budgets the plan sets, known before any run),
``p_exit_target_<year>`` and ``p_village_target_<year>`` (the share of replications meeting
the target), ``p_all_targets`` (every target of every year in one replication),
``returns_<first>_<last>`` (households returning to poverty over those years),
``sustained_exits`` (households out of poverty at the end), ``cost_per_sustained_exit_cny``,
``transfer_dependent_share`` (exits that rest on transfers), ``exit_share_cum_<year>``.

This module holds the file format, the mapping from a decision vector to a scenario, the
scores, the frontier and its plan files; the search itself (Optuna, replications on the
executors, the resumable store) is :mod:`fupin_sim.experiments.search`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.stats import beta

from fupin_sim.config import yamlfile
from fupin_sim.config.scenario import Scenario, load_scenario
from fupin_sim.config.settings import Month, did_you_mean
from fupin_sim.errors import ScenarioError, UserError
from fupin_sim.experiments.search import Candidate, Score, Search, Trial
from fupin_sim.experiments.sweeps import variant_scenario
from fupin_sim.programmes import REGISTRY

FILE_KEYS = (
    "description",
    "scenario",
    "seed",
    "reps",
    "population_scale",
    "trials",
    "minutes",
    "sampler_seed",
    "variables",
    "objectives",
    "constraints",
    "confirm",
    "marginal",
)
VARIABLE_KEYS = ("range", "step", "choices", "total", "profile")
CONFIRM_KEYS = ("reps", "population_scale", "seed", "plans")
MARGINAL_KEYS = ("step_cny", "reps")
DIRECTIONS = {"minimise": "minimize", "minimize": "minimize", "maximise": "maximize", "maximize": "maximize"}
BOUNDS = ("min", "max")
START = "start"  # profile: the starting scenario's own split of a budget over the years
INTERVAL_LEVEL = 0.90  # in-sample and out-of-sample intervals: 5 % to 95 %
DEFAULTS = {"reps": 8, "population_scale": 0.25, "trials": 100, "sampler_seed": 0}
CONFIRM_DEFAULTS = {"reps": 20, "population_scale": 1.0, "plans": 8}
MARGINAL_DEFAULTS = {"reps": 10}

PROBABILITY, VALUE, PLAN = "probability", "value", "plan"  # how a metric is estimated
COST = "total_cost_cny"


class OptimiseError(ScenarioError):
    """An optimise file is invalid (file, key, problem and fix, like a scenario error)."""


# --- metrics -----------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """A figure a plan is judged by.

    Attributes:
        name: as written in the file (``p_exit_target_2016``).
        kind: ``probability`` (share of replications), ``value`` (mean over replications) or
            ``plan`` (read off the plan's settings, known before any run).
        years: the years it covers (one for a yearly metric; the horizon for totals).
    """

    name: str
    kind: str
    years: tuple[int, ...]

    def per_replication(self, table: pd.DataFrame, scale: float) -> pd.Series:
        """The metric in each replication of one candidate (full district).

        Args:
            table: the yearly table of one candidate, all its replications.
            scale: the population scale the table was run at (counts and money are divided by it).
        """
        rows = table[table.year.isin(self.years)]
        by_rep = rows.groupby("replication", sort=True)
        base = _base_name(self.name)
        if base == "total_cost_cny" or base == "spending_cny":
            return by_rep.spending_cny.sum() / scale
        if base in ("p_exit_target", "p_village_target"):
            column = "exit_target_met" if base == "p_exit_target" else "village_target_met"
            return by_rep[column].agg(lambda met: float(met.astype(bool).all()))
        if base == "p_all_targets":
            met = rows[["exit_target_met", "village_target_met"]]
            ok = met.apply(lambda column: column.map(lambda v: True if pd.isna(v) else bool(v))).all(axis=1)
            return ok.groupby(rows.replication).all().astype(float)
        if base == "returns":
            return by_rep.returns_households.sum() / scale
        if base == "exit_share_cum":
            return by_rep.exit_share_cum.mean()
        exits, returns = by_rep.exits_households.sum(), by_rep.returns_households.sum()
        if base == "sustained_exits":
            return (exits - returns) / scale
        if base == "cost_per_sustained_exit_cny":
            return by_rep.spending_cny.sum() / (exits - returns).where(exits > returns)
        if base == "transfer_dependent_share":
            return by_rep.exits_transfer_dependent.sum() / exits.where(exits > 0)
        raise AssertionError(f"no rule for metric {self.name}")  # parse_metric admits only the names above

    def of_plan(self, scenario: Mapping[str, Any]) -> float:
        """A ``plan`` metric: the capped budgets a resolved scenario sets in the metric's years."""
        total = 0.0
        for settings in scenario["programmes"].values():
            budget = settings.get("budget_cny")
            if isinstance(budget, Mapping):
                total += sum(float(v) for y, v in budget.items() if int(y) in self.years and v is not None)
        return total


METRIC_PATTERNS = {
    r"total_cost_cny": VALUE,
    r"spending_cny_(\d{4})": VALUE,
    r"budget_cny_total": PLAN,
    r"budget_cny_(\d{4})": PLAN,
    r"p_exit_target_(\d{4})": PROBABILITY,
    r"p_village_target_(\d{4})": PROBABILITY,
    r"p_all_targets": PROBABILITY,
    r"returns_(\d{4})_(\d{4})": VALUE,
    r"sustained_exits": VALUE,
    r"cost_per_sustained_exit_cny": VALUE,
    r"transfer_dependent_share": VALUE,
    r"exit_share_cum_(\d{4})": VALUE,
}
METRIC_EXAMPLES = (
    "total_cost_cny",
    "spending_cny_2016",
    "budget_cny_total",
    "budget_cny_2016",
    "p_exit_target_2016",
    "p_village_target_2017",
    "p_all_targets",
    "returns_2017_2020",
    "sustained_exits",
    "cost_per_sustained_exit_cny",
    "transfer_dependent_share",
    "exit_share_cum_2017",
)


def parse_metric(name: Any, scenario: Scenario, file: str, where: str) -> Metric:
    """A metric by name, its years checked against the scenario's horizon and targets.

    Args:
        name: the metric's name as written.
        scenario: the starting scenario.
        file: the optimise file (for error messages).
        where: the key it was given under (``objectives``, ``constraints``).

    Raises:
        OptimiseError: an unknown metric (with "did you mean"), a year outside the horizon,
            or a target probability for a year without a target.
    """
    text = str(name)
    horizon = tuple(scenario.horizon.years)
    for pattern, kind in METRIC_PATTERNS.items():
        match = re.fullmatch(pattern, text)
        if match is None:
            continue
        years = tuple(int(y) for y in match.groups())
        for year in years:
            if year not in horizon:
                raise OptimiseError(
                    file,
                    f"{where}.{text}",
                    f"{year} is outside the scenario's horizon {horizon[0]}–{horizon[-1]}",
                    "use a year of the horizon",
                )
        if len(years) == 2:
            if years[0] > years[1]:
                raise OptimiseError(file, f"{where}.{text}", "the first year is after the last", "swap them")
            years = tuple(range(years[0], years[1] + 1))
        elif not years:
            years = horizon
        target = {"p_exit_target": "exit_share_cum", "p_village_target": "villages_delisted_cum"}.get(_base_name(text))
        if target and years[0] not in (scenario.targets.get(target) or {}):
            known = sorted(scenario.targets.get(target) or {})
            raise OptimiseError(
                file,
                f"{where}.{text}",
                f"the scenario sets no {target} target for {years[0]}",
                f"use a year with a target ({', '.join(map(str, known)) or 'none'}), or set targets.{target}",
            )
        return Metric(text, kind, years)
    raise OptimiseError(file, f"{where}.{text}", "unknown metric", did_you_mean(text, METRIC_EXAMPLES))


def _base_name(name: str) -> str:
    """The metric's name without its years (``p_exit_target_2016`` → ``p_exit_target``)."""
    return re.sub(r"(_\d{4})+$", "", name)


@dataclass(frozen=True)
class Estimate:
    """A metric of one candidate: the mean over replications and its 5–95 % interval.

    For a probability the interval is Jeffreys' interval for a binomial share (where the
    probability itself may lie, given ``n`` replications); for a value it is the range that
    holds 90 % of the replications (as everywhere in the workbench); a plan metric has none.
    """

    mean: float
    low: float
    high: float
    n: int


def estimate(metric: Metric, values: pd.Series) -> Estimate:
    """The mean of a metric over replications and its interval (see :class:`Estimate`)."""
    present = values.dropna().to_numpy(dtype=float)
    n = len(present)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean = float(present.mean())
    if metric.kind == PROBABILITY:
        hits = float(present.sum())
        tail = (1 - INTERVAL_LEVEL) / 2
        low = 0.0 if hits == 0 else float(beta.ppf(tail, hits + 0.5, n - hits + 0.5))
        high = 1.0 if hits == n else float(beta.ppf(1 - tail, hits + 0.5, n - hits + 0.5))
        return Estimate(mean, low, high, n)
    low, high = np.quantile(present, [(1 - INTERVAL_LEVEL) / 2, (1 + INTERVAL_LEVEL) / 2])
    return Estimate(mean, float(low), float(high), n)


# --- decision variables ------------------------------------------------------------


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
    for name in spec:
        if name not in VARIABLE_KEYS:
            raise OptimiseError(file, f"{where}.{name}", "unknown key", did_you_mean(name, VARIABLE_KEYS))
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


# --- the problem ---------------------------------------------------------------------


@dataclass(frozen=True)
class Objective:
    """A metric to minimise or maximise (``direction`` in Optuna's spelling)."""

    metric: Metric
    direction: str


@dataclass(frozen=True)
class Constraint:
    """Bounds on a metric's mean over replications.

    Attributes:
        metric: the metric.
        low, high: the bounds (None: unbounded; ``start``: the starting scenario's own in-sample
            mean, until :meth:`resolved` replaces it by the number).
    """

    metric: Metric
    low: float | str | None
    high: float | str | None

    def violation(self, value: float) -> float:
        """How far ``value`` lies outside the bounds, relative to them (0 or less: within; NaN counts as outside)."""
        if math.isnan(value):
            return 1.0
        over = [(value - self.high) / max(abs(self.high), 1e-9)] if self.high is not None else []
        under = [(self.low - value) / max(abs(self.low), 1e-9)] if self.low is not None else []
        return max(over + under)

    def resolved(self, start: Mapping[str, Estimate]) -> Constraint:
        """The constraint with ``start`` bounds replaced by the starting scenario's mean."""
        value = start[self.metric.name].mean

        def number(bound: float | str | None) -> float | None:
            return value if bound == START else bound

        return Constraint(self.metric, number(self.low), number(self.high))

    def describe(self) -> str:
        """``p_exit_target_2016 ≥ 0.9`` and the like."""
        parts = [f"≥ {_bound(self.low)}"] if self.low is not None else []
        parts += [f"≤ {_bound(self.high)}"] if self.high is not None else []
        return f"{self.metric.name} {' and '.join(parts)}"


def _bound(value: float | str) -> str:
    return value if isinstance(value, str) else f"{value:g}"


@dataclass
class Confirmation:
    """How the chosen plans are re-run: fresh seed, replications, scale, how many plans."""

    seed: int
    reps: int
    population_scale: float
    plans: int


@dataclass
class Marginal:
    """The finite-difference step of the marginal cost per programme (yuan) and its replications."""

    step_cny: float
    reps: int


@dataclass
class Problem:
    """A validated optimise file.

    Attributes:
        file: the optimise file.
        name: its stem.
        start: the starting scenario (its ``seed`` is the base seed of the candidates).
        variables: the decision variables.
        objectives: one or several.
        constraints: bounds on metrics.
        reps: replications per candidate.
        population_scale: the candidates' scale.
        trials: candidates to try.
        minutes: wall-clock budget (None: none).
        sampler_seed: the sampler's seed.
        confirm: the out-of-sample re-run.
        marginal: the marginal-cost step, or None.
        description: what the study answers.
    """

    file: str
    name: str
    start: Scenario
    variables: list[Variable]
    objectives: list[Objective]
    constraints: list[Constraint]
    reps: int
    population_scale: float
    trials: int
    minutes: float | None
    sampler_seed: int
    confirm: Confirmation
    marginal: Marginal | None = None
    description: str = ""

    @property
    def metrics(self) -> list[Metric]:
        """Every metric of the objectives and constraints, once each, in file order, and the total cost
        (the figure every plan is read by)."""
        found = {m.metric.name: m.metric for m in [*self.objectives, *self.constraints]}
        found.setdefault(COST, Metric(COST, VALUE, tuple(self.start.horizon.years)))
        return list(found.values())

    @property
    def directions(self) -> list[str]:
        """The objectives' directions (``minimize``/``maximize``)."""
        return [o.direction for o in self.objectives]

    def search_space(self) -> dict[str, Any]:
        """Variable key → Optuna distribution."""
        return {v.key: v.distribution() for v in self.variables}

    def inputs(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The scenario settings (vary key → value) of a decision vector.

        Args:
            params: variable key → value; a variable left out keeps the starting scenario's
                setting, and a key that is not a variable is a scenario setting passed on as is.
        """
        found: dict[str, Any] = {}
        for variable in self.variables:
            if variable.key in params:
                found.update(variable.inputs(params[variable.key]))
        found.update({key: value for key, value in params.items() if key not in self._variable_keys})
        return found

    @property
    def _variable_keys(self) -> set[str]:
        return {v.key for v in self.variables}

    def scenario(self, params: Mapping[str, Any], *, seed: int | None = None, scale: float | None = None) -> dict:
        """The resolved scenario of a decision vector at a seed and scale (default: the study's).

        Raises:
            OptimiseError: the values make an invalid scenario (naming the variable).
        """
        base = self.start.to_dict()
        base["seed"] = self.start.seed if seed is None else seed
        base["population_scale"] = self.population_scale if scale is None else scale
        try:
            return variant_scenario(base, self.inputs(params), self.file, "candidate")
        except ScenarioError as err:
            raise OptimiseError(err.file, err.key.replace("vary.", "variables.", 1), err.problem, err.fix) from None

    def start_params(self) -> dict[str, Any] | None:
        """The starting scenario's own decision vector, or None when a variable's value lies off its bounds.

        Used to try the starting plan first (a feasible point to improve on).
        """
        params = {}
        resolved = self.start.to_dict()
        for variable in self.variables:
            value = _lookup(resolved, variable.key)
            if variable.kind == "total":
                value = sum(v or 0 for v in (value or {}).values()) if isinstance(value, Mapping) else None
            elif variable.kind == "month":
                value = None if value is None else Month.parse(value).ordinal
            if variable.kind == "choice":
                if value not in variable.choices:
                    return None
            elif value is None or not variable.low <= value <= variable.high:
                return None
            elif variable.step and not math.isclose(
                (value - variable.low) / variable.step, round((value - variable.low) / variable.step)
            ):
                return None
            params[variable.key] = value
        return params

    def score(self, table: pd.DataFrame, params: Mapping[str, Any], scale: float) -> dict[str, Estimate]:
        """Each metric of one candidate, from the yearly table of its replications.

        Args:
            table: the yearly rows of the candidate (all replications).
            params: the candidate's decision vector (for the plan metrics).
            scale: the population scale the table was run at.
        """
        scenario = self.scenario(params) if any(m.kind == PLAN for m in self.metrics) else None
        scores = {}
        for metric in self.metrics:
            if metric.kind == PLAN:
                value = metric.of_plan(scenario)
                scores[metric.name] = Estimate(value, value, value, 0)
            else:
                scores[metric.name] = estimate(metric, metric.per_replication(table, scale))
        return scores

    def objective_values(self, scores: Mapping[str, Estimate]) -> list[float]:
        """The objectives' means (what the sampler sees)."""
        return [scores[o.metric.name].mean for o in self.objectives]

    def violations(self, scores: Mapping[str, float | Estimate]) -> list[float]:
        """Each constraint's relative violation (≤ 0: met), from means or estimates."""
        return [c.violation(_mean(scores[c.metric.name])) for c in self.constraints]

    def target_year(self) -> int:
        """The last year of a target probability the study asks about (else the scenario's last target year)."""
        years = [m.years[-1] for m in self.metrics if m.kind == PROBABILITY]
        targets = [y for target in self.start.targets.values() for y in (target or {})]
        return max(years or targets or [self.start.horizon.end.year])

    def with_start_bounds(self, start: Mapping[str, Estimate]) -> Problem:
        """The problem with every ``start`` bound replaced by the starting scenario's in-sample mean."""
        return dataclasses.replace(self, constraints=[c.resolved(start) for c in self.constraints])

    @property
    def needs_start(self) -> bool:
        """Whether a constraint is bounded by the starting scenario's own figure."""
        return any(START in (c.low, c.high) for c in self.constraints)

    def feasible(self, scores: Mapping[str, float | Estimate]) -> bool:
        """Whether every constraint holds."""
        return all(v <= 0 for v in self.violations(scores))


def load_problem(path: str | Path) -> Problem:
    """Read and validate an optimise file.

    Raises:
        UserError: the file does not exist.
        OptimiseError: the file is invalid (the message names the key and the fix).
    """
    path = Path(path)
    file = str(path)
    try:
        raw = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"optimise file {file} not found") from None
    except yaml.YAMLError as err:
        raise OptimiseError(
            file, "(file)", f"not valid YAML: {err}".replace("\n", " "), "fix the YAML syntax"
        ) from None
    if not isinstance(raw, dict):
        raise OptimiseError(
            file, "(file)", "an optimise file must be a mapping of keys to values", "see optimise/*.yaml"
        )
    for key in raw:
        if key not in FILE_KEYS:
            raise OptimiseError(file, str(key), "unknown key", did_you_mean(key, FILE_KEYS))
    start = _start_scenario(raw, path)
    seed = _number(raw, "seed", start.seed, file, whole=True, minimum=0)
    start = start.replace(seed=seed)
    variables = _mapping(
        raw, "variables", file, "e.g. variables: {programmes.industry.budget_cny.2016: {range: [0, 4.0e+7]}}"
    )
    objectives = _mapping(raw, "objectives", file, "e.g. objectives: {total_cost_cny: minimise}")
    problem = Problem(
        file=file,
        name=path.stem,
        start=start,
        variables=[parse_variable(str(k), spec, start, file) for k, spec in variables.items()],
        objectives=[_objective(k, d, start, file) for k, d in objectives.items()],
        constraints=[_constraint(k, b, start, file) for k, b in (_mapping(raw, "constraints", file, "", True)).items()],
        reps=_number(raw, "reps", DEFAULTS["reps"], file, whole=True, minimum=1),
        population_scale=_scale(raw, "population_scale", DEFAULTS["population_scale"], file),
        trials=_number(raw, "trials", DEFAULTS["trials"], file, whole=True, minimum=1),
        minutes=_number(raw, "minutes", None, file, minimum=0, nullable=True),
        sampler_seed=_number(raw, "sampler_seed", DEFAULTS["sampler_seed"], file, whole=True, minimum=0),
        confirm=_confirmation(raw.get("confirm"), seed, file),
        marginal=_marginal(raw.get("marginal"), file),
        description=str(raw.get("description") or "").strip(),
    )
    problem.scenario({v.key: _middle(v) for v in problem.variables})  # settings the programmes refuse fail here
    return problem


def _start_scenario(raw: Mapping[str, Any], path: Path) -> Scenario:
    name = raw.get("scenario")
    if not isinstance(name, str) or not name:
        raise OptimiseError(str(path), "scenario", "missing: the starting scenario", "add e.g. scenario: decision_2016")
    beside = path.parent / name
    try:
        return load_scenario(beside if beside.suffix in (".yaml", ".yml") and beside.exists() else name)
    except ScenarioError:
        raise
    except UserError:
        from fupin_sim.config.scenario import SCENARIO_DIR

        shipped = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
        raise OptimiseError(
            str(path),
            "scenario",
            f"no scenario {name!r} (shipped, or a file beside this one)",
            did_you_mean(name, shipped),
        ) from None


def _mapping(raw: Mapping[str, Any], key: str, file: str, example: str, optional: bool = False) -> Mapping[str, Any]:
    given = raw.get(key)
    if given is None and optional:
        return {}
    if not isinstance(given, Mapping) or not given:
        problem = "missing" if given is None else f"expected a non-empty mapping, got {given!r}"
        raise OptimiseError(file, key, problem, example)
    return given


def _objective(name: Any, direction: Any, start: Scenario, file: str) -> Objective:
    metric = parse_metric(name, start, file, "objectives")
    if direction not in DIRECTIONS:
        raise OptimiseError(
            file,
            f"objectives.{name}",
            f"expected minimise or maximise, got {direction!r}",
            did_you_mean(direction, DIRECTIONS),
        )
    return Objective(metric, DIRECTIONS[direction])


def _constraint(name: Any, bounds: Any, start: Scenario, file: str) -> Constraint:
    metric = parse_metric(name, start, file, "constraints")
    where = f"constraints.{name}"
    if not isinstance(bounds, Mapping) or not bounds:
        raise OptimiseError(file, where, f"expected {{min: x}} and/or {{max: y}}, got {bounds!r}", "e.g. {min: 0.9}")
    for key, value in bounds.items():
        if key not in BOUNDS:
            raise OptimiseError(file, f"{where}.{key}", "unknown key", did_you_mean(key, BOUNDS))
        if value == START and metric.kind != PLAN:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise OptimiseError(
                file, f"{where}.{key}", f"expected a number or start, got {value!r}", "e.g. max: 1.0e+9, or max: start"
            )
    low, high = (None if v is None or v == START else float(v) for v in (bounds.get("min"), bounds.get("max")))
    if metric.kind == PROBABILITY and any(v is not None and not 0 <= v <= 1 for v in (low, high)):
        raise OptimiseError(file, where, "a probability lies between 0 and 1", "e.g. {min: 0.9}")
    if low is not None and high is not None and low > high:
        raise OptimiseError(file, where, f"min ({low:g}) is above max ({high:g})", "swap them")
    return Constraint(metric, bounds.get("min") if low is None else low, bounds.get("max") if high is None else high)


def _confirmation(given: Any, seed: int, file: str) -> Confirmation:
    given = _section(given, "confirm", CONFIRM_KEYS, file)
    fresh = _number(given, "seed", seed + 1, file, whole=True, minimum=0, where="confirm.seed")
    if fresh == seed:
        raise OptimiseError(
            file,
            "confirm.seed",
            "the plans must be re-run on fresh random numbers, but this is the study's seed",
            f"use another seed, e.g. {seed + 1}",
        )
    return Confirmation(
        seed=fresh,
        reps=_number(given, "reps", CONFIRM_DEFAULTS["reps"], file, whole=True, minimum=1, where="confirm.reps"),
        population_scale=_scale(given, "population_scale", CONFIRM_DEFAULTS["population_scale"], file, "confirm."),
        plans=_number(given, "plans", CONFIRM_DEFAULTS["plans"], file, whole=True, minimum=1, where="confirm.plans"),
    )


def _marginal(given: Any, file: str) -> Marginal | None:
    if given is None:
        return None
    given = _section(given, "marginal", MARGINAL_KEYS, file)
    if "step_cny" not in given:
        raise OptimiseError(
            file, "marginal.step_cny", "missing: the extra money per programme", "e.g. step_cny: 5.0e+6"
        )
    return Marginal(
        step_cny=_number(given, "step_cny", None, file, minimum=1, where="marginal.step_cny"),
        reps=_number(given, "reps", MARGINAL_DEFAULTS["reps"], file, whole=True, minimum=1, where="marginal.reps"),
    )


def _section(given: Any, key: str, keys: Sequence[str], file: str) -> Mapping[str, Any]:
    given = {} if given is None else given
    if not isinstance(given, Mapping):
        raise OptimiseError(file, key, f"expected a mapping, got {given!r}", f"use keys {', '.join(keys)}")
    for name in given:
        if name not in keys:
            raise OptimiseError(file, f"{key}.{name}", "unknown key", did_you_mean(name, keys))
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


def _middle(variable: Variable) -> Any:
    """A value inside the bounds (to check the settings before anything runs)."""
    if variable.kind == "choice":
        return variable.choices[0]
    if variable.kind in ("integer", "month"):
        return int(variable.low)
    return variable.low


def _lookup(data: Mapping[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(int(part) if part.isdigit() else part)
    return node


def _mean(value: float | Estimate) -> float:
    return value.mean if isinstance(value, Estimate) else float(value)


def _tidy(value: float) -> float:
    """Round away binary noise (0.55 instead of 0.5500000000000001)."""
    return float(f"{value:.12g}")


# --- the search ------------------------------------------------------------------------

MEASURED_COLUMNS = (
    "spending_cny",
    "exit_target_met",
    "village_target_met",
    "returns_households",
    "exits_households",
    "exits_transfer_dependent",
    "exit_share_cum",
)


def plan_measures(model: Any) -> dict[str, float]:
    """The yearly figures the metrics need, as ``<column>.<year>`` (runs on the workers).

    A target outcome of a year without a target is left out (the metrics read it as no target).

    Args:
        model: a finished :class:`~fupin_sim.model.simulation.FupinModel`.
    """
    yearly = model.results().yearly.set_index("year")
    measures = {}
    for column in MEASURED_COLUMNS:
        for year, value in yearly[column].items():
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                measures[f"{column}.{year}"] = float(value)
    return measures


def yearly_table(measures: pd.DataFrame) -> pd.DataFrame:
    """A candidate's measures (one row per replication, ``<column>.<year>`` columns) as a yearly table.

    Args:
        measures: what the search measured (``scenario``, ``replication`` and measure columns).

    Returns:
        One row per replication and year, one column per measured yearly column (a target
        outcome that no year has is all missing).
    """
    table = Candidate(-1, {}, measures).yearly()
    return table.reindex(columns=["replication", "year", *MEASURED_COLUMNS])


@dataclass(frozen=True)
class Scorer:
    """Scores a measured candidate: the objectives' means, the constraints' violations, every estimate.

    Attributes:
        problem: the optimise problem.
        scale: the population scale the candidates run at.
    """

    problem: Problem
    scale: float

    def __call__(self, candidate: Candidate) -> Score:
        """The :class:`~fupin_sim.experiments.search.Score` of a candidate (estimates in ``attrs``)."""
        scores = self.problem.score(yearly_table(candidate.measures), candidate.inputs, self.scale)
        return Score(
            tuple(self.problem.objective_values(scores)),
            tuple(self.problem.violations(scores)),
            attrs={name: dataclasses.asdict(value) for name, value in scores.items()},
        )


def make_search(problem: Problem, *, confirmation: bool = False) -> Search:
    """The engine's search for a problem (the study), or for re-running its plans on fresh seeds.

    Args:
        problem: the optimise problem.
        confirmation: the out-of-sample search: the confirmation's seed, replications and scale.
    """
    confirm = problem.confirm
    scale = confirm.population_scale if confirmation else problem.population_scale
    return Search(
        name=problem.name,
        scenarios=[problem.start],
        space=problem.search_space(),
        measure=plan_measures,
        score=Scorer(problem, scale),
        objectives=[o.metric.name for o in problem.objectives],
        directions=problem.directions,
        constraints=[c.describe() for c in problem.constraints],
        reps=confirm.reps if confirmation else problem.reps,
        population_scale=scale,
        seed=confirm.seed if confirmation else problem.start.seed,
        sampler="nsga2" if len(problem.objectives) > 1 else "tpe",
        sampler_seed=problem.sampler_seed,
        population_size=max(4, min(50, problem.trials // 6)),
        file=problem.file,
        definition={"optimise": problem.name, "variables": [dataclasses.asdict(v) for v in problem.variables]},
        decode=problem.inputs,
    )


# --- running, confirming, the frontier -----------------------------------------------------

START_LABEL = "start"
SUFFIX_IN, SUFFIX_OUT = "in", "out"


@dataclass
class OptimiseResult:
    """What a study found, confirmed on fresh seeds.

    Attributes:
        problem: the optimise problem.
        search: the engine's result (every trial, the best, the Pareto set, the Optuna study).
        frontier: one row per chosen plan: ``plan``, ``trial``, the variables, each metric
            in-sample (``<metric>_in``, ``_in_low``, ``_in_high``) and out-of-sample
            (``<metric>_out`` …), ``feasible_in``, ``feasible_out``, ``flagged`` (an
            out-of-sample probability outside its in-sample interval) and ``flagged_metrics``.
        start: the starting scenario scored the same way (one row, ``plan`` = ``start``).
        marginal: per programme, the cost of one more sustained exit around the first plan
            (None without a ``marginal`` section or a plan).
        out: the output folder.
        still_poor: why the registered households still poor under the chosen plan stay poor,
            after the last target year (see :func:`still_poor`; one replication on the fresh seed).
    """

    problem: Problem
    search: Any
    frontier: pd.DataFrame
    start: pd.DataFrame
    marginal: pd.DataFrame | None
    out: Path
    still_poor: pd.DataFrame | None = None

    @property
    def chosen(self) -> pd.Series | None:
        """The first plan that stays feasible out of sample (else the first plan), or None."""
        if self.frontier.empty:
            return None
        confirmed = self.frontier[self.frontier.feasible_out]
        return (confirmed if len(confirmed) else self.frontier).iloc[0]


def optimise(
    problem: Problem | str | Path,
    out: Path | str,
    *,
    trials: int | None = None,
    minutes: float | None = None,
    trials_at_once: int = 1,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> OptimiseResult:
    """Run (or resume) a study, re-run the chosen plans on fresh seeds, and write the outputs.

    Args:
        problem: a problem or the path of an optimise file.
        out: the output folder (a rerun resumes the study and reuses finished runs).
        trials: trials the study should have in all (default: the file's).
        minutes: stop proposing trials after this many minutes (default: the file's, if any).
        trials_at_once: candidates proposed and evaluated together (more fill a large cluster).
        executor: ``serial``, ``processes`` (default) or ``dask``.
        workers: worker processes.
        scheduler: a Dask scheduler address.
        progress: show progress bars (None: on a terminal or in a notebook).

    Raises:
        UserError: a bad file or option, or a folder holding another study.
        KeyboardInterrupt: everything finished so far is kept; the same call resumes.
    """
    from fupin_sim.experiments.executors import make_executor
    from fupin_sim.experiments.search import open_study, run_search

    problem = problem if isinstance(problem, Problem) else load_problem(problem)
    out = Path(out)
    if problem.needs_start:
        with make_executor(executor, workers, scheduler) as pool:
            problem = problem.with_start_bounds(_start_in_sample(problem, make_search(problem), pool, out))
    search = make_search(problem)
    study = open_study(search, out)
    start = problem.start_params()
    if start is not None and not study.trials:
        study.enqueue_trial(start)  # the starting plan first: a feasible point to improve on, if it is one
    found = run_search(
        search,
        out,
        trials=trials or problem.trials,
        minutes=minutes if minutes is not None else problem.minutes,
        trials_at_once=trials_at_once,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    with make_executor(executor, workers, scheduler) as pool:
        frontier, start_row = confirm_plans(problem, found, out, pool)
        marginal = None
        if problem.marginal is not None and not frontier.empty:
            marginal = marginal_costs(problem, _params_of(problem, frontier.iloc[0]), out, pool)
    result = OptimiseResult(problem, found, frontier, start_row, marginal, out)
    if result.chosen is not None:
        year = problem.target_year()
        chosen = problem.scenario(
            _params_of(problem, result.chosen), seed=problem.confirm.seed, scale=problem.confirm.population_scale
        )
        result.still_poor = still_poor(chosen, year).assign(year=year)
    write_outputs(result)
    return result


def chosen_trials(problem: Problem, found: Any) -> list[Trial]:
    """The plans to confirm, distinct decision vectors only, at most ``confirm.plans``.

    Several objectives: the feasible Pareto set, spread along the first objective. One
    objective: the best feasible trials. No feasible trial: the trials closest to feasible
    (smallest sum of relative violations), so that the report shows how far the targets are.
    """
    limit = problem.confirm.plans
    table = found.trials
    if table.empty:
        return []
    feasible = table[table.feasible.astype(bool)]
    if feasible.empty:
        shortfall = table[[c.describe() for c in problem.constraints]].clip(lower=0).sum(axis=1)
        order = table.assign(shortfall=shortfall).sort_values(["shortfall", "trial"]).trial
        return _distinct(_trials(found, order))[:limit]
    if len(problem.objectives) == 1:
        sign = 1.0 if problem.directions[0] == "minimize" else -1.0
        ranked = sorted(_trials(found, feasible.trial), key=lambda t: (sign * t.values[0], t.number))
        return _distinct(ranked)[:limit]
    pareto = _distinct(sorted(_trials(found, [t.number for t in found.pareto]), key=lambda t: (t.values, t.number)))
    if len(pareto) <= limit:
        return pareto
    picks = sorted({round(i * (len(pareto) - 1) / (limit - 1)) for i in range(limit)}) if limit > 1 else [0]
    return [pareto[i] for i in picks]


def confirm_plans(problem: Problem, found: Any, out: Path, pool: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Re-run the chosen plans and the starting scenario on fresh seeds; in- and out-of-sample side by side.

    Args:
        problem: the optimise problem.
        found: the engine's search result.
        out: the output folder (the confirmation runs are kept in ``out/confirm``).
        pool: a running executor.

    Returns:
        The frontier (one row per plan) and the starting scenario's row.
    """
    from fupin_sim.experiments.search import evaluate
    from fupin_sim.experiments.store import ResultStore

    chosen = chosen_trials(problem, found)
    confirmation = make_search(problem, confirmation=True)
    candidates = {i: dict(trial.inputs) for i, trial in enumerate(chosen, start=1)}
    candidates[0] = {}  # the starting scenario as it is
    in_sample = {i: _estimates(trial.attrs) for i, trial in enumerate(chosen, start=1)}
    in_sample[0] = _start_in_sample(problem, found.search, pool, out)
    measured = evaluate(confirmation, candidates, pool=pool, store=ResultStore(out / "confirm"))
    rows = []
    for label, params in candidates.items():
        measures, error = measured[label]
        if error is not None:
            raise UserError(f"{problem.file}: re-running plan {label} failed: {error}")
        scores = problem.score(yearly_table(measures), params, problem.confirm.population_scale)
        row = {"plan": START_LABEL if label == 0 else label, "trial": chosen[label - 1].number if label else None}
        row.update({v.key: v.display(params[v.key]) if v.key in params else None for v in problem.variables})
        row.update(_side_by_side(problem, in_sample[label], scores))
        rows.append(row)
    plans = pd.DataFrame([row for row in rows if row["plan"] != START_LABEL])
    if plans.empty:
        plans = pd.DataFrame(columns=list(rows[0]))
    return plans.astype({"plan": int, "trial": int}), pd.DataFrame([row for row in rows if row["plan"] == START_LABEL])


def _start_in_sample(problem: Problem, search: Search, pool: Any, out: Path) -> dict[str, Estimate]:
    """The starting scenario's in-sample estimates (its runs on the study's seeds, kept in the study's store)."""
    from fupin_sim.experiments.search import evaluate
    from fupin_sim.experiments.store import ResultStore

    measures, error = evaluate(search, {0: {}}, pool=pool, store=ResultStore(out))[0]
    if error is not None:
        raise UserError(f"{problem.file}: the starting scenario failed: {error}")
    return problem.score(yearly_table(measures), {}, problem.population_scale)


def _side_by_side(problem: Problem, inside: Mapping[str, Estimate], outside: Mapping[str, Estimate]) -> dict:
    row: dict[str, Any] = {}
    flagged = []
    for metric in problem.metrics:
        for suffix, scores in ((SUFFIX_IN, inside), (SUFFIX_OUT, outside)):
            value = scores[metric.name]
            row[f"{metric.name}_{suffix}"] = value.mean
            if metric.kind != PLAN:
                row[f"{metric.name}_{suffix}_low"], row[f"{metric.name}_{suffix}_high"] = value.low, value.high
        if metric.kind == PROBABILITY:
            low, high = inside[metric.name].low, inside[metric.name].high
            if not low - 1e-12 <= outside[metric.name].mean <= high + 1e-12:
                flagged.append(metric.name)
    row["feasible_in"] = problem.feasible(inside)
    row["feasible_out"] = problem.feasible(outside)
    row["flagged"] = bool(flagged)
    row["flagged_metrics"] = ", ".join(flagged)
    return row


def marginal_costs(problem: Problem, params: Mapping[str, Any], out: Path, pool: Any) -> pd.DataFrame:
    """Per programme with a yearly budget: the cost of one more sustained exit, by finite differences.

    Each programme gets ``marginal.step_cny`` more, spread over its budget years as the plan
    spreads its own money (evenly when it has none); the plan and each variant run on the same
    fresh seeds (paired), and the marginal cost is the extra spending over the extra households
    still out of poverty at the end.

    Args:
        problem: the optimise problem (with a ``marginal`` section).
        params: the plan's decision vector.
        out: the output folder (runs kept in ``out/confirm``).
        pool: a running executor.

    Returns:
        One row per programme: ``programme``, ``extra_budget_cny``, ``extra_spending_cny``,
        ``extra_sustained_exits`` with its 5–95 % interval over replications, and
        ``marginal_cost_cny_per_sustained_exit`` (NaN when the money buys no extra exit).
    """
    from fupin_sim.experiments.search import evaluate
    from fupin_sim.experiments.store import ResultStore

    confirmation = make_search(problem, confirmation=True)
    plan = problem.scenario(params)
    years = tuple(problem.start.horizon.years)
    candidates = {0: dict(params)}
    names = {}
    for programme, settings in plan["programmes"].items():
        budget = settings.get("budget_cny")
        if not isinstance(budget, Mapping):
            continue  # an entitlement: no budget to add to
        total = sum(v or 0 for v in budget.values())
        shares = {y: (budget.get(y) or 0) / total for y in years} if total else dict.fromkeys(years, 1 / len(years))
        extra = {
            f"programmes.{programme}.budget_cny.{y}": round((budget.get(y) or 0) + problem.marginal.step_cny * share)
            for y, share in shares.items()
        }
        names[len(candidates)] = programme
        candidates[len(candidates)] = {**params, **extra}  # extra keys override what the variables set
    reps = range(problem.marginal.reps)
    measured = evaluate(confirmation, candidates, replications=reps, pool=pool, store=ResultStore(out / "confirm"))
    cost, exits = Metric("total_cost_cny", VALUE, years), Metric("sustained_exits", VALUE, years)
    scale = problem.confirm.population_scale

    def figures(label: int) -> tuple[pd.Series, pd.Series]:
        measures, error = measured[label]
        if error is not None:
            raise UserError(f"{problem.file}: a marginal-cost run failed: {error}")
        table = yearly_table(measures)
        return cost.per_replication(table, scale), exits.per_replication(table, scale)

    base_cost, base_exits = figures(0)
    rows = []
    for label, programme in names.items():
        more_cost, more_exits = figures(label)
        extra_spending, extra_exits = (more_cost - base_cost).mean(), more_exits - base_exits
        rows.append(
            {
                "programme": programme,
                "extra_budget_cny": problem.marginal.step_cny,
                "extra_spending_cny": float(extra_spending),
                "extra_sustained_exits": float(extra_exits.mean()),
                "extra_sustained_exits_low": float(extra_exits.quantile(0.05)),
                "extra_sustained_exits_high": float(extra_exits.quantile(0.95)),
                "marginal_cost_cny_per_sustained_exit": float(extra_spending / extra_exits.mean())
                if extra_exits.mean() > 0
                else math.nan,
            }
        )
    return pd.DataFrame(rows)


def _trials(found: Any, numbers: Any) -> list[Trial]:
    """Finished trials by number, with their estimates (``attrs``)."""
    trials = []
    for number in numbers:
        frozen = found.study.trials[int(number)]
        trials.append(Trial(frozen.number, dict(frozen.params), tuple(frozen.values), (), frozen.user_attrs["attrs"]))
    return trials


def _distinct(trials: list[Any]) -> list[Any]:
    seen, kept = set(), []
    for trial in trials:
        key = tuple(sorted((k, repr(v)) for k, v in trial.inputs.items()))
        if key not in seen:
            seen.add(key)
            kept.append(trial)
    return kept


def _estimates(attrs: Mapping[str, Any]) -> dict[str, Estimate]:
    return {name: Estimate(**value) for name, value in attrs.items()}


def _params_of(problem: Problem, row: pd.Series) -> dict[str, Any]:
    """A frontier row's decision vector, as the sampler drew it (months back to their ordinal)."""
    params = {}
    for variable in problem.variables:
        value = row[variable.key]
        params[variable.key] = Month.parse(value).ordinal if variable.kind == "month" else _plain(value)
    return params


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


HAVE_NAMES = ("safe_housing", "school", "insured", "safe_water", "electricity", "radio_tv")
STILL_POOR_REASONS = ("haves", "medical_bills", "no_labour", "income")


def still_poor(scenario: Scenario | Mapping[str, Any], year: int, replication: int = 0) -> pd.DataFrame:
    """Why the households registered in 2015 that are still poor after ``year``'s verification stay poor.

    Each such household gets one reason, the first that applies: ``haves`` (its income clears
    the exit bar but a have is missing), ``medical_bills`` (it would clear the bar but for its
    deductible medical bills), ``no_labour`` (no labour at all, so only transfers can lift it),
    ``income`` (it has labour, yet earns too little). Counts are for the full district.

    Args:
        scenario: the plan (its ``seed`` and ``population_scale`` are used).
        year: the verification year.
        replication: which replication (seeded as every experiment is).

    Returns:
        One row per reason: ``reason``, ``households``, ``people``, ``share`` of the still-poor
        households, and, for ``haves``, ``missing`` (households lacking each have, e.g.
        ``safe_housing 120``).
    """
    from fupin_sim.experiments.replications import replication_seed
    from fupin_sim.model.assessment import exit_bar_cny
    from fupin_sim.model.households import POOR
    from fupin_sim.model.simulation import FupinModel

    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    model = FupinModel(scenario, seed=replication_seed(scenario.seed, replication))
    while model.running and not (model.year == year and model.month == 12):
        model.step()
    if model.year != year:
        raise UserError(f"{year} is not a year of the scenario's horizon")
    hh, bar = model.households, exit_bar_cny(model)
    rows = np.flatnonzero(hh.registered_2015 & (hh.status == POOR))
    income = hh.income_pc_cny[rows]
    medical = model.params.value("assessment.medical_deduction_share") * hh.ytd_medical_oop_cny[rows] / hh.size[rows]
    haves = hh.six_haves()[rows]
    reason = np.select(
        [(income > bar) & ~haves, income + medical > bar, hh.labour_units[rows] <= 0],
        ["haves", "medical_bills", "no_labour"],
        "income",
    )
    scale = scenario.population_scale
    table = []
    for name in STILL_POOR_REASONS:
        chosen = rows[reason == name]
        missing = ""
        if name == "haves":
            lacking = {have: int((~np.asarray(getattr(hh, have))[chosen]).sum() / scale) for have in HAVE_NAMES}
            missing = ", ".join(f"{have} {n:,}" for have, n in lacking.items() if n)
        table.append(
            {
                "reason": name,
                "households": round(len(chosen) / scale),
                "people": round(int(hh.size[chosen].sum()) / scale),
                "share": len(chosen) / len(rows) if len(rows) else math.nan,
                "missing": missing,
            }
        )
    return pd.DataFrame(table)


# --- outputs ---------------------------------------------------------------------------------

PLANS_FOLDER = "plans"


def plan_scenario(problem: Problem, params: Mapping[str, Any], label: str, folder: Path) -> dict[str, Any]:
    """A plan as a scenario file's content: ``extends`` the starting scenario, only the changed settings.

    Args:
        problem: the optimise problem.
        params: the plan's decision vector.
        label: the plan's name (``<study>_plan_01``).
        folder: where the file will be written (``extends`` is a path relative to it for a
            starting scenario that is not shipped).
    """
    from fupin_sim.config.scenario import SCENARIO_DIR

    start_file = Path(problem.start.file)
    shipped = start_file.parent.resolve() == SCENARIO_DIR.resolve()
    extends = start_file.stem if shipped else os.path.relpath(start_file.resolve(), folder.resolve())
    resolved = problem.start.to_dict()
    data: dict[str, Any] = {}
    for key, value in problem.inputs(params).items():
        if _lookup(resolved, key) == value:
            continue
        node = data
        *parents, last = [int(part) if part.isdigit() else part for part in key.split(".")]
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return {"name": label, "extends": extends, **data}


def write_outputs(result: OptimiseResult) -> None:
    """Write the frontier (CSV, Parquet), the plans as scenario files, the trials, the marginal costs
    and the frontier charts (English and Chinese, PNG and SVG) into the output folder.

    Raises:
        UserError: the folder cannot be written.
    """
    from fupin_sim.workbench import frontier as frontier_chart

    problem, out = result.problem, result.out
    plans = out / PLANS_FOLDER
    try:
        plans.mkdir(parents=True, exist_ok=True)
        files = []
        for _, row in result.frontier.iterrows():
            label = f"{problem.name}_plan_{int(row.plan):02d}"
            content = plan_scenario(problem, _params_of(problem, row), label, plans)
            path = plans / f"{label}.yaml"
            path.write_text(_plan_text(problem, row, content, path), encoding="utf-8")
            files.append(str(path))
        result.frontier["plan_file"] = files
        result.frontier.to_csv(out / "frontier.csv", index=False)
        result.frontier.to_parquet(out / "frontier.parquet", index=False)
        result.start.to_csv(out / "start.csv", index=False)
        result.search.trials.to_csv(out / "trials.csv", index=False)
        if result.marginal is not None:
            result.marginal.to_csv(out / "marginal.csv", index=False)
        if result.still_poor is not None:
            result.still_poor.to_csv(out / "still_poor.csv", index=False)
        for lang in ("en", "zh") if frontier_chart.drawn_metrics(problem) else ():
            figure = frontier_chart.frontier_chart(result, lang=lang)
            for suffix in (".png", ".svg"):
                frontier_chart.save(figure, out / f"frontier_{lang}{suffix}")
    except OSError as err:
        raise UserError(f"cannot write the results to {out}: {err.strerror}") from None


def _plan_text(problem: Problem, row: pd.Series, content: Mapping[str, Any], path: Path) -> str:
    confirm = problem.confirm
    verdict = "meets every constraint" if row.feasible_out else "does NOT meet every constraint (the closest found)"
    lines = [
        f"# Plan {int(row.plan)} of {problem.file} (trial {int(row.trial)}), written by `fupin optimise`;",
        f"# on fresh seeds it {verdict}. Its out-of-sample figures:",
        f"#   fupin compare {path} --reps {confirm.reps} --seed {confirm.seed}"
        + ("" if confirm.population_scale == 1 else f" (at population_scale {confirm.population_scale:g})"),
    ]
    for metric in problem.metrics:
        inside, outside = row[f"{metric.name}_{SUFFIX_IN}"], row[f"{metric.name}_{SUFFIX_OUT}"]
        lines.append(f"#   {metric.name}: in-sample {_format(inside)}, out-of-sample {_format(outside)}")
    header = "\n".join(lines) + "\n"
    return header + yaml.safe_dump(dict(content), sort_keys=False, allow_unicode=True)


def _format(value: float | None) -> str:
    """A figure for a plan file's comment: whole yuan with separators from 1,000 up, never an exponent."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
