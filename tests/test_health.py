"""健康扶贫: premiums, +10 points, the out-of-pocket cap, free checks, budget and withdrawal."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim import FupinModel
from fupin_sim.model.households import EXITED, POOR
from fupin_sim.model.shocks import illness

STAY_COST = 20_000.0
SCALE = 0.1


@pytest.fixture
def with_health(small_scenario):
    """A small model with the health programme, certain serious stays of a fixed cost."""

    def make(health: dict | None = None, **parameters) -> FupinModel:
        scenario = small_scenario(
            SCALE,
            programmes={
                "social_assistance": {},
                "health": {"oop_cap_share": 0.10, "free_health_checks": False, **(health or {})},
            },
            parameters={
                "health.hospitalisation_rate": 1.0,
                "health.serious_illness_share": 1.0,
                "health.inpatient_cost_sigma": 0.0,
                "health.serious_cost_mean": STAY_COST,
                **parameters,
            },
        )
        return FupinModel(scenario)

    return make


def test_premiums_are_paid_for_every_registered_household_and_insure_it(with_health):
    model = with_health()
    hh = model.households
    hh.insured[:] = False
    model.step()
    covered = model.programme("health").enrolled
    registered = hh.status == POOR
    np.testing.assert_array_equal(covered, registered)
    assert hh.insured[registered].all() and not hh.insured[~registered].any()
    premium = model.params.value("health.individual_premium", 2016) + model.params.value(
        "health.critical_illness_premium"
    )
    assert model.ledger.by_household("health", 2016)[registered] == pytest.approx(premium * hh.size[registered])


def test_covered_households_pay_at_most_the_cap_and_the_programme_pays_the_rest(with_health):
    model = with_health()
    model.step()  # January: premiums paid, coverage decided; the month's stays already covered
    hh = model.households
    hh.ytd_medical_oop_cny[:] = 0.0
    paid_before = model.ledger.by_household("health", 2016).copy()
    model.month_index = 1
    illness(model)
    hit = hh.ytd_medical_oop_cny > 0
    covered = model.programme("health").enrolled
    reimbursed = model.params.value("health.inpatient_reimbursement_share")
    np.testing.assert_allclose(hh.ytd_medical_oop_cny[hit & covered], STAY_COST * 0.10)
    np.testing.assert_allclose(hh.ytd_medical_oop_cny[hit & ~covered & hh.insured], STAY_COST * (1 - reimbursed))
    relief = model.ledger.by_household("health", 2016) - paid_before
    np.testing.assert_allclose(relief[hit & covered], STAY_COST * (1 - reimbursed) - STAY_COST * 0.10)
    assert (relief[~covered] == 0).all()


def test_without_a_cap_the_extra_points_alone_apply(with_health):
    model = with_health({"oop_cap_share": None, "extra_reimbursement_share": 0.10})
    model.step()
    hh = model.households
    hh.ytd_medical_oop_cny[:] = 0.0
    model.month_index = 1
    illness(model)
    hit_covered = (hh.ytd_medical_oop_cny > 0) & model.programme("health").enrolled
    reimbursed = model.params.value("health.inpatient_reimbursement_share")
    np.testing.assert_allclose(hh.ytd_medical_oop_cny[hit_covered], STAY_COST * (1 - reimbursed - 0.10))


def test_relief_stops_when_the_budget_runs_out(with_health, full_district):
    budget = 300_000.0  # for the simulated SCALE of the district
    model = with_health({"budget_cny": full_district(dict.fromkeys(range(2016, 2021), budget), SCALE)})
    result = model.run()
    assert (result.yearly.budget_health_cny == budget).all()
    spent = result.yearly.spending_health_cny
    assert (spent <= budget + 1e-6).all()
    assert spent.max() > 0.9 * budget  # the money was used, then relief stopped


def test_free_checks_make_serious_illness_rarer_for_covered_households(with_health):
    reduction = 0.5
    model = with_health({"free_health_checks": True}, **{"health.health_check_severity_reduction": reduction})
    model.step()
    programme = model.programme("health")
    rows = np.arange(len(model.households))
    factor = programme.serious_illness_factor(model, rows)
    np.testing.assert_allclose(factor[programme.enrolled], 1 - reduction)
    np.testing.assert_allclose(factor[~programme.enrolled], 1.0)
    off = with_health({"free_health_checks": False})
    off.step()
    np.testing.assert_allclose(off.programme("health").serious_illness_factor(off, rows), 1.0)


def test_exited_households_lose_cover_after_withdrawal(with_health):
    model = with_health({"withdraw_from_exited": 2017})
    hh = model.households
    for _ in range(12):
        model.step()
    exited = hh.status == EXITED
    assert exited.sum() > 5
    model.step()  # January 2017: the review withdraws cover from exited households
    assert not model.programme("health").enrolled[exited].any()
    kept = with_health()
    for _ in range(13):
        kept.step()
    assert kept.programme("health").enrolled[kept.households.status == EXITED].all()
