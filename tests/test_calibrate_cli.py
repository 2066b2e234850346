"""`fupin calibrate` and `fupin calibration-table`: outputs, bad files, a killed calibration resuming."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml

from fupin_sim.cli import main
from fupin_sim.config.scenario import load_scenario
from fupin_sim.experiments.calibration_file import DEFAULT_FILE, load_calibration
from fupin_sim.experiments.search import STUDY_FILE, STUDY_NAME

ROOT = Path(__file__).resolve().parents[1]
CI_FILE = ROOT / "calibration" / "ci.yaml"


def test_the_ci_calibration_writes_an_overlay_a_fit_table_a_history_and_importances(tmp_path, capsys):
    out = tmp_path / "ci"
    assert main(["calibrate", str(CI_FILE), "--out", str(out), "--executor", "serial", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "best trial" in printed and "hospitalisation_rate_nonpoor" in printed
    history = pd.read_csv(out / "history.csv")
    assert list(history.trial) == list(range(6))
    assert (history.best_loss == history.loss.cummin()).all()
    fit = json.loads((out / "fit.json").read_text(encoding="utf-8"))
    assert [f["figure"] for f in fit["figures"]] == ["hospitalisation_rate_nonpoor", "hospitalisation_rate_registered"]
    assert [f["held_out"] for f in fit["figures"]] == [False, True]
    assert set(pd.read_csv(out / "importance.csv").parameter) == {"health.hospitalisation_rate"}
    fitted = yaml.safe_load((out / "fitted.yaml").read_text(encoding="utf-8"))["parameters"]
    best = history.loc[history.loss.idxmin(), "health.hospitalisation_rate"]
    assert fitted["health.hospitalisation_rate"] == pytest.approx(best)
    scenario = tmp_path / "fitted_baseline.yaml"
    scenario.write_text(f"extends: baseline\nparameter_files: [{out / 'fitted.yaml'}]\n", encoding="utf-8")
    assert load_scenario(scenario).params.value("health.hospitalisation_rate") == pytest.approx(best)


def test_a_bad_calibration_file_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("figures: {return_rate_2106: {tolerance: 0.01}}\n", encoding="utf-8")
    assert main(["calibrate", str(bad), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "did you mean" in error and "Traceback" not in error
    assert len(error.strip().splitlines()) == 1


def test_the_calibration_table_prints_every_figure_as_json(capsys):
    arguments = ["calibration-table", "--reps", "2", "--population-scale", "0.02", "--executor", "serial"]
    assert main([*arguments, "--format", "json"]) == 0
    figures = json.loads(capsys.readouterr().out)["figures"]
    shipped = [t.figure for t in load_calibration(DEFAULT_FILE).figures]
    assert [f["figure"] for f in figures] == shipped and "monitoring_share_2020" in shipped
    keys = {"figure", "published", "model", "p05", "p95", "low", "high", "within", "held_out"}
    assert all(set(f) == keys for f in figures)
    assert all(f["p05"] <= f["model"] <= f["p95"] for f in figures)
    assert main(arguments) == 0
    assert "return_risk_without_support" in capsys.readouterr().out


SLOW_FILE = """
    reps: 2
    population_scale: 0.05
    trials: 10
    startup_trials: 3
    check_reps: 1
    figures:
      hospitalisation_rate_nonpoor: {tolerance: 10%}
    parameters:
      health.hospitalisation_rate: est
    """


def finished_trials(folder: Path) -> int:
    if not (folder / STUDY_FILE).exists():
        return 0
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(folder / STUDY_FILE)))
    try:
        study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
    except KeyError:
        return 0
    return len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))


def test_a_killed_calibration_resumes_and_finishes_with_the_requested_trials(tmp_path):
    file = tmp_path / "slow.yaml"
    file.write_text(textwrap.dedent(SLOW_FILE), encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "fupin_sim.cli", "calibrate", str(file), "--out", str(out), "--executor", "serial"]
    process = subprocess.Popen([*command, "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while finished_trials(out) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait()
    assert 0 < finished_trials(out) < 10, "killed mid-study"
    assert not (out / "history.csv").exists()
    subprocess.run([*command, "--no-progress"], check=True, capture_output=True)
    assert finished_trials(out) == 10
    assert list(pd.read_csv(out / "history.csv").trial) == list(range(10))
