"""``fupin plan households|villages|monitoring SCENARIO``: 一户一策, 一村一案 and the 2020 monitoring list."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_sim.cli.arguments import non_negative_int, positive_int

TABLES = {
    "households": "one plan per registered household (一户一策): gap, missing haves, medical bills, support, exit, return risk",
    "villages": "one plan per poor village and year (一村一案): incidence, haves, cost of the missing ones, delisting",
    "monitoring": "the 2020 monitoring list (防止返贫监测) by household key",
}
PRINTED_ROWS = 20


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``plan`` command group."""
    plan = commands.add_parser("plan", help="plans per household, per village, and the monitoring list")
    kinds = plan.add_subparsers(dest="plan_kind", required=True)
    for kind, help_text in TABLES.items():
        command = kinds.add_parser(kind, help=help_text)
        command.add_argument(
            "scenario", help="scenario name in scenarios/ or a path (population: {registry: DIR} for your own)"
        )
        command.add_argument("--reps", type=positive_int, default=10, help="replications (default: 10)")
        command.add_argument("--seed", type=non_negative_int, help="base seed (default: the scenario's)")
        command.add_argument("--out", type=Path, help="write the table as CSV here")
        command.add_argument("--excel", type=Path, help="write all three plans as an Excel workbook (Chinese headers)")
        command.add_argument(
            "--lang", choices=("en", "zh"), default="en", help="headers and names of the printed rows (default: en)"
        )
        command.add_argument("--no-progress", action="store_true", help="no progress bar")
        command.set_defaults(handler=_plan, table=kind)


def _plan(args: argparse.Namespace) -> int:
    import pandas as pd

    from fupin_sim.errors import UserError
    from fupin_sim.workbench.plans import make_plans, plan_table, write_plans_excel

    plans = make_plans(args.scenario, args.reps, args.seed, progress=False if args.no_progress else None)
    table = getattr(plans, args.table)
    try:
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(args.out, index=False, encoding="utf-8-sig")
        if args.excel is not None:
            write_plans_excel(plans, args.excel)
    except OSError as err:
        raise UserError(f"cannot write the plans: {err.strerror} ({err.filename})") from None
    with pd.option_context("display.width", 200, "display.max_columns", 12, "display.max_colwidth", 40):
        replications = f"{plans.reps} replication{'' if plans.reps == 1 else 's'}"
        print(f"{args.table} plan of {plans.scenario.name}, {replications}: {len(table):,} rows")
        print(plan_table(table.head(PRINTED_ROWS), args.lang).to_string(index=False))
    for path in (args.out, args.excel):
        if path is not None:
            print(f"written to {path}")
    return 0
