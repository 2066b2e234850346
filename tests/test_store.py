"""The result store: Parquet tables and manifests, resuming, loading back, and stopping midway (issue 4).

Two tests start ``python -m fupin_sim.cli`` and stop it midway — SIGKILL (a crash)
and SIGINT to its process group (Ctrl-C in a terminal) — then resume in-process.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import psutil
import pytest
import yaml

from fupin_sim import cli, load_scenario
from fupin_sim.errors import UserError
from fupin_sim.experiments import replications as experiments
from fupin_sim.experiments.replications import compare, provenance, run_replication
from fupin_sim.experiments.store import MANIFEST_FILE, SCENARIO_FILE, TABLES, load_manifest, load_results

SCALE = 0.05


def scaled(name: str, base: str = "baseline", scale: float = SCALE):
    data = load_scenario(base).to_dict()
    data.update(name=name, population_scale=scale)
    return load_scenario(data)


def manifests(store: Path) -> list[Path]:
    return sorted(store.glob(f"runs/*/*/{MANIFEST_FILE}"))


# --- layout and manifest ---------------------------------------------------------------------


def test_each_run_has_its_tables_as_parquet_and_a_manifest(tmp_path):
    store = tmp_path / "store"
    scenario = scaled("small")
    compare([scenario], reps=2, seed=9, executor="serial", out=store)

    found = manifests(store)
    assert len(found) == 2
    for path in found:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        assert {f"{name}.parquet" for name in manifest["tables"]} <= {p.name for p in path.parent.iterdir()}
        assert set(manifest["tables"]) == {"yearly", "events", "ledger", "shocks"}
        assert manifest["status"] == "ok" and manifest["traceback"] is None
        resolved = load_scenario(path.parent.parent / SCENARIO_FILE).to_dict()
        assert resolved == {**scenario.to_dict(), "seed": 9}  # loads back to the scenario that ran
        assert manifest["scenario"] == json.loads(json.dumps(resolved))
        assert manifest["base_seed"] == 9 and manifest["seed"] == {"entropy": 9, "spawn_key": [manifest["replication"]]}
        assert manifest["run_id"] == f"{path.parent.parent.name}/{path.parent.name}"
        assert manifest["package_version"] and manifest["python"]
        assert manifest["git_commit"] is None or re.fullmatch("[0-9a-f]{40}", manifest["git_commit"])
        started, finished = (datetime.fromisoformat(manifest[k]) for k in ("started_at", "finished_at"))
        assert started <= finished and manifest["duration_s"] > 0 and manifest["cpu_s"] > 0
    assert sorted(json.loads(p.read_text())["replication"] for p in found) == [0, 1]
    assert json.loads((store / "experiment.json").read_text())["reps"] == 2


def test_the_git_commit_is_recorded_when_the_package_is_in_a_checkout():
    commit = provenance()["git_commit"]
    package_in_git = subprocess.run(
        ["git", "-C", Path(experiments.__file__).parent, "rev-parse", "HEAD"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert commit == (package_in_git.stdout.strip() if package_in_git.returncode == 0 else None)


def test_stored_tables_read_back_equal_to_a_direct_run(tmp_path):
    scenario = scaled("small")
    compare([scenario], reps=2, executor="serial", out=tmp_path / "store")
    for table in ("yearly", "events", "ledger", "shocks"):
        stored = load_results(tmp_path / "store", table)
        assert list(stored.columns[:3]) == ["scenario", "replication", "run_id"]
        for replication in (0, 1):
            direct = getattr(run_replication(scenario, replication), table)
            rows = stored[stored.replication == replication].drop(columns=["scenario", "replication", "run_id"])
            pd.testing.assert_frame_equal(missing_as_none(rows.reset_index(drop=True)), missing_as_none(direct))


def missing_as_none(table: pd.DataFrame) -> pd.DataFrame:
    """Values as objects with None for missing ones (Parquet has one null; pandas has None, NaN and NA)."""
    return table.astype(object).where(table.notna(), None)


# --- resuming --------------------------------------------------------------------------------


def test_rerunning_skips_every_finished_run(monkeypatch, tmp_path):
    scenarios = [scaled("a"), scaled("b", base="transfers_only")]
    first = compare(scenarios, reps=2, executor="serial", out=tmp_path / "store")

    def must_not_run(*args):
        raise AssertionError("a finished run was run again")

    monkeypatch.setattr(experiments, "run_replication", must_not_run)
    again = compare(scenarios, reps=2, executor="serial", out=tmp_path / "store")
    assert (again.counts.planned, again.counts.skipped, again.counts.ok) == (4, 4, 0)
    pd.testing.assert_frame_equal(again.summary, first.summary)


def test_a_run_killed_before_its_manifest_was_written_runs_again(tmp_path):
    store = tmp_path / "store"
    first = compare([scaled("a")], reps=3, executor="serial", out=store)
    torn = manifests(store)[1]
    torn.unlink()  # tables may be there, the manifest is not: the run never finished
    assert load_manifest(store).status.tolist() == ["ok", "missing", "ok"]
    assert sorted(load_results(store).replication.unique()) == [0, 2]

    again = compare([scaled("a")], reps=3, executor="serial", out=store)
    assert (again.counts.skipped, again.counts.ok) == (2, 1)
    pd.testing.assert_frame_equal(again.table, first.table)


def test_more_replications_keep_the_earlier_ones(tmp_path):
    store = tmp_path / "store"
    compare([scaled("a")], reps=2, executor="serial", out=store)
    more = compare([scaled("a")], reps=3, executor="serial", out=store)
    assert (more.counts.skipped, more.counts.ok) == (2, 1)
    fresh = compare([scaled("a")], reps=3, executor="serial")
    pd.testing.assert_frame_equal(more.table.drop(columns="run_id"), fresh.table.drop(columns="run_id"))


def sweep_file(tmp_path: Path, points: int, reps: int, scale: float) -> Path:
    """A grid sweep with ``points`` values of one parameter, on a scaled district."""
    (tmp_path / "scaled.yaml").write_text(yaml.safe_dump({"extends": "baseline", "population_scale": scale}))
    values = [round(0.45 + 0.2 * i / max(points - 1, 1), 4) for i in range(points)]
    sweep = {"scenario": "scaled.yaml", "reps": reps, "vary": {"health.inpatient_reimbursement_share": values}}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep), encoding="utf-8")
    return path


def start_cli(*argv: str) -> subprocess.Popen:
    """``python -m fupin_sim.cli argv`` in its own process group (as a terminal runs it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "fupin_sim.cli", *map(str, argv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_runs(process: subprocess.Popen, store: Path, at_least: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while len(manifests(store)) < at_least:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no runs finished in time"
        time.sleep(0.01)


def test_a_sweep_killed_midway_resumes_to_the_table_of_an_uninterrupted_run(capsys, tmp_path):
    path = sweep_file(tmp_path, points=4, reps=5, scale=0.1)
    killed, complete = tmp_path / "killed", tmp_path / "complete"
    process = start_cli("sweep", path, "--executor", "serial", "--out", killed, "--no-progress")
    wait_for_runs(process, killed, at_least=1)
    process.kill()  # SIGKILL: no chance to clean up
    process.communicate()
    finished = len(manifests(killed))
    assert 0 < finished < 20

    assert cli.main(["sweep", str(path), "--executor", "serial", "--out", str(killed), "--no-progress"]) == 0
    assert f"({finished} already in the store)" in capsys.readouterr().out
    assert cli.main(["sweep", str(path), "--executor", "serial", "--out", str(complete), "--no-progress"]) == 0
    pd.testing.assert_frame_equal(load_results(killed), load_results(complete))
    assert (killed / "replications.csv").read_text() == (complete / "replications.csv").read_text()
    assert (killed / "summary.csv").read_text() == (complete / "summary.csv").read_text()


def test_ctrl_c_stops_the_workers_and_keeps_the_finished_runs(tmp_path):
    path = sweep_file(tmp_path, points=4, reps=8, scale=0.1)
    store = tmp_path / "store"
    process = start_cli("sweep", path, "--executor", "processes", "--workers", "2", "--out", store, "--no-progress")
    wait_for_runs(process, store, at_least=1)
    finished_before = len(manifests(store))
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the workers get it too
    started_s = time.monotonic()
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert time.monotonic() - started_s < 10  # batches not started are cancelled; running ones finish
    kept = load_manifest(store)
    finished = int((kept.status == "ok").sum())
    assert finished_before <= finished < 32 and set(kept.status) == {"ok", "missing"}
    assert f"interrupted: {finished} finished runs are kept" in err and "Traceback" not in err
    assert not live_processes_in_group(process.pid)

    resumed = experiments.execute(load_sweep_experiment(path), store, executor="serial")
    assert resumed.counts.skipped == finished and resumed.counts.ok == 32 - finished


def load_sweep_experiment(path: Path):
    from fupin_sim.experiments.sweeps import load_sweep

    return load_sweep(path).experiment()


def live_processes_in_group(group: int, timeout_s: float = 5) -> list[psutil.Process]:
    """Processes of a process group that are still running (zombies do not count)."""
    deadline = time.monotonic() + timeout_s
    while True:
        alive = []
        for process in psutil.process_iter(["status"]):
            try:
                if os.getpgid(process.pid) == group and process.info["status"] != psutil.STATUS_ZOMBIE:
                    alive.append(process)
            except (ProcessLookupError, psutil.NoSuchProcess):
                continue
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


# --- loading back ----------------------------------------------------------------------------


def test_load_results_returns_one_tidy_frame_per_table_in_plan_order(tmp_path):
    compare(
        [scaled("b"), scaled("a", base="transfers_only")],
        reps=2,
        executor="processes",
        workers=2,
        out=tmp_path / "store",
    )
    yearly = load_results(tmp_path / "store")
    assert yearly[["scenario", "replication"]].drop_duplicates().values.tolist() == [
        ["b", 0],
        ["b", 1],
        ["a", 0],
        ["a", 1],
    ]
    assert yearly.groupby(["scenario", "replication"]).year.apply(list).map(len).eq(5).all()
    # a column only one scenario has (a programme's spending) is missing for the other
    shocks = load_results(tmp_path / "store", "shocks")
    assert {"scenario", "replication", "run_id", "shock", "households"} <= set(shocks.columns)


def test_load_manifest_lists_every_planned_run(tmp_path):
    compare([scaled("a")], reps=2, executor="serial", out=tmp_path / "store")
    runs = load_manifest(tmp_path / "store")
    assert runs[["scenario", "replication", "status"]].values.tolist() == [["a", 0, "ok"], ["a", 1, "ok"]]
    assert runs.duration_s.gt(0).all() and runs.traceback.isna().all()


def test_loading_from_a_folder_that_is_not_a_store_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="is not a result store"):
        load_results(tmp_path)
    with pytest.raises(UserError, match="is not a result store"):
        load_manifest(tmp_path)


def test_loading_an_unknown_table_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="unknown table 'yearlies'.*yearly"):
        load_results(tmp_path, "yearlies")
    assert "panel" in TABLES


def test_an_unwritable_store_is_a_user_error(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(UserError, match="cannot write the result store"):
        compare([scaled("a")], reps=1, executor="serial", out=blocker / "store")
