"""The out-of-sample check: which plans to confirm, and their re-runs on fresh seeds.

:func:`chosen_trials` picks the plans of a finished study (the best feasible trials, the
Pareto set, or the closest to feasible); :func:`confirm_plans` re-runs them and the starting
scenario on the confirmation's seed and sets the in-sample and out-of-sample figures side by
side, flagging a probability that falls outside its in-sample interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from fupin_sim.errors import UserError
from fupin_sim.experiments.optimisation.engine import make_search
from fupin_sim.experiments.optimisation.metrics import PLAN, PROBABILITY, Estimate, yearly_table
from fupin_sim.experiments.optimisation.problem import Problem
from fupin_sim.experiments.search import Search, Trial

START_LABEL = "start"
SUFFIX_IN, SUFFIX_OUT = "in", "out"


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
