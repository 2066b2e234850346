"""Benchmark the budget panel: how long the outcome panel takes to refresh after a slider moves.

What is measured, in one process, with the panel's defaults (the full district,
:data:`~fupin_sim.workbench.widgets.PANEL_REPS` replications on a warm pool of
worker processes, one per available core):

1. ``first_refresh_s``: building :class:`~fupin_sim.workbench.widgets.BudgetDashboard`,
   whose first refresh starts the worker pool (imports, compiled kernels) and runs
   the replications; paid once when the notebook opens.
2. ``--moves`` times, a budget slider moves (the industry budget, to a new value
   each time, so no refresh repeats an earlier one) and the panel refreshes, as
   when a planner releases the slider; ``median_refresh_s`` and ``max_refresh_s``
   are the wall-clock seconds of those refreshes (the target is ≤ 3 s on 2 cores).

Prints one JSON line. Run from the repository root::

    python benchmarks/bench_budget_panel.py
    python benchmarks/bench_budget_panel.py --moves 3 --population-scale 0.5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from fupin_sim.experiments.executors import default_workers
from fupin_sim.workbench import widgets

SLIDER = "industry"  # the slider that moves
MOVE_STEP_MILLION_CNY = 2.5  # how far it moves each time


def positive_int(text: str) -> int:
    """An integer of at least 1 (for argparse)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=positive_int, default=5, help="slider moves to time (default 5)")
    parser.add_argument(
        "--reps", type=positive_int, default=widgets.PANEL_REPS, help="replications per refresh (panel default)"
    )
    parser.add_argument(
        "--population-scale",
        type=float,
        default=widgets.PANEL_POPULATION_SCALE,
        help="share of the district simulated (panel default: the whole district)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark, print one JSON line and return it as a dict."""
    args = parse_args(argv)
    workers = min(args.reps, default_workers())  # what budget_outcomes uses by default
    start = time.perf_counter()
    dashboard = widgets.BudgetDashboard(population_scale=args.population_scale, reps=args.reps)
    first_refresh_s = time.perf_counter() - start
    slider = dashboard.sliders[SLIDER]
    slider.max = slider.value + (args.moves + 1) * MOVE_STEP_MILLION_CNY
    refreshes = []
    for _ in range(args.moves):
        moved = time.perf_counter()
        slider.value += MOVE_STEP_MILLION_CNY
        refreshes.append(time.perf_counter() - moved)  # the slider's observer refreshes the panel synchronously
    result = {
        "population_scale": args.population_scale,
        "reps": args.reps,
        "workers": workers,
        "cores": default_workers(),
        "moves": args.moves,
        "first_refresh_s": round(first_refresh_s, 3),
        "median_refresh_s": round(statistics.median(refreshes), 3),
        "max_refresh_s": round(max(refreshes), 3),
        "refreshes_s": [round(seconds, 3) for seconds in refreshes],
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
