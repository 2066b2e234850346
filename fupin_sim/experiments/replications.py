"""Replications and scenario comparisons, run by any executor into a result store.

An experiment is a list of variants — the scenarios of a comparison, the points of
a sweep — each run for ``reps`` replications. Replication *r* of every variant is
seeded with ``SeedSequence(base_seed).spawn(reps)[r]``: replications are
independent of each other, and all variants share the base seed, so replication *r*
of two scenarios faces the same illnesses, job losses and disasters (common random
numbers) and their paired difference is the policy, not noise.

Replications travel to workers in batches (one variant per batch, a few
replications each) so that scheduling costs little. Every executor runs the same
:func:`run_batch`, which sends back each run's tables as Parquet bytes; this process
writes them to the store as they arrive. Ctrl-C or a crash therefore keeps what
finished, and running the same experiment again skips it.

Example::

    from fupin_sim.experiments.replications import compare
    result = compare(["baseline", "transfers_only"], reps=20)
    result.summary      # per scenario, year and outcome: mean, 5-95 % interval, paired difference

Worker processes import the calling script again (``forkserver``/``spawn``, as any
multiprocessing code): in a script, call from under ``if __name__ == "__main__":``.
Notebooks need nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fupin_sim import __version__
from fupin_sim.config.scenario import Scenario, load_scenario
from fupin_sim.errors import UserError
from fupin_sim.experiments.executors import Executor, make_executor
from fupin_sim.experiments.store import (
    STATUS_FAILED,
    STATUS_OK,
    ResultStore,
    encode_table,
    load_manifest,
    load_results,
    run_id,
)
from fupin_sim.experiments.summaries import summarise
from fupin_sim.model.results import RunResult
from fupin_sim.model.simulation import FupinModel

MAX_BATCH_REPS = 16  # replications per task, at most (what Ctrl-C can lose per worker)
BATCHES_PER_SLOT = 4  # enough tasks per worker to even out the tail


def replication_seed(base_seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication ``replication``: ``SeedSequence(base_seed).spawn(n)[replication]``.

    Built directly from the spawn key, so it is the same for any ``n`` — adding
    replications to an experiment keeps the earlier ones.

    Args:
        base_seed: the experiment's seed.
        replication: 0, 1, 2, …
    """
    return np.random.SeedSequence(base_seed, spawn_key=(replication,))


def run_replication(scenario: Scenario, replication: int) -> RunResult:
    """Run replication ``replication`` of ``scenario`` (seeded from ``scenario.seed``)."""
    return FupinModel(scenario, seed=replication_seed(scenario.seed, replication)).run()


@dataclass(frozen=True)
class Variant:
    """One scenario of an experiment.

    Attributes:
        name: the scenario's name (the ``scenario`` column of the tables).
        scenario: the resolved scenario as plain data (``Scenario.to_dict()``); its
            ``seed`` is the experiment's base seed.
        inputs: a sweep point's inputs by dotted path (empty in a comparison).
        point: a sweep point's number (None in a comparison).
    """

    name: str
    scenario: dict[str, Any]
    inputs: dict[str, Any] = field(default_factory=dict)
    point: int | None = None

    @functools.cached_property
    def key(self) -> str:
        """A hash of what the runs compute (the resolved scenario, description aside)."""
        content = {k: v for k, v in self.scenario.items() if k != "description"}
        text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RunSpec:
    """One replication of one variant."""

    variant: Variant
    replication: int

    @property
    def run_id(self) -> str:
        """The run's identifier in the store."""
        return run_id(self.variant.key, self.replication)


@dataclass
class Experiment:
    """Variants × replications, with a common base seed.

    Args:
        kind: ``compare`` or ``sweep``.
        variants: the scenarios or sweep points, all with the same ``seed``.
        reps: replications per variant.
        reference: the variant name that paired differences are taken against.
        definition: what produced the variants (a sweep's design), kept in the store.

    Raises:
        ValueError: no variants, no replications, or variants with different seeds.
    """

    kind: str
    variants: list[Variant]
    reps: int
    reference: str | None = None
    definition: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not self.variants or self.reps < 1:
            raise ValueError("an experiment needs at least one variant and one replication")
        if len({v.scenario["seed"] for v in self.variants}) != 1:
            raise ValueError("all variants of an experiment share one seed (common random numbers)")

    @property
    def base_seed(self) -> int:
        """The seed every variant's replications are spawned from."""
        return self.variants[0].scenario["seed"]

    @property
    def group_columns(self) -> list[str]:
        """The columns that name a variant in the tables."""
        if self.kind == "sweep":
            return ["point", *self.variants[0].inputs]
        return ["scenario"]

    def runs(self) -> list[RunSpec]:
        """Every distinct run, replication by replication (so an early stop has all variants)."""
        runs = {}
        for replication in range(self.reps):
            for variant in self.variants:
                spec = RunSpec(variant, replication)
                runs.setdefault(spec.run_id, spec)
        return list(runs.values())

    def plan(self) -> dict[str, Any]:
        """The plan recorded in the store (what :func:`~fupin_sim.experiments.store.load_results` reads)."""
        return {
            "kind": self.kind,
            "reps": self.reps,
            "base_seed": self.base_seed,
            "reference": self.reference,
            "variants": [{"name": v.name, "point": v.point, "inputs": v.inputs, "key": v.key} for v in self.variants],
            "definition": self.definition,
            "written_at": _now(),
            **provenance(),
        }


@dataclass(frozen=True)
class RunBatch:
    """Replications of one scenario, run as one task by a worker."""

    scenario: dict[str, Any]
    runs: tuple[tuple[str, int], ...]  # (run id, replication)


@dataclass
class RunOutcome:
    """What a worker sends back for one replication."""

    run_id: str
    status: str
    started_at: str
    finished_at: str
    duration_s: float  # wall time of the run on the worker
    cpu_s: float  # CPU time of the worker's thread for the run (unaffected by other load on the machine)
    tables: dict[str, bytes]
    traceback: str | None
    package_version: str = __version__


def run_batch(batch: RunBatch) -> list[RunOutcome]:
    """Run a batch of replications (on a worker); a replication that raises is recorded, not raised.

    Args:
        batch: the scenario and the replications to run.
    """
    scenario = None
    outcomes = []
    for run, replication in batch.runs:
        started_at, start_s, start_cpu_s = _now(), time.perf_counter(), time.thread_time()
        tables, trace = {}, None
        try:
            scenario = scenario or load_scenario(batch.scenario)
            result = run_replication(scenario, replication)
            tables = {name: encode_table(table) for name, table in _tables(result).items()}
        except Exception:  # noqa: BLE001 - any error of one replication is recorded, and the rest go on
            trace = traceback.format_exc()
        status = STATUS_FAILED if trace else STATUS_OK
        duration_s, cpu_s = time.perf_counter() - start_s, time.thread_time() - start_cpu_s
        outcomes.append(RunOutcome(run, status, started_at, _now(), duration_s, cpu_s, tables, trace))
    return outcomes


@dataclass
class RunCounts:
    """Runs of one call: planned, skipped (already in the store), finished ok, failed."""

    planned: int
    skipped: int
    ok: int = 0
    failed: int = 0


def run_experiment(
    experiment: Experiment,
    store: ResultStore | Path | str,
    *,
    executor: str | Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    batch_size: int | None = None,
    progress: bool | None = None,
) -> RunCounts:
    """Run every replication not yet finished in ``store``, writing each as it comes back.

    Args:
        experiment: what to run.
        store: the store folder (created if needed).
        executor: ``serial``, ``processes`` (default) or ``dask``, or an executor object.
        workers: worker processes (default: one per core).
        scheduler: a Dask scheduler address (with ``executor="dask"``); None starts a LocalCluster.
        batch_size: replications per task (default: about four tasks per worker, at most 16).
        progress: show a progress bar (None: when the output is a terminal or a notebook).

    Raises:
        KeyboardInterrupt: after the batches that were running finished; every finished run is in the store.
    """
    store = store if isinstance(store, ResultStore) else ResultStore(store)
    store.write_plan(experiment.plan())
    runs = experiment.runs()
    pending = {spec.run_id: spec for spec in runs if not store.is_finished(spec.run_id)}
    counts = RunCounts(planned=len(runs), skipped=len(runs) - len(pending))
    if not pending:
        return counts
    origin = provenance()
    with make_executor(executor, workers, scheduler) as pool, _progress_bar(counts, progress) as bar:

        def keep(outcomes: list[RunOutcome]) -> None:
            for outcome in outcomes:
                store.save(outcome.run_id, outcome.tables, _manifest(pending[outcome.run_id], outcome, origin))
                if outcome.status == STATUS_OK:
                    counts.ok += 1
                else:
                    counts.failed += 1
                    bar.set_postfix(failed=counts.failed)
            bar.update(len(outcomes))

        size = batch_size or min(MAX_BATCH_REPS, math.ceil(len(pending) / (pool.slots * BATCHES_PER_SLOT)))
        try:
            for outcomes in pool.imap_unordered(run_batch, _batches(list(pending.values()), size)):
                keep(outcomes)
        except KeyboardInterrupt:
            for outcomes in pool.drain():  # the batches already running are kept too
                keep(outcomes)
            raise
    return counts


@dataclass
class ExperimentResult:
    """What an experiment produced.

    Attributes:
        experiment: what was run.
        table: the yearly table of every finished replication (one row per variant,
            replication and year; see :func:`~fupin_sim.experiments.store.load_results`).
        summary: per variant, year and outcome: mean, 5–95 % interval, the
            probability of meeting each target and, in a comparison, the paired
            difference vs the reference (see :func:`~fupin_sim.experiments.summaries.summarise`).
        runs: one row per planned run with its status (see :func:`~fupin_sim.experiments.store.load_manifest`).
        counts: what this call did.
        store: the store folder, or None when nothing was kept.
    """

    experiment: Experiment
    table: pd.DataFrame
    summary: pd.DataFrame
    runs: pd.DataFrame
    counts: RunCounts
    store: Path | None

    @property
    def failed(self) -> int:
        """Planned runs whose last attempt raised."""
        return int((self.runs.status == STATUS_FAILED).sum())

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON: what was run, the runs by status, and the summary as records (NaN → null)."""
        experiment = self.experiment
        return {
            "kind": experiment.kind,
            "reference": experiment.reference,
            "reps": experiment.reps,
            "base_seed": experiment.base_seed,
            "variants": [{"name": v.name, "point": v.point, "inputs": v.inputs} for v in experiment.variants],
            "runs": {status: int(n) for status, n in self.runs.status.value_counts().items()},
            "store": None if self.store is None else str(self.store),
            "summary": json.loads(self.summary.to_json(orient="records")),
        }


def execute(experiment: Experiment, out: Path | str | None = None, **execution: Any) -> ExperimentResult:
    """Run an experiment into a store and summarise it.

    Args:
        experiment: what to run.
        out: the store folder; None runs in a temporary folder and keeps nothing.
        **execution: passed to :func:`run_experiment` (executor, workers, scheduler, batch_size, progress).
    """
    if out is None:
        with tempfile.TemporaryDirectory(prefix="fupin-experiment-") as folder:
            return _collect(experiment, Path(folder), run_experiment(experiment, folder, **execution), keep=False)
    return _collect(experiment, Path(out), run_experiment(experiment, out, **execution), keep=True)


def comparison(
    scenarios: Sequence[Scenario | str | Path | Mapping[str, Any]],
    reps: int,
    reference: str | None = None,
    seed: int | None = None,
) -> Experiment:
    """The experiment that compares ``scenarios``, paired by replication.

    Args:
        scenarios: scenarios, shipped names, paths or mappings; names must differ.
        reps: replications per scenario.
        reference: the scenario (name, or the argument as given) to take differences
            against (default: the first).
        seed: the base seed (default: the reference scenario's seed).

    Raises:
        UserError: fewer than one scenario, two with one name, an unknown reference,
            or fewer than one replication.
    """
    if reps < 1:
        raise UserError(f"replications must be at least 1, got {reps}")
    if not scenarios:
        raise UserError("give at least one scenario to compare")
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    names = [s.name for s in loaded]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UserError(f"two scenarios are named '{duplicates[0]}'; give each a distinct 'name:'")
    given = [str(s) if isinstance(s, (str, Path)) else None for s in scenarios]
    if reference is None:
        reference = names[0]
    elif reference not in names:
        if reference not in given:
            raise UserError(f"reference '{reference}' is not one of the compared scenarios: {', '.join(names)}")
        reference = names[given.index(reference)]
    base_seed = loaded[names.index(reference)].seed if seed is None else seed
    variants = [Variant(s.name, {**s.to_dict(), "seed": base_seed}) for s in loaded]
    return Experiment("compare", variants, reps, reference=reference)


def compare(
    scenarios: Sequence[Scenario | str | Path | Mapping[str, Any]],
    *,
    reps: int = 10,
    reference: str | None = None,
    seed: int | None = None,
    out: Path | str | None = None,
    **execution: Any,
) -> ExperimentResult:
    """Run ``reps`` paired replications of each scenario and summarise them.

    Args:
        scenarios: scenarios, shipped names, paths or mappings.
        reps: replications per scenario.
        reference: the scenario differences are taken against (default: the first).
        seed: the base seed (default: the reference scenario's).
        out: a store folder to keep the runs in (and resume from); None keeps nothing.
        **execution: executor, workers, scheduler, batch_size, progress (see :func:`run_experiment`).
    """
    return execute(comparison(scenarios, reps, reference, seed), out, **execution)


@functools.lru_cache(maxsize=1)
def provenance() -> dict[str, Any]:
    """Package version, git commit (if the package is in a git checkout) and Python version."""
    commit, dirty = None, None
    folder = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", folder, "rev-parse", "HEAD"], check=False, capture_output=True, text=True, timeout=10
        )
        if head.returncode == 0:
            commit = head.stdout.strip()
            changes = subprocess.run(
                ["git", "-C", folder, "status", "--porcelain", "--untracked-files=no"],
                check=False,
                capture_output=True,
                text=True,
                timeout=10,
            )
            dirty = bool(changes.stdout.strip()) if changes.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"package_version": __version__, "git_commit": commit, "git_dirty": dirty, "python": sys.version.split()[0]}


def _collect(experiment: Experiment, folder: Path, counts: RunCounts, keep: bool) -> ExperimentResult:
    table = load_results(folder)
    summary = summarise(table, experiment.group_columns, reference=experiment.reference)
    return ExperimentResult(experiment, table, summary, load_manifest(folder), counts, folder if keep else None)


def _tables(result: RunResult) -> dict[str, pd.DataFrame]:
    tables = {"yearly": result.yearly, "events": result.events, "ledger": result.ledger, "shocks": result.shocks}
    if result.panel is not None:
        tables["panel"] = result.panel
    return tables


def _batches(pending: list[RunSpec], size: int) -> Iterator[RunBatch]:
    """Up to ``size`` replications of one variant per batch, variants taking turns."""
    by_variant: dict[str, list[RunSpec]] = {}
    for spec in pending:
        by_variant.setdefault(spec.variant.key, []).append(spec)
    chunks = [[specs[start : start + size] for start in range(0, len(specs), size)] for specs in by_variant.values()]
    for round_ in range(max(len(c) for c in chunks)):
        for variant_chunks in chunks:
            if round_ < len(variant_chunks):
                chunk = variant_chunks[round_]
                yield RunBatch(chunk[0].variant.scenario, tuple((s.run_id, s.replication) for s in chunk))


def _manifest(spec: RunSpec, outcome: RunOutcome, origin: Mapping[str, Any]) -> dict[str, Any]:
    variant = spec.variant
    return {
        "run_id": outcome.run_id,
        "status": outcome.status,
        "scenario_name": variant.name,
        "point": variant.point,
        "inputs": variant.inputs,
        "replication": spec.replication,
        "base_seed": variant.scenario["seed"],
        "seed": {"entropy": variant.scenario["seed"], "spawn_key": [spec.replication]},
        "started_at": outcome.started_at,
        "finished_at": outcome.finished_at,
        "duration_s": round(outcome.duration_s, 4),
        "cpu_s": round(outcome.cpu_s, 4),
        "tables": sorted(outcome.tables),
        "traceback": outcome.traceback,
        **origin,
        "package_version": outcome.package_version,  # the worker's (a remote cluster may differ)
        "scenario": variant.scenario,
    }


def _progress_bar(counts: RunCounts, enabled: bool | None):
    from tqdm.auto import tqdm

    return tqdm(
        total=counts.planned,
        initial=counts.skipped,
        unit="run",
        desc="runs",
        dynamic_ncols=True,
        disable=None if enabled is None else not enabled,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
