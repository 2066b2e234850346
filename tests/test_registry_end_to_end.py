"""An imported registry end to end: the fake export of ``fupin registry example``, imported, then a
scenario with ``population: {registry: DIR}`` compared, swept, calibrated and shown in both
dashboards, with no name, ID, phone or account of the export in any file these write."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from fupin_sim.cli import main
from fupin_sim.workbench.widgets import BudgetDashboard, ComparisonDashboard
from tests.test_registry import _texts

SCALE = 0.01
SEED = 7
PERSONAL_HEADERS = ("户主姓名", "联系电话", "开户银行", "银行账号", "姓名", "公民身份号码")


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    """(scenario file on the imported registry, its folder, the export's personal values)."""
    folder = tmp_path_factory.mktemp("registry_end_to_end")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(folder / "home"))
        patch.setenv("FUPIN_KEY_FILE", str(folder / "home" / "registry.key"))
        export = folder / "export.csv"
        example = ["registry", "example", "--out", str(export), "--encoding", "utf-8"]
        assert main([*example, "--seed", str(SEED), "--scale", str(SCALE)]) == 0
        out = folder / "registry"
        assert main(["registry", "import", str(export), "--out", str(out)]) == 0
    assert (folder / "home" / "registry.key").is_file()  # the redirected key file, not the real one
    secrets = _personal_values(export)
    with pytest.raises(AssertionError):  # the search finds what is there
        _assert_private([folder], "", secrets)
    scenario = folder / "mine.yaml"
    scenario.write_text(yaml.safe_dump({"extends": "decision_2016", "population": {"registry": str(out)}}))
    return scenario, out, secrets


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    """No test here may touch the real home folder or key file."""
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FUPIN_KEY_FILE", str(tmp_path / "home" / "registry.key"))


def _personal_values(export: Path) -> list[str]:
    """Every non-empty cell of the export's personal columns (names, IDs, phones, banks, accounts)."""
    with export.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    header = next(row for row in rows if "公民身份号码" in row)
    columns = [header.index(name) for name in PERSONAL_HEADERS if name in header]
    assert len(columns) == len(PERSONAL_HEADERS)
    body = rows[rows.index(header) + 1 :]
    values = {row[c].strip() for row in body for c in columns if c < len(row) and len(row[c].strip()) >= 2}
    assert len(values) > 100
    return sorted(values - {"中国农业银行", "农村信用社", "中国邮政储蓄银行", "农村商业银行"})


def _assert_private(folders: list[Path], printed: str, secrets: list[str]) -> None:
    files = [entry for folder in folders for entry in _texts(folder)]
    assert len(files) >= len(folders)
    for path, content in [*files, (Path("printed"), printed)]:
        leaked = [secret for secret in secrets if secret in content]
        assert not leaked, f"{len(leaked)} personal values in {path}"


def test_compare_and_sweep_run_on_the_registry(registry, tmp_path, capsys):
    scenario, _, secrets = registry
    compare = tmp_path / "compare"
    command = ["compare", str(scenario), "baseline", "--reps", "2", "--executor", "serial", "--no-progress"]
    assert main([*command, "--out", str(compare), "--format", "csv"]) == 0
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(
        yaml.safe_dump(
            {
                "scenario": str(scenario),
                "reps": 1,
                "vary": {"social_assistance.dibao_enrolment_prob": [0.4, 0.8]},
            }
        ),
        encoding="utf-8",
    )
    sweep = tmp_path / "sweep"
    assert main(["sweep", str(sweep_file), "--executor", "serial", "--out", str(sweep), "--no-progress"]) == 0
    printed = capsys.readouterr()
    assert "mine" in printed.out
    replications = pd.read_csv(compare / "replications.csv")
    assert sorted(set(replications.replication[replications.scenario == "mine"])) == [0, 1]
    _assert_private([compare, sweep], printed.out + printed.err, secrets)


def test_a_tiny_calibration_runs_on_the_registry(registry, tmp_path, capsys):
    scenario, _, secrets = registry
    calibration = tmp_path / "registry_calibration.yaml"
    figures = {
        "hospitalisation_rate_registered": {"tolerance": "10%", "scenario": scenario.name},
        "hospitalisation_rate_nonpoor": {"tolerance": "10%", "scenario": scenario.name, "held_out": True},
    }
    content = {"reps": 1, "trials": 3, "startup_trials": 2, "check_reps": 1, "figures": figures}
    calibration.write_text(yaml.safe_dump({**content, "parameters": {"health.hospitalisation_rate": "est"}}))
    (tmp_path / scenario.name).write_text(scenario.read_text())
    out = tmp_path / "calibrated"
    command = ["calibrate", str(calibration), "--out", str(out), "--executor", "serial", "--no-progress"]
    assert main(command) == 0
    fit = pd.read_csv(out / "fit.csv")
    assert set(fit.scenario) == {"mine"} and fit.model.notna().all()
    printed = capsys.readouterr()
    _assert_private([out], printed.out + printed.err, secrets)


def test_both_dashboards_build_and_refresh_on_the_registry(registry):
    scenario, _, secrets = registry
    budget = BudgetDashboard(str(scenario), reps=1)
    first = budget.refresh()
    budget.sliders["industry"].value = 0.0  # the slider's callback re-runs the outcomes
    assert budget.refresh()["spending_cny"] < first["spending_cny"]
    comparison = ComparisonDashboard([str(scenario), "baseline"], selected=[str(scenario), "baseline"], reps=2)
    assert comparison.reference.value == str(scenario)
    result = comparison.run()
    assert set(result.summary.scenario) == {"mine", "baseline"}
    assert len(comparison.figures) > 0 and comparison.table.value
    shown = budget.outcomes.value + comparison.table.value + repr(result.summary.to_dict())
    _assert_private([], shown, secrets)


def test_a_tiny_optimisation_runs_on_the_registry(registry, tmp_path, capsys):
    """The optimiser on a registry: plans extend the registry scenario; nothing personal is written."""
    scenario, out_registry, secrets = registry
    (tmp_path / scenario.name).write_text(scenario.read_text())
    study = tmp_path / "registry_study.yaml"
    content = {
        "scenario": scenario.name,
        "reps": 1,
        "population_scale": 1.0,  # a registry is run whole
        "trials": 3,
        "variables": {"programmes.employment.public_jobs": {"range": [0, 200], "step": 100}},
        "objectives": {"total_cost_cny": "minimise"},
        "constraints": {"p_exit_target_2016": {"min": 0.5}},
        "confirm": {"reps": 1, "population_scale": 1.0, "plans": 1},
    }
    study.write_text(yaml.safe_dump(content))
    out = tmp_path / "optimised"
    command = ["optimise", str(study), "--out", str(out), "--executor", "serial", "--no-progress"]
    assert main(command) == 0
    frontier = pd.read_csv(out / "frontier.csv")
    plan = yaml.safe_load((out / frontier.plan_file.iloc[0]).read_text(encoding="utf-8"))
    assert Path(plan["extends"]).name == scenario.name
    still_poor = pd.read_csv(out / "still_poor.csv")  # a registry is whole: the counts are its households
    registered = len(pd.read_parquet(out_registry / "households.parquet"))
    assert set(still_poor.reason) == {"haves", "medical_bills", "no_labour", "income"}
    assert 0 < still_poor.households.sum() < registered
    printed = capsys.readouterr()
    _assert_private([out], printed.out + printed.err, secrets)


def test_plans_and_the_return_risk_notebook_run_on_the_registry(registry, tmp_path, capsys):
    """fupin plan on a registry scenario, and notebook 04 executed with it as its scenario (papermill)."""
    import papermill

    scenario, out_registry, secrets = registry
    plans, workbook = tmp_path / "households.csv", tmp_path / "plans.xlsx"
    command = ["plan", "households", str(scenario), "--reps", "2", "--no-progress"]
    assert main([*command, "--out", str(plans), "--excel", str(workbook)]) == 0
    keys = set(pd.read_parquet(out_registry / "households.parquet").household_key)
    assert set(pd.read_csv(plans, encoding="utf-8-sig").household_key) == keys
    notebook_out = tmp_path / "04"
    executed = tmp_path / "04_return_risk.ipynb"
    parameters = {"scenario": str(scenario), "population_scale": 1.0, "out_dir": str(notebook_out), "plan_reps": 1}
    notebooks = Path(__file__).parent.parent / "notebooks"
    papermill.execute_notebook(
        str(notebooks / "04_return_risk.ipynb"),
        str(executed),
        parameters=parameters,
        cwd=str(notebooks),
        progress_bar=False,
    )
    at_risk = pd.read_csv(notebook_out / "at_risk_households.csv", encoding="utf-8-sig")
    # the registry's households by pseudonymous key; those that entered the registry later are the model's
    # own drawn households, keyed D and their row number
    listed = set(at_risk.household_key)
    assert listed & keys and all(key in keys or key.startswith("D") for key in listed)
    printed = capsys.readouterr()
    _assert_private([tmp_path], printed.out + printed.err, secrets)
