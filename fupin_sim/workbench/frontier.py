"""The cost–target frontier of a budget optimisation, in English or Chinese.

One panel per figure the study asks about (its objectives, then its target probabilities): each
chosen plan is a point, its total cost (million yuan, full district) against the figure, in
sample (the study's replications, hollow) and out of sample (fresh seeds, filled), each with
its 5–95 % interval. A plan whose out-of-sample probability falls outside its in-sample
interval is ringed in red; the starting scenario is a black star. Saved with
:func:`fupin_sim.workbench.charts.save`::

    from fupin_sim.workbench.frontier import frontier_chart, frontier_table, save
    save(frontier_chart(result, lang="zh"), "out/frontier_zh.svg")
    frontier_table(result, "zh")  # the same plans as a table for reading
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter, StrMethodFormatter

from fupin_sim.workbench.charts import ChartFigure, _language, save  # noqa: F401 - save: one import for callers
from fupin_sim.workbench.formatting import ESTIMATE_SUFFIX, format_table
from fupin_sim.workbench.labels import header

COST = "total_cost_cny"
MAX_PANELS = 4
TEXT = {
    "en": {
        "title": "Cost against what the plans achieve",
        "cost_axis": "Total cost {first}–{last} (million yuan)",
        "in_sample": "Plans, in sample",
        "out_of_sample": "Plans, on fresh seeds",
        "flagged": "Out of sample outside the in-sample interval",
        "start": "Starting scenario",
        "plan": "{plan}",
        "metrics": {
            "p_exit_target": "P(exit target {year})",
            "p_village_target": "P(village target {year})",
            "p_all_targets": "P(every target)",
            "exit_share_cum": "Share of the 2015 registered poor out by {year}",
        },
    },
    "zh": {
        "title": "成本与方案成效",
        "cost_axis": "{first}–{last}年总成本（百万元）",
        "in_sample": "方案（样本内）",
        "out_of_sample": "方案（新随机数复核）",
        "flagged": "复核值超出样本内区间",
        "start": "起始方案",
        "plan": "{plan}",
        "metrics": {
            "p_exit_target": "{year}年脱贫目标完成概率",
            "p_village_target": "{year}年贫困村退出目标完成概率",
            "p_all_targets": "全部目标完成概率",
            "exit_share_cum": "{year}年累计脱贫比例",
        },
    },
}


def frontier_chart(result: Any, lang: str = "en", *, metrics: list[str] | None = None) -> Figure:
    """Total cost against what the plans achieve, one panel per figure, for each plan of an optimisation.

    Args:
        result: an :class:`~fupin_sim.experiments.optimisation.OptimiseResult`.
        lang: ``en`` or ``zh``.
        metrics: the figures on the vertical axes (default: :func:`drawn_metrics`).

    Raises:
        ValueError: the study has no second figure, or the frontier lacks a metric.
    """
    problem = result.problem
    metrics = metrics or drawn_metrics(problem)
    if not metrics:
        raise ValueError("the study has only the cost: there is no second figure to draw it against")
    frontier, start = result.frontier, result.start
    for column in (f"{COST}_in", *(f"{m}_in" for m in metrics)):
        if column not in frontier.columns:
            raise ValueError(f"the study does not estimate {column.removesuffix('_in')}, so there is nothing to draw")
    years = problem.start.horizon.years
    with _language(lang) as text:
        words = TEXT[text["lang"]]
        figure = ChartFigure(figsize=(min(4.2 * len(metrics), 16), 4.6), layout="constrained")
        axes = figure.subplots(1, len(metrics), squeeze=False)[0]
        for ax, metric in zip(axes, metrics, strict=True):
            _panel(ax, frontier, start, metric, words)
            ax.set_xlabel(words["cost_axis"].format(first=years[0], last=years[-1]))
        figure.suptitle(words["title"])
        entries = {}
        for ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                entries.setdefault(label, handle)
        figure.legend(list(entries.values()), list(entries), loc="outside lower center", ncols=2, frameon=False)
    return figure


def frontier_table(result: Any, lang: str = "en", *, money_unit: str = "yuan") -> pd.DataFrame:
    """The frontier for reading: per plan its decision variables, each figure in sample and on
    fresh seeds with its 5–95 % interval, and whether it holds on fresh seeds.

    Args:
        result: an :class:`~fupin_sim.experiments.optimisation.OptimiseResult`.
        lang: ``en`` or ``zh``.
        money_unit: ``yuan`` or ``wan`` (万元).
    """
    frontier = result.frontier
    columns = ["plan", *(variable.key for variable in result.problem.variables)]
    flags = ["feasible_in", "feasible_out", "flagged"]
    columns += [c for c in frontier.columns if ESTIMATE_SUFFIX.search(c) and c not in flags] + flags
    return format_table(frontier[columns], lang, money_unit=money_unit).set_index(header("plan", lang))


def drawn_metrics(problem: Any) -> list[str]:
    """What the chart draws against the cost: the objectives other than the cost, then every
    probability (at most four panels); plan metrics, known without a run, are never drawn."""
    drawn = [m for m in problem.metrics if m.name != COST and m.kind != "plan"]
    objectives = [o.metric.name for o in problem.objectives]
    chosen = [m.name for m in drawn if m.name in objectives]
    chosen += [m.name for m in drawn if m.kind == "probability" and m.name not in chosen]
    return (chosen or [m.name for m in drawn])[:MAX_PANELS]


def _panel(ax: Any, frontier: pd.DataFrame, start: pd.DataFrame, metric: str, words: dict[str, Any]) -> None:
    """One figure against the cost: plans in and out of sample, flagged plans, the starting scenario."""
    _points(ax, frontier, metric, "in", words["in_sample"], filled=False)
    _points(ax, frontier, metric, "out", words["out_of_sample"], filled=True)
    flagged = frontier[frontier.flagged_metrics.fillna("").str.split(", ").map(lambda names: metric in names)]
    if len(flagged):
        ax.scatter(
            flagged[f"{COST}_out"] / 1e6,
            flagged[f"{metric}_out"],
            s=180,
            facecolors="none",
            edgecolors="red",
            linewidths=1.5,
            label=words["flagged"],
            zorder=6,
        )
    for row in frontier.itertuples(index=False):
        ax.annotate(
            str(row.plan),
            (getattr(row, f"{COST}_out") / 1e6, getattr(row, f"{metric}_out")),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=8,
        )
    if len(start):
        ax.scatter(
            start[f"{COST}_out"] / 1e6, start[f"{metric}_out"], marker="*", s=200, color="black", label=words["start"]
        )
    ax.set_ylabel(_metric_label(metric, words))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    if metric.startswith("p_") or metric.endswith("_share") or metric.startswith("exit_share"):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylim(-0.03, 1.05)
    ax.grid(alpha=0.3)


def _points(ax: Any, frontier: pd.DataFrame, metric: str, suffix: str, label: str, filled: bool) -> None:
    """The plans' cost and probability with the probability's interval as error bars."""
    cost = frontier[f"{COST}_{suffix}"] / 1e6
    value = frontier[f"{metric}_{suffix}"]
    below = (value - frontier[f"{metric}_{suffix}_low"]).clip(lower=0)
    above = (frontier[f"{metric}_{suffix}_high"] - value).clip(lower=0)
    colour = "tab:blue"
    ax.errorbar(
        cost,
        value,
        yerr=[below, above],
        fmt="o",
        markersize=7,
        markerfacecolor=colour if filled else "white",
        markeredgecolor=colour,
        ecolor=colour,
        alpha=0.9 if filled else 0.6,
        capsize=3,
        label=label,
        zorder=5 if filled else 4,
    )


def _metric_label(metric: str, words: dict[str, Any]) -> str:
    base, _, year = metric.rpartition("_")
    if year.isdigit() and base in words["metrics"]:
        return words["metrics"][base].format(year=year)
    return words["metrics"].get(metric, metric)
