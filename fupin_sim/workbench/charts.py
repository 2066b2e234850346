"""Charts of runs and comparisons (matplotlib), in English or Chinese.

Every chart function takes a comparison (:class:`~fupin_sim.experiments.replications.ExperimentResult`
or its ``summary``) or a single run (:class:`~fupin_sim.model.results.RunResult` or its
``yearly`` table) and returns a :class:`matplotlib.figure.Figure`; nothing goes
through pyplot, so the functions work in scripts, notebooks and dashboards alike::

    from fupin_sim.workbench import charts
    figure = charts.exit_progress(result.summary, lang="zh")
    charts.save(figure, "out/exits.svg")

A comparison draws each scenario's mean with its 5–95 % band over replications; a
single run draws its line. Counts and money are for the full district: a result
object knows its ``population_scale``; for a bare table pass ``population_scale``.

Chinese labels (``lang="zh"``) need a CJK font (:func:`find_cjk_font`, e.g.
``apt-get install fonts-noto-cjk``); without one the chart falls back to English
labels with a warning, never to boxes. All label strings, also those of
:mod:`fupin_sim.workbench.exports` and :mod:`fupin_sim.workbench.widgets`, are in :data:`LABELS`.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter, StrMethodFormatter

from fupin_sim.programmes import REGISTRY

LANGUAGES = ("en", "zh")
CJK_FONT_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
)
LONG_COLUMNS = ["scenario", "year", "outcome", "mean", "p05", "p95"]
# outcomes that count households, people or money: multiplied up to the full district
SCALED_OUTCOME_PREFIXES = (
    "spending_",
    "budget_",
    "unspent_",
    "returns",
    "new_poor",
    "exits_",
    "re_exits_",
    "registered_",
)
SAVE_FORMATS = {".png": "png", ".svg": "svg"}
PNG_DPI = 150  # saved files
DISPLAY_DPI = 100  # notebooks and dashboards

LABELS: dict[str, dict[str, Any]] = {
    "en": {
        # charts
        "year": "Year",
        "exit_title": "Registered poor people exited (cumulative share)",
        "exit_axis": "Share of the 2015 registered poor",
        "villages_title": "Poor villages delisted (cumulative)",
        "villages_axis": "Villages",
        "returns_title": "Returns to poverty",
        "new_poor_title": "New poor",
        "households_axis": "Households per year",
        "spending_title": "Spending by programme",
        "money_axis": "Million yuan",
        "money_divisor": 1e6,
        "target": "Target",
        "band": "5–95 % of replications",
        "this_run": "This run",
        # the comparison's target table
        "exit_target_column": "Exit target {year} ({target:.0%})",
        "village_target_column": "Village target {year} ({target:.0f})",
        "scenario": "Scenario",
        # widgets
        "targeting": "Targeting",
        "budget_slider": "{programme} (M yuan/yr)",
        "scenarios": "Scenarios",
        "replications": "Replications",
        "reference": "Reference",
        "run": "Run",
        "outcome": "Outcome",
        "value": "Value",
        "outcomes": {
            "p_exit_2016": "Probability of meeting the 2016 exit target",
            "p_exit_2017": "Probability of meeting the 2017 exit target",
            "p_villages_2016": "Probability of meeting the 2016 village target",
            "p_villages_2017": "Probability of meeting the 2017 village target",
            "exit_share_2017": "Share exited by 2017",
            "returns_by_2020": "Returns to poverty 2016–2020 (households)",
            "cost_per_sustained_exit_cny": "Cost per sustained exit (yuan)",
            "transfer_dependent_share": "Exits dependent on transfers",
            "spending_cny": "Spending 2016–2020 (yuan)",
        },
        # exports: sheet names; English headers are the column names (spending_<programme>_cny …)
        "sheets": {"yearly": "yearly", "ledger": "ledger", "at_risk": "at risk", "programmes": "programmes"},
        "columns": {},
        "programme_columns": {},
        # names
        "programme_names": {
            "education": "Education",
            "employment": "Employment",
            "health": "Health",
            "industry": "Industry",
            "infrastructure": "Village infrastructure",
            "microcredit": "Micro-credit",
            "relocation": "Relocation and housing",
            "social_assistance": "Social assistance",
        },
        "scenario_names": {
            "baseline": "Baseline (no decision)",
            "decision_2016": "Decision of 2016",
            "transfers_only": "Transfers only",
            "development_first": "Development first",
            "health_first": "Health first",
            "relocation_heavy": "Relocation heavy",
            "poorest_first": "Poorest first",
            "nearest_to_line": "Nearest to the line first",
            "withdrawal_2018": "Support withdrawn in 2018",
            "employment_goal": "Decision, employment goal funded",
        },
        "targeting_names": {
            "as_scenario": "As in the scenario",
            "nearest_to_line": "Nearest to the line first",
            "poorest_first": "Poorest first",
            "cause_matched": "Cause-matched",
            "village_plan": "Planned villages first",
            "random": "Random",
        },
        "cause_names": {},
    },
    "zh": {
        "year": "年份",
        "exit_title": "建档立卡贫困人口累计脱贫比例",
        "exit_axis": "占2015年建档立卡贫困人口",
        "villages_title": "贫困村累计摘帽数",
        "villages_axis": "村数",
        "returns_title": "返贫户数",
        "new_poor_title": "新增贫困户数",
        "households_axis": "每年户数",
        "spending_title": "各项目资金支出",
        "money_axis": "万元",
        "money_divisor": 1e4,
        "target": "目标",
        "band": "模拟结果5–95%区间",
        "this_run": "本次模拟",
        "exit_target_column": "{year}年脱贫目标（{target:.0%}）",
        "village_target_column": "{year}年摘帽目标（{target:.0f}个村）",
        "scenario": "情景",
        "targeting": "瞄准顺序",
        "budget_slider": "{programme}（百万元/年）",
        "scenarios": "情景",
        "replications": "重复模拟次数",
        "reference": "参照情景",
        "run": "运行",
        "outcome": "指标",
        "value": "数值",
        "outcomes": {
            "p_exit_2016": "2016年脱贫目标达成概率",
            "p_exit_2017": "2017年脱贫目标达成概率",
            "p_villages_2016": "2016年贫困村摘帽目标达成概率",
            "p_villages_2017": "2017年贫困村摘帽目标达成概率",
            "exit_share_2017": "2017年累计脱贫比例",
            "returns_by_2020": "2016–2020年返贫户数",
            "cost_per_sustained_exit_cny": "每户稳定脱贫成本（元）",
            "transfer_dependent_share": "依靠转移性收入脱贫的比例",
            "spending_cny": "2016–2020年资金支出（元）",
        },
        "sheets": {"yearly": "年度汇总", "ledger": "资金台账", "at_risk": "返贫风险", "programmes": "项目"},
        "columns": {
            "year": "年份",
            "registered_poor_households_start": "年初建档立卡贫困户数",
            "registered_poor_people_start": "年初建档立卡贫困人口",
            "exit_line_cny": "脱贫标准（元/人·年）",
            "exits_households": "脱贫户数",
            "exits_people": "脱贫人数",
            "re_exits_households": "再次脱贫户数",
            "exits_transfer_dependent": "依靠转移性收入脱贫户数",
            "exits_own_earnings": "依靠自身收入脱贫户数",
            "exits_thin_margin": "刚过线脱贫户数",
            "exit_margin_median": "脱贫户超出标准比例中位数",
            "exits_via_wage": "脱贫途径：工资性收入",
            "exits_via_farm": "脱贫途径：种养业经营收入",
            "exits_via_industry": "脱贫途径：肉鸡产业收入",
            "exits_via_property": "脱贫途径：财产性收入",
            "exits_via_transfer": "脱贫途径：转移性收入",
            "exits_via_haves": "脱贫途径：补齐六有",
            "exit_share_cum": "累计脱贫比例",
            "registered_2015_people": "2015年建档立卡贫困人口",
            "exited_2015_people": "其中已脱贫人数",
            "exit_shortfall_people": "距累计脱贫目标差人数",
            "paper_exit_share": "如宣布达标，账面脱贫占报告脱贫比例",
            "poverty_gap_cny": "贫困缺口：使在册贫困户达标所需金额（元/年）",
            "returns_households": "返贫户数",
            "returns_people": "返贫人数",
            "returns_illness": "返贫原因：因病",
            "returns_income": "返贫原因：收入下降",
            "returns_haves": "返贫原因：六有缺失",
            "new_poor_households": "新增贫困户数",
            "new_poor_people": "新增贫困人数",
            "registered_poor_households_end": "年末建档立卡贫困户数",
            "registered_poor_people_end": "年末建档立卡贫困人口",
            "incidence": "贫困发生率",
            "villages_delisted": "当年摘帽村数",
            "villages_delisted_cum": "累计摘帽村数",
            "employed_share": "有劳动力户有人就业比例",
            "no_dropout_share": "义务教育无辍学户比例",
            "safe_housing_share": "住房安全户比例",
            "insured_share": "参加基本医疗保险户比例",
            "exit_target_cum": "累计脱贫目标",
            "exit_target_met": "脱贫目标是否达成",
            "village_target_cum": "累计摘帽目标",
            "village_target_met": "摘帽目标是否达成",
            "returns": "返贫户数（合计）",
            "new_poor": "新增贫困户数（合计）",
            "spending_cny": "资金支出（元）",
            # ledger
            "programme": "项目",
            "village": "村（编号）",
            "households_paid": "受益户数",
            # at-risk list
            "household": "户（编号）",
            "cause": "致贫原因",
            "people": "人数",
            "income_pc_cny": "人均纯收入（元）",
            "previous_income_pc_cny": "上年人均纯收入（元）",
            "margin_share": "超出脱贫标准比例",
            "transfer_share": "转移性收入占比",
            "chronic_members": "慢性病人数",
            "medical_oop_pc_cny": "人均自付医疗费用（元）",
            "debt_cny": "负债（元）",
            "thin_margin": "刚过线",
            "illness": "疾病风险",
            "debt": "负债风险",
            "transfer_dependent": "依赖转移性收入",
            "monitoring_income": "监测：收入低于国家标准1.5倍",
            "monitoring_spending": "监测：医疗支出超过收入",
            "monitoring_drop": "监测：收入大幅缩减",
            "at_risk": "有返贫风险",
            "monitored": "纳入监测",
            "risk_score": "风险项数",
            "exited_households": "脱贫户数",
            "at_risk_households": "有返贫风险户数",
            "at_risk_share": "有返贫风险比例",
            "at_risk_people": "有返贫风险人数",
            "monitored_households": "纳入监测户数",
            # programme summary
            "label": "项目名称",
            "budget_cny": "预算（元）",
            "unspent_cny": "结余（元）",
            "households_served": "受益户数",
            "exits_served": "受益户中脱贫户数",
            "sustained_exits_served": "受益户中稳定脱贫户数",
            "cost_per_exit_cny": "每户脱贫成本（元）",
            "cost_per_sustained_exit_cny": "每户稳定脱贫成本（元）",
        },
        "programme_columns": {
            "spending": "{programme}支出（元）",
            "budget": "{programme}预算（元）",
            "unspent": "{programme}结余（元）",
        },
        "programme_names": {
            "education": "教育扶持",
            "employment": "就业扶贫",
            "health": "健康扶贫",
            "industry": "产业扶贫",
            "infrastructure": "基础设施",
            "microcredit": "扶贫小额信贷",
            "relocation": "易地搬迁和危房改造",
            "social_assistance": "低保兜底",
        },
        "scenario_names": {
            "baseline": "基线（无决定）",
            "decision_2016": "2016年决定",
            "transfers_only": "仅兜底（输血）",
            "development_first": "发展优先（造血）",
            "health_first": "健康扶贫优先",
            "relocation_heavy": "以搬迁为主",
            "poorest_first": "最贫困户优先",
            "nearest_to_line": "最接近标准户优先",
            "withdrawal_2018": "2018年撤出直接帮扶",
            "employment_goal": "2016年决定＋就业目标全额保障",
        },
        "targeting_names": {
            "as_scenario": "按情景设定",
            "nearest_to_line": "最接近标准户优先",
            "poorest_first": "最贫困户优先",
            "cause_matched": "因户施策",
            "village_plan": "计划摘帽村优先",
            "random": "随机",
        },
        "cause_names": {
            "illness": "因病",
            "disability": "因残",
            "lack_of_labour": "缺劳力",
            "lack_of_funds": "缺资金",
            "lack_of_skills": "缺技术",
            "schooling": "因学",
            "disaster": "因灾",
            "other": "其他",
            "none": "未登记",
        },
    },
}


class ChartFigure(Figure):
    """A matplotlib figure that notebooks and dashboards display as PNG, with or without pyplot."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=DISPLAY_DPI, bbox_inches="tight")
        return buffer.getvalue()


def labels(lang: str) -> dict[str, Any]:
    """The label strings of ``lang`` (``en`` or ``zh``).

    Args:
        lang: the language.

    Raises:
        ValueError: an unknown language.
    """
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return LABELS[lang]


def name(kind: str, key: str, lang: str) -> str:
    """The display name of a programme, scenario, targeting order or cause (the key if it has none).

    Args:
        kind: ``programme_names``, ``scenario_names``, ``targeting_names`` or ``cause_names``.
        key: the identifier.
        lang: ``en`` or ``zh``.
    """
    return labels(lang)[kind].get(key, key)


def find_cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None.

    The first of :data:`CJK_FONT_FAMILIES` that matplotlib's font manager knows.
    """
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FONT_FAMILIES if family in installed), None)


def chart_data(data: Any, population_scale: float | None = None) -> pd.DataFrame:
    """Any chartable input in one long form: ``scenario, year, outcome, mean, p05, p95``.

    Args:
        data: an :class:`~fupin_sim.experiments.replications.ExperimentResult` of a comparison or its
            ``summary`` (mean and 5–95 % interval per scenario, year and outcome), or a
            :class:`~fupin_sim.model.results.RunResult` or its ``yearly`` table (one line, no
            interval; scenario named after the run, or empty for a bare table).
        population_scale: the scale the tables were run at; counts and money are divided
            by it (full district). Default: read from a result object, else 1.

    Raises:
        ValueError: a table that is neither a comparison summary nor a yearly table.
    """
    if hasattr(data, "summary") and hasattr(data, "experiment"):
        scales = {v.name: v.scenario["population_scale"] for v in data.experiment.variants}
        long = _summary_long(data.summary)
    elif hasattr(data, "yearly") and hasattr(data, "scenario"):
        scales = {data.scenario.name: data.scenario.population_scale}
        long = _yearly_long(data.yearly, data.scenario.name)
    elif isinstance(data, pd.DataFrame) and {"outcome", "mean"} <= set(data.columns):
        scales, long = {}, _summary_long(data)
    elif isinstance(data, pd.DataFrame) and "year" in data.columns and "replication" not in data.columns:
        scales, long = {}, _yearly_long(data, "")
    else:
        raise ValueError("expected a comparison (its result or summary) or a run (its result or yearly table)")
    if population_scale is not None:
        scales = dict.fromkeys(long.scenario.unique(), population_scale)
    factor = 1.0 / long.scenario.map(scales).fillna(1.0).to_numpy(dtype=float)
    counted = long.outcome.str.startswith(SCALED_OUTCOME_PREFIXES).to_numpy()
    for column in ("mean", "p05", "p95"):
        long[column] = np.where(counted, long[column] * factor, long[column])
    return long


def exit_progress(data: Any, lang: str = "en", *, population_scale: float | None = None) -> Figure:
    """Cumulative share of the 2015 registered poor people exited, by year, vs the exit targets.

    Args:
        data: a comparison or a run (see :func:`chart_data`); targets are read from
            its ``exit_target_cum``.
        lang: ``en`` or ``zh``.
        population_scale: see :func:`chart_data` (shares do not depend on it).
    """
    return _progress_chart(chart_data(data, population_scale), "exit", "exit_share_cum", "exit_target_cum", lang)


def villages_delisted(data: Any, lang: str = "en", *, population_scale: float | None = None) -> Figure:
    """Cumulative poor villages delisted, by year, vs the village targets (13 / 26).

    Args:
        data: a comparison or a run (see :func:`chart_data`); targets are read from
            its ``village_target_cum``.
        lang: ``en`` or ``zh``.
        population_scale: see :func:`chart_data` (villages do not scale).
    """
    long = chart_data(data, population_scale)
    return _progress_chart(long, "villages", "villages_delisted_cum", "village_target_cum", lang)


def returns_and_new_poor(data: Any, lang: str = "en", *, population_scale: float | None = None) -> Figure:
    """Households returning to poverty and newly poor, per year (two panels), full district.

    Args:
        data: a comparison or a run (see :func:`chart_data`).
        lang: ``en`` or ``zh``.
        population_scale: see :func:`chart_data`.
    """
    long = chart_data(data, population_scale)
    with _language(lang) as text:
        figure = ChartFigure(figsize=(11, 4.5), layout="constrained")
        axes = figure.subplots(1, 2, sharey=True)
        for ax, outcome, title in zip(axes, ("returns", "new_poor"), ("returns_title", "new_poor_title"), strict=True):
            _draw_lines(ax, long, outcome, text)
            ax.set_title(text[title])
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes[0].set_ylabel(text["households_axis"])
        axes[0].set_ylim(bottom=0)
        _legend(figure, axes)
    return figure


def spending_by_programme(data: Any, lang: str = "en", *, population_scale: float | None = None) -> Figure:
    """Spending by programme and year as stacked bars (one panel per scenario), full district.

    Reads the ``spending_<programme>_cny`` outcomes; a comparison shows each scenario's mean.

    Args:
        data: a comparison or a run (see :func:`chart_data`).
        lang: ``en`` or ``zh``.
        population_scale: see :func:`chart_data`.
    """
    long = chart_data(data, population_scale)
    columns = {f"spending_{key}_cny": key for key in REGISTRY}
    spending = long[long.outcome.isin(columns)]
    scenarios = list(spending.scenario.unique())
    with _language(lang) as text:
        figure = ChartFigure(figsize=(2 + 4 * max(len(scenarios), 1), 4.5), layout="constrained")
        axes = figure.subplots(1, max(len(scenarios), 1), sharey=True, squeeze=False)[0]
        colours = matplotlib.colormaps["tab10"]
        for ax, scenario in zip(axes, scenarios, strict=False):
            table = spending[spending.scenario == scenario].pivot(index="year", columns="outcome", values="mean")
            bottom = np.zeros(len(table))
            for position, (column, key) in enumerate(columns.items()):
                if column in table:
                    height = table[column].fillna(0.0).to_numpy() / text["money_divisor"]
                    ax.bar(
                        table.index,
                        height,
                        bottom=bottom,
                        color=colours(position),
                        label=name("programme_names", key, text["lang"]),
                    )
                    bottom += height
            ax.set_title(_scenario_title(scenario, text))
            ax.set_xticks(table.index)
            ax.set_xlabel(text["year"])
        axes[0].set_ylabel(text["money_axis"])
        axes[0].yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        figure.suptitle(text["spending_title"])
        _legend(figure, axes)
    return figure


def save(figure: Figure, path: Path | str) -> Path:
    """Write ``figure`` as PNG or SVG, by the path's suffix; returns the path.

    Args:
        figure: a figure from this module (or any matplotlib figure).
        path: ``….png`` or ``….svg``; missing folders are created.

    Raises:
        ValueError: another suffix.
    """
    path = Path(path)
    file_format = SAVE_FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise ValueError(f"save a chart as {' or '.join(SAVE_FORMATS)}, got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format=file_format, dpi=PNG_DPI, bbox_inches="tight")
    return path


# --- drawing ---------------------------------------------------------------------


@contextmanager
def _language(lang: str) -> Iterator[dict[str, Any]]:
    """The labels to draw with, and the font to draw them in while the block runs.

    Chinese without a CJK font falls back to English with a warning. Matplotlib keeps
    the font family of each text as it is created, so the figure keeps rendering in
    the CJK font after the block.
    """
    labels(lang)
    font = find_cjk_font() if lang == "zh" else None
    if lang == "zh" and font is None:
        warnings.warn(
            "no Chinese (CJK) font found, so the chart labels are in English; install one, "
            "e.g. `apt-get install fonts-noto-cjk`",
            stacklevel=2,
        )
        lang = "en"
    settings = {"font.family": [font, "DejaVu Sans"], "axes.unicode_minus": False} if font else {}
    with matplotlib.rc_context(settings):
        yield {**LABELS[lang], "lang": lang}


def _progress_chart(long: pd.DataFrame, kind: str, outcome: str, target: str, lang: str) -> Figure:
    """A cumulative outcome per scenario with its targets (exits or villages)."""
    with _language(lang) as text:
        figure = ChartFigure(figsize=(8, 4.5), layout="constrained")
        ax = figure.subplots()
        _draw_lines(ax, long, outcome, text)
        targets = long[long.outcome == target][["year", "mean"]].drop_duplicates()
        ax.scatter(targets.year, targets["mean"], marker="D", s=60, color="black", zorder=5, label=text["target"])
        for year, value in targets.itertuples(index=False):
            ax.annotate(
                f"{value:.0%}" if kind == "exit" else f"{value:.0f}",
                (year, value),
                textcoords="offset points",
                xytext=(8, -4),
            )
        if kind == "exit":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.set_ylim(0, 1.08)
        else:
            ax.margins(y=0.1)
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(text[f"{kind}_title"])
        ax.set_ylabel(text[f"{kind}_axis"])
        _legend(figure, [ax])
    return figure


def _draw_lines(ax: Axes, long: pd.DataFrame, outcome: str, text: dict[str, Any]) -> None:
    """One line per scenario (the mean), with its 5–95 % band where there is one."""
    rows = long[long.outcome == outcome].sort_values("year")
    for scenario, line in rows.groupby("scenario", sort=False):
        drawn = ax.plot(line.year, line["mean"], marker="o", label=_scenario_title(scenario, text))[0]
        band = line.dropna(subset=["p05", "p95"])
        if len(band):
            ax.fill_between(band.year, band.p05, band.p95, color=drawn.get_color(), alpha=0.15, linewidth=0)
    if rows[["p05", "p95"]].notna().any().any():
        ax.fill_between([], [], [], color="grey", alpha=0.3, linewidth=0, label=text["band"])
    ax.set_xticks(sorted(rows.year.unique()))
    ax.set_xlabel(text["year"])
    ax.grid(axis="y", alpha=0.3)


def _legend(figure: Figure, axes: Iterable[Axes]) -> None:
    """One legend of the entries of all ``axes`` (each label once), to the right of the figure."""
    entries = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    figure.legend(list(entries.values()), list(entries), loc="outside right center", frameon=False)


def _scenario_title(scenario: str, text: dict[str, Any]) -> str:
    return name("scenario_names", scenario, text["lang"]) if scenario else text["this_run"]


def _summary_long(summary: pd.DataFrame) -> pd.DataFrame:
    if "scenario" not in summary.columns:
        raise ValueError("a comparison summary needs a 'scenario' column (a sweep's summary has points instead)")
    return summary[LONG_COLUMNS].astype({"scenario": str}).reset_index(drop=True)


def _yearly_long(yearly: pd.DataFrame, scenario: str) -> pd.DataFrame:
    numeric = [c for c in yearly.columns if c != "year" and pd.api.types.is_numeric_dtype(yearly[c])]
    long = yearly.melt(id_vars=["year"], value_vars=numeric, var_name="outcome", value_name="mean")
    long = long.dropna(subset=["mean"]).assign(scenario=scenario, p05=np.nan, p95=np.nan)
    return long.astype({"mean": float})[LONG_COLUMNS].reset_index(drop=True)
