"""Summaries over replications, on hand-made tables with known answers (issue 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fupin_sim.experiments.summaries import outcome_kinds, summarise


def table(rows: list[tuple]) -> pd.DataFrame:
    """A tidy yearly table from (scenario, replication, year, exits, target_met) rows."""
    frame = pd.DataFrame(rows, columns=["scenario", "replication", "year", "exits", "exit_target_met"])
    frame["run_id"] = frame.scenario + "/" + frame.replication.astype(str)
    return frame


REPLICATIONS = range(20)
# "a": exits = replication (0..19); target met when exits ≥ 15, only in 2016 (no target in 2017)
# "b": the same plus 10, so every paired difference is exactly 10
ROWS = [("a", r, 2016, r, r >= 15) for r in REPLICATIONS] + [("a", r, 2017, 2 * r, None) for r in REPLICATIONS]
ROWS += [("b", r, 2016, r + 10, r + 10 >= 15) for r in REPLICATIONS] + [
    ("b", r, 2017, 2 * r + 10, None) for r in REPLICATIONS
]


def row(summary: pd.DataFrame, scenario: str, year: int, outcome: str) -> pd.Series:
    found = summary[(summary.scenario == scenario) & (summary.year == year) & (summary.outcome == outcome)]
    assert len(found) == 1
    return found.iloc[0]


def test_numeric_outcomes_get_mean_sd_and_the_5_to_95_percent_interval():
    summary = summarise(table(ROWS), ["scenario"])
    exits = row(summary, "a", 2016, "exits")
    values = np.arange(20)
    assert exits.kind == "value" and exits.n == 20
    assert exits["mean"] == pytest.approx(values.mean())
    assert exits.sd == pytest.approx(values.std(ddof=1))
    assert (exits.p05, exits.p95) == (
        pytest.approx(np.quantile(values, 0.05)),
        pytest.approx(np.quantile(values, 0.95)),
    )


def test_yes_no_outcomes_become_the_probability_of_meeting_the_target_where_one_is_set():
    summary = summarise(table(ROWS), ["scenario"])
    assert row(summary, "a", 2016, "exit_target_met")["mean"] == pytest.approx(5 / 20)
    assert row(summary, "b", 2016, "exit_target_met")["mean"] == pytest.approx(15 / 20)
    probability = row(summary, "a", 2016, "exit_target_met")
    assert probability.kind == "probability" and np.isnan(probability.p05) and np.isnan(probability.sd)
    assert summary[(summary.year == 2017) & (summary.outcome == "exit_target_met")].empty  # no target in 2017


def test_paired_differences_are_taken_replication_by_replication_against_the_reference():
    summary = summarise(table(ROWS), ["scenario"], reference="a")
    difference = row(summary, "b", 2017, "exits")
    assert (difference.n_pairs, difference.diff_mean, difference.diff_sd) == (20, 10, 0)
    assert (difference.diff_p05, difference.diff_p95) == (10, 10)
    assert row(summary, "b", 2016, "exit_target_met").diff_mean == pytest.approx(0.5)
    reference = row(summary, "a", 2016, "exits")
    assert pd.isna(reference.n_pairs) and np.isnan(reference.diff_mean)  # the reference itself


def test_only_matching_replications_are_paired():
    rows = [r for r in ROWS if not (r[0] == "b" and r[1] == 0)]  # b's replication 0 failed
    difference = row(summarise(table(rows), ["scenario"], reference="a"), "b", 2016, "exits")
    assert difference.n_pairs == 19 and difference.diff_mean == 10


def test_new_numeric_columns_are_summarised_and_text_columns_ignored():
    frame = table(ROWS).assign(spending_new_programme_cny=1.5, note="text")
    kinds = outcome_kinds(frame, ["scenario"])
    assert kinds == {"exits": "value", "exit_target_met": "probability", "spending_new_programme_cny": "value"}
    assert row(summarise(frame, ["scenario"]), "a", 2017, "spending_new_programme_cny")["mean"] == 1.5


def test_a_column_that_one_scenario_lacks_is_summarised_for_the_other_only():
    frame = table(ROWS)
    frame["spending_x_cny"] = np.where(frame.scenario == "b", 3.0, np.nan)
    summary = summarise(frame, ["scenario"], reference="a")
    assert summary[(summary.scenario == "a") & (summary.outcome == "spending_x_cny")].empty
    only_b = row(summary, "b", 2016, "spending_x_cny")
    assert only_b.n == 20 and only_b["mean"] == 3.0
    assert only_b.n_pairs == 0 and np.isnan(only_b.diff_mean)


def test_rows_keep_the_order_of_the_variants_years_and_outcomes():
    frame = table([r for r in ROWS if r[0] == "b"] + [r for r in ROWS if r[0] == "a"])
    summary = summarise(frame, ["scenario"])
    assert summary[["scenario", "year", "outcome"]].drop_duplicates().values.tolist()[:3] == [
        ["b", 2016, "exits"],
        ["b", 2016, "exit_target_met"],
        ["b", 2017, "exits"],
    ]
    assert summary.scenario.drop_duplicates().tolist() == ["b", "a"]


def test_an_empty_table_gives_an_empty_summary_with_the_columns():
    summary = summarise(table([]), ["scenario"], reference="a")
    assert summary.empty and {"mean", "p05", "p95", "diff_mean"} <= set(summary.columns)
