"""The 低保 backstop: eligibility, top-up to the standard, budget cap."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim import FupinModel, load_scenario

SCALE = 0.1  # budgets in the tests are for this tenth of the district: see ``full_district``


def model_for(programme: dict, parameters: dict | None = None) -> FupinModel:
    data = load_scenario("baseline").to_dict()
    data["population_scale"] = SCALE
    data["programmes"]["social_assistance"].update(programme)
    data["parameters"] = {"social_assistance.dibao_enrolment_prob": 1.0, **(parameters or {})}
    return FupinModel(load_scenario(data))


def dibao_rate(model: FupinModel) -> np.ndarray:
    """The 低保 top-up each household is paid this year (CNY/year)."""
    return model.programme("social_assistance").streams["dibao"].rate_cny_per_year


def means_tested_pc(model: FupinModel) -> np.ndarray:
    """Last year's income per person as the 低保 means test counts it (earnings and part of other transfers)."""
    hh = model.households
    other = hh.gross_income_pc_cny - hh.earned_income_pc_cny - hh.programme_transfer_pc_cny
    return hh.earned_income_pc_cny + model.params.value("social_assistance.means_test_transfer_share") * other


def eligible(model: FupinModel, standard: float) -> np.ndarray:
    max_units = model.params.value("social_assistance.dibao_max_labour_units")
    return (means_tested_pc(model) < standard) & (model.households.labour_units <= max_units)


def test_every_eligible_household_is_topped_up_exactly_to_the_standard():
    model = model_for({"standard_cny_per_person_year": {2016: 3100}})
    hh = model.households
    model.step()  # January: ageing and new disabilities first, then the yearly review
    expected = eligible(model, 3100)
    paid = dibao_rate(model) > 0
    assert expected.sum() > 50
    np.testing.assert_array_equal(paid, expected)
    np.testing.assert_allclose(means_tested_pc(model)[paid] + dibao_rate(model)[paid] / hh.size[paid], 3100)
    assert model.ledger.spent("social_assistance", 2016) == pytest.approx(dibao_rate(model).sum() / 12)


def test_the_2015_standard_applies_when_none_is_given():
    model = model_for({})
    standard = model.params.value("social_assistance.dibao_standard_2015")
    model.step()
    expected = eligible(model, standard)
    np.testing.assert_array_equal(dibao_rate(model) > 0, expected)


def test_spending_never_exceeds_the_budget_and_the_neediest_are_paid_first(full_district):
    budget = 200_000.0
    model = model_for({"budget_cny": full_district(dict.fromkeys(range(2016, 2021), budget), SCALE)})
    model.step()
    paid = dibao_rate(model) > 0
    unpaid_eligible = eligible(model, model.programme("social_assistance").standard_cny(model, 2016)) & ~paid
    assert paid.any() and unpaid_eligible.any()
    income = model.households.income_pc_cny  # poorest first: by last year's verified income
    assert income[paid].max() <= income[unpaid_eligible].min()
    result = model.run()
    spent = result.ledger.groupby("year").spending_cny.sum()
    assert (spent <= budget + 1e-6).all()
    assert (result.yearly.spending_social_assistance_cny <= budget + 1e-6).all()


def test_a_year_without_budget_pays_nothing(full_district):
    model = model_for({"budget_cny": full_district({2017: 1_000_000.0}, SCALE)})
    result = model.run()
    spending = result.yearly.set_index("year").spending_social_assistance_cny
    assert spending[2016] == 0 and spending[2017] > 0 and spending[2018] == 0


def test_a_later_start_pays_only_from_that_month():
    model = model_for({"start": "2016-07"})
    for _ in range(6):
        model.step()
    assert model.ledger.spent("social_assistance", 2016) == 0
    model.step()
    assert model.ledger.spent("social_assistance", 2016) > 0


def test_merged_lines_make_the_standard_follow_the_exit_line():
    model = model_for({"merge_with_exit_line_from": 2017, "standard_cny_per_person_year": {2016: 2800}})
    programme = model.programme("social_assistance")
    assert programme.standard_cny(model, 2016) == 2800
    for year in (2017, 2019):
        assert programme.standard_cny(model, year) == model.params.value("poverty_line.exit_line", year)


def test_policy_transfers_are_left_out_of_the_means_test():
    model = model_for(
        {"standard_cny_per_person_year": {2016: 3100}}, {"social_assistance.means_test_transfer_share": 0.0}
    )
    model.step()
    hh = model.households
    paid = dibao_rate(model) > 0
    np.testing.assert_allclose(hh.earned_income_pc_cny[paid] + dibao_rate(model)[paid] / hh.size[paid], 3100)


def test_the_year_end_settlement_lifts_enrolled_households_to_the_standard():
    model = model_for({"standard_cny_per_person_year": {2016: 3100}}, {"income.yearly_income_sigma": 0.3})
    for _ in range(12):
        model.step()
    hh = model.households
    enrolled = model.programme("social_assistance").enrolled
    assert enrolled.sum() > 50
    earned = hh.earned_income_pc_cny[enrolled]
    other = hh.gross_income_pc_cny[enrolled] - earned - hh.programme_transfer_pc_cny[enrolled]
    means = earned + model.params.value("social_assistance.means_test_transfer_share") * other
    guaranteed = means + hh.programme_transfer_pc_cny[enrolled]
    assert guaranteed.min() >= 3100 - 1e-6
    assert (np.abs(guaranteed - 3100) < 1e-6).sum() > 10  # some needed the settlement


def test_temporary_assistance_lifts_exited_households_hit_by_illness_up_to_the_cap():
    cap = 3000.0
    model = model_for(
        {"temporary_assistance": True},
        {
            "social_assistance.temporary_assistance_cap": cap,
            "assessment.medical_deduction_share": 1.0,
            "health.hospitalisation_rate": 0.0,
            "health.chronic_extra_hospitalisation_rate": 0.0,
        },
    )
    hh = model.households
    for _ in range(11):
        model.step()
    small_gap, big_gap, no_shock = exited = np.flatnonzero(hh.status == 1)[:3]
    hh.status[exited] = 2  # exited in an earlier year
    hh.exit_year[exited] = 2015
    for column in (
        "wage_per_unit_cny_per_year",
        "farm_cny_per_year",
        "property_cny_per_year",
        "other_transfer_cny_per_year",
        "pension_cny_per_year",
    ):
        getattr(hh, column)[exited] = 0.0  # December adds nothing
    model.programme("social_assistance").streams["dibao"].rate_cny_per_year[exited] = 0.0
    model.programme("social_assistance").enrolled[exited] = False
    line = model.params.value("poverty_line.exit_line", 2016)
    for column in (
        "ytd_wage_cny",
        "ytd_farm_cny",
        "ytd_industry_cny",
        "ytd_property_cny",
        "ytd_transfer_cny",
        "ytd_programme_transfer_cny",
    ):
        getattr(hh, column)[exited] = 0.0
    hh.ytd_wage_cny[exited] = line * hh.size[exited]
    hh.ytd_medical_oop_cny[small_gap] = 1000.0  # pushes it 1,000 below the line
    hh.ytd_medical_oop_cny[big_gap] = 10_000.0
    hh.ytd_medical_oop_cny[no_shock] = 0.0
    hh.ytd_wage_cny[no_shock] -= 500.0  # below the line without an illness or disaster
    model.villages.disaster_month[hh.village[no_shock]] = -1
    spent_before = model.ledger.by_household("social_assistance", 2016).copy()
    model.step()  # December: accrual, settlement, verification
    paid = model.ledger.by_household("social_assistance", 2016) - spent_before
    assert paid[small_gap] == pytest.approx(1000.0)
    assert paid[big_gap] == pytest.approx(cap)
    assert paid[no_shock] == 0.0
    assert hh.status[small_gap] == 2  # on the line: kept out of poverty
    assert hh.status[big_gap] == 1 and hh.status[no_shock] == 1  # returned


@pytest.mark.parametrize("keep", [False, True])
def test_exited_households_keep_disability_allowances_only_under_keep_after_exit(keep):
    model = model_for({"disability_allowance": True, "keep_after_exit": keep})
    hh, persons = model.households, model.persons
    for _ in range(13):  # 2016, then January 2017's review
        model.step()
    disabled = persons.per_household(persons.disabled.astype(float), len(hh)) > 0
    allowance = model.programme("social_assistance").streams["disability_allowance"].rate_cny_per_year
    exited, poor = disabled & (hh.status == 2), disabled & (hh.status == 1)
    assert exited.sum() > 10 and poor.sum() > 10
    assert (allowance[poor] > 0).all()
    assert (allowance[exited] > 0).all() == keep and (allowance[exited] > 0).any() == keep
