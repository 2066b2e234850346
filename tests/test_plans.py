"""Plans on any population: 一户一策, 一村一案, the 2020 monitoring list, and the village-year table of every run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fupin_sim.cli import main
from fupin_sim.config.scenario import load_scenario
from fupin_sim.model.households import POOR
from fupin_sim.model.simulation import FupinModel
from fupin_sim.model.villages import VILLAGE_HAVES
from fupin_sim.workbench.formatting import MISSING
from fupin_sim.workbench.labels import LABELS, header
from fupin_sim.workbench.plans import (
    HAVE_COST_PARAMETERS,
    MONITORED_PROB_MIN,
    make_plans,
    plan_table,
    write_plans_excel,
)

SCALE = 0.02
REPS = 3


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("decision_2016").replace(population_scale=SCALE)


@pytest.fixture(scope="module")
def plans(scenario):
    return make_plans(scenario, reps=REPS, progress=False)


def test_every_run_has_a_village_year_table(scenario, tmp_path):
    """RunResult.villages: one row per village and year with the five haves as booleans; villages.csv written."""
    model = FupinModel(scenario)
    result = model.run()
    villages = result.villages
    assert list(villages.columns[:6]) == [
        "village",
        "village_name",
        "year",
        "poor_village",
        "incidence",
        "delisted_year",
    ]
    assert len(villages) == len(model.villages) * len(scenario.horizon.years)
    for have in VILLAGE_HAVES:
        assert villages[have].dtype == bool
    last = villages[villages.year == 2020].set_index("village")
    assert last.delisted_year.tolist() == model.villages.delisted_year.tolist()
    delisted = villages[villages.delisted_year > 0]
    assert (delisted[list(VILLAGE_HAVES)].all(axis=1) | (delisted.year < delisted.delisted_year)).all()
    yearly_delisted = villages[villages.poor_village].groupby("year").delisted_year.apply(lambda y: int((y > 0).sum()))
    assert yearly_delisted.tolist() == result.yearly.villages_delisted_cum.tolist()
    result.write(tmp_path)
    assert pd.read_csv(tmp_path / "villages.csv").shape == villages.shape


def test_household_plans_one_row_per_registered_household(plans, scenario):
    """Keys unique; the gap is the shortfall below the exit bar times the people; probabilities in [0, 1]."""
    table = plans.households
    model = FupinModel(scenario)
    assert len(table) == int(model.households.registered_2015.sum())
    assert table.household_key.is_unique
    expected_gap = np.maximum(table.exit_bar_cny - table.income_pc_cny, 0) * table.people
    assert np.allclose(table.income_gap_cny, expected_gap)
    for column in ("exit_prob", "return_prob", "monitored_prob", "exit_by_that_year_prob"):
        assert table[column].between(0, 1).all(), column
    exited = table.exit_year.notna()
    assert table.exit_year[exited].between(2016, 2020).all()
    assert (table.exit_prob[~exited] == 0).all() and (table.exit_prob[exited] > 0).all()
    assert (table.return_prob <= table.exit_prob).all()  # a return follows an exit
    given = table.filter(regex=r"^given_\w+_cny$").drop(columns="given_cny", errors="ignore")
    assert np.allclose(given.sum(axis=1), table.given_cny)
    served = table.programmes.str.len() > 0
    assert (table.given_cny[~served] == 0).all()


def test_household_plans_start_from_the_households_state(plans, scenario):
    """Missing haves and incomes are those of the households at the start, the same in every replication."""
    model = FupinModel(scenario)
    rows = np.flatnonzero(model.households.registered_2015)
    assert np.allclose(plans.households.income_pc_cny, model.households.income_pc_cny[rows])
    lacks_housing = ~model.households.safe_housing[rows]
    assert plans.households.missing_haves.str.contains("safe_housing").tolist() == lacks_housing.tolist()


def test_village_plans_cost_the_missing_haves(plans, scenario):
    table = plans.villages
    model = FupinModel(scenario)
    assert set(table.village) == set(np.flatnonzero(model.villages.poor_village))
    assert len(table) == model.villages.poor_village.sum() * len(scenario.horizon.years)
    costs = {have: scenario.params.value(name) for have, name in HAVE_COST_PARAMETERS.items()}
    expected = sum(np.where(table[have], 0.0, costs[have]) for have in VILLAGE_HAVES)
    assert np.allclose(table.missing_cost_cny, expected)
    assert ((table.missing_haves == "") == table[list(VILLAGE_HAVES)].all(axis=1)).all()
    assert table.delisted_prob.between(0, 1).all() and table.incidence.between(0, 1).all()
    # once delisted in a replication, a village stays delisted: the probability never falls
    assert (table.sort_values("year").groupby("village").delisted_prob.diff().dropna() >= 0).all()


def test_monitoring_list_holds_the_often_flagged(plans):
    monitoring = plans.monitoring
    assert (monitoring.monitored_prob >= MONITORED_PROB_MIN).all()
    assert set(monitoring.household_key) <= set(plans.households.household_key)
    flagged = plans.households[plans.households.monitored_prob >= MONITORED_PROB_MIN]
    assert set(flagged.household_key) == set(monitoring.household_key)


def test_plans_are_deterministic(plans, scenario):
    again = make_plans(scenario, reps=REPS, progress=False)
    pd.testing.assert_frame_equal(plans.households, again.households)
    pd.testing.assert_frame_equal(plans.villages, again.villages)


def test_plan_command_writes_csv_and_a_chinese_workbook(tmp_path, capsys):
    from openpyxl import load_workbook

    scenario = tmp_path / "small.yaml"
    scenario.write_text(f"extends: decision_2016\npopulation_scale: {SCALE}\n", encoding="utf-8")
    out, excel = tmp_path / "villages.csv", tmp_path / "plans.xlsx"
    args = ["plan", "villages", str(scenario), "--reps", "2", "--no-progress", "--out", str(out), "--excel", str(excel)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "villages plan of small, 2 replications" in printed
    assert header("village_name", "en") in printed and "%" in printed  # formatted as plan_table shows it
    assert pd.read_csv(out).village.nunique() == 26
    assert main([*args[:5], "--lang", "zh"]) == 0
    assert header("village_name", "zh") in capsys.readouterr().out
    workbook = load_workbook(excel, read_only=True)
    assert workbook.sheetnames == ["一户一策", "一村一案", "防止返贫监测"]
    assert next(workbook["一户一策"].iter_rows(max_row=1, values_only=True))[0] == "户代码"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_column_of_the_plans_has_a_header_in_the_label_table(plans, lang):
    for table in (plans.households, plans.villages, plans.monitoring):
        assert [c for c in table.columns if header(c, lang) == c] == []


def test_plan_table_shows_percentages_yuan_years_and_named_lists(plans):
    """Probabilities as percentages, money with separators, years as years, missing as —, lists named."""
    households = plans.households.head(30).reset_index(drop=True)
    shown = plan_table(households, "zh")
    zh = LABELS["zh"]
    row = shown.iloc[0]
    first = households.iloc[0]
    assert row[header("exit_prob", "zh")] == f"{first.exit_prob:.1%}"
    assert row[header("given_cny", "zh")] == f"{first.given_cny:,.0f}"
    assert row[header("people", "zh")] == str(int(first.people))
    exit_years = shown[header("exit_year", "zh")]
    expected_years = [MISSING if pd.isna(year) else str(int(year)) for year in households.exit_year]
    assert exit_years.tolist() == expected_years
    haves = shown[header("missing_haves", "zh")]
    assert (haves[households.missing_haves == ""] == MISSING).all()
    housing = households.missing_haves.str.contains("safe_housing")
    assert haves[housing].str.contains(zh["columns"]["safe_housing"]).all()
    served = households.programmes.str.contains("health")
    assert shown[header("programmes", "zh")][served].str.contains(zh["programme_names"]["health"]).all()
    assert not shown.map(lambda cell: "_" in cell).any().any()  # no key left untranslated


def test_plan_table_selects_columns_in_order(plans):
    shown = plan_table(plans.villages, "en", ["village_name", "delisting_year_prob"])
    assert list(shown.columns) == [header("village_name", "en"), header("delisting_year_prob", "en")]
    assert shown.iloc[:, 1].str.fullmatch(r"\d+\.\d%").all()


def test_english_workbook_has_english_sheets_and_headers(plans, tmp_path):
    from openpyxl import load_workbook

    workbook = load_workbook(write_plans_excel(plans, tmp_path / "plans.xlsx", lang="en"), read_only=True)
    assert workbook.sheetnames == ["households", "villages", "monitoring"]
    assert next(workbook["households"].iter_rows(max_row=1, values_only=True))[0] == header("household_key", "en")


def test_plan_of_a_bad_scenario_is_a_user_error(tmp_path, capsys):
    assert main(["plan", "households", str(tmp_path / "none.yaml")]) == 2
    assert "not found" in capsys.readouterr().err


def test_every_programme_that_gives_a_household_money_had_it_eligible(scenario):
    """Spending on a household implies the programme offered it; eligibility follows each programme's rule."""
    model = FupinModel(scenario)
    hh = model.households
    microcredit = next(p for p in model.programmes if p.key == "microcredit")
    while not microcredit.ever_eligible.any():  # up to its first yearly review
        model.step()
    rule = (hh.status == POOR) & (hh.labour_units >= model.params.value("microcredit.min_labour_units"))
    assert np.array_equal(microcredit.ever_eligible, rule)
    assert rule.sum() > (model.ledger.by_household("microcredit") > 0).sum()  # not every eligible one borrows
    model.run()
    for programme in model.programmes:
        given = model.ledger.by_household(programme.key) > 0
        assert given.any(), programme.key
        assert not (given & ~programme.ever_eligible).any(), programme.key


def test_household_plans_list_the_programmes_eligible_for_beside_those_given(plans):
    """A programme served in most replications is one the household is eligible for; more are eligible than served."""
    table = plans.households
    eligible = table.eligible_programmes.str.split(", ")
    given = table.filter(regex=r"^given_(?!cny$)\w+_cny$")
    for column in given:
        key = column.removeprefix("given_").removesuffix("_cny")
        often = (given[column] > 0) & table.programmes.str.contains(key)
        assert eligible[often].map(lambda keys, key=key: key in keys).mean() > 0.95, key
    assert table.eligible_programmes.str.count(",").sum() > table.programmes.str.count(",").sum()
    shown = plan_table(table.head(10), "zh")
    assert header("eligible_programmes", "zh") in shown.columns
