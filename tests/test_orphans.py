"""No orphans: a killed ``fupin compare`` takes its workers with it, and its store resumes (issue 15).

A real command runs in its own process group on a scaled-down district
(``population_scale: 0.05``, 2 workers, 24 runs); once the first runs are in the store,
only the main process is sent SIGKILL, as the out-of-memory killer or a closed
terminal would. The fork server and the workers must be gone 10 s later; running the
same command again must keep the runs that finished and give the tables of an
uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

FUPIN = [sys.executable, "-m", "fupin_sim.cli"]
RUNS = 24  # 2 scenarios x 12 replications
GRACE_S = 10.0


def compare_command(scenarios: list[Path], out: Path) -> list[str]:
    names = [str(path) for path in scenarios]
    return [*FUPIN, "compare", *names, "--reps", "12", "--workers", "2", "--out", str(out), "--no-progress"]


def finished_manifests(out: Path) -> dict[Path, int]:
    """Manifest file → modification time (ns) of every run written so far."""
    return {path: path.stat().st_mtime_ns for path in out.glob("runs/*/r*/manifest.json")}


def group_members(group: int) -> list[psutil.Process]:
    """The live processes of a process group (zombies excluded: they hold nothing)."""
    members = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == group and process.status() != psutil.STATUS_ZOMBIE:
                members.append(process)
        except (ProcessLookupError, psutil.Error):
            continue
    return members


def describe(process: psutil.Process) -> str:
    try:
        return f"{process.pid} {' '.join(process.cmdline())[:80]}"
    except psutil.Error:
        return f"{process.pid} (gone)"


def wait_until(condition, timeout_s: float, every_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every_s)
    return condition()


@pytest.fixture
def scenarios(small_scenario_file) -> list[Path]:
    return [
        small_scenario_file("small_baseline", scale=0.05),
        small_scenario_file("small_decision", base="decision_2016", scale=0.05),
    ]


def test_killing_the_main_process_ends_its_workers_and_the_store_resumes(tmp_path, scenarios):
    interrupted, uninterrupted = tmp_path / "interrupted", tmp_path / "uninterrupted"
    main = subprocess.Popen(
        compare_command(scenarios, interrupted),
        start_new_session=True,  # its own process group: the forkserver and workers join it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    group = main.pid
    try:
        assert wait_until(lambda: finished_manifests(interrupted) or main.poll() is not None, timeout_s=120)
        members = group_members(group)
        kept = finished_manifests(interrupted)
        assert main.poll() is None and len(kept) < RUNS, "the command finished before it could be killed"
        assert len(members) >= 4, "no workers running when killed"  # main, resource tracker, forkserver, workers

        main.send_signal(signal.SIGKILL)  # the main process only
        main.wait()
        left = [] if wait_until(lambda: not group_members(group), GRACE_S, every_s=0.25) else group_members(group)
        assert not left, f"alive {GRACE_S:g} s after the kill: {[describe(process) for process in left]}"
    finally:
        if group_members(group):
            os.killpg(group, signal.SIGKILL)  # our own process group: leave nothing behind for the next test

    kept = finished_manifests(interrupted)
    subprocess.run(compare_command(scenarios, interrupted), check=True, capture_output=True)
    subprocess.run(compare_command(scenarios, uninterrupted), check=True, capture_output=True)

    assert {path: finished_manifests(interrupted)[path] for path in kept} == kept  # finished runs were not redone
    assert len(finished_manifests(interrupted)) == RUNS
    for table in ("replications.csv", "summary.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(interrupted / table), pd.read_csv(uninterrupted / table))
