"""The planner's Excel workbook (台账): yearly summary, spending ledger, at-risk list, programmes.

::

    from fupin_sim.workbench import exports
    exports.to_excel("out/台账.xlsx", result.yearly, result.ledger, at_risk=table, programmes=result.programmes)

Sheets and headers are in Chinese (``lang="zh"``, programme and cause names too) or
keep the column names (``lang="en"``). Numbers stay numbers (money with thousands
separators, shares as percentages); each sheet has its header row frozen and its
columns sized to their contents.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fupin_sim.workbench.charts import labels, name

MONEY_FORMAT = "#,##0"
SHARE_FORMAT = "0.0%"
SHARE_COLUMNS = ("incidence", "exit_share_cum", "exit_target_cum", "exit_margin_median")
PROGRAMME_COLUMN = re.compile(r"(spending|budget|unspent)_(\w+)_cny")
TRANSLATED_VALUES = {"programme": "programme_names", "cause": "cause_names"}  # column → kind of name
MAX_COLUMN_WIDTH = 48


def header(column: str, lang: str = "zh") -> str:
    """The header of ``column`` in ``lang`` (English keeps the column name).

    Args:
        column: a column of the yearly, ledger, at-risk or programme table.
        lang: ``zh`` or ``en``.
    """
    text = labels(lang)
    if column in text["columns"]:
        return text["columns"][column]
    match = PROGRAMME_COLUMN.fullmatch(column)
    if match and match[1] in text["programme_columns"]:
        return text["programme_columns"][match[1]].format(programme=name("programme_names", match[2], lang))
    return column


def to_excel(
    path: Path | str,
    yearly: pd.DataFrame,
    ledger: pd.DataFrame,
    at_risk: pd.DataFrame | None = None,
    programmes: pd.DataFrame | None = None,
    lang: str = "zh",
) -> Path:
    """Write the planner's workbook; returns its path.

    Args:
        path: the ``.xlsx`` file to write (missing folders are created).
        yearly: a run's yearly table (``RunResult.yearly``).
        ledger: spending by programme, year and village (``RunResult.ledger``).
        at_risk: households at risk of returning (:func:`fupin_sim.workbench.risk.at_risk_households`).
        programmes: the programme summary (``RunResult.programmes``).
        lang: ``zh`` (sheets 年度汇总, 资金台账, 返贫风险, 项目) or ``en``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet_names = labels(lang)["sheets"]
    tables = {"yearly": yearly, "ledger": ledger, "at_risk": at_risk, "programmes": programmes}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for key, table in tables.items():
            if table is None:
                continue
            sheet = sheet_names[key]
            _translated(table, lang).to_excel(writer, sheet_name=sheet, index=False, freeze_panes=(1, 0))
            _format_sheet(writer.sheets[sheet], table)
    return path


def _translated(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``table`` with translated headers and, in Chinese, programme and cause names."""
    table = table.copy()
    if lang == "zh":
        for column, kind in TRANSLATED_VALUES.items():
            if column in table:
                table[column] = table[column].map(lambda key, kind=kind: name(kind, key, lang))
    return table.rename(columns=lambda column: header(column, lang))


def _format_sheet(sheet: Worksheet, table: pd.DataFrame) -> None:
    """Number formats by column (money, shares) and column widths; ``table`` is the untranslated table."""
    for position, column in enumerate(table.columns, start=1):
        cells = next(sheet.iter_cols(min_col=position, max_col=position))
        number_format = _number_format(column)
        if number_format:
            for cell in cells[1:]:
                cell.number_format = number_format
        widest = max(_display_width(cell.value, number_format) for cell in cells)
        sheet.column_dimensions[get_column_letter(position)].width = min(widest + 2, MAX_COLUMN_WIDTH)


def _number_format(column: str) -> str | None:
    if column.endswith("_cny"):
        return MONEY_FORMAT
    if column.endswith("_share") or column in SHARE_COLUMNS:
        return SHARE_FORMAT
    return None


def _display_width(value: object, number_format: str | None) -> int:
    """Characters a value takes on screen (a Chinese character counts two)."""
    if value is None:
        return 0
    if isinstance(value, float) and number_format:
        text = f"{value:,.0f}" if number_format == MONEY_FORMAT else f"{value:.1%}"
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
