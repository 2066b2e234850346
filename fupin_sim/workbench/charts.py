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
labels with a warning, never to boxes. All label strings, also those of the tables, the
dashboards and the Excel workbook, are in :data:`fupin_sim.workbench.labels.LABELS`.
"""

from __future__ import annotations

import functools
import io
import re
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
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, MaxNLocator, NullFormatter, PercentFormatter, StrMethodFormatter

from fupin_sim.model.villages import VILLAGE_HAVES
from fupin_sim.programmes import REGISTRY
from fupin_sim.workbench.formatting import by_unit, format_share
from fupin_sim.workbench.labels import LABELS, header, labels, name
from fupin_sim.workbench.risk import at_risk_by

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
CJK_FONT_FILE = re.compile(r"CJK|SourceHan|wqy|WenQuanYi", re.IGNORECASE)  # font files worth adding when missed
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
# exits by pathway, bottom to top: own earnings (造血) in greens, haves in grey, transfers (输血) in red
PATHWAY_COLOURS = {
    "wage": "#1b7837",
    "farm": "#5aae61",
    "industry": "#a6dba0",
    "property": "#d9f0d3",
    "haves": "#bababa",
    "transfer": "#d6604d",
}
RATIO_TICKS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)  # calibration: model ÷ published
DARK_CELL_SHARE = 0.6  # village grid: cells above this share of the highest incidence get white text
PNG_DPI = 150  # saved files
DISPLAY_DPI = 100  # notebooks and dashboards


class ChartFigure(Figure):
    """A matplotlib figure that notebooks and dashboards display as PNG, with or without pyplot."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=DISPLAY_DPI, bbox_inches="tight")
        return buffer.getvalue()


def find_cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None.

    The first of :data:`CJK_FONT_FAMILIES` that matplotlib's font manager knows. Matplotlib
    caches its font list once; a CJK font installed after that (``make browser-deps``) is
    added from the system's font files the first time it is missed.
    """
    found = _known_cjk_family()
    if found is None:
        _add_system_cjk_fonts()
        found = _known_cjk_family()
    return found


def _known_cjk_family() -> str | None:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FONT_FAMILIES if family in installed), None)


@functools.cache
def _add_system_cjk_fonts() -> None:
    """Add the system's CJK font files to matplotlib's font manager (once per process)."""
    for path in font_manager.findSystemFonts():
        if CJK_FONT_FILE.search(Path(path).name):
            font_manager.fontManager.addfont(path)


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
    colours = matplotlib.colormaps["tab10"]
    with _language(lang) as text:
        layers = {
            f"spending_{key}_cny": (name("programme_names", key, text["lang"]), colours(position))
            for position, key in enumerate(REGISTRY)
        }
        figure = _stacked_bars(long, layers, text, divisor=text["money_divisor"])
        figure.axes[0].set_ylabel(text["money_axis"])
        figure.axes[0].yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        figure.suptitle(text["spending_title"])
    return figure


def exits_by_pathway(data: Any, lang: str = "en", *, population_scale: float | None = None) -> Figure:
    """Households exited per year by pathway as stacked bars (one panel per scenario), full district.

    Earnings of the household's own (造血: wages, farming, the broiler industry, property) in
    greens at the bottom, the haves completed in grey, transfers (输血) in red on top, so the
    share resting on transfers is seen at a glance. Reads the ``exits_via_<pathway>`` outcomes.

    Args:
        data: a comparison or a run (see :func:`chart_data`).
        lang: ``en`` or ``zh``.
        population_scale: see :func:`chart_data`.
    """
    long = chart_data(data, population_scale)
    with _language(lang) as text:
        layers = {
            f"exits_via_{pathway}": (text["pathway_names"][pathway], colour)
            for pathway, colour in PATHWAY_COLOURS.items()
        }
        figure = _stacked_bars(long, layers, text)
        figure.axes[0].set_ylabel(text["exits_axis"])
        figure.axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
        figure.suptitle(text["pathways_title"])
    return figure


def calibration(table: pd.DataFrame, lang: str = "en", *, before: pd.DataFrame | None = None) -> Figure:
    """The model against each published figure: one row per figure, as a share of the published value.

    The published value is the line at 100 %; its range (``low``–``high``) a grey band where
    the table has one; the model's mean a dot and its 5–95 % interval (``p05``–``p95``) a
    bar where the table has them. Figures held out of the fitting (``held_out``) are drawn
    as open diamonds and named so. Each row is annotated with both values in their unit.
    With ``before``, the model's mean before calibration is a grey ring on the same row,
    joined to the mean after by a thin line, and the annotation gives it too.

    Args:
        table: :func:`fupin_sim.experiments.calibration.calibration_table` (with or without
            the interval, range and held-out columns): the model as calibrated.
        lang: ``en`` or ``zh``.
        before: the same table before calibration (``calibration_table(fitted=False)``),
            matched to ``table`` by figure.

    Raises:
        ValueError: ``before`` lacks a figure of ``table``.
    """
    rows = table.reset_index(drop=True)
    earlier = None
    if before is not None:
        missing = sorted(set(rows.figure) - set(before.figure))
        if missing:
            raise ValueError(f"the table before calibration lacks the figures {', '.join(missing)}")
        earlier = before.drop_duplicates("figure").set_index("figure").model.reindex(rows.figure).astype(float)
    published = rows.published.astype(float).to_numpy()
    scale = np.where(published != 0, published, np.nan)
    held_out = rows.held_out.astype(bool).to_numpy() if "held_out" in rows else np.zeros(len(rows), bool)
    positions = np.arange(len(rows))[::-1]
    with _language(lang) as text:
        figure = ChartFigure(figsize=(11, 1.5 + 0.45 * len(rows)), layout="constrained")
        ax = figure.subplots()
        ax.axvline(1.0, color="black", linewidth=1, label=text["published_value"])
        if {"low", "high"} <= set(rows.columns):
            low, high = rows.low.astype(float) / scale, rows.high.astype(float) / scale
            ax.barh(positions, high - low, left=low, height=0.6, color="grey", alpha=0.3, label=text["published_range"])
        if {"p05", "p95"} <= set(rows.columns):
            ax.hlines(
                positions,
                rows.p05.astype(float) / scale,
                rows.p95.astype(float) / scale,
                linewidth=3,
                color="tab:blue",
                alpha=0.6,
                label=text["model_interval"],
            )
        ratio = rows.model.astype(float).to_numpy() / scale
        if earlier is not None:
            ratio_before = earlier.to_numpy() / scale
            ax.hlines(positions, ratio_before, ratio, color="grey", linewidth=1, alpha=0.7)
            ax.scatter(
                ratio_before,
                positions,
                facecolor="white",
                edgecolor="grey",
                linewidth=1.5,
                zorder=4,
                label=text["model_before"],
            )
        ax.scatter(
            ratio[~held_out],
            positions[~held_out],
            color="tab:blue",
            zorder=5,
            label=f"{text['model_mean']} ({text['fitted']})",
        )
        if held_out.any():
            ax.scatter(
                ratio[held_out],
                positions[held_out],
                marker="D",
                facecolor="white",
                edgecolor="tab:orange",
                linewidth=2,
                zorder=5,
                label=f"{text['model_mean']} ({text['held_out']})",
            )
        names = [
            f"{figure_name} ({text['held_out']})" if out else figure_name
            for figure_name, out in zip(rows.figure, held_out, strict=True)
        ]
        ax.set_yticks(positions, names)
        ax.set_xscale("log")
        drawn = ratio if earlier is None else np.concatenate([ratio, ratio_before])
        finite = drawn[np.isfinite(drawn) & (drawn > 0)]
        ax.set_xlim(min(0.5, *(finite / 1.5)), max(2.0, *(finite * 1.5)))
        ax.xaxis.set_major_locator(FixedLocator(RATIO_TICKS))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.xaxis.set_minor_formatter(NullFormatter())
        for position, row in zip(positions, rows.itertuples(index=False), strict=True):
            note = f"{text['published_value']} {by_unit(row.published, row.unit)} · {text['model_mean']} {by_unit(row.model, row.unit)}"
            if earlier is not None:
                note += f" ({text['before']} {by_unit(earlier[row.figure], row.unit)})"
            ax.annotate(
                note,
                (1.0, position),
                xycoords=("axes fraction", "data"),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel(text["calibration_axis"])
        ax.set_title(text["calibration_title"])
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / len(rows)), ncol=4, frameon=False)
    return figure


def village_grid(villages: pd.DataFrame, lang: str = "en", *, poor_only: bool = True) -> Figure:
    """Poverty incidence by village and year, the delisting year outlined, the missing haves named.

    一村一案 at a glance: one row per village (those delisted first at the top, those not
    delisted at the bottom), one cell per year coloured and labelled by incidence; the year a
    village was delisted (摘帽) is outlined; on the right, the village haves it lacks in the
    last year.

    Args:
        villages: one row per village and year with ``village``, ``year``, ``poor_village``,
            ``incidence``, ``delisted_year`` (0 when not delisted), a boolean column per village
            have (:data:`fupin_sim.model.villages.VILLAGE_HAVES`) and optionally ``village_name``,
            e.g. ``RunResult.villages``.
        lang: ``en`` or ``zh``.
        poor_only: only the designated poor villages (贫困村).
    """
    table = villages[villages.poor_village.astype(bool)] if poor_only else villages
    grid = table.pivot(index="village", columns="year", values="incidence")
    delisted = table.groupby("village").delisted_year.max()
    order = sorted(grid.index, key=lambda v: (delisted[v] == 0, delisted[v], v))
    grid = grid.loc[order]
    last = table[table.year == table.year.max()].set_index("village")
    haves = [have for have in VILLAGE_HAVES if have in table.columns]
    names = table.groupby("village").village_name.first() if "village_name" in table else None
    with _language(lang) as text:
        figure = ChartFigure(figsize=(3.5 + 1.1 * grid.shape[1] + 3.5, 1.2 + 0.32 * len(grid)), layout="constrained")
        ax = figure.subplots()
        image = ax.imshow(grid.to_numpy(dtype=float), cmap="YlOrRd", vmin=0.0, aspect="auto")
        for row, village in enumerate(grid.index):
            for column, year in enumerate(grid.columns):
                value = grid.at[village, year]
                dark = value > DARK_CELL_SHARE * np.nanmax(grid.to_numpy(dtype=float))
                ax.text(
                    column,
                    row,
                    format_share(value),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "black",
                )
                if delisted[village] == year:
                    ax.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2))
            lacking = [header(have, text["lang"]) for have in haves if not bool(last.at[village, have])]
            note = text["missing_haves"].format(
                haves="、".join(lacking) if text["lang"] == "zh" else ", ".join(lacking)
            )
            ax.annotate(
                note if lacking else text["all_haves"],
                (1.0, row),
                xycoords=("axes fraction", "data"),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
        ax.set_xticks(range(grid.shape[1]), [str(year) for year in grid.columns])
        ax.set_yticks(range(len(grid)), [_village_title(v, names, text) for v in grid.index], fontsize=7)
        ax.set_xlabel(text["year"])
        ax.set_title(f"{text['village_grid_title']} (▢ {text['delisted_marker']})")
        colourbar = figure.colorbar(image, ax=ax, location="left", shrink=0.6, format=PercentFormatter(1.0, decimals=0))
        colourbar.set_label(text["incidence_scale"])
    return figure


def at_risk_bars(table: pd.DataFrame, by: str = "village", lang: str = "en", *, top: int = 15) -> Figure:
    """Exited households at risk of returning, by village or by cause, as sorted bars.

    Args:
        table: :func:`fupin_sim.workbench.risk.at_risk_households` (one row per household) or
            :func:`fupin_sim.workbench.risk.at_risk_by` of it.
        by: ``village`` or ``cause``.
        lang: ``en`` or ``zh``.
        top: the most villages (or causes) drawn.
    """
    counts = table if "at_risk_households" in table.columns else at_risk_by(table, by)
    counts = counts.sort_values("at_risk_households", ascending=False, kind="stable").head(top)[::-1]
    with _language(lang) as text:
        names = [
            text["village_name"].format(village=key) if by == "village" else name("cause_names", key, text["lang"])
            for key in counts[by]
        ]
        figure = ChartFigure(figsize=(8, 1.2 + 0.35 * len(counts)), layout="constrained")
        ax = figure.subplots()
        bars = ax.barh(names, counts.at_risk_households, color="tab:red", alpha=0.8)
        ax.bar_label(
            bars,
            [
                f"{count:,} ({format_share(share, 0)})"
                for count, share in zip(counts.at_risk_households, counts.at_risk_share, strict=True)
            ],
            padding=3,
            fontsize=8,
        )
        ax.margins(x=0.2)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(text["at_risk_axis"])
        ax.set_title(text["at_risk_title"].format(by=text[f"by_{by}"]))
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


def _stacked_bars(
    long: pd.DataFrame, layers: dict[str, tuple[str, Any]], text: dict[str, Any], divisor: float = 1.0
) -> Figure:
    """Stacked bars per year of the ``layers`` outcomes (outcome → label, colour), one panel per scenario."""
    drawn = long[long.outcome.isin(layers)]
    scenarios = list(drawn.scenario.unique())
    figure = ChartFigure(figsize=(2 + 4 * max(len(scenarios), 1), 4.5), layout="constrained")
    axes = figure.subplots(1, max(len(scenarios), 1), sharey=True, squeeze=False)[0]
    for ax, scenario in zip(axes, scenarios, strict=False):
        table = drawn[drawn.scenario == scenario].pivot(index="year", columns="outcome", values="mean")
        bottom = np.zeros(len(table))
        for column, (label, colour) in layers.items():
            if column in table:
                height = table[column].fillna(0.0).to_numpy() / divisor
                ax.bar(table.index, height, bottom=bottom, color=colour, label=label)
                bottom += height
        ax.set_title(_scenario_title(scenario, text))
        ax.set_xticks(table.index)
        ax.set_xlabel(text["year"])
    _legend(figure, axes)
    return figure


def _village_title(village: int, names: pd.Series | None, text: dict[str, Any]) -> str:
    return str(names[village]) if names is not None else text["village_name"].format(village=village)


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
