"""Why exited households return: each return put down to one mechanism, and how far and how soon.

A return (返贫) is a December in which an exited household fails the exit test
again. :func:`decompose_returns` pairs each return event of a run with the
household's latest exit before it and asks, in this order, what took it back:

``haves``
    it lost one of the six haves (its income still clears the line);
``illness``
    its income would clear this year's line but for its medical bills
    (the verification's own ``reason``);
``line_growth``
    its income still clears the line of the year it exited: it fell back because
    the line rose faster than its income, not because its income fell;
``transfers_lost``
    the transfers it lost since it exited (低保 top-ups, allowances ending) are at
    least its shortfall: with the transfers it had at exit it would clear the line;
``income_drop``
    the rest: its own earnings fell (the year's income draw, a lost job, a
    disaster, the broiler price) by more than the line's growth.

Transfers per person are read as ``transfer_share × income_pc_cny`` of the event
rows (the share is of gross income, so this is exact for households without
medical bills, which are counted under ``illness`` first). The decomposition
works on any run's ``events`` table (:class:`~fupin_sim.model.results.RunResult`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MECHANISMS = ("haves", "illness", "line_growth", "transfers_lost", "income_drop")
RETURN_COLUMNS = [
    "year",
    "household",
    "exit_year",
    "years_since_exit",
    "exit_margin_share",
    "shortfall_share",
    "mechanism",
]


def decompose_returns(events: pd.DataFrame) -> pd.DataFrame:
    """One row per return with the mechanism that took the household back (see the module docstring).

    Args:
        events: a run's events table (``year``, ``event``, ``household``,
            ``income_pc_cny``, ``line_cny``, ``margin_share``, ``transfer_share``, ``reason``).

    Returns:
        Columns ``year``, ``household``, ``exit_year`` (the latest exit before the
        return), ``years_since_exit``, ``exit_margin_share`` (how far above the line it
        exited), ``shortfall_share`` (how far below the line it fell, a share of the
        line; 0 for a return on the haves) and ``mechanism``.

    Raises:
        ValueError: if a return has no earlier exit of the same household.
    """
    returns = events[events.event == "return"].sort_values("year")
    exits = events[events.event == "exit"].sort_values("year")
    if returns.empty:
        return pd.DataFrame(columns=RETURN_COLUMNS)
    paired = pd.merge_asof(
        returns.assign(return_year=returns.year - 0.5),
        exits[["year", "household", "income_pc_cny", "line_cny", "margin_share", "transfer_share"]]
        .rename(columns=lambda c: c if c == "household" else f"exit_{c}")
        .astype({"exit_year": float}),
        left_on="return_year",
        right_on="exit_year",
        by="household",
        direction="backward",
    )
    if paired.exit_year.isna().any():
        orphan = int(paired.household[paired.exit_year.isna()].iloc[0])
        raise ValueError(f"household {orphan} returns without an earlier exit in the events table")
    income, line = paired.income_pc_cny.to_numpy(float), paired.line_cny.to_numpy(float)
    transfers_lost_pc = paired.exit_transfer_share * paired.exit_income_pc_cny - paired.transfer_share * income
    mechanism = np.select(
        [
            paired.reason.to_numpy() == "haves",
            paired.reason.to_numpy() == "illness",
            income > paired.exit_line_cny.to_numpy(float),
            income + transfers_lost_pc.to_numpy(float) > line,
        ],
        MECHANISMS[:4],
        default="income_drop",
    )
    return pd.DataFrame(
        {
            "year": paired.year.astype(int),
            "household": paired.household.astype(int),
            "exit_year": paired.exit_year.astype(int),
            "years_since_exit": (paired.year - paired.exit_year).astype(int),
            "exit_margin_share": paired.exit_margin_share.astype(float),
            "shortfall_share": np.maximum(-paired.margin_share.to_numpy(float), 0.0),
            "mechanism": pd.Categorical(mechanism, categories=MECHANISMS),
        },
        columns=RETURN_COLUMNS,
    )


def returns_by_mechanism(returns: pd.DataFrame) -> pd.DataFrame:
    """Returns per year (rows) and mechanism (columns), with a ``total`` column.

    Args:
        returns: the table of :func:`decompose_returns`.
    """
    counts = pd.crosstab(returns.year, returns.mechanism, dropna=False).reindex(columns=list(MECHANISMS), fill_value=0)
    counts.columns = list(MECHANISMS)
    counts["total"] = counts.sum(axis=1)
    return counts


def return_profile(returns: pd.DataFrame, thin_margin_share: float, near_line_share: float) -> dict[str, float]:
    """How far below the line returners fall, how long after exit, and how thin their exits were.

    Args:
        returns: the table of :func:`decompose_returns`.
        thin_margin_share: an exit this close above the line counts as thin
            (``assessment.thin_margin_share``).
        near_line_share: a return this close below the line counts as a near miss.

    Returns:
        ``returns``; ``shortfall_median_share`` and ``near_line_share`` (share of the
        income returns, i.e. not on the haves, within ``near_line_share`` of the line);
        ``years_since_exit_mean`` and ``within_one_year_share``; ``thin_exit_share``
        (share exited with a margin under ``thin_margin_share``); one
        ``<mechanism>_share`` per mechanism.
    """
    total = len(returns)
    if total == 0:
        return {"returns": 0}
    on_income = returns[returns.mechanism != "haves"]
    profile = {
        "returns": total,
        "shortfall_median_share": float(on_income.shortfall_share.median()) if len(on_income) else float("nan"),
        "near_line_share": float((on_income.shortfall_share < near_line_share).mean())
        if len(on_income)
        else float("nan"),
        "years_since_exit_mean": float(returns.years_since_exit.mean()),
        "within_one_year_share": float((returns.years_since_exit == 1).mean()),
        "thin_exit_share": float((returns.exit_margin_share < thin_margin_share).mean()),
    }
    shares = returns.mechanism.value_counts(normalize=True)
    profile.update({f"{name}_share": float(shares.get(name, 0.0)) for name in MECHANISMS})
    return profile
