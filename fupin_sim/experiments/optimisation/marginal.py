"""Marginal costs: per programme, what one more sustained exit costs around a plan.

:func:`marginal_costs` gives each programme with a yearly budget ``marginal.step_cny`` more and
compares its runs with the plan's on the same fresh seeds (finite differences).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from fupin_sim.errors import UserError
from fupin_sim.experiments.optimisation.engine import make_search
from fupin_sim.experiments.optimisation.metrics import VALUE, Metric, yearly_table
from fupin_sim.experiments.optimisation.problem import Problem


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
