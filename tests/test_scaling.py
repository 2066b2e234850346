"""population_scale: a scenario's money is for the whole district, and a scaled run gets its share."""

from __future__ import annotations

import pytest

from fupin_sim import FupinModel

YEARS = range(2016, 2021)
# 4 million CNY a year for the whole district (80,000 rural households): 50 CNY per household, well
# below the 70-150 CNY per household the health programme would spend each year without a budget.
FULL_BUDGET_CNY = 4_000_000.0


def test_a_scaled_run_gets_the_budget_in_proportion_and_spends_as_much_per_household(small_scenario):
    runs = {}
    for scale in (0.1, 0.2):
        programmes = {"social_assistance": {}, "health": {"budget_cny": dict.fromkeys(YEARS, FULL_BUDGET_CNY)}}
        model = FupinModel(small_scenario(scale, programmes=programmes))
        assert model.programme("health").settings["budget_cny"] == dict.fromkeys(YEARS, FULL_BUDGET_CNY * scale)
        runs[scale] = (len(model.households), model.run().yearly.set_index("year"))

    (n_tenth, tenth), (n_fifth, fifth) = runs[0.1], runs[0.2]
    assert n_fifth == 2 * n_tenth
    assert (tenth.budget_health_cny == FULL_BUDGET_CNY * 0.1).all()
    assert (fifth.budget_health_cny == 2 * tenth.budget_health_cny).all()  # 1:2, like the households

    per_household = {"tenth": tenth.spending_health_cny / n_tenth, "fifth": fifth.spending_health_cny / n_fifth}
    budget_per_household = tenth.budget_health_cny / n_tenth  # the same at both scales
    # The budget binds every year at both scales, so each run spends its budget, short only of the relief
    # of the one hospital stay that no longer fitted (a few thousand CNY, under 0.1 % here). 2 % allows
    # for that and still fails if either run were not held to the same 50 CNY per household.
    for spent in per_household.values():
        assert (spent <= budget_per_household + 1e-9).all()
        assert spent.to_numpy() == pytest.approx(budget_per_household.to_numpy(), rel=0.02)
    assert per_household["tenth"].to_numpy() == pytest.approx(per_household["fifth"].to_numpy(), rel=0.02)
