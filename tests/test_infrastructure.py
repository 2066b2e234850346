"""Village infrastructure: haves after the build time, costs, budget and village order."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim import FupinModel
from fupin_sim.model.households import NON_POOR, POOR

SCALE = 0.1


@pytest.fixture
def with_infrastructure(small_scenario):
    def make(settings: dict | None = None, **parameters) -> FupinModel:
        programmes = {"social_assistance": {}, "infrastructure": settings or {}}
        return FupinModel(small_scenario(SCALE, programmes=programmes, parameters=parameters))

    return make


def test_a_road_opens_after_its_build_time_and_raises_farm_income(with_infrastructure):
    model = with_infrastructure({"items": ["road"]}, **{"infrastructure.road_build_months": 3})
    villages, hh = model.villages, model.households
    without = np.flatnonzero(villages.poor_village & ~villages.road)
    assert without.size > 0
    in_village = np.isin(hh.village, without)
    model.step()  # January: the review starts the roads
    farm_before = hh.farm_cny_per_year.copy()
    model.step()
    model.step()
    assert not villages.road[without].any()
    model.step()  # April: three months after January
    assert villages.road[without].all()
    gain = model.params.value("infrastructure.road_market_gain_share")
    np.testing.assert_allclose(hh.farm_cny_per_year[in_village], farm_before[in_village] * (1 + gain))
    np.testing.assert_allclose(hh.farm_cny_per_year[~in_village], farm_before[~in_village])
    assert not villages.road[~villages.poor_village & ~villages.road].any()  # non-poor villages untouched


def test_household_items_reach_registered_households_only(with_infrastructure):
    model = with_infrastructure({"items": ["water"]}, **{"infrastructure.water_build_months": 2})
    hh = model.households
    lacking_poor = (hh.status == POOR) & ~hh.safe_water
    lacking_other = (hh.status == NON_POOR) & ~hh.safe_water
    assert lacking_poor.any() and lacking_other.any()
    for _ in range(3):
        model.step()
    assert hh.safe_water[lacking_poor].all()
    assert not hh.safe_water[lacking_other].any()
    cost = model.params.value("infrastructure.water_cost_per_household")
    assert model.ledger.spent("infrastructure", 2016) == pytest.approx(cost * lacking_poor.sum())


def test_village_costs_are_posted_when_work_starts(with_infrastructure):
    model = with_infrastructure({"items": ["clinic"]})
    missing = (model.villages.poor_village & ~model.villages.clinic).sum()
    model.step()
    # The parameter is a full-size village's cost; the 26 poor villages of a scaled district are scaled down.
    cost = model.params.value("infrastructure.clinic_cost_per_village") * SCALE
    assert model.ledger.spent("infrastructure", 2016) == pytest.approx(cost * missing)
    assert model.ledger.by_village("infrastructure", 2016).sum() == pytest.approx(cost * missing)


def test_the_budget_limits_work_and_the_nearest_to_delisting_villages_go_first(with_infrastructure, full_district):
    cost = 200_000.0  # per (scaled) poor village
    model = with_infrastructure(
        {"items": ["clinic"], "budget_cny": full_district({2016: 2 * cost}, SCALE)},
        **{"infrastructure.clinic_cost_per_village": full_district(cost, SCALE)},
    )
    from fupin_sim.model.assessment import village_incidence

    villages = model.villages
    candidates = np.flatnonzero(villages.poor_village & ~villages.clinic)
    incidence = village_incidence(model)
    model.step()
    started = np.flatnonzero(model.programme("infrastructure").village_started["clinic"])
    assert started.size == 2
    assert incidence[started].max() <= np.sort(incidence[candidates])[1] + 1e-12
    result = model.run()
    assert result.yearly.set_index("year").spending_infrastructure_cny[2016] == pytest.approx(2 * cost)
    assert (result.yearly.spending_infrastructure_cny.iloc[1:] == 0).all()  # no budget after 2016
