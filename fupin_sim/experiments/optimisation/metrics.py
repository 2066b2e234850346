"""The metrics a plan is judged by: their names, how each is read off the runs, and its estimate.

:func:`parse_metric` checks a metric's name against the starting scenario (horizon, targets);
:meth:`Metric.per_replication` computes it in each replication from the yearly table that
:func:`plan_measures` measures on the workers and :func:`yearly_table` rebuilds; :func:`estimate`
gives the mean over replications with its 5–95 % interval.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import beta

from fupin_sim.config.scenario import Scenario
from fupin_sim.config.settings import did_you_mean
from fupin_sim.experiments.optimisation.checks import OptimiseError
from fupin_sim.experiments.search import Candidate

PROBABILITY, VALUE, PLAN = "probability", "value", "plan"  # how a metric is estimated
COST = "total_cost_cny"
INTERVAL_LEVEL = 0.90  # in-sample and out-of-sample intervals: 5 % to 95 %


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


# A study stores its measure's qualified name in its identity (fupin_sim.experiments.search): the name
# it had before this package was split keeps the output folders of older studies resumable.
plan_measures.__module__ = "fupin_sim.experiments.optimisation"


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
