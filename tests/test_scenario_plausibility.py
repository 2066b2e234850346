"""Plausibility of the shipped scenarios against what happened (seeded, a quarter of the district).

Each check compares scenarios run with the same seed, so common random numbers
make the differences the policy's, not noise.
"""

from __future__ import annotations

import functools

import pandas as pd
import pytest

from fupin_sim import load_scenario, run_scenario

SCALE = 0.25


@functools.cache
def yearly(name: str) -> pd.DataFrame:
    """The yearly table of a shipped scenario on a quarter of the district."""
    return run_scenario(load_scenario(name).replace(population_scale=SCALE)).yearly.set_index("year")


def test_baseline_misses_the_2016_and_2017_targets_by_a_wide_margin():
    base = yearly("baseline")
    assert base.loc[2016, "exit_share_cum"] < 0.6 / 3
    assert base.loc[2017, "exit_share_cum"] < 1.0 / 3
    assert base.loc[2017, "villages_delisted_cum"] == 0


def test_the_decision_meets_the_2016_exit_target():
    decision = yearly("decision_2016")
    assert decision.loc[2016, "exit_target_met"] and decision.loc[2016, "exit_shortfall_people"] == 0
    assert decision.loc[2016, "villages_delisted_cum"] >= 3


# What the calibrated model finds for 2017 (docs/calibration.md, "Results of the calibration"): the
# decision does not take everyone out in 2017. These are the model's own figures with a tolerance, not
# the decision's target (issue 11 restated the check). Means of 20 replications at the scale this test
# runs (a quarter of the district; seeds replication_seed(20160806, r)); the tolerances cover their
# range. The full district gives 90.5 % out, 22.05 villages and a 9.5 % shortfall: villages do not
# scale down, so a quarter of the district delists fewer of them (18-25 here).
EXPECTED_2017 = {
    "exit_share_cum": (0.896, 0.04),
    "villages_delisted_cum": (20.5, 4.5),
    "shortfall_share": (0.104, 0.04),  # people short of the 100 % target, over the registered people
    "paper_exit_share": (0.104, 0.04),  # equal to it when the target is everyone out
}


def test_the_decision_in_2017_is_what_the_calibrated_model_finds():
    decision, base = yearly("decision_2016"), yearly("baseline")
    row = decision.loc[2017]
    found = {
        "exit_share_cum": row.exit_share_cum,
        "villages_delisted_cum": row.villages_delisted_cum,
        "shortfall_share": row.exit_shortfall_people / row.registered_2015_people,
        "paper_exit_share": row.paper_exit_share,
    }
    for key, (expected, tolerance) in EXPECTED_2017.items():
        assert found[key] == pytest.approx(expected, abs=tolerance), key
    assert decision.loc[2017, "exit_share_cum"] > 3 * base.loc[2017, "exit_share_cum"]
    assert decision.loc[2017, "poverty_gap_cny"] < base.loc[2017, "poverty_gap_cny"] / 4


def test_funding_the_employment_goal_employs_more_households_and_takes_more_of_them_out_for_good():
    decision, goal = yearly("decision_2016"), yearly("employment_goal")
    assert goal.loc[2017, "employed_share"] > decision.loc[2017, "employed_share"] + 0.25
    assert goal.loc[2017, "exit_share_cum"] > decision.loc[2017, "exit_share_cum"] + 0.03
    assert goal.loc[2017, "paper_exit_share"] < decision.loc[2017, "paper_exit_share"] / 2
    assert goal.loc[2018:2020, "returns"].sum() < decision.loc[2018:2020, "returns"].sum()
    # what buys it: the posts, several times the employment money of the decision
    assert goal.spending_employment_cny.sum() > 3 * decision.spending_employment_cny.sum()


def test_transfers_alone_exit_households_on_paper():
    transfers = yearly("transfers_only")
    exits = transfers.loc[2016:2017, "exits_households"].sum()
    dependent = transfers.loc[2016:2017, "exits_transfer_dependent"].sum()
    assert exits > 2 * yearly("baseline").loc[2016:2017, "exits_households"].sum()
    assert dependent / exits > 0.5
    development = yearly("development_first")
    own_share = development.exits_own_earnings.sum() / development.exits_households.sum()
    assert own_share > 1 - dependent / exits


def test_withdrawing_support_from_exited_households_brings_many_more_returns():
    decision, withdrawal = yearly("decision_2016"), yearly("withdrawal_2018")
    pd.testing.assert_series_equal(decision.loc[2016:2017, "returns"], withdrawal.loc[2016:2017, "returns"])
    assert withdrawal.loc[2018:2020, "returns"].sum() > 2 * decision.loc[2018:2020, "returns"].sum()


def test_returns_after_withdrawal_do_not_saw_tooth():
    """Re-registered households keep 低保, so the withdrawal does not send the same households in and out
    every other year (it did when 低保 was withdrawn too: docs/calibration.md)."""
    returns = yearly("withdrawal_2018").loc[2018:2020, "returns"]
    assert returns[2019] > 0.7 * min(returns[2018], returns[2020])


def test_with_support_few_exited_households_return():
    """Issue 11's band for returns 2017-2020 among exited households is 0.6-2.5 %; a quarter of the
    district with one seed is noisier than the 20 full-district replications of docs/calibration.md."""
    decision = yearly("decision_2016")
    exited = decision.loc[2016:2019, "exits_households"].sum()
    assert 0.003 < decision.loc[2017:2020, "returns"].sum() / exited < 0.04


def test_a_stronger_health_programme_means_fewer_returns_for_illness_at_equal_other_spending():
    decision, health = yearly("decision_2016"), yearly("health_first")
    assert health.returns_illness.sum() < decision.returns_illness.sum()
    others = [
        c for c in decision.columns if c.startswith("spending_") and c not in ("spending_health_cny", "spending_cny")
    ]
    assert health[others].sum().sum() == pytest.approx(decision[others].sum().sum(), rel=0.05)
