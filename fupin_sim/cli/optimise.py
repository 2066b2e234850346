"""``fupin optimise FILE``: the cheapest plan that meets the targets, or the cost–target frontier.

Runs (or resumes) the study of an optimise file (see :mod:`fupin_sim.experiments.optimisation`),
re-runs the chosen plans on fresh seeds, writes the frontier, the plans as scenario files and the
charts to the output folder, and prints the plans with their in-sample and out-of-sample figures.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from fupin_sim.cli.arguments import add_experiment_arguments, chosen_executor, positive_int, positive_number


def register(commands: Any) -> None:
    """Add ``optimise`` to the ``fupin`` sub-commands.

    Args:
        commands: the ``argparse`` sub-parser collection.
    """
    command = commands.add_parser(
        "optimise", help="search budgets, capacities, targeting and start months for the cheapest plan or a frontier"
    )
    command.add_argument("optimise_file", type=Path, help="optimise YAML (see optimise/)")
    command.add_argument(
        "--trials", type=positive_int, help="trials the study should have in all (default: the file's)"
    )
    command.add_argument("--minutes", type=positive_number, help="stop proposing trials after this many minutes")
    command.add_argument(
        "--trials-at-once",
        type=positive_int,
        default=1,
        help="candidates evaluated together (default 1; more keeps a large Dask cluster busy)",
    )
    add_experiment_arguments(
        command, out_help="output folder to write and resume from (default: results/optimise/<file>)"
    )
    command.set_defaults(handler=_optimise)


def _optimise(args: argparse.Namespace) -> int:
    from fupin_sim.experiments.optimisation import load_problem, optimise

    problem = load_problem(args.optimise_file)
    out = args.out or Path("results") / "optimise" / problem.name
    executor = chosen_executor(args)
    try:
        result = optimise(
            problem,
            out,
            trials=args.trials,
            minutes=args.minutes,
            trials_at_once=args.trials_at_once,
            executor=executor,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=False if args.no_progress else None,
        )
    except KeyboardInterrupt:
        print(f"interrupted: the study so far is kept in {out}/; run the same command again to resume", file=sys.stderr)
        return 130
    if args.format == "json":
        print(result.frontier.to_json(orient="records"))
    elif args.format == "csv":
        print(result.frontier.to_csv(index=False), end="")
    else:
        print(format_result(result))
    return 0


def format_result(result: Any) -> str:
    """The study in a few lines: trials, then each plan's variables and figures, in and out of sample."""
    problem, found = result.problem, result.search
    feasible = int(found.trials.feasible.sum()) if len(found.trials) else 0
    lines = [
        f"{problem.name}: {len(found.trials)} trials ({feasible} feasible), stopped: {found.stopped}; "
        f"{problem.reps} replications at population_scale {problem.population_scale:g} per trial",
        f"plans re-run on fresh seeds (seed {problem.confirm.seed}, {problem.confirm.reps} replications, "
        f"population_scale {problem.confirm.population_scale:g}): in-sample | out-of-sample [5 %, 95 %]",
    ]
    if result.frontier.empty:
        lines.append("no trial met every constraint: no plan to report (see trials.csv for the closest ones)")
    for record in [*result.frontier.to_dict("records"), *result.start.to_dict("records")]:
        title = (
            "starting scenario"
            if record["plan"] == "start"
            else f"plan {record['plan']} (trial {int(record['trial'])})"
        )
        verdict = "feasible" if record["feasible_out"] else "NOT feasible"
        flag = (
            f"; FLAGGED: {record['flagged_metrics']} out of sample outside the in-sample interval"
            if record["flagged"]
            else ""
        )
        lines.append(f"\n{title}: {verdict} out of sample{flag}")
        for variable in problem.variables:
            if record.get(variable.key) is not None:
                lines.append(f"  {variable.key} = {_number(record[variable.key])}")
        for metric in problem.metrics:
            lines.append(f"  {metric.name:<32} {_figure(record, metric, 'in')} | {_figure(record, metric, 'out')}")
    if result.marginal is not None and len(result.marginal):
        lines.append("\nmarginal cost of one more sustained exit around plan 1 (yuan, full district):")
        for row in result.marginal.itertuples(index=False):
            cost = row.marginal_cost_cny_per_sustained_exit
            lines.append(
                f"  {row.programme:<18} +{row.extra_budget_cny / 1e6:,.1f} M budget: "
                f"{row.extra_spending_cny / 1e6:+,.2f} M spent, {row.extra_sustained_exits:+,.1f} sustained exits "
                f"[{row.extra_sustained_exits_low:+,.0f}, {row.extra_sustained_exits_high:+,.0f}] -> "
                + ("no extra exit" if math.isnan(cost) else f"{cost:,.0f} yuan per exit")
            )
    if result.still_poor is not None:
        poor = result.still_poor
        lines.append(
            f"\nregistered households still poor after {int(poor.year.iloc[0])} under the chosen plan, "
            "and why (one replication on the fresh seed, full district):"
        )
        for row in poor.itertuples(index=False):
            missing = f" (lacking: {row.missing})" if row.missing else ""
            lines.append(
                f"  {row.reason:<14} {row.households:>7,} households {row.people:>8,} people {row.share:6.1%}{missing}"
            )
    lines.append(
        f"\nwritten to {result.out}/: frontier.csv, frontier.parquet, plans/, still_poor.csv, "
        "frontier_en.png|svg, frontier_zh.png|svg"
    )
    return "\n".join(lines)


def _figure(record: dict[str, Any], metric: Any, suffix: str) -> str:
    value = record[f"{metric.name}_{suffix}"]
    if metric.kind == "plan":
        return f"{_number(value):>24}"
    low, high = record[f"{metric.name}_{suffix}_low"], record[f"{metric.name}_{suffix}_high"]
    return f"{_number(value)} [{_number(low)}, {_number(high)}]".rjust(34)


def _number(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) <= 1 and not float(value).is_integer():
        return f"{value:.3f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
