"""易地搬迁 and 危房改造: eligibility, timeline and deadlines, self-payment and debt, the 两张皮 farm loss, money."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim import FupinModel, load_scenario
from fupin_sim.config.settings import Month
from fupin_sim.model.households import POOR

# Every offer accepted: take-up probabilities of 1, not moved by motivation or neighbours.
SURE_TAKE_UP = {
    "takeup.motivation_weight": 0.0,
    "takeup.neighbour_weight": 0.0,
    "relocation.relocation_take_up_prob": 1.0,
    "relocation.renovation_take_up_prob": 1.0,
    "employment.training_take_up_prob": 1.0,
}
SCALE = 0.1  # budgets and capacities in the tests are for this tenth of the district: see ``full_district``


def model_for(settings: dict | None = None, parameters: dict | None = None, **programmes: dict) -> FupinModel:
    """A tenth of the district with the relocation programme (``settings=None``: without it) and ``programmes``."""
    data = load_scenario("baseline").to_dict()
    data["population_scale"] = SCALE
    if settings is not None:
        data["programmes"]["relocation"] = settings
    data["programmes"].update(programmes)
    data["parameters"] = parameters or {}
    return FupinModel(load_scenario(data))


def test_only_registered_poor_households_without_safe_housing_are_served():
    model = model_for({}, SURE_TAKE_UP)
    hh = model.households
    model.step()
    served = model.programme("relocation").enrolled
    expected = (hh.status == POOR) & ~hh.safe_housing
    assert expected.sum() > 150
    np.testing.assert_array_equal(served, expected)


def test_capacity_caps_the_housing_cases_started_each_year(full_district):
    model = model_for({"households_per_year": full_district(40, SCALE)}, SURE_TAKE_UP)
    served = model.programme("relocation").enrolled
    model.step()
    assert served.sum() == 40
    model.run_for(12)  # through January 2017
    assert served.sum() == 80


@pytest.mark.parametrize("start", ["2016-08", "2016-01"])
def test_houses_are_safe_from_move_in_or_renovation_and_not_before(start):
    model = model_for({"construction_start": start, "relocation_share": 0.5}, SURE_TAKE_UP)
    programme, hh, p = model.programme("relocation"), model.households, model.params
    model.step()
    moving, renovating = programme.relocated.copy(), programme.enrolled & ~programme.relocated
    assert moving.sum() > 30 and renovating.sum() > 30
    begin = Month.parse(start).ordinal
    built = begin + int(p.value("relocation.construction_months"))
    move_in = built + int(p.value("relocation.move_in_months"))
    renovated = begin + int(p.value("relocation.renovation_months"))
    assert move_in > renovated
    while model.current_month.ordinal < move_in:
        model.step()
        now = model.current_month.ordinal
        assert hh.safe_housing[moving].all() if now == move_in else not hh.safe_housing[moving].any()
        if now < renovated:
            assert not hh.safe_housing[renovating].any()
        elif now == renovated:
            assert hh.safe_housing[renovating].all()
        assert programme.built_by(model, model.current_month) == (moving.sum() if now >= built else 0)
        assert programme.moved_in_by(model, model.current_month) == (moving.sum() if now >= move_in else 0)


def test_relocated_households_borrow_the_capped_self_payment_and_the_programme_pays_the_rest():
    model = model_for({"relocation_share": 1.0}, SURE_TAKE_UP)
    hh, p = model.households, model.params
    model.step()
    moving = model.programme("relocation").relocated
    assert moving.sum() > 100
    per_person = p.value("relocation.self_pay_cny_per_person")
    cap = p.value("relocation.self_pay_cap_cny_per_household")
    assert (hh.size[moving] * per_person > cap).any() and (hh.size[moving] * per_person < cap).any()
    np.testing.assert_allclose(hh.debt_cny[moving], np.minimum(hh.size[moving] * per_person, cap))
    assert not hh.debt_cny[~moving].any()
    all_in = p.value("relocation.cost_cny_per_person") * hh.size[moving].sum()
    assert model.ledger.spent("relocation", 2016) == pytest.approx(all_in - hh.debt_cny.sum())


def test_renovation_in_place_is_paid_in_full_and_adds_no_debt():
    model = model_for({"relocation_share": 0.0}, SURE_TAKE_UP)
    hh, p = model.households, model.params
    model.step()
    programme = model.programme("relocation")
    served = programme.enrolled
    assert served.sum() > 150 and not programme.relocated.any() and not hh.debt_cny.any()
    rebuilt = (served & programme.needs_rebuild).sum()
    assert 0 < rebuilt < served.sum()
    expected = rebuilt * p.value("relocation.rebuild_cost_cny_per_household") + (served.sum() - rebuilt) * p.value(
        "relocation.repair_cost_cny_per_household"
    )
    assert model.ledger.spent("relocation", 2016) == pytest.approx(expected)


def test_moving_costs_farm_income_only_without_a_livelihood_programme():
    settings = {"relocation_share": 1.0, "construction_start": "2016-01"}
    months = 12  # all moved in by August
    baseline = model_for()
    baseline.run_for(months)  # same seed: same households, same farm incomes
    paired_model = model_for(settings, SURE_TAKE_UP, employment={"public_jobs": 0})
    paired_model.run_for(months)
    alone = model_for(settings, SURE_TAKE_UP)
    alone.run_for(months)
    loss = alone.params.value("relocation.farm_loss_share")
    farm_before = baseline.households.farm_cny_per_year

    moved = alone.programme("relocation").relocated
    assert moved.sum() > 100 and alone.programme("relocation").unpaired[moved].all()
    np.testing.assert_allclose(alone.households.farm_cny_per_year[moved], farm_before[moved] * (1.0 - loss))
    np.testing.assert_allclose(alone.households.farm_cny_per_year[~moved], farm_before[~moved])

    relocation = paired_model.programme("relocation")
    moved = relocation.relocated
    paired = moved & paired_model.programme("employment").enrolled
    unpaired = moved & ~paired
    assert paired.sum() > 50 and unpaired.sum() > 10
    np.testing.assert_array_equal(relocation.unpaired, unpaired)
    farm = paired_model.households.farm_cny_per_year
    np.testing.assert_allclose(farm[paired], farm_before[paired])
    np.testing.assert_allclose(farm[unpaired], farm_before[unpaired] * (1.0 - loss))


def test_spending_never_exceeds_the_budget_and_a_year_without_budget_starts_nothing(full_district):
    budget = 2_000_000.0
    model = model_for({"budget_cny": full_district({2017: budget, 2018: budget}, SCALE)}, SURE_TAKE_UP)
    served = model.programme("relocation").enrolled
    model.run_for(12)
    assert not served.any()
    result = model.run()
    spent = result.yearly.set_index("year").spending_relocation_cny
    assert spent[2016] == 0 and spent[2019] == 0
    assert 0.8 * budget < spent[2017] <= budget + 1e-6
    assert 0 < spent[2018] <= budget + 1e-6


@pytest.mark.parametrize("targeting", ["poorest_first", "nearest_to_line"])
def test_the_targeting_order_decides_who_is_housed_when_capacity_binds(targeting, full_district):
    capacity = 20
    model = model_for({"households_per_year": full_district(capacity, SCALE), "targeting": targeting}, SURE_TAKE_UP)
    hh = model.households
    model.step()
    served = model.programme("relocation").enrolled
    waiting = (hh.status == POOR) & ~hh.safe_housing & ~served
    income, line = hh.income_pc_cny, model.params.value("poverty_line.exit_line", 2016)
    assert served.sum() == capacity
    if targeting == "poorest_first":
        assert income[served].max() <= income[waiting].min()
    else:
        assert income[served].min() >= income[waiting & (income < line)].max()


def test_the_programme_houses_the_poor_by_the_deadlines_and_raises_exits():
    baseline, model = model_for(), model_for({})
    relocation = model.programme("relocation")
    model.run_for(24)
    relocated_by_2017 = relocation.relocated.sum()
    assert relocated_by_2017 > 30 and relocation.moved_in_by(model, "2016-12") == 0
    base_result, result = baseline.run(), model.run()
    # With the default timeline every house committed in 2016-2017 is built in 2017 and lived in by mid-2018.
    assert relocation.built_by(model, "2017-12") == relocation.moved_in_by(model, "2018-06") == relocated_by_2017
    registered = model.households.registered_2015
    assert model.households.safe_housing[registered].mean() > baseline.households.safe_housing[registered].mean() + 0.15
    exits = result.yearly.set_index("year").exit_share_cum
    base_exits = base_result.yearly.set_index("year").exit_share_cum
    for year in (2016, 2017):
        assert exits[year] > base_exits[year] + 0.02
