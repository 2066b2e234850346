"""A validated optimise problem: its objectives, constraints, confirmation and marginal step.

:class:`Problem` maps a decision vector to scenario settings and a resolved scenario, scores a
candidate's runs on every metric, and tells whether the constraints hold; the file it is read
from is :mod:`fupin_sim.experiments.optimisation.optimise_file`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fupin_sim.config.scenario import Scenario
from fupin_sim.config.settings import Month
from fupin_sim.errors import ScenarioError
from fupin_sim.experiments.optimisation.checks import OptimiseError
from fupin_sim.experiments.optimisation.metrics import COST, PLAN, PROBABILITY, VALUE, Estimate, Metric, estimate
from fupin_sim.experiments.optimisation.variables import START, Variable
from fupin_sim.experiments.sweeps import variant_scenario


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


def _lookup(data: Mapping[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(int(part) if part.isdigit() else part)
    return node


def _mean(value: float | Estimate) -> float:
    return value.mean if isinstance(value, Estimate) else float(value)


def _params_of(problem: Problem, row: pd.Series) -> dict[str, Any]:
    """A frontier row's decision vector, as the sampler drew it (months back to their ordinal)."""
    params = {}
    for variable in problem.variables:
        value = row[variable.key]
        params[variable.key] = Month.parse(value).ordinal if variable.kind == "month" else _plain(value)
    return params


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
