"""Which inputs of a sweep move an outcome, and how far the outcome ranges over the design.

A sweep with many factors (``vary_all_est: true``) is a global sensitivity
screen: one row per point is unreadable at 150 columns, but two questions are
not. How widely does an outcome range over the design, and is a target met
anywhere in it (:func:`outcome_spread`)? Which inputs move the outcome most
(:func:`rank_correlations`: Spearman's rank correlation between each input and
the outcome's mean per point, which needs no model of the relation and is
unaffected by the units of the inputs)?
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def point_means(table: pd.DataFrame, outcome: str, year: int) -> pd.Series:
    """The outcome's mean over replications at each point in ``year`` (index: point).

    Args:
        table: yearly rows of a sweep's runs (``point``, ``year`` and the outcome column).
        outcome: a column of the yearly table.
        year: the year.
    """
    rows = table[table.year == year]
    if rows.empty:
        raise ValueError(f"no finished runs for {year}")
    return rows.groupby("point")[outcome].mean().astype(float)


def rank_correlations(inputs: pd.DataFrame, outcome: pd.Series) -> pd.Series:
    """Spearman rank correlation of each input with the outcome, strongest first.

    Args:
        inputs: one row per point (index: point), one column per input.
        outcome: one value per point (index: point), e.g. from :func:`point_means`.

    Returns:
        One value in [-1, 1] per numeric input that varies over the points,
        sorted by absolute size; inputs that do not vary, or are not numbers, are left out.
    """
    points = outcome.dropna().index.intersection(inputs.index)
    numeric = inputs.loc[points].select_dtypes("number")
    varying = numeric.loc[:, numeric.nunique() > 1]
    if varying.empty or outcome.loc[points].nunique() < 2:
        return pd.Series(dtype=float, name="spearman")
    ranked_outcome = outcome.loc[points].rank()
    correlations = varying.rank().corrwith(ranked_outcome)
    return correlations.reindex(correlations.abs().sort_values(ascending=False).index).rename("spearman")


def outcome_spread(table: pd.DataFrame, outcomes: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
    """How each outcome ranges over the points: minimum, median and maximum of its per-point means.

    Args:
        table: yearly rows of a sweep's runs.
        outcomes: columns of the yearly table.
        years: the years to show.

    Returns:
        One row per year and outcome: ``year``, ``outcome``, ``min``, ``median``,
        ``max``, ``mean`` (for a yes/no outcome such as ``exit_target_met``: the
        share of all runs meeting it) and ``points``.
    """
    rows = []
    for year in years:
        for outcome in outcomes:
            means = point_means(table, outcome, year).dropna()
            if means.empty:
                continue
            rows.append(
                {
                    "year": year,
                    "outcome": outcome,
                    "min": means.min(),
                    "median": means.median(),
                    "max": means.max(),
                    "mean": means.mean(),
                    "points": len(means),
                }
            )
    return pd.DataFrame(rows, columns=["year", "outcome", "min", "median", "max", "mean", "points"])
