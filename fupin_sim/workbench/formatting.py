"""Tables formatted for reading, in the planner's language: what notebooks and dashboards show.

::

    from fupin_sim.workbench import formatting
    formatting.yearly_table(result.yearly, "zh", group="targets")  # one group of the yearly table
    formatting.yearly_table(result.yearly, "zh")                   # the full table, one column per year
    formatting.format_table(at_risk, "zh")                         # any table of the package

Each column is formatted by what it holds (:func:`column_kind`): shares and margins as
percentages (``61.5%``), money in yuan with thousands separators (``384,801``; 万元 on request),
counts as integers, yes/no as 是/否 in Chinese, identifiers (year, village, household) as they
are, missing values as ``—``. No number shows more than two decimals or an exponent. Headers
and the names of programmes, causes, scenarios and targeting orders come from
:data:`fupin_sim.workbench.labels.LABELS`, the table the charts and the Excel workbook use. The
result is a table of strings: display it, print it, or ``to_html`` it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from fupin_sim.model.results import MISSING
from fupin_sim.workbench.labels import header, labels, name

WAN_CNY = 1e4  # 万元
MONEY_UNITS = ("yuan", "wan")
SHARE_COLUMNS = (
    "incidence",
    "exit_share_cum",
    "exit_target_cum",
    "exit_margin_median",
    "relative_difference",
)
SHARE_UNITS = ("share", "probability/year", "probability")
COUNT_UNITS = ("households", "villages", "people", "persons")
ID_COLUMNS = (
    "year",
    "village",
    "household",
    "delisted_year",
    "exit_year",
    "delisting_year",
    "point",
    "replication",
    "seed",
)
NOT_YET_COLUMNS = ("delisted_year",)  # 0: not yet (shown as missing)
NAMED_COLUMNS = {  # column → kind of name in LABELS
    "programme": "programme_names",
    "cause": "cause_names",
    "scenario": "scenario_names",
    "targeting": "targeting_names",
}
YEARLY_GROUPS: dict[str, tuple[str, ...]] = {
    "targets": (
        "exit_share_cum",
        "exit_target_cum",
        "exit_target_met",
        "exit_shortfall_people",
        "paper_exit_share",
        "villages_delisted_cum",
        "village_target_cum",
        "village_target_met",
        "incidence",
    ),
    "exits": (
        "registered_poor_households_start",
        "exits_households",
        "exits_people",
        "exits_own_earnings",
        "exits_transfer_dependent",
        "exits_thin_margin",
        "exit_margin_median",
        "exits_via_wage",
        "exits_via_farm",
        "exits_via_industry",
        "exits_via_property",
        "exits_via_transfer",
        "exits_via_haves",
    ),
    "returns": (
        "returns_households",
        "returns_people",
        "returns_illness",
        "returns_income",
        "returns_haves",
        "new_poor_households",
        "new_poor_people",
        "registered_poor_households_end",
    ),
    "money": ("spending_cny", "poverty_gap_cny"),  # and every programme's spending (spending_<programme>_cny)
    "haves": ("employed_share", "no_dropout_share", "safe_housing_share", "insured_share"),
}
CALIBRATION_COLUMNS = (  # the calibration table as shown; the long texts (description, source, note) apart
    "figure",
    "year",
    "scenario",
    "published",
    "low",
    "high",
    "model_before",
    "model",
    "p05",
    "p95",
    "within_before",
    "within",
    "held_out",
)
PROGRAMME_SPENDING = re.compile(r"spending_\w+_cny")
MONEY_COLUMN = re.compile(r"\w*_cny(?:[._]\w+)*")  # …_cny, an optimiser's …_cny_in_low, budget_cny.2016
ESTIMATE_SUFFIX = re.compile(r"_(?:in|out)(?:_(?:low|high))?$")  # an optimiser's estimates: <metric>_in …


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' missing values."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def format_share(value: Any, decimals: int = 1) -> str:
    """A share as a percentage: ``0.614927`` → ``61.5%``; tiny float noise shows as ``0.0%``.

    Args:
        value: the share (1 = 100 %).
        decimals: digits after the decimal point (0, 1 or 2).
    """
    if is_missing(value):
        return MISSING
    text = f"{float(value):.{decimals}%}"
    return text[1:] if re.fullmatch(r"-0(\.0+)?%", text) else text


def format_money(value: Any, unit: str = "yuan", lang: str = "en") -> str:
    """Money with thousands separators: ``384800.85`` → ``384,801`` (yuan) or ``38.5`` (万元).

    Args:
        value: an amount in yuan.
        unit: ``yuan`` (whole yuan) or ``wan`` (万元, ten thousand yuan, one decimal).
        lang: ``en`` or ``zh`` (checked; the digits are the same).

    Raises:
        ValueError: another unit.
    """
    labels(lang)
    if unit not in MONEY_UNITS:
        raise ValueError(f"money unit must be one of {', '.join(MONEY_UNITS)}, got {unit!r}")
    if is_missing(value):
        return MISSING
    amount = float(value) / WAN_CNY if unit == "wan" else float(value)
    return _no_negative_zero(f"{amount:,.1f}" if unit == "wan" else f"{amount:,.0f}")


def format_count(value: Any) -> str:
    """A count as an integer with thousands separators (a mean over replications is rounded)."""
    if is_missing(value):
        return MISSING
    return f"{round(float(value)):,}"


def format_number(value: Any) -> str:
    """Any other number: at most two decimals, never an exponent (``2.583`` → ``2.58``)."""
    if is_missing(value):
        return MISSING
    number = float(value)
    return _no_negative_zero(f"{number:,.0f}" if abs(number) >= 1000 else f"{number:,.2f}")


def format_flag(value: Any, lang: str = "en") -> str:
    """True / False as yes / no (是 / 否)."""
    if is_missing(value):
        return MISSING
    return labels(lang)["yes" if bool(value) else "no"]


def column_kind(column: str, values: pd.Series | None = None) -> str:
    """How a column is formatted: ``id``, ``share``, ``money``, ``flag``, ``count``, ``number`` or ``text``.

    By its name first (``…_share`` and ``…_prob`` are percentages, ``…_cny`` money, an identifier
    such as ``year`` as is), then by its values.

    Args:
        column: the column name.
        values: the column (for the kinds its name does not tell).
    """
    if column in ID_COLUMNS:
        return "id"
    figure = re.sub(r"(_\d{4})+$", "", ESTIMATE_SUFFIX.sub("", column))  # exit_share_cum_2017_in → exit_share_cum
    if figure.endswith(("_share", "_prob")) or figure in SHARE_COLUMNS or column.startswith("p_"):
        return "share"
    if MONEY_COLUMN.fullmatch(column):
        return "money"
    if values is None:
        return "number"
    present = values.dropna()
    if pd.api.types.is_bool_dtype(values) or (len(present) and all(isinstance(v, bool | np.bool_) for v in present)):
        return "flag"
    if pd.api.types.is_numeric_dtype(values):
        whole = pd.api.types.is_integer_dtype(values) or bool(np.all(np.mod(present.to_numpy(dtype=float), 1) == 0))
        return "count" if whole else "number"
    return "text"


def format_value(value: Any, kind: str, lang: str = "en", money_unit: str = "yuan") -> str:
    """One value formatted as a column of ``kind`` (see :func:`column_kind`).

    Args:
        value: the value.
        kind: its column's kind.
        lang: ``en`` or ``zh``.
        money_unit: ``yuan`` or ``wan`` (万元).
    """
    if kind == "share":
        return format_share(value)
    if kind == "money":
        return format_money(value, money_unit, lang)
    if kind == "count":
        return format_count(value)
    if kind == "number":
        return format_number(value)
    if kind == "flag":
        return format_flag(value, lang)
    if is_missing(value):
        return MISSING
    if kind == "id":
        return str(int(value)) if isinstance(value, int | float | np.integer | np.floating) else str(value)
    return str(value)


def format_table(table: pd.DataFrame, lang: str = "en", *, money_unit: str = "yuan") -> pd.DataFrame:
    """``table`` as strings for reading: every column formatted by its kind, headers and names translated.

    Args:
        table: any table of the package (yearly, ledger, at-risk list, programmes, villages …).
        lang: ``en`` or ``zh``.
        money_unit: ``yuan`` or ``wan`` (万元; the headers say so).

    Returns:
        A table of strings with the same rows (and index) and translated headers.
    """
    formatted = pd.DataFrame(index=table.index)
    for column in table.columns:
        values = table[column]
        named = NAMED_COLUMNS.get(column) or NAMED_COLUMNS.get(column.rpartition(".")[2])  # programmes.x.targeting
        if named:
            cells = [MISSING if is_missing(v) else name(named, v, lang) for v in values]
        else:
            kind = column_kind(column, values)
            values = values.where(values != 0) if column in NOT_YET_COLUMNS else values
            cells = [format_value(v, kind, lang, money_unit) for v in values]
        formatted[_header(column, lang, money_unit)] = cells
    return formatted


def yearly_table(yearly: pd.DataFrame, lang: str = "en", group: str | None = None) -> pd.DataFrame:
    """A run's yearly table for reading: one group of columns (a row per year), or all of it.

    Args:
        yearly: ``RunResult.yearly``.
        lang: ``en`` or ``zh``.
        group: one of :data:`YEARLY_GROUPS` (``targets``, ``exits``, ``returns``, ``money``,
            ``haves``: 两不愁三保障); ``None``: every column, one row per column and one column
            per year.

    Raises:
        ValueError: an unknown group.
    """
    if group is None:
        full = format_table(yearly.drop(columns="year"), lang)
        full.index = yearly.year.astype(int).to_list()
        full.index.name = header("year", lang)
        return full.T
    if group not in YEARLY_GROUPS:
        raise ValueError(f"group must be one of {', '.join(YEARLY_GROUPS)}, got {group!r}")
    columns = [c for c in _group_columns(yearly, group) if c in yearly.columns]
    table = format_table(yearly[columns], lang)
    table.index = pd.Index(yearly.year.astype(int).to_list(), name=header("year", lang))
    return table


def yearly_groups(yearly: pd.DataFrame, lang: str = "en") -> dict[str, pd.DataFrame]:
    """Every group of :func:`yearly_table`, keyed by the group's name in ``lang``.

    Args:
        yearly: ``RunResult.yearly``.
        lang: ``en`` or ``zh``.
    """
    titles = labels(lang)["groups"]
    return {titles[group]: yearly_table(yearly, lang, group) for group in YEARLY_GROUPS}


def by_unit(value: Any, unit: str) -> str:
    """A figure formatted by its unit (calibration): shares as percentages, counts as integers.

    Args:
        value: the figure.
        unit: its unit in ``data/daan.yaml`` (``share``, ``households``, ``persons/household`` …).
    """
    if unit in SHARE_UNITS:
        return format_share(value)
    if unit in COUNT_UNITS:
        return format_count(value)
    return format_number(value)


def calibration_display(table: pd.DataFrame, lang: str = "en", columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The calibration table for reading: each figure's values formatted by its own unit.

    Handles both forms of :func:`fupin_sim.experiments.calibration.calibration_table`: with or
    without the model's interval (``p05``, ``p95``), the published range (``low``, ``high``),
    ``within`` and ``held_out``.

    Args:
        table: the calibration table.
        lang: ``en`` or ``zh``.
        columns: the columns to show (default: :data:`CALIBRATION_COLUMNS`; ``table.columns``: all).
    """
    valued = [
        c for c in ("published", "model_before", "model", "p05", "p95", "low", "high", "difference") if c in table
    ]
    shown = list(columns) if columns is not None else [c for c in CALIBRATION_COLUMNS if c in table.columns]
    formatted = format_table(table[[c for c in shown if c not in valued]], lang)
    for column in [c for c in shown if c in valued]:
        cells = [by_unit(value, unit) for value, unit in zip(table[column], table["unit"], strict=True)]
        formatted.insert(shown.index(column), header(column, lang), cells)
    return formatted


def _group_columns(yearly: pd.DataFrame, group: str) -> list[str]:
    columns = list(YEARLY_GROUPS[group])
    if group == "money":
        columns += [c for c in yearly.columns if PROGRAMME_SPENDING.fullmatch(c) and c != "spending_cny"]
    return columns


def _header(column: str, lang: str, money_unit: str) -> str:
    text = header(column, lang)
    if money_unit == "wan" and MONEY_COLUMN.fullmatch(column):
        return text.replace("（元", "（万元").replace("(yuan", "(10,000 yuan")
    return text


def _no_negative_zero(text: str) -> str:
    return text[1:] if re.fullmatch(r"-0(\.0+)?", text) else text
