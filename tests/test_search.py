"""The search engine: common random numbers, a known optimum, constraints, resuming after a kill, bad input."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import numpy as np
import optuna
import pandas as pd
import pytest

from fupin_sim.config.scenario import load_scenario
from fupin_sim.errors import UserError
from fupin_sim.experiments.replications import replication_seed
from fupin_sim.experiments.search import (
    STUDY_FILE,
    STUDY_NAME,
    Score,
    Search,
    evaluate,
    load_search,
    open_study,
    run_search,
    yearly_measures,
)
from fupin_sim.experiments.sweeps import SweepError
from fupin_sim.model.simulation import FupinModel

SCALE = 0.01
KEY = "health.inpatient_reimbursement_share"  # documented range [0.45, 0.65]


def distance_to(target: float):
    def score(candidate):
        return (candidate.inputs[KEY] - target) ** 2

    return score


def small_search(score, **changes) -> Search:
    settings = {"reps": 1, "population_scale": SCALE, "startup_trials": 4, **changes}
    return Search("test", ["baseline"], settings.pop("space", {KEY: "est"}), yearly_measures, score, **settings)


def test_replication_r_of_every_candidate_runs_on_the_same_seed_as_a_direct_run():
    search = small_search(distance_to(0.5), reps=2)
    measured = evaluate(search, {0: {KEY: 0.5}, 1: {KEY: 0.5}})
    first, second = measured[0][0], measured[1][0]
    pd.testing.assert_frame_equal(first, second)
    base = load_scenario("baseline")
    scenario = base.replace(population_scale=SCALE, parameters={**base.parameter_overrides, KEY: 0.5})
    direct = FupinModel(scenario, seed=replication_seed(scenario.seed, 1)).run().yearly.set_index("year")
    row = first[first.replication == 1].iloc[0]
    assert row["exits_households.2016"] == direct.loc[2016, "exits_households"]
    assert row["returns.2019"] == direct.loc[2019, "returns"]


def test_two_candidates_differ_by_their_inputs_only(tmp_path):
    search = small_search(distance_to(0.5), space={"health.hospitalisation_rate": "est"}, reps=1)
    measured = evaluate(search, {0: {"health.hospitalisation_rate": 0.07}, 1: {"health.hospitalisation_rate": 0.13}})
    low, high = measured[0][0], measured[1][0]
    columns = [c for c in low.columns if c.startswith("registered_poor_households_start.2016")]
    assert (low[columns].to_numpy() == high[columns].to_numpy()).all()  # same population: the same draws
    assert not low.equals(high)


def test_the_sampler_finds_a_known_optimum(tmp_path):
    result = run_search(small_search(distance_to(0.6)), tmp_path, trials=20, executor="serial", progress=False)
    assert len(result.trials) == 20
    assert result.best.inputs[KEY] == pytest.approx(0.6, abs=0.02)  # 10 % of the range
    assert result.best.values[0] == result.trials.loss.min()


def test_infeasible_trials_are_never_reported_as_best_or_on_the_frontier(tmp_path):
    def score(candidate):
        x = candidate.inputs[KEY]
        return Score((x, -x), constraints=(x - 0.55,))  # feasible only at or below 0.55

    search = small_search(
        score,
        objectives=("x", "minus_x"),
        directions=("minimize", "maximize"),
        constraints=("cap",),
        sampler="nsga2",
        population_size=4,
    )
    result = run_search(search, tmp_path, trials=10, trials_at_once=2, executor="serial", progress=False)
    assert result.pareto, "some trial is feasible"
    assert all(t.feasible and t.inputs[KEY] <= 0.55 for t in result.pareto)
    assert set(result.trials.columns) >= {"x", "minus_x", "cap", "feasible"}
    assert (result.trials.feasible == (result.trials.cap <= 0)).all()
    stored = [t for t in result.study.trials if t.constraints]
    assert len(stored) == 10


def test_decoded_inputs_reach_the_scenario_and_the_yearly_table_is_long(tmp_path):
    seen = {}

    def decode(values):
        return {f"programmes.health.budget_cny.{y}": values["total"] / 5 for y in range(2016, 2021)}

    def score(candidate):
        seen[candidate.number] = candidate.yearly()
        return float(candidate.inputs["total"])

    search = small_search(score, space={"total": optuna.distributions.FloatDistribution(1e6, 2e6)}, decode=decode)
    run_search(search, tmp_path, trials=2, executor="serial", progress=False)
    yearly = seen[0]
    assert list(yearly.year) == [2016, 2017, 2018, 2019, 2020]
    assert {"scenario", "replication", "exits_households", "budget_health_cny"} <= set(yearly.columns)
    (variant,) = search.variants({"total": 1.5e6}, "check")
    assert variant.scenario["programmes"]["health"]["budget_cny"] == dict.fromkeys(range(2016, 2021), 3e5)
    assert variant.inputs == decode({"total": 1.5e6})


def test_a_rerun_tops_the_study_up_to_the_requested_trials_without_rerunning_finished_replications(tmp_path):
    search = small_search(distance_to(0.5))
    run_search(search, tmp_path, trials=3, executor="serial", progress=False)
    runs_before = sorted(p.name for p in (tmp_path / "runs").iterdir())
    result = run_search(search, tmp_path, trials=5, executor="serial", progress=False)
    assert list(result.trials.trial) == [0, 1, 2, 3, 4]
    assert set(runs_before) <= {p.name for p in (tmp_path / "runs").iterdir()}
    assert run_search(search, tmp_path, trials=5, executor="serial", progress=False).stopped == "trials"


def test_a_minutes_budget_stops_proposing(tmp_path):
    result = run_search(small_search(distance_to(0.5)), tmp_path, minutes=1e-9, executor="serial", progress=False)
    assert result.stopped == "minutes" and result.trials.empty


KILLED_SCRIPT = textwrap.dedent(
    """
    import sys
    from fupin_sim.experiments.search import Search, run_search, yearly_measures

    def score(candidate):
        return (candidate.inputs["health.inpatient_reimbursement_share"] - 0.6) ** 2

    if __name__ == "__main__":
        search = Search("test", ["baseline"], {"health.inpatient_reimbursement_share": "est"}, yearly_measures, score,
                        reps=2, population_scale=0.05, startup_trials=3)
        run_search(search, sys.argv[1], trials=int(sys.argv[2]), executor="serial", progress=False)
    """
)


def finished_trials(folder) -> int:
    if not (folder / STUDY_FILE).exists():
        return 0
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(folder / STUDY_FILE)))
    try:
        study = optuna.load_study(study_name=STUDY_NAME, storage=storage)
    except KeyError:
        return 0
    return len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))


def test_a_killed_study_resumes_and_proposes_what_an_uninterrupted_one_does(tmp_path):
    script = tmp_path / "search_script.py"
    script.write_text(KILLED_SCRIPT, encoding="utf-8")
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    process = subprocess.Popen([sys.executable, str(script), str(killed), "8"])
    deadline = time.monotonic() + 120
    while finished_trials(killed) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait()
    assert 0 < finished_trials(killed) < 8, "killed mid-study"
    subprocess.run([sys.executable, str(script), str(killed), "8"], check=True)
    subprocess.run([sys.executable, str(script), str(whole), "8"], check=True)
    assert finished_trials(killed) == 8
    search = Search(
        "test", ["baseline"], {KEY: "est"}, yearly_measures, distance_to(0.6), reps=2, population_scale=0.05
    )
    resumed, uninterrupted = load_search(search, killed).trials, load_search(search, whole).trials
    np.testing.assert_allclose(resumed[KEY], uninterrupted[KEY])
    np.testing.assert_allclose(resumed.loss, uninterrupted.loss)


def test_a_trial_killed_before_its_values_were_drawn_draws_them_as_it_would_have(tmp_path):
    search = small_search(distance_to(0.5))
    whole = run_search(search, tmp_path / "whole", trials=2, executor="serial", progress=False)
    open_study(search, tmp_path / "killed").ask()  # created, nothing drawn: what a kill between the two leaves
    resumed = run_search(search, tmp_path / "killed", trials=2, executor="serial", progress=False)
    np.testing.assert_allclose(resumed.trials[KEY], whole.trials[KEY])


def test_an_unknown_input_is_named_with_a_suggestion():
    with pytest.raises(SweepError, match="did you mean.*inpatient_reimbursement_share"):
        small_search(distance_to(0.5), space={"health.inpatient_reimbursment_share": "est"})


def test_bad_budgets_and_directions_are_refused(tmp_path):
    search = small_search(distance_to(0.5))
    with pytest.raises(UserError, match="trials"):
        run_search(search, tmp_path, progress=False)
    with pytest.raises(UserError, match="minutes must be positive"):
        run_search(search, tmp_path, minutes=0, progress=False)
    with pytest.raises(UserError, match="direction"):
        small_search(distance_to(0.5), directions=("smallest",))
    with pytest.raises(UserError, match="sampler"):
        small_search(distance_to(0.5), sampler="grid")


def test_a_folder_holding_another_search_is_refused(tmp_path):
    run_search(small_search(distance_to(0.5)), tmp_path, trials=1, executor="serial", progress=False)
    with pytest.raises(UserError, match="different search.*reps"):
        run_search(small_search(distance_to(0.5), reps=2), tmp_path, trials=2, executor="serial", progress=False)


def test_a_candidate_that_makes_an_invalid_scenario_fails_its_trial_not_the_search():
    search = small_search(distance_to(0.5), space={"population_scale": {"values": [0.01, -1.0]}})
    measured = evaluate(search, {0: {"population_scale": 0.01}, 1: {"population_scale": -1.0}})
    assert measured[0][1] is None and measured[1][0] is None
    assert "population_scale" in measured[1][1]
