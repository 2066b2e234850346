"""The planner's Excel workbook (fupin_sim.workbench.exports), read back with openpyxl."""

from __future__ import annotations

import openpyxl
import pytest

from fupin_sim import FupinModel, load_scenario
from fupin_sim.workbench.exports import to_excel
from fupin_sim.workbench.labels import LABELS, header
from fupin_sim.workbench.risk import at_risk_households


@pytest.fixture(scope="module")
def run():
    model = FupinModel(load_scenario("decision_2016").replace(population_scale=0.05))
    result = model.run()
    return result, at_risk_households(model)


@pytest.fixture(scope="module")
def workbooks(run, tmp_path_factory):
    result, at_risk = run
    folder = tmp_path_factory.mktemp("workbooks")
    paths = {
        lang: to_excel(
            folder / f"{lang}.xlsx",
            result.yearly,
            result.ledger,
            at_risk=at_risk,
            programmes=result.programmes,
            lang=lang,
        )
        for lang in ("zh", "en")
    }
    return {lang: openpyxl.load_workbook(path) for lang, path in paths.items()}


def rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_sheets_in_chinese_and_english(workbooks):
    assert workbooks["zh"].sheetnames == ["年度汇总", "资金台账", "返贫风险", "项目"]
    assert workbooks["en"].sheetnames == ["yearly", "ledger", "at risk", "programmes"]


def test_every_header_is_translated_in_both_languages(run, workbooks):
    result, at_risk = run
    tables = {"yearly": result.yearly, "ledger": result.ledger, "at_risk": at_risk, "programmes": result.programmes}
    for lang, workbook in workbooks.items():
        for key, table in tables.items():
            headers = rows(workbook[LABELS[lang]["sheets"][key]])[0]
            assert headers == [header(column, lang) for column in table.columns]
            untranslated = [h for h, column in zip(headers, table.columns, strict=True) if h == column]
            assert untranslated == [], f"{lang} {key}: no header for {untranslated}"
    assert header("spending_industry_cny", "zh") == "产业扶贫支出（元）"
    assert header("spending_industry_cny", "en") == "Industry: spending (yuan)"


def test_english_names_programmes_and_causes(run, workbooks):
    ledger = rows(workbooks["en"]["ledger"])
    assert {row[0] for row in ledger[1:]} <= set(LABELS["en"]["programme_names"].values())


def test_numbers_stay_numbers_with_money_and_share_formats(run, workbooks):
    result, _ = run
    sheet = workbooks["zh"]["年度汇总"]
    columns = list(result.yearly.columns)
    body = rows(sheet)[1:]
    assert [row[columns.index("year")] for row in body] == result.yearly.year.tolist()
    spending = [row[columns.index("spending_cny")] for row in body]
    assert all(isinstance(value, float | int) for value in spending)
    assert spending == pytest.approx(result.yearly.spending_cny.tolist())
    assert sheet.cell(row=2, column=columns.index("spending_cny") + 1).number_format == "#,##0"
    assert sheet.cell(row=2, column=columns.index("exit_share_cum") + 1).number_format == "0.0%"
    assert sheet.freeze_panes == "A2"


def test_ledger_and_at_risk_values_in_chinese(run, workbooks):
    result, at_risk = run
    ledger = rows(workbooks["zh"]["资金台账"])
    assert len(ledger) == len(result.ledger) + 1
    assert {row[0] for row in ledger[1:]} <= set(LABELS["zh"]["programme_names"].values())
    risk = rows(workbooks["zh"]["返贫风险"])
    assert [row[0] for row in risk[1:]] == at_risk.household.tolist()
    cause = risk[0].index(header("cause", "zh"))
    assert {row[cause] for row in risk[1:]} <= set(LABELS["zh"]["cause_names"].values())


def test_columns_are_sized_to_their_contents(workbooks):
    sheet = workbooks["zh"]["年度汇总"]
    year_width, header_width = sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width
    assert year_width < header_width  # '年份' is short; '年初建档立卡贫困户数' is ten wide characters
    assert header_width >= 20


def test_optional_sheets_are_left_out(run, tmp_path):
    result, _ = run
    path = to_excel(tmp_path / "sub" / "ledger.xlsx", result.yearly, result.ledger, lang="en")
    assert openpyxl.load_workbook(path).sheetnames == ["yearly", "ledger"]
