"""Summaries of replications: what a planner reads off an experiment.

Per variant (a compared scenario or a sweep point), year and outcome:

- a numeric outcome (``exit_share_cum``, ``spending_cny`` …): its mean, standard
  deviation and 5–95 % interval over the replications — the range that holds 90 %
  of the replications, i.e. the uncertainty of the outcome, not of its mean;
- a yes/no outcome (``exit_target_met``, ``village_target_met`` …): the
  **probability** that it holds — the probability of meeting the target — over
  the replications where it is defined (a year without a target has none);
- in a comparison, the **paired difference** to the reference scenario:
  replication *r* minus the reference's replication *r* (they share random
  numbers), with its mean, standard deviation and 5–95 % interval; for a yes/no
  outcome, the difference in probability.

Outcomes are recognised by type, so columns that the model adds later are
summarised without changes here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

IDENTITY_COLUMNS = ("scenario", "point", "replication", "run_id", "year")
VALUE, PROBABILITY = "value", "probability"
QUANTILES = {"p05": 0.05, "p95": 0.95}
STATISTICS = ["n", "mean", "sd", *QUANTILES]
DIFFERENCES = ["n_pairs", "diff_mean", "diff_sd", "diff_p05", "diff_p95"]


def outcome_kinds(table: pd.DataFrame, group_columns: Sequence[str] = ()) -> dict[str, str]:
    """Each outcome column of a tidy table → ``value`` (numeric) or ``probability`` (yes/no).

    Identity columns, the group columns and non-numeric columns are not outcomes.

    Args:
        table: one row per variant, replication and year.
        group_columns: the columns that name a variant.
    """
    kinds = {}
    for column in table.columns:
        if column in IDENTITY_COLUMNS or column in group_columns:
            continue
        values = table[column]
        if pd.api.types.is_bool_dtype(values) or _is_yes_no(values):
            kinds[column] = PROBABILITY
        elif pd.api.types.is_numeric_dtype(values):
            kinds[column] = VALUE
    return kinds


def summarise(table: pd.DataFrame, group_columns: Sequence[str], reference: str | None = None) -> pd.DataFrame:
    """Per variant, year and outcome: the statistics over replications, and paired differences.

    Args:
        table: the tidy yearly table of an experiment (``load_results``): the group
            columns, ``replication``, ``year`` and outcome columns.
        group_columns: the columns that name a variant (``["scenario"]``, or a
            sweep's ``["point", <inputs>…]``).
        reference: in a comparison, the scenario to take paired differences
            against (matched on ``replication`` and ``year``).

    Returns:
        One row per variant, year and outcome, in the table's order: the group
        columns, ``year``, ``outcome``, ``kind`` (value / probability), ``n``
        (replications with a value), ``mean`` (for a probability: the
        probability), ``sd``, ``p05``, ``p95``; with a reference also ``n_pairs``,
        ``diff_mean``, ``diff_sd``, ``diff_p05``, ``diff_p95`` (empty for the
        reference itself).
    """
    group_columns = list(group_columns)
    kinds = outcome_kinds(table, group_columns)
    columns = [*group_columns, "year", "outcome", "kind", *STATISTICS, *(DIFFERENCES if reference else [])]
    if table.empty or not kinds:
        return pd.DataFrame(columns=columns)
    variant = table.groupby(group_columns, sort=False, dropna=False).ngroup().rename("variant")
    long = _long(table, variant, kinds)
    keys = ["variant", "year", "outcome_position"]
    summary = _describe(long.groupby(keys)["value"])
    if reference is not None:
        is_reference = long.variant.isin(variant[table.scenario == reference].unique())
        differences = _describe(_paired_differences(long, is_reference).groupby(keys)["diff"])
        differences.columns = DIFFERENCES
        summary = summary.join(differences)
        # no pairs (the outcome is missing in the reference) is 0 pairs; the reference itself has none
        reference_rows = summary.index.get_level_values("variant").isin(long.variant[is_reference].unique())
        summary["n_pairs"] = summary.n_pairs.fillna(0).astype("Int64").mask(reference_rows)
    summary = summary.reset_index()
    summary["n"] = summary.n.astype("int64")
    names = list(kinds)
    summary["outcome"] = [names[i] for i in summary.outcome_position]
    summary["kind"] = summary.outcome.map(kinds)
    spread = [c for c in summary.columns if c in ("sd", *QUANTILES, "diff_sd", "diff_p05", "diff_p95")]
    summary.loc[summary.kind == PROBABILITY, spread] = np.nan  # the spread of 0/1 values says nothing
    groups = table[group_columns].assign(variant=variant).drop_duplicates("variant").set_index("variant")
    summary = summary.join(groups, on="variant")
    return summary[columns].reset_index(drop=True)


def _is_yes_no(values: pd.Series) -> bool:
    """An object column of True/False (and missing) values."""
    present = values.dropna()
    return values.dtype == object and len(present) > 0 and all(isinstance(v, bool | np.bool_) for v in present)


def _long(table: pd.DataFrame, variant: pd.Series, kinds: dict[str, str]) -> pd.DataFrame:
    """One row per variant, replication, year and outcome, with the value as a float (yes = 1)."""
    values = {
        name: table[name].astype("boolean").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if kind == PROBABILITY
        else table[name].to_numpy(dtype=float, na_value=np.nan)
        for name, kind in kinds.items()
    }
    wide = pd.DataFrame(
        {
            "variant": variant.to_numpy(),
            "replication": table.replication.to_numpy(),
            "year": table.year.to_numpy(),
            **values,
        }
    )
    long = wide.melt(id_vars=["variant", "replication", "year"], var_name="outcome", value_name="value")
    long["outcome_position"] = long.outcome.map({name: i for i, name in enumerate(kinds)})
    return long.dropna(subset=["value"])


def _paired_differences(long: pd.DataFrame, is_reference: pd.Series) -> pd.DataFrame:
    """Each value minus the reference scenario's value for the same replication, year and outcome."""
    on = ["replication", "year", "outcome_position"]
    base = long[is_reference][[*on, "value"]].rename(columns={"value": "reference_value"})
    paired = long[~is_reference].merge(base, on=on)
    return paired.assign(diff=paired.value - paired.reference_value)


def _describe(grouped: pd.core.groupby.SeriesGroupBy) -> pd.DataFrame:
    """Count, mean, standard deviation and the 5 % and 95 % quantiles of each group."""
    stats = grouped.agg(["count", "mean", "std"]).rename(columns={"count": "n", "std": "sd"})
    for name, q in QUANTILES.items():
        stats[name] = grouped.quantile(q)
    return stats
