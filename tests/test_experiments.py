"""Replications, common random numbers, executors, batching and failures (issue 4).

Scenarios run on a scaled-down district (``population_scale: 0.05``, ≈ 0.05 s a
replication), so the comparisons here take well under a second in-process; the
process pool and the Dask LocalCluster add their start-up (≈ 1-2 s).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from fupin_sim import FupinModel, load_scenario
from fupin_sim.errors import UserError
from fupin_sim.experiments import replications as experiments
from fupin_sim.experiments.executors import DaskExecutor, SerialExecutor, make_executor
from fupin_sim.experiments.replications import (
    Experiment,
    Variant,
    compare,
    comparison,
    replication_seed,
    run_experiment,
    run_replication,
)

SCALE = 0.05
YEARS = range(2016, 2021)


def scaled(name: str, base: str = "baseline", **changes: Any):
    """A shipped scenario on a scaled-down district, renamed, with top-level keys changed."""
    data = load_scenario(base).to_dict()
    data.update(name=name, population_scale=SCALE, **changes)
    return load_scenario(data)


# --- seeds and replications ------------------------------------------------------------------


def test_replication_seeds_are_the_spawned_children_whatever_the_number_of_replications():
    for n in (3, 10):
        children = np.random.SeedSequence(7).spawn(n)
        for replication in range(3):
            assert (
                replication_seed(7, replication).generate_state(4).tolist()
                == children[replication].generate_state(4).tolist()
            )


def test_a_replication_is_the_model_seeded_with_its_spawned_child_and_replications_differ():
    scenario = scaled("small")
    first = run_replication(scenario, 0).yearly
    pd.testing.assert_frame_equal(first, run_replication(scenario, 0).yearly)
    spawned = np.random.SeedSequence(scenario.seed).spawn(2)[0]
    pd.testing.assert_frame_equal(first, FupinModel(scenario, seed=spawned).run().yearly)
    second = run_replication(scenario, 1).yearly
    assert not first.exit_share_cum.equals(second.exit_share_cum)


# --- common random numbers -------------------------------------------------------------------


def test_scenarios_that_differ_only_by_a_zero_budget_or_an_unchanged_parameter_give_identical_results():
    without = scaled("without", programmes={})
    zero_budget = scaled("zero_budget", programmes={"social_assistance": {"budget_cny": dict.fromkeys(YEARS, 0)}})
    current = without.params.value("health.inpatient_reimbursement_share")
    same_value = scaled(
        "same_value",
        programmes={},
        parameters={**without.to_dict()["parameters"], "health.inpatient_reimbursement_share": current},
    )

    result = compare([without, zero_budget, same_value], reps=3, executor="serial")

    table = result.table.set_index(["replication", "year"])
    reference = table[table.scenario == "without"]
    for name in ("zero_budget", "same_value"):
        other = table[table.scenario == name]
        shared = [c for c in reference.columns if c not in ("scenario", "run_id") and reference[c].notna().any()]
        pd.testing.assert_frame_equal(other[shared], reference[shared])
    assert (table[table.scenario == "zero_budget"].spending_social_assistance_cny == 0).all()
    differences = result.summary[result.summary.scenario != "without"].dropna(subset=["diff_mean"])
    assert len(differences) > 40
    assert (differences[["diff_mean", "diff_sd"]].fillna(0) == 0).all().all()
    assert (differences[differences.kind == "value"][["diff_p05", "diff_p95"]] == 0).all().all()


def test_paired_differences_between_scenarios_vary_far_less_than_unpaired_ones():
    baseline, transfers = scaled("baseline"), scaled("transfers_only", base="transfers_only")
    paired = compare([baseline, transfers], reps=8, seed=1, executor="serial")
    unpaired = compare([transfers], reps=8, seed=2, executor="serial").table  # other random numbers

    def outcome(table: pd.DataFrame, scenario: str, column: str) -> pd.Series:
        rows = table[(table.scenario == scenario) & (table.year == 2017)]
        return rows.set_index("replication")[column]

    for column in ("incidence", "registered_poor_people_end"):
        paired_differences = outcome(paired.table, "transfers_only", column) - outcome(paired.table, "baseline", column)
        unpaired_differences = outcome(unpaired, "transfers_only", column) - outcome(paired.table, "baseline", column)
        assert paired_differences.var() * 4 < unpaired_differences.var(), column
        # the summary's paired difference is exactly this one
        row = paired.summary.query("scenario == 'transfers_only' and year == 2017 and outcome == @column").iloc[0]
        assert row.diff_mean == pytest.approx(paired_differences.mean(), rel=1e-12)
        assert row.diff_sd == pytest.approx(paired_differences.std(), rel=1e-12)
        assert row.n_pairs == 8


def test_the_same_comparison_twice_gives_identical_tables():
    scenarios = [scaled("baseline"), scaled("transfers_only", base="transfers_only")]
    first = compare(scenarios, reps=2, executor="serial")
    second = compare(scenarios, reps=2, executor="serial")
    pd.testing.assert_frame_equal(first.table, second.table)
    pd.testing.assert_frame_equal(first.summary, second.summary)


def test_the_base_seed_is_the_reference_scenarios_unless_given():
    a, b = scaled("a", seed=11), scaled("b", seed=22)
    assert comparison([a, b], reps=1).base_seed == 11
    assert comparison([a, b], reps=1, reference="b").base_seed == 22
    assert comparison([a, b], reps=1, seed=5).base_seed == 5
    assert {v.scenario["seed"] for v in comparison([a, b], reps=1).variants} == {11}


# --- executors -------------------------------------------------------------------------------


def test_serial_processes_and_a_dask_local_cluster_give_identical_tables():
    scenarios = [scaled("baseline"), scaled("transfers_only", base="transfers_only")]
    serial = compare(scenarios, reps=3, executor="serial")
    processes = compare(scenarios, reps=3, executor="processes", workers=2, batch_size=2)
    dask = compare(scenarios, reps=3, executor=DaskExecutor(workers=1, processes=False))
    for other in (processes, dask):
        pd.testing.assert_frame_equal(serial.table, other.table, check_exact=True)
        pd.testing.assert_frame_equal(serial.summary, other.summary, check_exact=True)
    assert len(serial.table) == 2 * 3 * len(YEARS)


def test_the_dask_executor_connects_to_a_running_scheduler(tmp_path):
    from distributed import LocalCluster

    scenarios = [scaled("baseline"), scaled("transfers_only", base="transfers_only")]
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://", dashboard_address=None
    ) as cluster:
        remote = compare(scenarios, reps=2, executor="dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(remote.table, compare(scenarios, reps=2, executor="serial").table, check_exact=True)


class RecordingExecutor(SerialExecutor):
    """Runs in this process and records the batches it is given."""

    def __init__(self, slots: int):
        self.slots = slots
        self.batches = []

    def imap_unordered(self, function, items):
        for item in items:
            self.batches.append(item)
            yield function(item)


def test_replications_are_batched_one_scenario_per_task_with_scenarios_taking_turns(tmp_path):
    experiment = comparison([scaled("a"), scaled("b")], reps=6)
    executor = RecordingExecutor(slots=1)
    counts = run_experiment(experiment, tmp_path / "store", executor=executor)

    assert counts.ok == 12
    # 12 runs, 1 worker: about four tasks per worker, so 3 replications a task
    assert [len(batch.runs) for batch in executor.batches] == [3, 3, 3, 3]
    assert [batch.scenario["name"] for batch in executor.batches] == ["a", "b", "a", "b"]
    replications = [[r for _, r in batch.runs] for batch in executor.batches]
    assert replications == [[0, 1, 2], [0, 1, 2], [3, 4, 5], [3, 4, 5]]


def test_batches_never_exceed_the_cap(monkeypatch, tmp_path):
    monkeypatch.setattr(experiments, "MAX_BATCH_REPS", 2)
    executor = RecordingExecutor(slots=1)
    run_experiment(comparison([scaled("a")], reps=12), tmp_path / "store", executor=executor)
    assert [len(b.runs) for b in executor.batches] == [2] * 6


def test_a_progress_bar_counts_the_runs(capsys):
    compare([scaled("a")], reps=3, executor="serial", progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "run" in err


# --- failures --------------------------------------------------------------------------------


def test_a_replication_that_raises_is_recorded_with_its_traceback_and_the_others_go_on(monkeypatch, tmp_path):
    real = experiments.run_replication

    def flaky(scenario, replication):
        if replication == 1:
            raise RuntimeError("boom in replication 1")
        return real(scenario, replication)

    monkeypatch.setattr(experiments, "run_replication", flaky)
    result = compare([scaled("a")], reps=3, executor="serial", out=tmp_path / "store")

    assert result.failed == 1 and result.counts.ok == 2 and result.counts.failed == 1
    failed = result.runs[result.runs.status == "failed"].iloc[0]
    assert failed.replication == 1
    assert failed.error == "RuntimeError: boom in replication 1"
    assert "flaky" in failed.traceback and "Traceback" in failed.traceback
    assert sorted(result.table.replication.unique()) == [0, 2]
    assert set(result.summary.n[result.summary.kind == "value"]) == {2}

    monkeypatch.setattr(experiments, "run_replication", real)
    again = compare([scaled("a")], reps=3, executor="serial", out=tmp_path / "store")
    assert (again.counts.skipped, again.counts.ok, again.failed) == (2, 1, 0)  # only the failure is retried


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: comparison([], reps=2), "at least one scenario"),
        (lambda: comparison([scaled("a")], reps=0), "at least 1"),
        (lambda: comparison([scaled("a"), scaled("a")], reps=2), "two scenarios are named 'a'"),
        (lambda: comparison([scaled("a"), scaled("b")], reps=2, reference="c"), "reference 'c' is not one of"),
        (lambda: make_executor("threads"), "unknown executor 'threads'"),
        (lambda: make_executor("processes", scheduler="tcp://localhost:8786"), "use --executor dask"),
        (lambda: make_executor("processes", workers=0), "at least 1"),
    ],
)
def test_bad_experiment_settings_are_user_errors(call, message):
    with pytest.raises(UserError, match=message):
        call()


def test_an_experiment_needs_one_seed_for_all_variants():
    a, b = scaled("a", seed=1), scaled("b", seed=2)
    with pytest.raises(ValueError, match="share one seed"):
        Experiment("compare", [Variant("a", a.to_dict()), Variant("b", b.to_dict())], reps=1)
