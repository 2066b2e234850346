"""The budget optimiser: file format, decision vectors, metrics, the search, resuming, plan files."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml

from fupin_sim.cli import main
from fupin_sim.config.scenario import load_scenario
from fupin_sim.experiments.optimisation import (
    PROBABILITY,
    Metric,
    OptimiseError,
    estimate,
    load_problem,
    make_search,
    optimise,
    plan_scenario,
)
from fupin_sim.experiments.replications import compare
from fupin_sim.experiments.search import STUDY_FILE, evaluate
from fupin_sim.experiments.store import ResultStore

JOBS = "programmes.employment.public_jobs"
JOB_LEVELS = [0, 500, 1000, 1500, 2000]
TINY = {
    "description": "one capacity, a known optimum",
    "scenario": "decision_2016",
    "reps": 2,
    "population_scale": 0.02,
    "trials": 12,
    "sampler_seed": 4,
    "variables": {JOBS: {"range": [0, 2000], "step": 500}},
    "objectives": {"total_cost_cny": "minimise"},
    "confirm": {"reps": 2, "population_scale": 0.02, "seed": 77},
}


def write(folder: Path, content: dict, name: str = "study.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def error_of(folder: Path, content: dict) -> str:
    with pytest.raises(OptimiseError) as caught:
        load_problem(write(folder, content))
    return str(caught.value)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """Every level of the capacity on the study's own replications: the cost and sustained exits."""
    folder = tmp_path_factory.mktemp("grid")
    problem = load_problem(write(folder, TINY))
    search = make_search(problem)
    measured = evaluate(search, {i: {JOBS: level} for i, level in enumerate(JOB_LEVELS)}, executor="serial")
    rows = []
    for i, level in enumerate(JOB_LEVELS):
        measures, error = measured[i]
        assert error is None
        scores = problem.score(_yearly(measures), {JOBS: level}, problem.population_scale)
        rows.append({"level": level, "cost": scores["total_cost_cny"].mean})
    sustained = Metric("sustained_exits", "value", tuple(range(2016, 2021)))
    for i in range(len(JOB_LEVELS)):
        rows[i]["exits"] = sustained.per_replication(_yearly(measured[i][0]), problem.population_scale).mean()
    return pd.DataFrame(rows)


def _yearly(measures):
    from fupin_sim.experiments.optimisation import yearly_table

    return yearly_table(measures)


@pytest.fixture(scope="module")
def study(tmp_path_factory, grid):
    """A study whose constraint makes an interior level of the grid the cheapest feasible one."""
    folder = tmp_path_factory.mktemp("study")
    ranked = grid.sort_values("exits")
    threshold = float(ranked.exits.iloc[len(ranked) // 2])  # about half the levels meet it
    content = {**TINY, "constraints": {"sustained_exits": {"min": threshold}}}
    result = optimise(write(folder, content), folder / "out", executor="serial", progress=False)
    return result, threshold


# --- the file format ---------------------------------------------------------------------------


def test_a_total_is_spread_over_the_years_as_the_starting_scenario_spreads_it(tmp_path):
    problem = load_problem(
        write(tmp_path, {**TINY, "variables": {"programmes.industry.budget_cny": {"total": [0, 9.0e7]}}})
    )
    decision = load_scenario("decision_2016").programmes["industry"]["budget_cny"]
    inputs = problem.inputs({"programmes.industry.budget_cny": 9.0e7})
    by_year = {int(key.rsplit(".", 1)[1]): value for key, value in inputs.items()}
    assert sum(by_year.values()) == pytest.approx(9.0e7, abs=5)
    assert by_year[2016] / by_year[2020] == pytest.approx(decision[2016] / decision[2020], rel=1e-6)


def test_a_given_profile_leaves_the_other_years_without_money(tmp_path):
    spec = {"total": [0, 1.0e7], "profile": {2016: 0.75, 2017: 0.25}}
    problem = load_problem(write(tmp_path, {**TINY, "variables": {"programmes.microcredit.budget_cny": spec}}))
    scenario = problem.scenario({"programmes.microcredit.budget_cny": 8.0e6})
    assert scenario["programmes"]["microcredit"]["budget_cny"] == {2016: 6e6, 2017: 2e6, 2018: 0, 2019: 0, 2020: 0}


def test_months_targeting_and_capacities_reach_the_scenario(tmp_path):
    variables = {
        "programmes.relocation.construction_start": {"range": ["2016-01", "2016-06"]},
        "programmes.industry.targeting": {"choices": ["poorest_first", "village_plan"]},
        JOBS: {"range": [0, 2000], "step": 500},
    }
    problem = load_problem(write(tmp_path, {**TINY, "variables": variables}))
    month = problem.variables[0]
    assert month.distribution().low == 2016 * 12 and month.distribution().high == 2016 * 12 + 5
    scenario = problem.scenario(
        {
            "programmes.relocation.construction_start": 2016 * 12 + 2,
            "programmes.industry.targeting": "poorest_first",
            JOBS: 1500,
        }
    )
    assert scenario["programmes"]["relocation"]["construction_start"] == "2016-03"
    assert scenario["programmes"]["industry"]["targeting"] == "poorest_first"
    assert scenario["programmes"]["employment"]["public_jobs"] == 1500


@pytest.mark.parametrize(
    ("change", "key", "fix"),
    [
        ({"trails": 5}, "trails: unknown key", "did you mean 'trials'"),
        (
            {"variables": {"programmes.employmnt.public_jobs": {"range": [0, 10]}}},
            "variables.programmes.employmnt",
            "did you mean 'employment'",
        ),
        (
            {"variables": {"programmes.employment.public_job": {"range": [0, 10]}}},
            "public_job",
            "did you mean 'public_jobs'",
        ),
        (
            {"variables": {"health.hospitalisation_rate": {"range": [0, 1]}}},
            "variables.health.hospitalisation_rate",
            "parameters are uncertainties",
        ),
        ({"variables": {JOBS: {"range": [10, 0]}}}, f"variables.{JOBS}.range", "swap them"),
        ({"variables": {JOBS: {"range": [0, 10], "stepp": 1}}}, f"variables.{JOBS}.stepp", "did you mean 'step'"),
        ({"variables": {JOBS: {"range": [0, 10.5]}}}, f"variables.{JOBS}", "whole-number bounds"),
        (
            {"variables": {"programmes.industry.budget_cny": {"range": [0, 10]}}},
            "budget_cny.range",
            "total: [low, high]",
        ),
        (
            {"variables": {"programmes.industry.targeting": {"choices": ["poorest", "random"]}}},
            "targeting.choices",
            "did you mean 'poorest_first'",
        ),
        (
            {"variables": {"programmes.industry.budget_cny": {"total": [0, 1], "profile": {2016: 0.5}}}},
            "profile",
            "sum to 1",
        ),
        (
            {"variables": {"programmes.industry.budget_cny.2031": {"range": [0, 1]}}},
            "budget_cny.2031",
            "outside the horizon",
        ),
        (
            {"objectives": {"total_cost": "minimise"}},
            "objectives.total_cost: unknown metric",
            "did you mean 'total_cost_cny'",
        ),
        ({"objectives": {"total_cost_cny": "smallest"}}, "objectives.total_cost_cny", "minimise or maximise"),
        (
            {"objectives": {"p_exit_target_2019": "maximise"}},
            "objectives.p_exit_target_2019",
            "use a year with a target (2016, 2017",
        ),
        ({"constraints": {"p_exit_target_2016": {"min": 90}}}, "constraints.p_exit_target_2016", "between 0 and 1"),
        (
            {"constraints": {"p_exit_target_2016": {"minimum": 0.9}}},
            "constraints.p_exit_target_2016.minimum",
            "did you mean 'min'",
        ),
        ({"confirm": {"seed": 20160806}}, "confirm.seed", "fresh random numbers"),
        ({"population_scale": 2}, "population_scale", "(0, 1]"),
        ({"scenario": "decison_2016"}, "scenario: no scenario 'decison_2016'", "did you mean 'decision_2016'"),
    ],
)
def test_bad_files_name_the_key_and_the_fix(tmp_path, change, key, fix):
    content = {**TINY, **change}
    message = error_of(tmp_path, content)
    assert str(tmp_path / "study.yaml") in message
    assert key in message
    assert fix in message


def test_the_command_reports_a_bad_file_in_one_line_with_status_2(tmp_path, capsys):
    path = write(tmp_path, {**TINY, "objectives": {"total_cost": "minimise"}})
    assert main(["optimise", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert main(["optimise", str(tmp_path / "missing.yaml")]) == 2


# --- metrics -----------------------------------------------------------------------------------


def test_metrics_count_the_full_district_and_targets_per_replication():
    table = pd.DataFrame(
        {
            "replication": [0, 0, 1, 1],
            "year": [2016, 2017, 2016, 2017],
            "spending_cny": [1.0e6, 2.0e6, 1.0e6, 4.0e6],
            "exit_target_met": [1.0, 0.0, 1.0, 1.0],
            "village_target_met": [1.0, 1.0, 0.0, math.nan],
            "returns_households": [0, 3, 0, 1],
            "exits_households": [10, 5, 8, 9],
            "exits_transfer_dependent": [5, 0, 4, 0],
            "exit_share_cum": [0.5, 0.9, 0.4, 1.0],
        }
    )
    years = (2016, 2017)
    at = 0.5  # half the district: counts and money double

    def per_rep(name, kind="value", span=years):
        return list(Metric(name, kind, span).per_replication(table, at))

    assert per_rep("total_cost_cny") == [6.0e6, 10.0e6]
    assert per_rep("returns_2017_2017", span=(2017,)) == [6, 2]
    assert per_rep("sustained_exits") == [24, 32]
    assert per_rep("cost_per_sustained_exit_cny") == [3.0e6 / 12, 5.0e6 / 16]
    assert per_rep("p_exit_target_2017", PROBABILITY, (2017,)) == [0.0, 1.0]
    assert per_rep("p_all_targets", PROBABILITY) == [0.0, 0.0]  # replication 1 missed its 2016 village target
    assert per_rep("transfer_dependent_share") == [5 / 15, 4 / 17]


def test_a_probability_interval_holds_the_share_and_shrinks_with_replications():
    metric = Metric("p_exit_target_2016", PROBABILITY, (2016,))
    few, many = estimate(metric, pd.Series([1.0] * 7 + [0.0])), estimate(metric, pd.Series([1.0] * 70 + [0.0] * 10))
    assert few.low < few.mean < few.high and many.low < many.mean < many.high
    assert many.high - many.low < few.high - few.low
    assert estimate(metric, pd.Series([1.0] * 8)).high == 1.0


# --- the search ---------------------------------------------------------------------------------


def test_the_optimiser_finds_the_cheapest_level_a_grid_finds(study, grid):
    result, threshold = study
    feasible = grid[grid.exits >= threshold]
    best = feasible.sort_values("cost").iloc[0]
    assert 0 < len(feasible) < len(grid)  # the constraint binds: the answer is not a bound of the range
    plan = result.frontier.iloc[0]
    assert plan[JOBS] == best.level
    assert plan.total_cost_cny_in == pytest.approx(best.cost)


def test_reported_plans_never_violate_a_constraint(study):
    result, threshold = study
    assert len(result.frontier) >= 1
    assert result.frontier.feasible_in.all()
    assert (result.frontier.sustained_exits_in >= threshold).all()
    trials = result.search.trials
    infeasible = set(trials.trial[~trials.feasible.astype(bool)])
    assert not infeasible & set(result.frontier.trial)


def test_plans_are_scenario_files_that_compare_reproduces_out_of_sample(study):
    result, _ = study
    row = result.frontier.iloc[0]
    plan = Path(row.plan_file)
    content = yaml.safe_load(plan.read_text(encoding="utf-8"))
    assert content["extends"] == "decision_2016"
    assert set(content) <= {"name", "extends", "programmes"}  # only the changed settings
    scenario = load_scenario(plan)
    assert scenario.programmes["employment"]["public_jobs"] == row[JOBS]
    confirm = result.problem.confirm
    rerun = compare(
        [scenario.replace(population_scale=confirm.population_scale)],
        reps=confirm.reps,
        seed=confirm.seed,
        executor="serial",
        progress=False,
    )
    spending = rerun.table.groupby("replication").spending_cny.sum() / confirm.population_scale
    assert spending.mean() == pytest.approx(row.total_cost_cny_out)


def test_the_starting_plan_is_tried_first_and_reported_beside_the_plans(study):
    result, _ = study
    first = result.search.study.trials[0]
    assert first.params == {JOBS: 500}  # decision_2016 has 500 public-welfare posts
    assert list(result.start.plan) == ["start"]
    assert {"total_cost_cny_in", "total_cost_cny_out"} <= set(result.start.columns)


def test_outputs_are_written(study):
    result, _ = study
    out = result.out
    for name in ("frontier.csv", "frontier.parquet", "trials.csv", "start.csv", "frontier_en.png", "frontier_zh.svg"):
        assert (out / name).stat().st_size > 0
    assert pd.read_parquet(out / "frontier.parquet").plan.tolist() == result.frontier.plan.tolist()


def test_a_start_bound_is_the_starting_scenarios_own_figure(tmp_path):
    content = {**TINY, "trials": 2, "constraints": {"total_cost_cny": {"max": "start"}}}
    result = optimise(write(tmp_path, content), tmp_path / "out", executor="serial", progress=False)
    bound = result.problem.constraints[0].high
    assert isinstance(bound, float)
    assert bound == pytest.approx(result.start.total_cost_cny_in.iloc[0])
    assert (result.frontier.total_cost_cny_in <= bound).all()


def test_a_killed_study_resumes_to_the_same_frontier(tmp_path):
    content = {**TINY, "trials": 6, "variables": {JOBS: {"range": [0, 3000], "step": 250}}}
    path = write(tmp_path, content)
    command = [sys.executable, "-m", "fupin_sim.cli", "optimise", str(path), "--executor", "serial", "--no-progress"]
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    process = subprocess.Popen([*command, "--out", str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None and _finished(killed) < 2:
        time.sleep(0.2)
    assert process.poll() is None, "the study finished before it could be killed"
    process.kill()
    process.wait()
    assert 2 <= _finished(killed) < 6
    subprocess.run([*command, "--out", str(killed)], check=True, capture_output=True)
    subprocess.run([*command, "--out", str(whole)], check=True, capture_output=True)
    assert _finished(killed) == 6
    resumed, uninterrupted = pd.read_csv(killed / "frontier.csv"), pd.read_csv(whole / "frontier.csv")
    columns = [c for c in uninterrupted.columns if c != "plan_file"]
    pd.testing.assert_frame_equal(resumed[columns], uninterrupted[columns])
    trials = ["trial", JOBS, "total_cost_cny"]
    pd.testing.assert_frame_equal(pd.read_csv(killed / "trials.csv")[trials], pd.read_csv(whole / "trials.csv")[trials])


def _finished(out: Path) -> int:
    if not (out / STUDY_FILE).exists():
        return 0
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(out / STUDY_FILE)))
    try:
        study = optuna.load_study(study_name="search", storage=storage)
    except KeyError:
        return 0
    return len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))


def test_plan_files_of_a_scenario_beside_the_file_extend_it_by_path(tmp_path):
    own = tmp_path / "mine.yaml"
    own.write_text("extends: decision_2016\nname: mine\n", encoding="utf-8")
    problem = load_problem(write(tmp_path, {**TINY, "scenario": "mine.yaml"}))
    folder = tmp_path / "out" / "plans"
    folder.mkdir(parents=True)
    content = plan_scenario(problem, {JOBS: 1000}, "p1", folder)
    assert content["extends"] == "../../mine.yaml"
    (folder / "p1.yaml").write_text(json.dumps(content), encoding="utf-8")
    assert load_scenario(folder / "p1.yaml").programmes["employment"]["public_jobs"] == 1000


def test_the_score_uses_the_runs_of_the_store(tmp_path, study):
    result, _ = study
    search = make_search(result.problem)
    plan = result.frontier.iloc[0]
    measures, error = evaluate(search, {0: {JOBS: int(plan[JOBS])}}, store=ResultStore(result.out))[0]
    assert error is None
    scores = result.problem.score(_yearly(measures), {JOBS: int(plan[JOBS])}, result.problem.population_scale)
    assert scores["total_cost_cny"].mean == pytest.approx(plan.total_cost_cny_in)


def test_the_budget_dashboard_saves_its_budgets_as_a_scenario_file_that_runs_as_shown(tmp_path):
    from fupin_sim.workbench.widgets import BudgetDashboard, budget_scenario

    dashboard = BudgetDashboard(population_scale=0.02, reps=1)
    dashboard.sliders["industry"].value = 7.5
    dashboard.targeting.value = "poorest_first"
    dashboard.save_path.value = str(tmp_path / "mine.yaml")
    path = dashboard.save()
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert content["extends"] == "decision_2016"
    assert content["programmes"]["industry"]["budget_cny"] == dict.fromkeys(range(2016, 2021), 7.5e6)
    assert "social_assistance" not in content["programmes"]  # no budget, no targeting: unchanged
    shown = budget_scenario(dashboard.budgets_cny(), "poorest_first").to_dict()["programmes"]
    assert load_scenario(path).to_dict()["programmes"] == shown
    dashboard.save_path.value = str(tmp_path / "nowhere" / "mine.txt")
    assert dashboard.save() is None and ".yaml file" in dashboard.save_message.value


def test_without_a_feasible_trial_the_closest_plans_are_reported_as_infeasible(tmp_path):
    content = {**TINY, "trials": 3, "constraints": {"sustained_exits": {"min": 1.0e9}}}
    result = optimise(write(tmp_path, content), tmp_path / "out", executor="serial", progress=False)
    assert len(result.frontier) >= 1
    assert not result.frontier.feasible_in.any() and not result.frontier.feasible_out.any()
    header = Path(result.frontier.plan_file.iloc[0]).read_text(encoding="utf-8").splitlines()[1]
    assert "does NOT meet every constraint" in header
    assert set(result.still_poor.reason) == {"haves", "medical_bills", "no_labour", "income"}


@pytest.mark.parametrize("path", sorted(Path(__file__).parents[1].joinpath("optimise").glob("*.yaml")), ids=str)
def test_the_shipped_optimise_files_load(path):
    problem = load_problem(path)
    assert problem.variables and problem.objectives
    assert problem.confirm.seed != problem.start.seed
    assert problem.start_params() is not None  # the decision itself is the first trial
