"""Benchmark experiment execution: 1 vs 2 worker processes, executor overhead, 100 replications.

What is measured, on full-district replications of ``baseline``:

1. ``in_process_s_per_rep``: :func:`~fupin_sim.experiments.replications.run_replication` back to
   back in this process (no executor, no store), ``--reps`` replications.
2. ``workers_1_reps_per_s`` and ``workers_2_reps_per_s``: the same work through
   :func:`~fupin_sim.experiments.replications.run_experiment` with the ``processes`` executor —
   batching, Parquet encoding in the workers, writing tables and manifests to a
   fresh store — ``--reps`` replications per worker (so 2 workers do twice as many).
   Each figure is replications / (wall time − the pool's start-up), the start-up
   (``pool_start_s_1``, ``pool_start_s_2``: start the workers and run one trivial
   task each) being measured on its own; ``*_end_to_end`` include it.
3. ``ratio_2_vs_1`` = workers_2 / workers_1 rate (target ≥ 1.8 on 2 cores);
   ``executor_overhead_share`` = (1-worker seconds per replication − in-process
   seconds per replication) / in-process (target ≤ 0.05), in wall time.
   ``executor_overhead_share_cpu`` is the same in CPU time, which other load on a
   shared machine does not inflate: this process's CPU time during the run plus
   the workers' CPU time per replication (``cpu_s`` of the manifests), against
   the in-process loop's CPU time. ``parquet_cpu_s_per_rep`` is the part of it that
   encoding a replication's four tables as Parquet takes (measured in-process).
4. ``hundred_reps_s``: ``compare(["baseline"], reps=100, out=…)`` with the default
   executor (all cores), end to end: pool start-up, runs, store, loading and
   summarising (target ≤ 120 s on the 2-core machine).

Each of 1-3 is the median of ``--repeats`` rounds (the machine may be shared).
BLAS/OpenMP threads default to 1 (an explicit ``OMP_NUM_THREADS`` wins). Prints one JSON line.

Run from the repository root::

    python benchmarks/bench_sweep.py
    python benchmarks/bench_sweep.py --reps 10 --repeats 1 --no-hundred
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # before NumPy is imported, or it has no effect
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from fupin_sim.config.scenario import load_scenario  # noqa: E402
from fupin_sim.experiments.executors import ProcessExecutor, default_workers  # noqa: E402
from fupin_sim.experiments.replications import compare, comparison, run_experiment, run_replication  # noqa: E402
from fupin_sim.experiments.store import encode_table, load_manifest  # noqa: E402

SCENARIO = "baseline"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20, help="replications per worker in each round (default 20)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; figures are medians (default 3)")
    parser.add_argument("--no-hundred", action="store_true", help="skip the 100-replication run")
    return parser.parse_args(argv)


def in_process_s_per_rep(reps: int) -> tuple[float, float, float]:
    """Wall and CPU seconds per replication run back to back in this process, and CPU seconds to encode its tables."""
    scenario = load_scenario(SCENARIO)
    run_s = run_cpu_s = encode_cpu_s = 0.0
    for replication in range(reps):
        start_s, start_cpu_s = time.perf_counter(), time.process_time()
        result = run_replication(scenario, replication)
        run_s, run_cpu_s = run_s + time.perf_counter() - start_s, run_cpu_s + time.process_time() - start_cpu_s
        start_cpu_s = time.process_time()
        for table in (result.yearly, result.events, result.ledger, result.shocks):
            encode_table(table)
        encode_cpu_s += time.process_time() - start_cpu_s
    return run_s / reps, run_cpu_s / reps, encode_cpu_s / reps


def pool_start_s(workers: int) -> float:
    """Seconds to start a pool of ``workers`` processes and run one trivial task on each."""
    start_s = time.perf_counter()
    with ProcessExecutor(workers) as pool:
        list(pool.imap_unordered(abs, range(workers)))
    return time.perf_counter() - start_s


def executor_s(workers: int, reps: int) -> tuple[float, float]:
    """Wall seconds of ``reps`` replications through the process executor into a fresh store, and CPU seconds."""
    experiment = comparison([SCENARIO], reps=reps)
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as store:
        start_s, start_cpu_s = time.perf_counter(), time.process_time()
        run_experiment(experiment, store, executor="processes", workers=workers, progress=False)
        wall_s, parent_cpu_s = time.perf_counter() - start_s, time.process_time() - start_cpu_s
        return wall_s, parent_cpu_s + load_manifest(store).cpu_s.sum()


def hundred_reps_s() -> float:
    """Wall seconds of a 100-replication comparison of one scenario, with every default."""
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as store:
        start_s = time.perf_counter()
        compare([SCENARIO], reps=100, out=store, progress=False)
        return time.perf_counter() - start_s


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark, print one JSON line and return it as a dict."""
    args = parse_args(argv)
    pool_start_s(1)  # the first pool also starts the fork server (imports the model once)
    rounds = []
    for _ in range(args.repeats):
        in_process = in_process_s_per_rep(args.reps)
        names = ("in_process_s_per_rep", "in_process_cpu_s_per_rep", "parquet_cpu_s_per_rep")
        figures = dict(zip(names, in_process, strict=True))
        for workers in (1, 2):
            reps = args.reps * workers
            start_s = pool_start_s(workers)
            wall_s, cpu_s = executor_s(workers, reps)
            figures[f"pool_start_s_{workers}"] = start_s
            figures[f"workers_{workers}_reps_per_s"] = reps / (wall_s - start_s)
            figures[f"workers_{workers}_reps_per_s_end_to_end"] = reps / wall_s
            figures[f"workers_{workers}_cpu_s_per_rep"] = cpu_s / reps
        rounds.append(figures)
    result = {key: round(statistics.median(r[key] for r in rounds), 4) for key in rounds[0]}
    result["ratio_2_vs_1"] = round(result["workers_2_reps_per_s"] / result["workers_1_reps_per_s"], 3)
    executor_s_per_rep = 1 / result["workers_1_reps_per_s"]
    result["executor_overhead_share"] = round(executor_s_per_rep / result["in_process_s_per_rep"] - 1, 4)
    cpu_ratio = result["workers_1_cpu_s_per_rep"] / result["in_process_cpu_s_per_rep"]
    result["executor_overhead_share_cpu"] = round(cpu_ratio - 1, 4)
    if not args.no_hundred:
        result["hundred_reps_s"] = round(hundred_reps_s(), 2)
    result.update(
        scenario=SCENARIO,
        reps_per_worker=args.reps,
        repeats=args.repeats,
        cores=default_workers(),
        targets={"ratio_2_vs_1": ">= 1.8", "executor_overhead_share": "<= 0.05", "hundred_reps_s": "<= 120"},
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
