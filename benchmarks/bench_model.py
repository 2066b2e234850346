"""Benchmark one full-district replication of FupinModel, and compare it with a per-agent Mesa step.

What is measured, in one process:

1. The vectorised model: ``--repeats`` times, build a :class:`~fupin_sim.model.simulation.FupinModel`
   of the ``--scenario`` (``baseline`` by default; all rural households, or ``--households N``) and run
   all its months (60) with ``model.run()``, timing the build and the run separately.
   ``median_s`` is the median of build + run; ``household_months_per_s`` is
   households × months / ``median_s``.
2. Unless ``--no-per-agent``: the same income-and-shock month written the
   conventional Mesa way (:mod:`per_agent`: one ``Agent.step()`` per household via
   ``model.agents.shuffle_do("step")``, state in plain attributes, scalar draws), on
   the same generated households, for ``--per-agent-months`` months (12 by default,
   it is slow), ``--repeats`` times.

``ratio_vs_per_agent_mesa`` compares household-months per second of the monthly
step phases only: the vectorised ``model.run()`` (60 months, including the yearly
events, the programme, the December verification and the result tables) against
the per-agent ``model.step()`` loop. Building either model is excluded from the
ratio. ``peak_rss_mb`` is the peak resident memory of the whole process;
``peak_rss_mb_vectorised`` the peak before the per-agent comparison started.
``median_cpu_s`` and ``min_cpu_s`` are the process's CPU seconds of build + run
(where other work shares the cores, they are less inflated than wall time).
``warm_up_s`` is an untimed first run on 1 % of the district, which loads the
compiled kernels (numba's on-disk cache): what a fresh process pays once.
``scenario_figures`` are the timed scenario's own results (the last replication,
the scenario's seed): its programmes, the final cumulative exit share, villages
delisted, returns and spending over the horizon, so a line says what was timed.

The targets are stated for one core, so BLAS/OpenMP threads default to 1 here
(an explicit ``OMP_NUM_THREADS`` or ``OPENBLAS_NUM_THREADS`` wins). Prints one JSON line.

Run from the repository root::

    python benchmarks/bench_model.py
    python benchmarks/bench_model.py --scenario decision_2016 --no-per-agent
    python benchmarks/bench_model.py --scenario decision_2016 --households 1000000 --repeats 1 --no-per-agent
"""

from __future__ import annotations

import os

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
for _variable in THREAD_VARIABLES:  # before NumPy is imported, or it has no effect
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import mesa  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
from per_agent import PerAgentModel  # noqa: E402  (beside this script, which is on sys.path)

from fupin_sim.config.scenario import Scenario, load_scenario  # noqa: E402
from fupin_sim.model.population import generate_population  # noqa: E402
from fupin_sim.model.results import RunResult  # noqa: E402
from fupin_sim.model.rng import RandomStreams  # noqa: E402
from fupin_sim.model.simulation import FupinModel  # noqa: E402

DEFAULT_SCENARIO = "baseline"
WARM_UP_SCALE = 0.01  # the untimed first run (see warm_up)
RATIO_BASIS = (
    "household-months per second of the monthly step phase, model construction excluded: "
    "vectorised FupinModel.run() over all months vs per-agent Mesa shuffle_do('step') over per_agent_months"
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=positive_int, default=5, help="replications to time (default 5)")
    parser.add_argument(
        "--scenario",
        default=DEFAULT_SCENARIO,
        help=f"shipped scenario name or scenario file to time (default {DEFAULT_SCENARIO})",
    )
    parser.add_argument(
        "--households",
        type=positive_int,
        default=None,
        help="population size (default: the district's rural households)",
    )
    parser.add_argument("--no-per-agent", action="store_true", help="skip the per-agent Mesa comparison")
    parser.add_argument(
        "--per-agent-months", type=positive_int, default=12, help="months stepped by the per-agent model (default 12)"
    )
    return parser.parse_args(argv)


def positive_int(text: str) -> int:
    """An integer of at least 1 (for argparse)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def benchmark_scenario(name: str, households: int | None) -> Scenario:
    """The scenario ``name``, scaled to ``households`` rural households when given."""
    scenario = load_scenario(name)
    if households is None:
        return scenario
    base = scenario.params.value("district.rural_households")
    return scenario.replace(population_scale=households / base)


def time_replication(scenario: Scenario) -> tuple[float, float, int, RunResult, float]:
    """Build and run one vectorised replication.

    Returns:
        Build seconds, run seconds (all months and the result tables), the number of
        households, the run's result tables, and the CPU seconds of this process for
        build + run (on a shared machine, less inflated by other work than wall time).
    """
    start, start_cpu = time.perf_counter(), time.process_time()
    model = FupinModel(scenario)
    built = time.perf_counter()
    result = model.run()
    finished = time.perf_counter()
    return built - start, finished - built, len(model.households), result, time.process_time() - start_cpu


def scenario_figures(result: RunResult) -> dict:
    """What the timed scenario did: programmes, final exit share, villages delisted, returns, spending."""
    yearly, last = result.yearly, result.yearly.iloc[-1]
    return {
        "programmes": list(result.programmes.programme),
        "final_year": int(last.year),
        "exit_share_cum": round(float(last.exit_share_cum), 4),
        "villages_delisted_cum": int(last.villages_delisted_cum),
        "returns_households": int(yearly.returns_households.sum()),
        "spending_cny": round(float(yearly.spending_cny.sum())),
    }


def time_per_agent(scenario: Scenario, months: int) -> tuple[float, float]:
    """Build the per-agent model on the scenario's households and step it ``months`` times.

    Returns:
        Build seconds (population generation excluded) and step seconds.
    """
    population = generate_population(
        scenario.params, RandomStreams(scenario.seed)["population"], scenario.population_scale
    )
    start = time.perf_counter()
    model = PerAgentModel(population, scenario.params, scenario.horizon.start, scenario.seed)
    built = time.perf_counter()
    for _ in range(months):
        model.step()
    finished = time.perf_counter()
    return built - start, finished - built


def repeat(measure: Callable[[], tuple], times: int) -> list[tuple]:
    """Call ``measure()`` ``times`` times, collecting garbage between calls (outside the timings)."""
    results = []
    for _ in range(times):
        results.append(measure())
        gc.collect()
    return results


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def warm_up(scenario: Scenario) -> float:
    """Run the scenario once on a small district, untimed by the medians: loads the compiled
    kernels from numba's cache (or compiles them, the first time after a change).

    Returns:
        Its seconds: what a fresh process pays once before its first replication.
    """
    start = time.perf_counter()
    FupinModel(scenario.replace(population_scale=WARM_UP_SCALE)).run()
    return time.perf_counter() - start


def vectorised_summary(scenario: Scenario, repeats: int) -> dict:
    """Time the vectorised replications and summarise them."""
    warm_up_s = warm_up(scenario)
    runs = repeat(lambda: time_replication(scenario), repeats)
    households, months = runs[0][2], scenario.horizon.months
    median_s = statistics.median(build + run for build, run, *_ in runs)
    median_run_s = statistics.median(run for _, run, *_ in runs)
    return {
        "households": households,
        "months": months,
        "warm_up_s": round(warm_up_s, 4),
        "repeats": repeats,
        "median_s": round(median_s, 4),
        "median_build_s": round(statistics.median(build for build, *_ in runs), 4),
        "median_cpu_s": round(statistics.median(run[4] for run in runs), 4),
        "min_cpu_s": round(min(run[4] for run in runs), 4),
        "median_run_s": round(median_run_s, 4),
        "household_months_per_s": round(households * months / median_s),
        "step_household_months_per_s": round(households * months / median_run_s),
        "peak_rss_mb_vectorised": peak_rss_mb(),
        "scenario_figures": scenario_figures(runs[-1][3]),
    }


def per_agent_summary(scenario: Scenario, repeats: int, months: int, households: int) -> dict:
    """Time the per-agent Mesa model and summarise it."""
    runs = repeat(lambda: time_per_agent(scenario, months), repeats)
    median_step_s = statistics.median(step for _, step in runs)
    return {
        "per_agent_months": months,
        "per_agent_median_build_s": round(statistics.median(build for build, _ in runs), 4),
        "per_agent_median_step_s": round(median_step_s, 4),
        "per_agent_household_months_per_s": round(households * months / median_step_s),
    }


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark, print one JSON line and return it as a dict."""
    args = parse_args(argv)
    scenario = benchmark_scenario(args.scenario, args.households)
    result = vectorised_summary(scenario, args.repeats)
    if args.no_per_agent:
        result.update(ratio_vs_per_agent_mesa=None)
    else:
        result.update(per_agent_summary(scenario, args.repeats, args.per_agent_months, result["households"]))
        ratio = result["step_household_months_per_s"] / result["per_agent_household_months_per_s"]
        result.update(ratio_vs_per_agent_mesa=round(ratio, 1), ratio_basis=RATIO_BASIS)
    result.update(
        peak_rss_mb=peak_rss_mb(),
        scenario=scenario.name,
        threads={name: os.environ[name] for name in THREAD_VARIABLES},
        versions={"numpy": np.__version__, "mesa": mesa.__version__, "numba": numba.__version__},
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
