"""``fupin calibrate FILE`` and ``fupin calibration-table``: fit the model to the published figures, and show them.

``fupin calibrate calibration/daan.yaml`` fits the file's parameters (Optuna over
replications with common random numbers, resumable: run it again to continue)
and writes the fitted overlay, the fit table, the loss history and the
parameters' importance into ``--out``. ``fupin calibration-table`` runs the
shipped scenarios and prints every figure with the model's mean and 5–95 %
interval.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from fupin_sim.cli.arguments import (
    add_execution_arguments,
    chosen_executor,
    non_negative_int,
    positive_int,
    positive_number,
)

SHOWN = ("figure", "published", "model_before", "model", "p05", "p95", "low", "high", "within", "held_out")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``calibrate`` and ``calibration-table`` to the ``fupin`` command."""
    calibrate = commands.add_parser(
        "calibrate", help="fit parameters to published figures (a calibration file; resumable)"
    )
    calibrate.add_argument("file", type=Path, help="calibration YAML (see calibration/)")
    calibrate.add_argument("--out", type=Path, help="output folder (default: results/calibration/<file name>)")
    calibrate.add_argument("--trials", type=positive_int, help="trials in all (default: the file's)")
    calibrate.add_argument("--minutes", type=positive_number, help="stop starting trials after this many minutes")
    add_execution_arguments(calibrate)
    calibrate.add_argument("--format", choices=("table", "json"), default="table", help="what to print")
    calibrate.add_argument("--no-progress", action="store_true", help="no progress bar")
    calibrate.set_defaults(handler=_calibrate)

    table = commands.add_parser(
        "calibration-table", help="every published figure next to the model's mean and 5-95 %% interval"
    )
    table.add_argument("--reps", type=positive_int, default=1, help="replications per scenario (default: 1)")
    table.add_argument(
        "--population-scale", type=positive_number, default=1.0, help="share of the district (default: 1)"
    )
    table.add_argument("--seed", type=non_negative_int, help="base seed (default: the calibration file's)")
    table.add_argument("--file", type=Path, help="calibration file with the bands (default: calibration/daan.yaml)")
    add_execution_arguments(table)
    table.add_argument("--format", choices=("table", "json"), default="table", help="what to print")
    table.add_argument("--no-progress", action="store_true", help="no progress bar")
    table.set_defaults(handler=_calibration_table)


def _calibrate(args: argparse.Namespace) -> int:
    from fupin_sim.experiments.calibration import fit_json, run_calibration
    from fupin_sim.experiments.calibration_file import load_calibration

    calibration = load_calibration(args.file)
    out = args.out or Path("results") / "calibration" / calibration.name
    try:
        result = run_calibration(
            calibration,
            out,
            trials=args.trials,
            minutes=args.minutes,
            executor=chosen_executor(args),
            workers=args.workers,
            scheduler=args.scheduler,
            progress=False if args.no_progress else None,
        )
    except KeyboardInterrupt:
        print(f"interrupted: the finished trials are kept in {out}; run the same command to resume", file=sys.stderr)
        return 130
    if args.format == "json":
        print(json.dumps({"best": result.best, "out": str(out), **fit_json(result.fit)}, default=str))
        return 0
    best = result.best
    print(
        f"best trial {best['trial']}: loss {best['loss']:.4g} ({len(result.history)} trials, stopped: {result.stopped})"
    )
    print(_text(result.fit[list(SHOWN)]))
    print(f"\nfitted parameters: {result.overlay}  (name it under parameter_files: in a scenario)")
    print(f"fit table, loss history, importance: {out}/fit.csv, history.csv, importance.csv")
    return 0


def _calibration_table(args: argparse.Namespace) -> int:
    from fupin_sim.experiments.calibration import FIT_COLUMNS, calibration_table, fit_json

    table = calibration_table(
        population_scale=args.population_scale,
        seed=args.seed,
        reps=args.reps,
        file=args.file,
        executor=chosen_executor(args),
        workers=args.workers,
        scheduler=args.scheduler,
        progress=False if args.no_progress else None,
    )
    if args.format == "json":
        print(json.dumps(fit_json(table)))
    else:
        print(_text(table[[*FIT_COLUMNS[:1], "scenario", *FIT_COLUMNS[1:]]]))
    return 0


def _text(table) -> str:
    """A table for the terminal: numbers to four significant digits, yes/no for flags."""

    import numpy as np

    def cell(value) -> str:
        if isinstance(value, bool | np.bool_):
            return "yes" if value else "no"
        if isinstance(value, float):
            return "—" if math.isnan(value) else f"{value:.4g}"
        return str(value)

    return table.map(cell).to_string(index=False)
