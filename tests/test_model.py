"""Behaviour of the monthly model: shocks, income, determinism and invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fupin_sim import FupinModel, run_scenario
from fupin_sim.model.assessment import exit_bar_cny, poverty_gap_cny, record_verified_income
from fupin_sim.model.households import EXITED, NON_POOR, POOR, Household
from fupin_sim.model.results import exit_shortfall_people, paper_exit_share
from fupin_sim.model.shocks import illness
from fupin_sim.model.villages import Village


def test_serious_illness_costs_the_uninsured_the_whole_bill_and_the_insured_the_unreimbursed_part(small_scenario):
    cost = 20_000.0
    scenario = small_scenario(
        parameters={
            "health.hospitalisation_rate": 1.0,
            "health.serious_illness_share": 1.0,
            "health.inpatient_cost_sigma": 0.0,
            "health.serious_cost_mean": cost,
        }
    )
    model = FupinModel(scenario)
    hh = model.households
    hh.insured[:] = np.arange(len(hh)) % 2 == 0
    model.month_index = 0
    illness(model)

    paid = hh.ytd_medical_oop_cny
    hit = paid > 0
    assert hit[hh.insured].sum() > 20 and hit[~hh.insured].sum() > 20
    reimbursed = scenario.params.value("health.inpatient_reimbursement_share")
    np.testing.assert_allclose(paid[hit & ~hh.insured], cost)
    np.testing.assert_allclose(paid[hit & hh.insured], cost * (1 - reimbursed))


def test_medical_spending_is_deducted_from_verified_income(small_scenario):
    model = FupinModel(small_scenario(parameters={"assessment.medical_deduction_share": 1.0}))
    hh = model.households
    for column in ("ytd_wage_cny", "ytd_farm_cny", "ytd_industry_cny", "ytd_property_cny", "ytd_transfer_cny"):
        getattr(hh, column)[:] = 0.0
    hh.ytd_wage_cny[:] = 12_000.0
    hh.ytd_medical_oop_cny[:] = 0.0
    hh.ytd_medical_oop_cny[0] = 6_000.0
    record_verified_income(model)
    assert hh.income_pc_cny[0] == pytest.approx((12_000 - 6_000) / hh.size[0])
    assert hh.gross_income_pc_cny[0] == pytest.approx(12_000 / hh.size[0])
    assert hh.income_pc_cny[1] == pytest.approx(12_000 / hh.size[1])


def test_a_registered_household_above_the_line_with_all_six_haves_exits_in_december_once(small_scenario):
    model = FupinModel(small_scenario())
    hh = model.households
    for _ in range(11):
        model.step()
    target = int(np.flatnonzero(hh.status == POOR)[0])
    for have in ("safe_housing", "insured", "safe_water", "electricity", "radio_tv"):
        getattr(hh, have)[target] = True
    model.persons.enrolled[model.persons.household == target] = True
    hh.dropouts[target] = 0
    hh.ytd_wage_cny[target] = 100_000.0 * hh.size[target]
    model.step()  # December: the verification

    assert hh.status[target] == EXITED and hh.exit_year[target] == 2016
    exits = model.results().exits
    assert (exits.household == target).sum() == 1
    assert exits.household.is_unique
    row = exits.set_index("household").loc[target]
    assert row.margin_share == pytest.approx(hh.income_pc_cny[target] / 3100 - 1)


def test_a_registered_household_missing_one_have_does_not_exit_however_rich(small_scenario):
    model = FupinModel(small_scenario())
    hh = model.households
    for _ in range(11):
        model.step()
    target = int(np.flatnonzero(hh.status == POOR)[0])
    for have in ("insured", "safe_water", "electricity", "radio_tv"):
        getattr(hh, have)[target] = True
    hh.safe_housing[target] = False
    hh.ytd_wage_cny[target] = 100_000.0 * hh.size[target]
    model.step()
    assert hh.status[target] == POOR


def test_an_exited_household_whose_income_falls_below_the_line_returns(small_scenario):
    model = FupinModel(small_scenario())
    hh = model.households
    for _ in range(23):
        model.step()
    target = int(np.flatnonzero(hh.status == POOR)[0])
    hh.status[target] = EXITED
    hh.exit_year[target] = 2016
    for column in ("ytd_wage_cny", "ytd_farm_cny", "ytd_industry_cny", "ytd_property_cny", "ytd_transfer_cny"):
        getattr(hh, column)[target] = 0.0
    model.step()  # December 2017
    assert hh.status[target] == POOR and hh.times_returned[target] == 1
    returns = model.results().events.query("event == 'return' and year == 2017")
    assert target in set(returns.household)


@pytest.mark.parametrize("detection, expect_new", [(1.0, True), (0.0, False)])
def test_non_registered_households_falling_below_the_line_are_registered_when_detected(
    small_scenario, detection, expect_new
):
    model = FupinModel(small_scenario(parameters={"assessment.new_poor_detection_prob": detection}))
    hh = model.households
    for _ in range(11):
        model.step()
    fallen = np.flatnonzero(hh.status == NON_POOR)[:5]
    for column in ("ytd_wage_cny", "ytd_farm_cny", "ytd_industry_cny", "ytd_property_cny", "ytd_transfer_cny"):
        getattr(hh, column)[fallen] = 0.0
    model.step()
    assert (hh.status[fallen] == POOR).all() == expect_new
    assert ((hh.entry_year[fallen] == 2016).all()) == expect_new


def test_same_seed_gives_identical_tables_and_another_seed_does_not(small_scenario):
    scenario = small_scenario()
    first, second = run_scenario(scenario), run_scenario(scenario)
    pd.testing.assert_frame_equal(first.yearly, second.yearly)
    pd.testing.assert_frame_equal(first.events, second.events)
    pd.testing.assert_frame_equal(first.ledger, second.ledger)
    other = run_scenario(scenario, seed=scenario.seed + 1)
    assert not first.yearly[["exits_households", "new_poor", "returns"]].equals(
        other.yearly[["exits_households", "new_poor", "returns"]]
    )


def test_a_run_without_the_event_table_counts_the_same_years(small_scenario):
    scenario = small_scenario()
    full = run_scenario(scenario)
    lean = run_scenario(scenario.replace(outputs={**scenario.outputs, "events": False}))
    pd.testing.assert_frame_equal(lean.yearly, full.yearly)
    assert len(full.events) > 0
    assert lean.events.empty and list(full.events.columns[: len(lean.events.columns)]) == list(lean.events.columns)


def test_registry_balance_holds_every_year(small_scenario):
    """Poor at the end = poor at the start - exits + returns + new poor, and shares stay in [0, 1]."""
    yearly = run_scenario(small_scenario(scale=0.1)).yearly
    balance = (
        yearly.registered_poor_households_start
        - yearly.exits_households
        + yearly.returns_households
        + yearly.new_poor_households
    )
    assert (balance == yearly.registered_poor_households_end).all()
    assert (
        yearly.registered_poor_households_start.iloc[1:].values
        == yearly.registered_poor_households_end.iloc[:-1].values
    ).all()
    assert yearly.exit_share_cum.between(0, 1).all() and yearly.incidence.between(0, 1).all()


def test_exited_households_are_counted_once_in_the_cumulative_share(small_scenario):
    model = FupinModel(small_scenario(scale=0.1))
    result = model.run()
    hh = model.households
    registered_people = hh.size[hh.registered_2015].sum()
    out_now = hh.size[hh.registered_2015 & (hh.status == EXITED)].sum()
    assert result.yearly.exit_share_cum.iloc[-1] == pytest.approx(out_now / registered_people)
    exits = result.exits
    assert not exits.duplicated(["year", "household"]).any()


def test_baseline_misses_the_2016_and_2017_targets_by_a_wide_margin(small_scenario):
    yearly = run_scenario(small_scenario(scale=0.2)).yearly.set_index("year")
    assert not yearly.loc[2016, "exit_target_met"] and not yearly.loc[2017, "exit_target_met"]
    assert yearly.loc[2016, "exit_share_cum"] < 0.6 / 2
    assert yearly.loc[2017, "exit_share_cum"] < 1.0 / 2
    assert not yearly.loc[2017, "village_target_met"]


def test_agents_are_mesa_handles_over_the_columns(small_scenario):
    model = FupinModel(small_scenario())
    households = model.agents_by_type[Household]
    assert len(households) == len(model.households)
    assert len(model.agents_by_type[Village]) == len(model.villages)
    poor = households.select(lambda h: h.status == POOR)
    assert len(poor) == int((model.households.status == POOR).sum())
    handle = model.household(3)
    handle.safe_housing = False
    assert not model.households.safe_housing[3]
    model.households.size[3] = 4
    assert handle.size == 4 and len(handle.members) == (model.persons.household == 3).sum()


def test_horizon_is_configurable(small_scenario):
    result = run_scenario(small_scenario(end="2017-12"))
    assert list(result.yearly.year) == [2016, 2017]


def test_poverty_gap_is_what_lifts_households_below_the_bar_and_nothing_for_those_above(small_scenario):
    model = FupinModel(small_scenario())
    hh = model.households
    for _ in range(12):
        model.step()
    bar = exit_bar_cny(model)
    below, above = 0, 1
    hh.size[[below, above]] = [3, 2]
    hh.income_pc_cny[below] = bar - 400.0
    hh.income_pc_cny[above] = bar + 50.0
    assert poverty_gap_cny(model, np.array([below, above])) == pytest.approx(3 * 400.0)
    assert poverty_gap_cny(model, np.array([above])) == 0.0


def test_exit_shortfall_counts_the_people_still_to_exit_and_the_paper_share_declaring_it_met_implies():
    counts = {"registered_2015_people": 1_000, "exited_2015_people": 590}
    assert exit_shortfall_people(counts, 0.60) == 10
    assert exit_shortfall_people(counts, 0.59) == 0
    assert exit_shortfall_people({**counts, "exited_2015_people": 700}, 0.60) == 0
    assert exit_shortfall_people(counts, 1.00) == 410
    assert paper_exit_share(10, 590) == pytest.approx(10 / 600)
    assert paper_exit_share(0, 0) == 0.0


def test_yearly_shortfall_agrees_with_the_exit_share_and_the_target(small_scenario):
    yearly = run_scenario(small_scenario(scale=0.2)).yearly.set_index("year")
    for year, target in ((2016, 0.60), (2017, 1.00)):
        row = yearly.loc[year]
        assert row.exit_target_cum == target
        expected = max(np.ceil(target * row.registered_2015_people - 1e-9) - row.exited_2015_people, 0)
        assert row.exit_shortfall_people == expected > 0
        assert not row.exit_target_met
        assert row.paper_exit_share == pytest.approx(expected / (row.exited_2015_people + expected))
        assert row.poverty_gap_cny > 0
    assert yearly.loc[2018, ["exit_target_cum", "exit_shortfall_people", "paper_exit_share"]].isna().all()
