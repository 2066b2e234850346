"""就业扶贫: training → placement after a lag, public-welfare posts, labour export, the employment goal."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim import FupinModel, load_scenario
from fupin_sim.model.assessment import employed, employed_share
from fupin_sim.model.households import CAUSE_INDEX, EXITED, POOR

# Every offer accepted: take-up probabilities of 1, not moved by motivation or neighbours.
SURE_TAKE_UP = {
    "takeup.motivation_weight": 0.0,
    "takeup.neighbour_weight": 0.0,
    "employment.training_take_up_prob": 1.0,
    "employment.labour_export_take_up_prob": 1.0,
    "employment.public_job_take_up_prob": 1.0,
}
TRAINING_ONLY = {"public_jobs": 0, "labour_export_per_year": 0}
POSTS_ONLY = {"trainees_per_year": 0, "labour_export_per_year": 0}
EXPORT_ONLY = {"trainees_per_year": 0, "public_jobs": 0}
SCALE = 0.1  # budgets and capacities in the tests are for this tenth of the district: see ``full_district``


def model_for(settings: dict | None = None, parameters: dict | None = None, programme: bool = True) -> FupinModel:
    """A tenth of the district; with the employment programme unless ``programme`` is false (the baseline)."""
    data = load_scenario("baseline").to_dict()
    data["population_scale"] = SCALE
    if programme:
        data["programmes"]["employment"] = settings or {}
    data["parameters"] = parameters or {}
    return FupinModel(load_scenario(data))


def streams(model: FupinModel) -> tuple[np.ndarray, np.ndarray]:
    """The placement wage and public-post pay of each household (CNY/year)."""
    programme = model.programme("employment")
    return programme.streams["placement"].rate_cny_per_year, programme.streams["public_job"].rate_cny_per_year


def test_training_reaches_poor_households_with_local_labour_and_places_only_after_the_lag():
    model = model_for(TRAINING_ONLY, {**SURE_TAKE_UP, "employment.placement_prob": 1.0})
    params, hh = model.params, model.households
    model.step()  # January: the review
    trained = model.programme("employment").trained
    expected = (hh.status == POOR) & (hh.labour_units - hh.migrant_units > 0)
    assert expected.sum() > 200
    np.testing.assert_array_equal(trained, expected)
    cost = params.value("employment.training_cost_cny_per_trainee")
    assert model.ledger.spent("employment", 2016) == pytest.approx(trained.sum() * cost)

    placement, _ = streams(model)
    lag = int(params.value("employment.training_months"))
    for _ in range(lag - 1):
        model.step()
        assert not placement.any()
    model.step()
    np.testing.assert_array_equal(placement > 0, trained & (hh.labour_units > 0))
    np.testing.assert_allclose(placement[placement > 0], params.value("employment.placement_wage_gain_cny_per_year"))
    assert model.ledger.spent("employment", 2016) == pytest.approx(trained.sum() * cost)  # wages are not paid


def test_the_placement_wage_accrues_at_the_parameter_rate():
    months = 7
    model = model_for(TRAINING_ONLY, {**SURE_TAKE_UP, "employment.placement_prob": 1.0})
    model.run_for(months)
    baseline = model_for(programme=False)
    baseline.run_for(months)  # same seed: same households, same shocks
    placed = streams(model)[0] > 0
    assert placed.sum() > 200
    months_placed = months - int(model.params.value("employment.training_months"))
    gain = model.params.value("employment.placement_wage_gain_cny_per_year")
    extra = model.households.ytd_wage_cny - baseline.households.ytd_wage_cny
    np.testing.assert_allclose(extra[placed], gain * months_placed / 12)
    np.testing.assert_allclose(extra[~placed], 0.0, atol=1e-9)


def test_about_the_placement_probability_of_trainees_is_placed():
    model = model_for(TRAINING_ONLY, SURE_TAKE_UP)
    model.run_for(1 + int(model.params.value("employment.training_months")))
    trained = model.programme("employment").trained
    share = (streams(model)[0] > 0)[trained].mean()
    assert share == pytest.approx(model.params.value("employment.placement_prob"), abs=0.06)


def test_capacity_caps_training_each_year(full_district):
    model = model_for({**TRAINING_ONLY, "trainees_per_year": full_district(25, SCALE)}, SURE_TAKE_UP)
    trained = model.programme("employment").trained
    model.step()
    assert trained.sum() == 25
    model.run_for(12)  # through January 2017
    assert trained.sum() == 50


def test_public_posts_go_to_jobless_poor_households_and_their_pay_is_posted_monthly(full_district):
    posts = 40
    model = model_for({**POSTS_ONLY, "public_jobs": full_district(posts, SCALE)}, SURE_TAKE_UP)
    baseline = model_for(programme=False)
    model.step()
    baseline.step()
    hh, pay = model.households, model.params.value("employment.public_job_pay_cny_per_month")
    _, post = streams(model)
    holders = post > 0
    assert holders.sum() == posts
    assert (hh.status[holders] == POOR).all() and (hh.labour_units[holders] > 0).all()
    assert (~employed(baseline) | (hh.labour_units < 1.0))[holders].all()
    np.testing.assert_allclose(post[holders], pay * 12)
    for month in (1, 2, 3):
        assert model.ledger.spent("employment", 2016) == pytest.approx(month * posts * pay)
        extra = hh.ytd_wage_cny - baseline.households.ytd_wage_cny
        np.testing.assert_allclose(extra[holders], month * pay)
        model.step()
        baseline.step()


def test_public_posts_held_are_renewed_first_and_their_number_stays_at_the_setting(full_district):
    posts = 40
    model = model_for({**POSTS_ONLY, "public_jobs": full_district(posts, SCALE)}, SURE_TAKE_UP)
    model.run_for(12)
    assert model.programme("employment").settings["public_jobs"] == posts
    held_2016 = streams(model)[1] > 0
    model.step()  # January 2017: the review renews the posts held before filling vacancies
    held_2017 = streams(model)[1] > 0
    assert held_2017.sum() == posts
    assert held_2017[held_2016 & (model.households.labour_units > 0)].all()


def test_labour_export_sends_one_local_full_labour_unit_away(full_district):
    model = model_for({**EXPORT_ONLY, "labour_export_per_year": full_district(30, SCALE)}, SURE_TAKE_UP)
    baseline = model_for(programme=False)
    model.step()
    baseline.step()
    exported = model.programme("employment").exported
    assert exported.sum() == 30
    before = baseline.households
    added = model.households.migrant_units - before.migrant_units
    np.testing.assert_array_equal(added, np.where(exported, 1.0, 0.0))
    assert (before.labour_units - before.migrant_units)[exported].min() >= 1.0
    assert not employed(baseline)[exported].any()
    cost = model.params.value("employment.labour_export_cost_cny_per_person")
    assert model.ledger.spent("employment", 2016) == pytest.approx(30 * cost)


def test_spending_never_exceeds_the_budget_and_a_year_without_budget_enrols_nobody(full_district):
    budget = 300_000.0
    model = model_for({"budget_cny": full_district({2017: budget, 2019: budget}, SCALE)})
    enrolled = model.programme("employment").enrolled
    model.run_for(12)
    assert not enrolled.any()
    result = model.run()
    spent = result.yearly.set_index("year").spending_employment_cny
    assert spent[2016] == 0 and spent[2018] == 0 and spent[2020] == 0
    assert 0.5 * budget < spent[2017] <= budget + 1e-6
    assert 0.5 * budget < spent[2019] <= budget + 1e-6
    ledger = result.ledger[result.ledger.programme == "employment"]
    assert (ledger.groupby("year").spending_cny.sum() <= budget + 1e-6).all()


def test_withdrawal_from_exited_households_ends_their_public_posts_from_2018(full_district):
    settings = {**POSTS_ONLY, "public_jobs": full_district(300, SCALE)}
    withdrawn = model_for({**settings, "withdraw_from_exited": 2018}, SURE_TAKE_UP)
    withdrawn.run_for(24)
    kept = model_for(settings, SURE_TAKE_UP)
    kept.run_for(24)
    exited_holders = (streams(withdrawn)[1] > 0) & (withdrawn.households.status == EXITED)
    assert exited_holders.sum() > 10  # exited in 2016, still paid through 2017
    withdrawn.step()  # January 2018
    kept.step()
    assert not (streams(withdrawn)[1][withdrawn.households.status == EXITED] > 0).any()
    assert (streams(kept)[1][exited_holders & (kept.households.labour_units > 0)] > 0).all()


@pytest.mark.parametrize("targeting", ["poorest_first", "nearest_to_line", "cause_matched"])
def test_the_targeting_order_decides_who_is_trained_when_capacity_binds(targeting, full_district):
    capacity = 30
    settings = {**TRAINING_ONLY, "trainees_per_year": full_district(capacity, SCALE), "targeting": targeting}
    model = model_for(settings, SURE_TAKE_UP)
    model.step()
    hh = model.households
    trained = model.programme("employment").trained
    left_out = (hh.status == POOR) & (hh.labour_units - hh.migrant_units > 0) & ~trained
    income, line = hh.income_pc_cny, model.params.value("poverty_line.exit_line", 2016)
    assert trained.sum() == capacity
    if targeting == "poorest_first":
        assert income[trained].max() <= income[left_out].min()
    elif targeting == "nearest_to_line":
        assert income[trained].min() >= income[left_out & (income < line)].max()
    else:
        assert (hh.cause[trained] == CAUSE_INDEX["lack_of_skills"]).all()


def test_the_employment_goal_is_reported_with_and_without_the_programme():
    baseline = model_for(programme=False)
    baseline.run_for(1)
    assert 0.0 < employed_share(baseline) < 0.5  # few poor households have a steady job in 2016
    model = model_for(POSTS_ONLY, SURE_TAKE_UP)
    model.run_for(1)
    assert employed_share(model) == 1.0  # a post for every jobless poor household with labour


def test_the_programme_raises_exits_over_the_baseline(full_district):
    baseline = model_for(programme=False).run().yearly.set_index("year")
    budget = full_district(dict.fromkeys(range(2016, 2021), 2000000), SCALE)
    with_jobs = model_for({"budget_cny": budget}).run().yearly.set_index("year")
    for year in (2016, 2017):
        assert with_jobs.exit_share_cum[year] > baseline.exit_share_cum[year] + 0.05
