"""The planner's Excel workbook (台账): yearly summary, spending ledger, at-risk list, programmes.

::

    from fupin_sim.workbench import exports
    exports.to_excel("out/台账.xlsx", result.yearly, result.ledger, at_risk=table, programmes=result.programmes)

Sheets and headers are in Chinese (``lang="zh"``, programme and cause names too) or in
English (``lang="en"``), from the label table the charts and notebooks use
(:func:`fupin_sim.workbench.labels.header`). Numbers stay numbers, formatted as the notebooks
show them (:func:`fupin_sim.workbench.formatting.column_kind`: money with thousands separators,
shares as percentages); each sheet has its header row frozen and its columns sized to their
contents.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fupin_sim.workbench.formatting import NAMED_COLUMNS, column_kind
from fupin_sim.workbench.labels import header, labels, name

MONEY_FORMAT = "#,##0"
SHARE_FORMAT = "0.0%"
NUMBER_FORMATS = {"money": MONEY_FORMAT, "share": SHARE_FORMAT}  # column kind → Excel number format
MAX_COLUMN_WIDTH = 48


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
    tables = {"yearly": yearly, "ledger": ledger, "at_risk": at_risk, "programmes": programmes}
    return write_sheets(path, tables, lang)


def write_sheets(
    path: Path | str, tables: dict[str, pd.DataFrame | None], lang: str = "zh", headers: dict[str, str] | None = None
) -> Path:
    """Write tables as formatted sheets of one workbook; returns its path.

    Args:
        path: the ``.xlsx`` file to write (missing folders are created).
        tables: sheet key (a key of the labels' ``sheets``, else the sheet's name) → table; ``None`` is skipped.
        lang: ``zh`` or ``en``.
        headers: column headers of columns the label table does not name (column → header).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet_names = labels(lang)["sheets"]
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for key, table in tables.items():
            if table is None:
                continue
            sheet = sheet_names.get(key, key)
            _translated(table, lang, headers or {}).to_excel(writer, sheet_name=sheet, index=False, freeze_panes=(1, 0))
            _format_sheet(writer.sheets[sheet], table)
    return path


def _translated(table: pd.DataFrame, lang: str, headers: dict[str, str]) -> pd.DataFrame:
    """``table`` with translated headers and names of programmes, causes, scenarios and targeting orders."""
    table = table.copy()
    for column, kind in NAMED_COLUMNS.items():
        if column in table:
            table[column] = table[column].map(lambda key, kind=kind: name(kind, key, lang))
    return table.rename(columns=lambda column: headers.get(column) or header(column, lang))


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
    return NUMBER_FORMATS.get(column_kind(column))


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
