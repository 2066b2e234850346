"""The sensitivity screen of many-factor sweeps: rank correlations, outcome spread, the printed screen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from fupin_sim.experiments.sensitivity import outcome_spread, point_means, rank_correlations
from fupin_sim.experiments.sweeps import run_sweep
from fupin_sim.workbench.reports import MAX_FACTORS_PER_POINT_TABLE, format_sweep


def yearly_rows(outcome_by_point: dict[int, list[float]], year: int = 2017) -> pd.DataFrame:
    """A tidy sweep table: one row per point and replication in one year."""
    return pd.DataFrame(
        [
            {"point": point, "replication": rep, "year": year, "exit_share_cum": value}
            for point, values in outcome_by_point.items()
            for rep, value in enumerate(values)
        ]
    )


def test_point_means_average_the_replications_of_each_point_in_the_year():
    table = pd.concat([yearly_rows({0: [0.2, 0.4], 1: [0.9, 0.7]}), yearly_rows({0: [1.0, 1.0]}, year=2016)])
    means = point_means(table, "exit_share_cum", 2017)
    assert means.to_dict() == pytest.approx({0: 0.3, 1: 0.8})
    with pytest.raises(ValueError, match="no finished runs for 2030"):
        point_means(table, "exit_share_cum", 2030)


def test_rank_correlations_find_monotone_inputs_whatever_their_units_and_skip_constant_ones():
    rng = np.random.default_rng(1)
    n = 50
    inputs = pd.DataFrame(
        {
            "rising": rng.uniform(0, 1, n),
            "falling_in_thousands": rng.uniform(1_000, 5_000, n),
            "noise": rng.uniform(0, 1, n),
            "fixed": np.full(n, 0.25),
            "label": ["a"] * n,
        }
    )
    # increasing (not linearly) in one input, decreasing in another in quite other units
    outcome = pd.Series(inputs.rising**3 - inputs.falling_in_thousands / 5_000)
    correlations = rank_correlations(inputs, outcome)
    assert set(correlations.index[:2]) == {"rising", "falling_in_thousands"}
    assert correlations["rising"] > 0.5
    assert correlations["falling_in_thousands"] < -0.4
    assert abs(correlations["noise"]) < 0.35
    assert "fixed" not in correlations and "label" not in correlations
    assert list(correlations.abs()) == sorted(correlations.abs(), reverse=True)


def test_rank_correlations_are_empty_when_the_outcome_does_not_vary():
    inputs = pd.DataFrame({"x": [0.1, 0.2, 0.3]})
    assert rank_correlations(inputs, pd.Series([0.5, 0.5, 0.5])).empty


def test_outcome_spread_gives_the_range_of_the_point_means_and_their_mean():
    table = yearly_rows({0: [0.2, 0.4], 1: [0.9, 0.7], 2: [0.5, 0.5]})
    spread = outcome_spread(table, ["exit_share_cum"], [2017]).iloc[0]
    assert (spread["min"], spread["median"], spread["max"]) == pytest.approx((0.3, 0.5, 0.8))
    assert spread["mean"] == pytest.approx(1.6 / 3) and spread["points"] == 3


def test_a_sweep_of_many_factors_prints_the_screen_with_the_input_that_drives_the_exits(tmp_path):
    (tmp_path / "small.yaml").write_text(yaml.safe_dump({"extends": "baseline", "population_scale": 0.05}))
    # one input that certainly moves the 2017 exits (that year's exit line, set far
    # below and far above its documented range) among many that barely can in a
    # baseline world; two more targets make their years target years too
    vary = {"poverty_line.exit_line.2017": [1_000.0, 9_000.0]}
    vary.update({f"targets.exit_share_cum.{year}": [0.1, 0.2] for year in (2018, 2019)})
    vary.update(
        dict.fromkeys(
            (
                "education.senior_subsidy",
                "education.vocational_share",
                "industry.shares_cost_cny_per_household",
                "infrastructure.clinic_build_months",
                "microcredit.risk_fund_share",
                "employment.labour_export_cost_cny_per_person",
            ),
            "est",
        )
    )
    assert len(vary) > MAX_FACTORS_PER_POINT_TABLE
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump({"scenario": "small.yaml", "reps": 1, "design": "lhs", "samples": 12, "vary": vary}))
    text = format_sweep(run_sweep(path, executor="serial", progress=False))

    assert "Over the 12 points" in text
    block = text.split("Inputs that move exited (cum) 2017 most")[1].split("\n\n")[0]
    first_input = block.splitlines()[1].split()
    assert first_input[0] == "poverty_line.exit_line.2017" and float(first_input[1]) < -0.5
    assert "point  " not in text  # no per-point table
