"""Households at risk of returning to poverty and the 2020 monitoring rule (fupin_sim.workbench.risk)."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim import FupinModel, load_scenario
from fupin_sim.model.assessment import record_verified_income
from fupin_sim.model.households import EXITED, NON_POOR
from fupin_sim.model.income import INCOME_SOURCES
from fupin_sim.workbench.risk import FLAGS, at_risk_by, at_risk_households

FRAGILE, COMFORTABLE, CARRIED = 0, 1, 2  # household rows set up by the fixture
TRANSFER = INCOME_SOURCES.index("transfer")


def set_household(
    model: FupinModel,
    row: int,
    *,
    income_pc: float,
    previous_pc: float,
    chronic: int = 0,
    debt_cny: float = 0.0,
    medical_cny: float = 0.0,
    transfer_gain_pc: float = 0.0,
) -> None:
    """Make ``row`` an exited household with the given verified figures (this year's)."""
    hh = model.households
    size = hh.size[row]
    hh.status[row] = EXITED
    hh.income_pc_cny[row] = income_pc
    hh.gross_income_pc_cny[row] = income_pc
    hh.previous_income_pc_cny[row] = previous_pc
    hh.chronic_members[row] = chronic
    hh.debt_cny[row] = debt_cny
    hh.ytd_medical_oop_cny[row] = medical_cny
    hh.ytd_transfer_cny[row] = transfer_gain_pc * size
    model.entry_income_by_source[TRANSFER, row] = 0.0


@pytest.fixture(scope="module")
def model():
    scenario = load_scenario("baseline").replace(population_scale=0.05)
    model = FupinModel(scenario)
    model.run()
    hh = model.households
    hh.status[:] = NON_POOR  # only the three households below are exited
    line = scenario.params.value("poverty_line.exit_line", model.year)
    size = hh.size
    # just over the line, a chronically ill member, debt of two years' income
    set_household(
        model,
        FRAGILE,
        income_pc=line * 1.03,
        previous_pc=line * 1.02,
        chronic=1,
        debt_cny=2 * line * 1.03 * size[FRAGILE],
    )
    # well above every threshold, no illness, no debt
    set_household(model, COMFORTABLE, income_pc=line * 5, previous_pc=line * 4.8)
    # carried by transfers gained since entry, hospital bills above income, income halved
    set_household(
        model,
        CARRIED,
        income_pc=line * 1.5,
        previous_pc=line * 3.5,
        transfer_gain_pc=line,
        medical_cny=2 * line * 1.5 * size[CARRIED],
    )
    return model


@pytest.fixture(scope="module")
def table(model):
    return at_risk_households(model).set_index("household")


def flags_of(table, row) -> set[str]:
    return {flag for flag in FLAGS if table.loc[row, flag]}


def test_a_household_just_over_the_line_with_illness_and_debt_is_flagged_for_exactly_those(table):
    assert flags_of(table, FRAGILE) == {"thin_margin", "illness", "debt", "monitoring_income"}
    assert table.loc[FRAGILE, "at_risk"] and table.loc[FRAGILE, "monitored"]
    assert table.loc[FRAGILE, "risk_score"] == 4
    assert table.loc[FRAGILE, "margin_share"] == pytest.approx(0.03)


def test_a_comfortable_household_is_not_at_risk(table):
    assert flags_of(table, COMFORTABLE) == set()
    assert not table.loc[COMFORTABLE, "at_risk"] and not table.loc[COMFORTABLE, "monitored"]
    assert table.loc[COMFORTABLE, "risk_score"] == 0


def test_transfer_dependence_medical_spending_above_income_and_a_sharp_drop_are_flagged(table):
    assert flags_of(table, CARRIED) == {"illness", "transfer_dependent", "monitoring_spending", "monitoring_drop"}


def test_one_row_per_exited_household_riskiest_first_and_no_personal_data(model, table):
    listed = at_risk_households(model)
    assert sorted(listed.household) == [FRAGILE, COMFORTABLE, CARRIED]
    assert listed.risk_score.is_monotonic_decreasing
    personal = [c for c in listed.columns if ("name" in c and c != "village_name") or c == "id" or c.endswith("_id")]
    assert not personal
    assert listed.household_key.tolist() == model.household_keys[listed.household].tolist()  # keys, not names
    assert listed.household.dtype.kind == "i"


def test_the_monitoring_multiple_is_a_parameter(model, monkeypatch):
    monkeypatch.setattr(model, "params", model.params.with_overrides({"assessment.monitoring_income_multiple": 1.0}))
    row = at_risk_households(model).set_index("household").loc[FRAGILE]
    assert not row.monitoring_income and row.thin_margin


def test_counts_by_village_and_cause_add_up(table):
    listed = table.reset_index()
    for by in ("village", "cause"):
        grouped = at_risk_by(listed, by)
        assert grouped.exited_households.sum() == len(listed)
        assert grouped.at_risk_households.sum() == listed.at_risk.sum() == 2
        assert grouped.at_risk_people.sum() == listed.people[listed.at_risk].sum()
        np.testing.assert_allclose(grouped.at_risk_share, grouped.at_risk_households / grouped.exited_households)
        assert grouped.illness.sum() == 2 and grouped.debt.sum() == 1
    with pytest.raises(ValueError, match="village, cause"):
        at_risk_by(listed, "township")


def test_the_verification_keeps_last_years_income(small_scenario):
    model = FupinModel(small_scenario())
    hh = model.households
    entry_income = hh.income_pc_cny.copy()
    hh.ytd_wage_cny[:] = 1_000.0 * hh.size
    record_verified_income(model)
    np.testing.assert_array_equal(hh.previous_income_pc_cny, entry_income)
    first = hh.income_pc_cny.copy()
    record_verified_income(model)
    np.testing.assert_array_equal(hh.previous_income_pc_cny, first)
