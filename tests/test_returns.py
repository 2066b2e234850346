"""Why households return: the decomposition of return events into mechanisms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fupin_sim import FupinModel, load_scenario
from fupin_sim.experiments.returns import MECHANISMS, decompose_returns, return_profile, returns_by_mechanism
from fupin_sim.model.income import carried_over


def _event(year, event, household, income, line, transfer_share=0.0, reason=None):
    return {
        "year": year,
        "event": event,
        "household": household,
        "income_pc_cny": income,
        "line_cny": line,
        "margin_share": income / line - 1.0,
        "transfer_share": transfer_share,
        "reason": reason,
    }


@pytest.fixture
def events() -> pd.DataFrame:
    """Five households exit in 2016 at a line of 3,100 and return in 2018 (line 3,500), one per mechanism."""
    rows = [_event(2016, "exit", h, 3300.0, 3100.0) for h in range(4)]
    rows.append(_event(2016, "exit", 4, 3400.0, 3100.0, transfer_share=0.5))  # 1,700 a person in transfers
    rows += [
        _event(2018, "return", 0, 3600.0, 3500.0, reason="haves"),
        _event(2018, "return", 1, 3000.0, 3500.0, reason="illness"),
        _event(2018, "return", 2, 3200.0, 3500.0, reason="income"),  # still above 2016's 3,100
        _event(2018, "return", 3, 2500.0, 3500.0, reason="income"),  # earnings fell
        _event(2018, "return", 4, 2100.0, 3500.0, transfer_share=0.1, reason="income"),  # lost 1,490 of transfers
    ]
    return pd.DataFrame(rows)


def test_each_return_is_put_down_to_its_mechanism(events):
    table = decompose_returns(events).set_index("household")

    assert list(table.mechanism) == ["haves", "illness", "line_growth", "income_drop", "transfers_lost"]
    assert (table.exit_year == 2016).all() and (table.years_since_exit == 2).all()
    assert table.shortfall_share[3] == pytest.approx(1 - 2500 / 3500)
    assert table.shortfall_share[0] == 0.0


def test_a_transfer_loss_smaller_than_the_shortfall_is_an_income_drop(events):
    events.loc[(events.household == 4) & (events.event == "return"), "income_pc_cny"] = 1500.0

    table = decompose_returns(events).set_index("household")

    assert table.mechanism[4] == "income_drop"  # 1,500 + (1,700 − 150) lost < 3,500


def test_a_return_pairs_with_the_latest_earlier_exit():
    events = pd.DataFrame(
        [
            _event(2016, "exit", 7, 3200.0, 3100.0),
            _event(2017, "return", 7, 3000.0, 3300.0, reason="income"),
            _event(2018, "exit", 7, 3600.0, 3500.0),
            _event(2020, "return", 7, 3700.0, 4000.0, reason="income"),
        ]
    )

    table = decompose_returns(events)

    assert list(table.exit_year) == [2016, 2018]
    assert list(table.mechanism) == ["income_drop", "line_growth"]
    assert list(table.years_since_exit) == [1, 2]


def test_counts_by_year_and_profile(events):
    table = decompose_returns(events)

    counts = returns_by_mechanism(table)
    profile = return_profile(table, thin_margin_share=0.08, near_line_share=0.1)

    assert list(counts.columns) == [*MECHANISMS, "total"]
    assert counts.loc[2018].tolist() == [1, 1, 1, 1, 1, 5]
    assert profile["returns"] == 5
    assert profile["thin_exit_share"] == pytest.approx(4 / 5)  # 3,300 is 6.5 % over 3,100
    assert profile["within_one_year_share"] == 0.0
    assert profile["near_line_share"] == pytest.approx(1 / 4)  # of the four income returns only 3,200 is within 10 %
    assert sum(profile[f"{m}_share"] for m in MECHANISMS) == pytest.approx(1.0)


def test_no_returns_gives_an_empty_table():
    events = pd.DataFrame([_event(2016, "exit", 0, 3300.0, 3100.0)])

    assert decompose_returns(events).empty
    assert return_profile(decompose_returns(events), 0.1, 0.1) == {"returns": 0}


def test_a_return_without_an_exit_is_refused():
    events = pd.DataFrame([_event(2017, "return", 3, 3000.0, 3300.0, reason="income")])

    with pytest.raises(ValueError, match="household 3 returns without an earlier exit"):
        decompose_returns(events)


def test_a_model_run_decomposes_every_return():
    scenario = load_scenario("decision_2016").to_dict()
    result = FupinModel(load_scenario({**scenario, "population_scale": 0.1})).run()

    table = decompose_returns(result.events)

    assert len(table) == int(result.yearly.returns_households.sum())
    assert (table.years_since_exit >= 1).all()
    assert table.mechanism.notna().all()


# --- the mechanisms the diagnosis called for ------------------------------------------


def _returns_2017(**parameters) -> tuple[pd.DataFrame, FupinModel]:
    """Return events of 2017 under decision_2016 on a tenth of the district, every return recorded against
    the exit line (the mechanisms off, whatever the fitted overlay says), then ``parameters`` changed."""
    scenario = load_scenario("decision_2016").to_dict()
    neutral = {
        "assessment.return_margin_share": 0.0,
        "assessment.return_line_national_weight": 0.0,
        "assessment.return_detection_prob": 1.0,
    }
    scenario.update(population_scale=0.1, parameters={**scenario.get("parameters", {}), **neutral, **parameters})
    model = FupinModel(load_scenario(scenario))
    events = model.run().events
    return events[(events.event == "return") & (events.year == 2017)], model


def test_a_return_margin_records_only_falls_clearly_below_the_line():
    plain, _ = _returns_2017()
    margin, model = _returns_2017(**{"assessment.return_margin_share": 0.1})

    assert 0 < len(margin) < len(plain)
    assert set(margin.household) <= set(plain.household)  # 2017's incomes are the same in both runs
    on_income = margin[margin.reason != "haves"]
    assert (on_income.income_pc_cny < 0.9 * model.params.value("poverty_line.exit_line", 2017)).all()


def test_returns_judged_against_the_national_line_are_fewer_and_below_it():
    plain, _ = _returns_2017()
    national, model = _returns_2017(**{"assessment.return_line_national_weight": 1.0})

    assert set(national.household) < set(plain.household)
    on_income = national[national.reason != "haves"]
    assert (on_income.income_pc_cny < model.params.value("poverty_line.national_line", 2017)).all()


def test_the_review_identifies_only_part_of_the_households_that_fell_back():
    plain, _ = _returns_2017()
    reviewed, _ = _returns_2017(**{"assessment.return_detection_prob": 0.5})

    assert set(reviewed.household) <= set(plain.household)
    assert 0.3 < len(reviewed) / len(plain) < 0.7


def test_independent_yearly_draws_are_returned_as_they_are():
    fresh = np.random.default_rng(1).lognormal(size=5)

    assert carried_over(np.ones(5), fresh, 0.2, 0.0) is fresh


def test_carried_over_multipliers_keep_mean_and_spread_and_correlate_with_last_year():
    rng, sigma, persistence = np.random.default_rng(7), 0.2, 0.6
    previous = np.exp(sigma * rng.standard_normal(200_000) - sigma**2 / 2)
    fresh = np.exp(sigma * rng.standard_normal(200_000) - sigma**2 / 2)

    now = carried_over(previous, fresh, sigma, persistence)

    assert now.mean() == pytest.approx(1.0, abs=0.005)
    assert np.log(now).std() == pytest.approx(sigma, rel=0.01)
    assert np.corrcoef(np.log(previous), np.log(now))[0, 1] == pytest.approx(persistence, abs=0.01)


def test_a_persistent_household_income_carries_a_good_year_into_the_next():
    scenario = {**load_scenario("baseline").to_dict(), "population_scale": 0.05}
    factors = {}
    for persistence in (0.0, 0.7):
        model = FupinModel(load_scenario({**scenario, "parameters": {"income.yearly_income_persistence": persistence}}))
        model.step()  # January 2016
        first = np.log(model.households.wage_factor.copy())
        for _ in range(12):  # to January 2017
            model.step()
        factors[persistence] = np.corrcoef(first, np.log(model.households.wage_factor))[0, 1]

    assert abs(factors[0.0]) < 0.05
    assert factors[0.7] == pytest.approx(0.7, abs=0.05)
