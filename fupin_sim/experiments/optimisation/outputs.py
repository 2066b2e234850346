"""What a study writes: the frontier (CSV, Parquet), the plans as scenario files, the charts.

:func:`plan_scenario` turns a plan into a scenario file that ``extends`` the starting scenario
with only the settings it changes; :func:`write_outputs` writes every file of a result into
its output folder, each plan file opening with its in- and out-of-sample figures.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from fupin_sim.errors import UserError
from fupin_sim.experiments.optimisation.confirmation import SUFFIX_IN, SUFFIX_OUT
from fupin_sim.experiments.optimisation.problem import Problem, _lookup, _params_of

if TYPE_CHECKING:
    from fupin_sim.experiments.optimisation.study import OptimiseResult

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
