"""The ``fupin`` command line, in-process (``cli.main``) and as ``python -m fupin_sim.cli``.

Runs use a scenario file that extends the baseline with ``population_scale: 0.05``
(4,000 households), which takes a fraction of a second in-process; a subprocess
adds the interpreter and import time (≈ 1-2 s), so only a few cases use one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fupin_sim import cli, load_scenario

YEAR_KEYS = {
    "exit_share_cum",
    "exit_target_cum",
    "exit_target_met",
    "exit_shortfall_people",
    "paper_exit_share",
    "villages_delisted_cum",
    "village_target_cum",
    "returns",
    "new_poor",
    "incidence",
    "poverty_gap_cny",
    "spending_cny",
}
OUTPUT_FILES = ("yearly.csv", "events.csv", "ledger.csv", "scenario.resolved.yaml", "summary.json")


@pytest.fixture
def small_file(write_scenario) -> Path:
    return write_scenario({"extends": "baseline", "population_scale": 0.05}, name="small")


@pytest.fixture
def bad_file(write_scenario) -> Path:
    return write_scenario({"extends": "baseline", "sede": 3}, name="bad")


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """``cli.main(argv)`` in-process: exit code, stdout, stderr."""
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_module(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m fupin_sim.cli argv`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "fupin_sim.cli", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run_cli(capsys, "run", *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


# --- validate -------------------------------------------------------------------------


def test_validate_baseline_succeeds(capsys):
    code, out, err = run_cli(capsys, "validate", "baseline")
    assert code == 0, err
    assert out.startswith("ok:") and "baseline" in out


def test_validate_baseline_as_a_module(tmp_path):
    done = run_module("validate", "baseline", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ok:" in done.stdout and "baseline" in done.stdout


def test_validate_reports_every_file_and_stops_at_a_bad_one(capsys, small_file, bad_file):
    code, out, err = run_cli(capsys, "validate", "baseline", small_file, bad_file)
    assert code == cli.EXIT_USER_ERROR
    assert out.count("ok:") == 2
    assert str(bad_file) in err and "sede" in err


# --- run ------------------------------------------------------------------------------------


def test_run_json_prints_one_object_with_the_yearly_figures(capsys, small_file):
    code, out, err = run_cli(capsys, "run", small_file, "--format", "json")
    assert code == 0, err
    assert len(out.strip().splitlines()) == 1  # one JSON object, nothing else on stdout
    data = json.loads(out)
    scenario = load_scenario(small_file)
    assert data["scenario"] == "small"
    assert data["seed"] == scenario.seed
    assert list(data["years"]) == [str(y) for y in scenario.horizon.years]
    first = data["years"]["2016"]
    assert YEAR_KEYS <= set(first)
    # the targets are the scenario's (from the baseline it extends), with whether they were met
    assert first["exit_target_cum"] == scenario.targets["exit_share_cum"][2016]
    assert first["village_target_cum"] == scenario.targets["villages_delisted_cum"][2016]
    assert first["exit_target_met"] == (first["exit_share_cum"] >= first["exit_target_cum"])
    assert 0 <= first["exit_share_cum"] <= 1 and 0 < first["incidence"] < 1
    assert first["spending_cny"] > 0  # the baseline pays 低保


def test_run_out_writes_the_tables_and_a_resolved_scenario_that_reruns_identically(capsys, small_file, tmp_path):
    out_dir = tmp_path / "results"
    code, out, err = run_cli(capsys, "run", small_file, "--out", out_dir)
    assert code == 0, err
    for name in OUTPUT_FILES:
        assert (out_dir / name).is_file(), name
    yearly = pd.read_csv(out_dir / "yearly.csv")
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert list(yearly.year.astype(str)) == list(summary["years"])
    assert summary["years"]["2016"]["exit_share_cum"] == pytest.approx(yearly.exit_share_cum.iloc[0], rel=1e-12)

    resolved_file = out_dir / "scenario.resolved.yaml"
    resolved = load_scenario(resolved_file)
    assert resolved.to_dict() == load_scenario(small_file).to_dict()

    rerun_dir = tmp_path / "rerun"
    code, _, err = run_cli(capsys, "run", resolved_file, "--out", rerun_dir)
    assert code == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(rerun_dir / "yearly.csv"), yearly)
    pd.testing.assert_frame_equal(pd.read_csv(rerun_dir / "events.csv"), pd.read_csv(out_dir / "events.csv"))


def test_a_seed_from_the_command_line_is_recorded_in_the_resolved_scenario(capsys, small_file, tmp_path):
    """Rerunning the resolved scenario of a `--seed` run reproduces it (without repeating the flag)."""
    out_dir = tmp_path / "seeded"
    code, _, err = run_cli(capsys, "run", small_file, "--seed", "7", "--out", out_dir)
    assert code == 0, err
    assert load_scenario(out_dir / "scenario.resolved.yaml").seed == 7
    again = run_json(capsys, out_dir / "scenario.resolved.yaml")
    assert again["seed"] == 7
    assert again["years"] == json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))["years"]


def test_seed_changes_results_and_the_same_seed_reproduces_them(capsys, small_file):
    first = run_json(capsys, small_file, "--seed", "1")
    same = run_json(capsys, small_file, "--seed", "1")
    other = run_json(capsys, small_file, "--seed", "2")
    assert first["seed"] == 1 and other["seed"] == 2
    assert same == first
    assert other["years"] != first["years"]
    default = run_json(capsys, small_file)
    assert default["seed"] == load_scenario(small_file).seed
    assert default["years"] != first["years"]


def test_run_as_a_module_prints_the_same_json_as_in_process(capsys, small_file):
    in_process = run_json(capsys, small_file, "--seed", "3")
    done = run_module("run", small_file, "--seed", "3", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == in_process


def test_run_csv_prints_the_yearly_table(capsys, small_file, tmp_path):
    code, out, err = run_cli(capsys, "run", small_file, "--format", "csv", "--out", tmp_path / "r")
    assert code == 0, err
    (tmp_path / "printed.csv").write_text(out, encoding="utf-8")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "printed.csv"), pd.read_csv(tmp_path / "r" / "yearly.csv"))


# --- user errors ----------------------------------------------------------------------------


def test_bad_scenario_exits_2_with_the_message_and_no_traceback(capsys, bad_file):
    code, out, err = run_cli(capsys, "run", bad_file)
    assert code == cli.EXIT_USER_ERROR
    assert str(bad_file) in err and "sede" in err and "did you mean 'seed'" in err
    assert "Traceback" not in err and out == ""


def test_bad_scenario_as_a_module_exits_2_without_traceback(bad_file):
    done = run_module("run", bad_file)
    assert done.returncode == 2
    assert str(bad_file) in done.stderr and "did you mean 'seed'" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_unknown_scenario_name_exits_2(capsys):
    code, out, err = run_cli(capsys, "run", "no_such_scenario")
    assert code == cli.EXIT_USER_ERROR
    assert "no_such_scenario" in err and "not found" in err and "baseline" in err
    assert "Traceback" not in err


def test_missing_scenario_argument_exits_2(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["run"])
    assert caught.value.code == 2
    assert "scenario" in capsys.readouterr().err


@pytest.mark.parametrize("seed", ["-1", "abc"])
def test_a_bad_seed_flag_exits_2(capsys, small_file, seed):
    with pytest.raises(SystemExit) as caught:
        cli.main(["run", str(small_file), "--seed", seed])
    assert caught.value.code == 2
    assert "--seed" in capsys.readouterr().err


def test_an_unwritable_out_directory_exits_2(capsys, small_file, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("", encoding="utf-8")
    code, _, err = run_cli(capsys, "run", small_file, "--out", blocker / "results")
    assert code == cli.EXIT_USER_ERROR
    assert "cannot write results" in err and "Traceback" not in err


def test_several_scenarios_run_into_one_folder_each_and_print_side_by_side(tmp_path, capsys, small_scenario_file):
    first = small_scenario_file("first")
    second = small_scenario_file("second")
    code = cli.main(["run", str(first), str(second), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert (tmp_path / "first" / "yearly.csv").exists() and (tmp_path / "second" / "yearly.csv").exists()
    overview = out[out.index("Side by side") :].splitlines()
    assert [line.split()[0] for line in overview[2:]] == ["first", "second"]
    yearly = pd.read_csv(tmp_path / "first" / "yearly.csv").set_index("year")
    assert f"{yearly.loc[2016, 'exit_share_cum']:.1%}" in overview[2]
    assert "on paper 2017" in overview[1]
    assert f"{yearly.loc[2017, 'paper_exit_share']:.1%}" in overview[2]
