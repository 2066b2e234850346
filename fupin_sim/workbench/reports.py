"""Readable text tables of experiment summaries (what ``fupin compare`` and ``fupin sweep`` print).

The tables show a few key outcomes; the full summary (every outcome) is the CSV
and JSON output and :attr:`ExperimentResult.summary`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from fupin_sim.experiments.replications import ExperimentResult
from fupin_sim.experiments.sensitivity import outcome_spread, point_means, rank_correlations
from fupin_sim.workbench.formatting import MISSING, format_share

Formatter = Callable[[float], str]


def _share(value: float) -> str:
    return format_share(value)


def _count(value: float) -> str:
    return f"{value:,.1f}"


def _million_cny(value: float) -> str:
    return f"{value / 1e6:,.2f}"


def _percent(value: float) -> str:
    return format_share(value, decimals=0)


# A sweep with more factors than this prints a sensitivity screen instead of one row per point.
MAX_FACTORS_PER_POINT_TABLE = 8
# Inputs listed per outcome in the sensitivity screen.
TOP_INPUTS = 8
# Outcomes whose rank correlations the screen lists, at each target year.
SCREENED_OUTCOMES = ("exit_share_cum", "villages_delisted_cum")

# The outcomes the tables show, when present: (outcome, header, number format; None for a probability)
KEY_OUTCOMES: list[tuple[str, str, Formatter | None]] = [
    ("exit_share_cum", "exited (cum)", _share),
    ("exit_target_met", "P(exit target)", None),
    ("villages_delisted_cum", "villages delisted", _count),
    ("village_target_met", "P(village target)", None),
    ("spending_cny", "spending (M CNY)", _million_cny),
]


def format_run_counts(result: ExperimentResult) -> str:
    """One line: runs planned, finished, failed, and where they are stored."""
    status = result.runs.status.value_counts()
    line = f"runs: {len(result.runs)} planned, {status.get('ok', 0)} ok, {status.get('failed', 0)} failed"
    if result.counts.skipped:
        line += f" ({result.counts.skipped} already in the store)"
    if result.store is not None:
        line += f"; stored in {result.store}/"
    return line


def format_comparison(result: ExperimentResult) -> str:
    """Per scenario and year: key outcomes as mean [5 %, 95 %], target probabilities, differences."""
    experiment, summary = result.experiment, result.summary
    reference = experiment.reference
    lines = [
        (
            f"Comparison of {len(experiment.variants)} scenarios × {_replications(experiment.reps)} "
            f"(base seed {experiment.base_seed}); differences are paired, vs {reference}"
        ),
        format_run_counts(result),
    ]
    if summary.empty:
        return "\n".join([*lines, "no finished runs to summarise"])
    stats = summary.set_index(["scenario", "year", "outcome"])
    rows = []
    for scenario, year in summary[["scenario", "year"]].drop_duplicates().itertuples(index=False):
        row = {"scenario": scenario, "year": str(year)}
        for outcome, header, fmt in KEY_OUTCOMES:
            key = (scenario, year, outcome)
            if fmt is None:
                row[header] = _probability(stats, key)
                continue
            row[header] = _interval(stats, key, "", fmt)
            row[f"Δ {header}"] = (
                "(reference)" if scenario == reference else _interval(stats, key, "diff_", fmt, signed=True)
            )
        rows.append(row)
    return "\n".join([*lines, "", _table(rows)])


def format_sweep(result: ExperimentResult) -> str:
    """Per sweep point: its inputs, the probability of meeting each target by year, final-year outcomes.

    A sweep of more than ``MAX_FACTORS_PER_POINT_TABLE`` factors prints
    :func:`_format_screen` in place of the per-point table.
    """
    experiment, summary = result.experiment, result.summary
    definition = experiment.definition
    design = f"{definition['design']}" + (f", {definition['samples']} samples" if definition.get("samples") else "")
    lines = [
        (
            f"Sweep {definition['sweep']} of {definition['scenario']}: {len(experiment.variants)} points ({design}) × "
            f"{_replications(experiment.reps)} (base seed {experiment.base_seed})"
        ),
        format_run_counts(result),
    ]
    if summary.empty:
        return "\n".join([*lines, "no finished runs to summarise"])
    if len(definition["factors"]) > MAX_FACTORS_PER_POINT_TABLE:
        return "\n".join([*lines, "", _format_screen(result)])
    stats = summary.set_index(["point", "year", "outcome"])
    final_year = int(summary.year.max())
    probabilities = [outcome for outcome, _, fmt in KEY_OUTCOMES if fmt is None]
    targets = summary[summary.outcome.isin(probabilities)][["outcome", "year"]].drop_duplicates()
    headers = {outcome: header for outcome, header, _ in KEY_OUTCOMES}
    rows = []
    for variant in experiment.variants:
        row = {"point": str(variant.point), **{key: _input(value) for key, value in variant.inputs.items()}}
        for outcome, year in targets.itertuples(index=False):
            row[f"{headers[outcome]} {year}"] = _probability(stats, (variant.point, year, outcome))
        for outcome, header, fmt in KEY_OUTCOMES:
            if fmt is not None:
                row[f"{header} {final_year}"] = _interval(stats, (variant.point, final_year, outcome), "", fmt)
        rows.append(row)
    return "\n".join([*lines, "", _table(rows)])


def _format_screen(result: ExperimentResult) -> str:
    """A sweep as a sensitivity screen: how the key outcomes range over the points in each
    target year and the last year, and which inputs move the exit share and the villages
    delisted most in each target year (:mod:`fupin_sim.experiments.sensitivity`). Needs finished runs
    (:func:`format_sweep` checks)."""
    table, experiment = result.table, result.experiment
    target_years = sorted(int(y) for y in table.loc[table.exit_target_cum.notna(), "year"].unique())
    years = sorted({*target_years, int(table.year.max())})
    headers = {outcome: (header, fmt) for outcome, header, fmt in KEY_OUTCOMES}
    spread = outcome_spread(table, [outcome for outcome in headers if outcome in table], years)
    rows = []
    for row in spread.itertuples(index=False):
        header, fmt = headers[row.outcome]
        fmt = fmt or _percent  # a probability
        cells = {"year": str(row.year), "outcome": header}
        cells.update({name: fmt(getattr(row, name)) for name in ("min", "median", "max", "mean")})
        rows.append(cells)
    lines = [f"Over the {spread.points.max()} points (each point: the mean of its replications):", _table(rows)]

    variants = experiment.variants
    inputs = pd.DataFrame.from_records([v.inputs for v in variants], index=[v.point for v in variants])
    for year in target_years:
        for outcome in SCREENED_OUTCOMES:
            correlations = rank_correlations(inputs, point_means(table, outcome, year)).head(TOP_INPUTS)
            title = f"Inputs that move {headers[outcome][0]} {year} most (Spearman rank correlation over the points):"
            listed = [f"  {name:<50} {rho:+.2f}" for name, rho in correlations.items()]
            lines += ["", title, *(listed or ["  (the outcome does not vary)"])]
    return "\n".join(lines)


def _replications(reps: int) -> str:
    return f"{reps} replication{'' if reps == 1 else 's'}"


def _input(value: object) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _interval(stats: pd.DataFrame, key: tuple, prefix: str, fmt: Formatter, signed: bool = False) -> str:
    """``mean [p05, p95]`` of an outcome (``—`` when absent)."""
    if key not in stats.index or _missing(stats.at[key, f"{prefix}mean"]):
        return MISSING
    mean, low, high = (stats.at[key, f"{prefix}{name}"] for name in ("mean", "p05", "p95"))
    sign = "+" if signed and mean > 0 else ""
    return f"{sign}{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


def _probability(stats: pd.DataFrame, key: tuple) -> str:
    if key not in stats.index or _missing(stats.at[key, "mean"]):
        return MISSING
    return _percent(stats.at[key, "mean"])


def _missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _table(rows: list[dict[str, str]]) -> str:
    """Left-aligned columns, two spaces apart."""
    headers = list(dict.fromkeys(h for row in rows for h in row))
    widths = {h: max(len(h), *(len(row.get(h, MISSING)) for row in rows)) for h in headers}
    lines = ["  ".join(h.ljust(widths[h]) for h in headers)]
    lines += ["  ".join(row.get(h, MISSING).ljust(widths[h]) for h in headers) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
