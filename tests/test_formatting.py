"""Tables formatted for reading (fupin_sim.workbench.formatting) and the one label table (labels)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from fupin_sim import load_scenario, run_scenario
from fupin_sim.workbench import formatting, labels
from fupin_sim.workbench.formatting import (
    MISSING,
    calibration_display,
    column_kind,
    format_count,
    format_money,
    format_number,
    format_share,
    format_table,
    yearly_groups,
    yearly_table,
)

# a number with more than two decimals, or an exponent
UNREADABLE = re.compile(r"\d\.\d{3,}|\de[+-]?\d")


@pytest.fixture(scope="module")
def run():
    return run_scenario(load_scenario("decision_2016").replace(population_scale=0.03))


def test_shares_are_percentages_with_one_decimal_and_float_noise_is_zero():
    assert format_share(0.614927) == "61.5%"
    assert format_share(1.0) == "100.0%"
    assert format_share(2.220446e-16) == "0.0%"
    assert format_share(-1e-12) == "0.0%"
    assert format_share(0.6, decimals=0) == "60%"


def test_money_in_yuan_with_separators_or_in_wan():
    assert format_money(384800.847776) == "384,801"
    assert format_money(-0.4) == "0"
    assert format_money(7_735_480.0, "wan", "zh") == "773.5"
    assert format_money(4_000.0, "wan") == "0.4"
    with pytest.raises(ValueError, match="money unit"):
        format_money(1.0, "million")


def test_counts_round_to_integers_and_other_numbers_keep_two_decimals():
    assert format_count(12.5) == "12"  # banker's rounding of a mean over replications
    assert format_count(13.6) == "14"
    assert format_count(7000) == "7,000"
    assert format_number(2.5828571428571427) == "2.58"
    assert format_number(1e-7) == "0.00"
    assert format_number(123456.789) == "123,457"


def test_missing_values_show_as_a_dash():
    for value in (None, math.nan, np.nan, pd.NA):
        assert format_share(value) == format_money(value) == format_count(value) == format_number(value) == MISSING
    table = pd.DataFrame({"exit_target_met": [True, None], "exit_target_cum": [0.6, None], "label": ["a", None]})
    assert format_table(table, "zh").iloc[1].tolist() == [MISSING, MISSING, MISSING]
    assert format_table(table, "zh").iloc[0].tolist() == ["是", "60.0%", "a"]


def test_column_kinds_by_name_then_by_values():
    assert column_kind("margin_share") == column_kind("incidence") == column_kind("p_exit_2016") == "share"
    assert column_kind("debt_cny") == "money"
    assert column_kind("year") == column_kind("household") == "id"
    assert column_kind("people", pd.Series([1, 2])) == "count"
    assert column_kind("villages_delisted_cum", pd.Series([12.0, 26.0])) == "count"
    assert column_kind("persons", pd.Series([2.58])) == "number"
    assert column_kind("monitored", pd.Series([True, False])) == "flag"
    assert column_kind("exit_target_met", pd.Series([True, None], dtype=object)) == "flag"
    assert column_kind("note", pd.Series(["x"])) == "text"


def test_headers_and_names_in_the_chosen_language():
    table = pd.DataFrame(
        {"programme": ["industry"], "cause": ["illness"], "income_pc_cny": [4000.0], "margin_share": [2.2e-16]}
    )
    zh = format_table(table, "zh")
    assert list(zh.columns) == ["项目", "致贫原因", "人均纯收入（元）", "超出脱贫标准比例"]
    assert zh.iloc[0].tolist() == ["产业扶贫", "因病", "4,000", "0.0%"]
    en = format_table(table, "en")
    assert list(en.columns) == [
        "Programme",
        "Cause of poverty",
        "Income per person (yuan)",
        "Margin over the exit line",
    ]
    assert en.iloc[0].tolist() == ["Industry", "Illness", "4,000", "0.0%"]
    assert list(format_table(table[["income_pc_cny"]], "zh", money_unit="wan").columns) == ["人均纯收入（万元）"]
    with pytest.raises(ValueError, match="lang"):
        format_table(table, "fr")


def test_every_column_of_the_yearly_table_has_a_header_in_both_languages(run):
    for lang in labels.LANGUAGES:
        untranslated = [c for c in run.yearly.columns if labels.header(c, lang) == c]
        assert untranslated == [], f"{lang}: no header for {untranslated}"


def test_the_yearly_groups_cover_the_table_and_show_no_unreadable_number(run):
    groups = yearly_groups(run.yearly, "zh")
    assert list(groups) == ["目标", "脱贫与脱贫途径", "返贫与新增贫困", "资金", "两不愁三保障"]
    targets = groups["目标"]
    assert targets.index.tolist() == run.yearly.year.tolist() and targets.index.name == "年份"
    assert targets["累计脱贫比例"].str.fullmatch(r"\d+\.\d%").all()
    assert set(targets["脱贫目标是否达成"]) <= {"是", "否", MISSING}
    money = groups["资金"]
    assert "产业扶贫支出（元）" in money.columns
    assert money["资金支出（元）"].str.fullmatch(r"\d{1,3}(,\d{3})*").all()
    for table in [*groups.values(), yearly_table(run.yearly, "en")]:
        cells = table.to_numpy().ravel().tolist()
        assert not [cell for cell in cells if UNREADABLE.search(cell)]


def test_the_full_yearly_table_is_one_call_with_a_column_per_year(run):
    full = yearly_table(run.yearly, "en")
    assert list(full.columns) == run.yearly.year.tolist()
    assert len(full) == len(run.yearly.columns) - 1
    assert full.loc["Share exited (cumulative)"].tolist() == [format_share(v) for v in run.yearly.exit_share_cum]
    with pytest.raises(ValueError, match="group must be one of targets"):
        yearly_table(run.yearly, "en", group="target")


def test_calibration_values_are_formatted_by_their_unit_in_both_table_forms():
    current = pd.DataFrame(
        {
            "figure": ["registered_poor_households", "return_rate_2016", "persons_per_registered_household"],
            "unit": ["households", "share", "persons/household"],
            "published": [7000.0, 0.012, 2.6],
            "model": [6990.0, 0.0206611570, 2.5828571],
            "note": ["n"] * 3,
        }
    )
    shown = calibration_display(current, "en")
    assert list(shown.columns) == ["Figure", "Published", "Model"]
    assert shown["Model"].tolist() == ["6,990", "2.1%", "2.58"]
    extended = current.assign(p05=[6900.0, 0.01, 2.5], p95=[7100.0, 0.03, 2.7], within=[True, False, True])
    extended = extended.assign(held_out=[False, True, False])
    shown = calibration_display(extended, "zh")
    assert list(shown.columns) == ["指标", "公布值", "模型值", "模型5%分位", "模型95%分位", "是否在区间内", "留作检验"]
    assert len(calibration_display(extended, "en", columns=extended.columns).columns) == len(extended.columns)
    assert shown["模型95%分位"].tolist() == ["7,100", "3.0%", "2.70"]
    assert shown["留作检验"].tolist() == ["否", "是", "否"]


def test_a_village_that_is_not_delisted_shows_no_year():
    table = pd.DataFrame({"village": [0, 3], "delisted_year": [2017, 0]})
    assert format_table(table, "en").to_numpy().tolist() == [["0", "2017"], ["3", MISSING]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("lang=zh", "zh"), ("lang=en&x=1", "en"), ("lang=fr", "en"), ("", "en"), (None, "en")],
)
def test_the_page_language_comes_from_the_address(monkeypatch, query, expected):
    if query is None:
        monkeypatch.delenv("QUERY_STRING", raising=False)
    else:
        monkeypatch.setenv("QUERY_STRING", query)
    assert labels.page_language("en") == expected


def test_the_one_label_table_has_the_same_keys_in_both_languages():
    en, zh = labels.LABELS["en"], labels.LABELS["zh"]
    assert en.keys() == zh.keys()
    for key, value in en.items():
        if isinstance(value, dict):
            assert value.keys() == zh[key].keys(), key
    assert formatting.YEARLY_GROUPS.keys() == en["groups"].keys()
