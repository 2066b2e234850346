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


def test_the_decision_meets_the_2016_exit_target_and_comes_close_in_2017():
    decision = yearly("decision_2016")
    assert decision.loc[2016, "exit_target_met"]
    assert decision.loc[2017, "exit_share_cum"] >= 0.85
    assert decision.loc[2017, "villages_delisted_cum"] >= 18
    assert decision.loc[2016, "villages_delisted_cum"] >= 3
    assert decision.loc[2017, "exit_share_cum"] > 3 * yearly("baseline").loc[2017, "exit_share_cum"]


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


def test_a_stronger_health_programme_means_fewer_returns_for_illness_at_equal_other_spending():
    decision, health = yearly("decision_2016"), yearly("health_first")
    assert health.returns_illness.sum() < decision.returns_illness.sum()
    others = [c for c in decision.columns if c.startswith("spending_") and c not in ("spending_health_cny", "spending_cny")]
    assert health[others].sum().sum() == pytest.approx(decision[others].sum().sum(), rel=0.05)
