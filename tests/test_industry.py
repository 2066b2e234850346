"""产业扶贫: instruments by labour, capacity and budget caps, lags, price exposure, dividends, collectives."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim import FupinModel, load_scenario
from fupin_sim.model.assessment import village_incidence
from fupin_sim.model.households import CAUSE_INDEX, POOR
from fupin_sim.model.villages import in_plan_order
from fupin_sim.programmes.industry import INSTRUMENTS, NO_INSTRUMENT, Industry

ONLY = dict.fromkeys(INSTRUMENTS, False)
NO_COLLECTIVES = {"collective_investment_cny_per_village": 0}
SCALE = 0.1  # budgets and capacities in the tests are for this tenth of the district: see ``full_district``


def model_for(settings: dict, parameters: dict | None = None) -> FupinModel:
    data = load_scenario("baseline").to_dict()
    data["population_scale"] = SCALE
    data["programmes"]["industry"] = settings
    data["parameters"] = parameters or {}
    return FupinModel(load_scenario(data))


def industry(model: FupinModel) -> Industry:
    return model.programme("industry")


def members(model: FupinModel, name: str) -> np.ndarray:
    return np.flatnonzero(industry(model).instrument == INSTRUMENTS.index(name))


def steps(model: FupinModel, months: int) -> None:
    for _ in range(months):
        model.step()


def test_only_registered_poor_enrol_and_the_instrument_follows_labour():
    model = model_for({"broiler_households_per_year": None, **NO_COLLECTIVES})
    model.step()
    hh, params = model.households, model.params
    programme = industry(model)
    assert (hh.status[programme.enrolled] == POOR).all()
    np.testing.assert_array_equal(programme.enrolled, programme.instrument != NO_INSTRUMENT)
    broiler, specialty, shares = (members(model, name) for name in INSTRUMENTS)
    assert min(broiler.size, specialty.size, shares.size) > 20
    assert (hh.labour_units[broiler] >= params.value("industry.broiler_min_labour_units")).all()
    assert (hh.labour_units[specialty] >= params.value("industry.specialty_min_labour_units")).all()
    assert (hh.labour_units[shares] < params.value("industry.specialty_min_labour_units")).all()
    cost = sum(
        members(model, name).size * params.value(f"industry.{name}_cost_cny_per_household") for name in INSTRUMENTS
    )
    assert model.ledger.spent("industry", 2016) == pytest.approx(cost)


def test_the_company_contracts_at_most_its_capacity_each_year(full_district):
    settings = {**ONLY, "broiler": True, "broiler_households_per_year": full_district(7, SCALE), **NO_COLLECTIVES}
    model = model_for(settings)
    model.step()
    assert members(model, "broiler").size == 7
    steps(model, 12)
    assert members(model, "broiler").size == 14


def test_spending_never_exceeds_the_budget_and_a_year_without_budget_enrols_nobody(full_district):
    budget = 150_000.0
    # Households only: collective investments (their own test below) would compete for this budget.
    model = model_for({"budget_cny": full_district({2017: budget, 2018: budget}, SCALE), **NO_COLLECTIVES})
    steps(model, 12)
    assert not industry(model).enrolled.any()
    steps(model, 12)
    enrolled_2017 = industry(model).enrolled.sum()
    assert enrolled_2017 > 0
    result = model.run()
    spending = result.yearly.set_index("year").spending_industry_cny
    assert (spending <= budget + 1e-6).all()
    assert spending[2016] == 0 and spending[2017] > budget / 2 and spending[2019] == 0
    assert industry(model).enrolled.sum() > enrolled_2017  # 2018 enrolled more, 2019 and 2020 none
    ledger = result.ledger[result.ledger.programme == "industry"]
    assert ledger.groupby("year").spending_cny.sum().le(budget + 1e-6).all()


def test_broiler_income_starts_after_the_lag_and_moves_with_the_price(full_district):
    settings = {**ONLY, "broiler": True, "broiler_households_per_year": full_district(10, SCALE), **NO_COLLECTIVES}
    model = model_for(settings)
    lag = int(model.params.value("industry.broiler_lag_months"))
    steps(model, lag)
    sheds = members(model, "broiler")
    assert sheds.size == 10 and (model.households.ytd_industry_cny[sheds] == 0).all()
    rate = Industry.return_cny_per_year(model.params, "broiler")
    assert rate == pytest.approx(50_000, rel=0.02)  # DOMAIN: ≈ 50,000 net per shed-year

    monthly = {}
    for price_log in (0.3, -0.3):
        before = model.households.ytd_industry_cny[sheds].copy()
        model.broiler_price_log = price_log
        model.step()
        monthly[price_log] = model.households.ytd_industry_cny[sheds] - before
        np.testing.assert_allclose(monthly[price_log], rate * np.exp(model.broiler_price_log) / 12)
    assert (monthly[0.3] > monthly[-0.3] * 1.3).all()


def monthly_gain(settings: dict, column: str, months: int, farm_factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Enrolled rows, and what the programme added to ``column`` in month ``months + 1``.

    Compared with the same model (same seed, so the same shocks) with no instrument.
    """
    twins = [model_for({**ONLY, **settings, **NO_COLLECTIVES}), model_for({**ONLY, **NO_COLLECTIVES})]
    increments = []
    for model in twins:
        steps(model, months)
        rows = np.flatnonzero(industry(twins[0]).enrolled)
        model.households.farm_factor[rows] = farm_factor
        before = getattr(model.households, column)[rows].copy()
        model.step()
        increments.append(getattr(model.households, column)[rows] - before)
    return rows, increments[0] - increments[1]


def test_shares_pay_dividends_as_property_income_after_the_lag():
    params = model_for({}).params
    lag = int(params.value("industry.shares_lag_months"))
    holders, before_lag = monthly_gain({"shares": True}, "ytd_property_cny", lag - 1)
    assert holders.size > 20
    np.testing.assert_allclose(before_lag, 0.0)
    holders, after_lag = monthly_gain({"shares": True}, "ytd_property_cny", lag)
    dividend = Industry.return_cny_per_year(params, "shares")
    assert dividend == params.value("industry.shares_cost_cny_per_household") * params.value(
        "industry.shares_dividend_rate_per_year"
    )
    np.testing.assert_allclose(after_lag, dividend / 12)


def test_specialty_income_is_farm_income_that_the_harvest_scales():
    params = model_for({}).params
    lag = int(params.value("industry.specialty_lag_months"))
    gain = params.value("industry.specialty_gain_cny_per_year")
    farmers, normal = monthly_gain({"specialty": True}, "ytd_farm_cny", lag)
    assert farmers.size > 20
    np.testing.assert_allclose(normal, gain / 12)
    farmers, poor_harvest = monthly_gain({"specialty": True}, "ytd_farm_cny", lag, farm_factor=0.5)
    np.testing.assert_allclose(poor_harvest, 0.5 * gain / 12)


def test_collective_investment_gives_poor_villages_collective_income_after_the_first_batch(full_district):
    amount = 300_000.0  # per (scaled) poor village
    settings = {"budget_cny": {2016: 2.5 * amount}, "collective_investment_cny_per_village": amount}
    model = model_for({**ONLY, **full_district(settings, SCALE)})
    villages = model.villages
    lacking = np.flatnonzero(villages.poor_village & ~villages.collective_income)
    assert lacking.size >= 3
    had_before = villages.collective_income.copy()
    model.step()
    assert model.ledger.spent("industry", 2016) == pytest.approx(2 * amount)
    np.testing.assert_array_equal(villages.collective_income, had_before)
    first_two = np.sort(in_plan_order(villages, lacking, village_incidence(model))[:2])  # the delisting plan's order
    steps(model, int(model.params.value("industry.broiler_lag_months")))
    gained = np.flatnonzero(villages.collective_income & ~had_before)
    np.testing.assert_array_equal(gained, first_two)


def test_no_collective_investment_when_disabled():
    model = model_for({**ONLY, **NO_COLLECTIVES})
    had_before = model.villages.collective_income.copy()
    steps(model, 12)
    np.testing.assert_array_equal(model.villages.collective_income, had_before)
    assert model.ledger.spent("industry", 2016) == 0


@pytest.mark.parametrize("targeting", ["poorest_first", "nearest_to_line"])
def test_the_targeting_order_decides_who_is_served_when_capacity_binds(targeting, full_district):
    capacity = 30
    broiler = {"broiler": True, "broiler_households_per_year": full_district(capacity, SCALE)}
    model = model_for(
        {**ONLY, **broiler, "targeting": targeting, **NO_COLLECTIVES},
        parameters={"industry.broiler_take_up": 1.0, "takeup.motivation_weight": 0.0},
    )
    model.step()
    hh, params = model.households, model.params
    eligible = (hh.status == POOR) & (hh.labour_units >= params.value("industry.broiler_min_labour_units"))
    served = industry(model).enrolled
    assert served.sum() == capacity and (eligible & ~served).sum() > capacity
    income = hh.income_pc_cny
    if targeting == "poorest_first":
        assert income[served].max() <= income[eligible & ~served].min()
    else:
        below = eligible & ~served & (income <= params.value("poverty_line.exit_line", 2016))
        assert income[served].min() >= income[below].max()


def test_cause_matched_targeting_serves_matched_causes_first(full_district):
    settings = {**ONLY, "broiler": True, "broiler_households_per_year": full_district(15, SCALE), **NO_COLLECTIVES}
    model = model_for(settings)
    model.step()
    served = industry(model).enrolled
    assert served.sum() == 15
    matched = [CAUSE_INDEX[c] for c in Industry.MATCHED_CAUSES]
    assert np.isin(model.households.cause[served], matched).all()


def test_take_up_rises_with_motivation():
    joined = {}
    for motivation in (0.0, 1.0):
        model = model_for({**ONLY, "specialty": True, **NO_COLLECTIVES})
        model.households.motivation[:] = motivation
        model.step()
        joined[motivation] = industry(model).enrolled.sum()
    assert joined[1.0] > 1.5 * joined[0.0]


def test_industry_raises_exits_over_the_baseline_with_the_same_seed(small_scenario, full_district):
    baseline = load_scenario("baseline").to_dict()["programmes"]
    industry = {"industry": {"broiler_households_per_year": full_district(15, SCALE)}}
    exits = {}
    for name, programmes in (("baseline", {}), ("industry", industry)):
        scenario = small_scenario(SCALE, programmes={**baseline, **programmes})
        exits[name] = FupinModel(scenario).run().yearly.set_index("year").exit_share_cum
    assert exits["industry"][2017] > exits["baseline"][2017] + 0.03
