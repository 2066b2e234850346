"""``fupin compare`` and ``fupin sweep`` on the command line, in-process (issue 4)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
import yaml

from fupin_sim import cli
from fupin_sim.experiments import replications as experiments
from fupin_sim.experiments.store import load_results


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def two_files(small_scenario_file) -> list[Path]:
    return [small_scenario_file("base"), small_scenario_file("backstop", base="transfers_only")]


SERIAL = ("--executor", "serial", "--no-progress")


# --- compare ---------------------------------------------------------------------------------


def test_compare_prints_intervals_target_probabilities_and_paired_differences(capsys, two_files):
    code, out, err = run_cli(capsys, "compare", *two_files, "--reps", "3", *SERIAL)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Comparison of 2 scenarios × 3 replications") and "vs base" in lines[0]
    assert lines[1] == "runs: 6 planned, 6 ok, 0 failed"
    header = lines[3]
    for column in ("exited (cum)", "Δ exited (cum)", "P(exit target)", "villages delisted", "spending (M CNY)"):
        assert column in header
    rows = lines[4:]
    assert len(rows) == 2 * 5
    assert all("(reference)" in row for row in rows if row.startswith("base "))
    backstop_2016 = next(row for row in rows if row.startswith("backstop  2016"))
    assert "%" in backstop_2016 and "[" in backstop_2016 and "+" in backstop_2016


def test_compare_json_and_csv_carry_the_full_summary(capsys, two_files, tmp_path):
    code, out, err = run_cli(capsys, "compare", *two_files, "--reps", "2", "--format", "json", *SERIAL)
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "compare" and data["reference"] == "base" and data["reps"] == 2
    assert data["runs"] == {"ok": 4} and data["store"] is None
    records = pd.DataFrame(data["summary"])
    met = records[(records.outcome == "exit_target_met") & (records.year == 2016)]
    assert set(met.kind) == {"probability"} and met["mean"].between(0, 1).all()
    assert records[records.scenario == "base"].diff_mean.isna().all()
    assert records[records.scenario == "backstop"].n_pairs.eq(2).all()

    code, out, err = run_cli(
        capsys, "compare", *two_files, "--reps", "2", "--format", "csv", "--out", tmp_path / "o", *SERIAL
    )
    assert code == 0, err
    printed = pd.read_csv(StringIO(out))
    pd.testing.assert_frame_equal(printed, pd.read_csv(tmp_path / "o" / "summary.csv"))
    pd.testing.assert_frame_equal(printed[list(records.columns)], records, check_dtype=False)


def test_compare_out_keeps_the_store_and_a_rerun_resumes_it(capsys, two_files, tmp_path):
    out_dir = tmp_path / "kept"
    code, out, err = run_cli(capsys, "compare", *two_files, "--reps", "2", "--out", out_dir, *SERIAL)
    assert code == 0, err
    assert f"stored in {out_dir}/" in out
    replications = pd.read_csv(out_dir / "replications.csv")
    assert len(replications) == len(load_results(out_dir)) == 2 * 2 * 5
    code, out, err = run_cli(capsys, "compare", *two_files, "--reps", "2", "--out", out_dir, *SERIAL)
    assert code == 0, err
    assert "(4 already in the store)" in out


def test_the_reference_can_be_named_by_scenario_name_or_by_the_argument(capsys, two_files):
    for reference in ("backstop", str(two_files[1])):
        code, out, err = run_cli(capsys, "compare", *two_files, "--reps", "1", "--reference", reference, *SERIAL)
        assert code == 0, err
        assert "vs backstop" in out.splitlines()[0]


def test_compare_with_the_processes_executor_prints_the_same_table(capsys, two_files):
    _, serial, _ = run_cli(capsys, "compare", *two_files, "--reps", "2", *SERIAL)
    code, parallel, err = run_cli(capsys, "compare", *two_files, "--reps", "2", "--workers", "2", "--no-progress")
    assert code == 0, err
    assert parallel == serial


def test_failed_runs_are_reported_and_the_exit_status_is_1(monkeypatch, capsys, two_files):
    real = experiments.run_replication

    def flaky(scenario, replication):
        if scenario.name == "backstop" and replication == 0:
            raise ValueError("no money left")
        return real(scenario, replication)

    monkeypatch.setattr(experiments, "run_replication", flaky)
    code, out, err = run_cli(capsys, "compare", *two_files, "--reps", "2", *SERIAL)
    assert code == 1
    assert "runs: 4 planned, 3 ok, 1 failed" in out
    assert "warning: 1 of 4 runs failed, e.g. replication 0 of backstop: ValueError: no money left" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--reference", "nobody"), "reference 'nobody' is not one of the compared scenarios: base, backstop"),
        (("--scheduler", "tcp://127.0.0.1:8786", "--executor", "processes"), "use --executor dask"),
    ],
)
def test_bad_compare_options_exit_2_with_a_message(capsys, two_files, extra, message):
    code, out, err = run_cli(capsys, "compare", *two_files, "--reps", "1", *extra, "--no-progress")
    assert code == cli.EXIT_USER_ERROR
    assert message in err and "Traceback" not in err and out == ""


def test_the_same_scenario_twice_exits_2(capsys, two_files):
    code, _, err = run_cli(capsys, "compare", two_files[0], two_files[0], *SERIAL)
    assert code == cli.EXIT_USER_ERROR and "two scenarios are named 'base'" in err


@pytest.mark.parametrize("flag", [("--reps", "0"), ("--workers", "-1"), ("--executor", "threads")])
def test_bad_flags_exit_2(capsys, two_files, flag):
    with pytest.raises(SystemExit) as caught:
        cli.main(["compare", str(two_files[0]), *flag])
    assert caught.value.code == 2
    assert flag[0] in capsys.readouterr().err


# --- sweep -----------------------------------------------------------------------------------


@pytest.fixture
def sweep_path(small_scenario_file, tmp_path) -> Path:
    small_scenario_file("small")
    path = tmp_path / "wages.yaml"
    path.write_text(yaml.safe_dump({"scenario": "small.yaml", "reps": 2, "vary": {"income.wage_growth": [0.05, 0.1]}}))
    return path


def test_sweep_writes_its_tables_under_results_sweeps_by_default(capsys, sweep_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "sweep", sweep_path, *SERIAL)
    assert code == 0, err
    store = Path("results") / "sweeps" / "wages"
    assert out.splitlines()[0].startswith("Sweep wages of small: 2 points (grid) × 2 replications")
    header = out.splitlines()[3]
    assert header.startswith("point  income.wage_growth") and "P(exit target) 2016" in header
    table = pd.read_csv(store / "replications.csv")
    assert list(table.columns[:3]) == ["scenario", "point", "income.wage_growth"]
    assert len(table) == 2 * 2 * 5 and sorted(table["income.wage_growth"].unique()) == [0.05, 0.1]
    summary = pd.read_csv(store / "summary.csv")
    assert list(summary.columns[:4]) == ["point", "income.wage_growth", "year", "outcome"]


def test_sweep_reps_flag_overrides_the_file(capsys, sweep_path, tmp_path):
    code, out, err = run_cli(
        capsys, "sweep", sweep_path, "--reps", "1", "--out", tmp_path / "o", "--format", "json", *SERIAL
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "sweep" and data["reps"] == 1 and data["runs"] == {"ok": 2}
    assert [v["inputs"] for v in data["variants"]] == [{"income.wage_growth": 0.05}, {"income.wage_growth": 0.1}]


def test_a_bad_sweep_file_exits_2_naming_file_key_and_fix(capsys, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"scenario": "baseline", "vary": {"health.hospitalization_rate": "est"}}))
    code, out, err = run_cli(capsys, "sweep", path, *SERIAL)
    assert code == cli.EXIT_USER_ERROR
    assert err.startswith(f"error: {path}: vary.health.hospitalization_rate: unknown parameter")
    assert "did you mean 'health.hospitalisation_rate'" in err and "Traceback" not in err and out == ""


def test_a_missing_sweep_file_exits_2(capsys, tmp_path):
    code, _, err = run_cli(capsys, "sweep", tmp_path / "nope.yaml")
    assert code == cli.EXIT_USER_ERROR and "not found" in err
