"""Sweep files: designs, EST ranges, dotted keys, validation errors, and the tidy table (issue 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from fupin_sim.config.scenario import default_parameters, load_scenario
from fupin_sim.errors import UserError
from fupin_sim.experiments.sweeps import MAX_GRID_POINTS, SweepError, load_sweep, run_sweep

SWEEP_DIR = Path(__file__).resolve().parents[1] / "sweeps"


@pytest.fixture
def write_sweep(tmp_path: Path):
    """Factory: write a sweep mapping as ``<tmp_path>/<name>.yaml`` (with a scaled-down scenario beside it)."""
    (tmp_path / "small.yaml").write_text(yaml.safe_dump({"extends": "baseline", "population_scale": 0.05}))

    def write(content: Any, name: str = "sweep") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(content if isinstance(content, str) else yaml.safe_dump(content), encoding="utf-8")
        return path

    return write


def documented_range(path: str, year: int | None = None) -> list[float]:
    documented = default_parameters()[path].range
    return list(documented[year] if year is not None else documented)


# --- designs ---------------------------------------------------------------------------------


def test_a_grid_takes_every_combination_of_levels_over_est_ranges_and_given_values(write_sweep):
    sweep = load_sweep(
        write_sweep(
            {
                "scenario": "small.yaml",
                "vary": {
                    "health.inpatient_reimbursement_share": {"range": "est", "levels": 3},
                    "social_assistance.dibao_enrolment_prob": [0.4, 0.8],
                },
            }
        )
    )
    points = sweep.points()
    low, high = documented_range("health.inpatient_reimbursement_share")
    assert points.values.tolist() == [
        [low, 0.4],
        [low, 0.8],
        [(low + high) / 2, 0.4],
        [(low + high) / 2, 0.8],
        [high, 0.4],
        [high, 0.8],
    ]
    assert list(points.columns) == ["health.inpatient_reimbursement_share", "social_assistance.dibao_enrolment_prob"]


def test_a_latin_hypercube_puts_one_point_in_each_stratum_of_every_range(write_sweep):
    content = {
        "scenario": "small.yaml",
        "design": "lhs",
        "samples": 10,
        "design_seed": 3,
        "vary": {"health.serious_cost_mean": "est", "income.wage_growth": {"range": [0.0, 0.1]}},
    }
    points = load_sweep(write_sweep(content)).points()
    assert len(points) == 10
    for column, (low, high) in [
        ("health.serious_cost_mean", documented_range("health.serious_cost_mean")),
        ("income.wage_growth", (0.0, 0.1)),
    ]:
        strata = np.floor((points[column] - low) / (high - low) * 10).astype(int)
        assert sorted(strata) == list(range(10)), column
    assert points.equals(load_sweep(write_sweep(content)).points())  # the design seed fixes the design
    other = load_sweep(write_sweep({**content, "design_seed": 4})).points()
    assert not points.equals(other)


def test_a_latin_hypercube_picks_listed_values_evenly(write_sweep):
    points = load_sweep(
        write_sweep(
            {
                "scenario": "small.yaml",
                "design": "lhs",
                "samples": 6,
                "vary": {"social_assistance.dibao_enrolment_prob": [0.4, 0.6, 0.8]},
            }
        )
    ).points()
    assert sorted(points["social_assistance.dibao_enrolment_prob"]) == [0.4, 0.4, 0.6, 0.6, 0.8, 0.8]


def test_vary_all_est_varies_every_estimate_over_its_range_one_year_at_a_time_for_dated_ones(write_sweep):
    sweep = load_sweep(write_sweep({"scenario": "small.yaml", "design": "lhs", "samples": 3, "vary_all_est": True}))
    expected = set()
    for path, param in default_parameters().items():
        if param.confidence == "EST":
            expected |= {f"{path}.{year}" for year in param.range} if isinstance(param.range, dict) else {path}
    assert {factor.key for factor in sweep.factors} == expected
    exit_line_2018 = next(f for f in sweep.factors if f.key == "poverty_line.exit_line.2018")
    assert [exit_line_2018.low, exit_line_2018.high] == documented_range("poverty_line.exit_line", 2018)
    assert len(sweep.experiment(reps=1).variants) == 3  # every point makes a valid scenario


def test_a_grid_over_every_estimate_is_refused(write_sweep):
    with pytest.raises(
        SweepError, match=rf"vary: the grid has .* points \(at most {MAX_GRID_POINTS:,}\). Fix: .*design: lhs"
    ):
        load_sweep(write_sweep({"scenario": "small.yaml", "vary_all_est": True}))


# --- what a point changes --------------------------------------------------------------------


def test_a_year_of_a_dated_parameter_changes_that_year_only(write_sweep):
    sweep = load_sweep(
        write_sweep({"scenario": "small.yaml", "vary": {"poverty_line.exit_line.2017": {"range": "est", "levels": 2}}})
    )
    low, high = documented_range("poverty_line.exit_line", 2017)
    variants = sweep.experiment(reps=1).variants
    assert [v.inputs for v in variants] == [{"poverty_line.exit_line.2017": low}, {"poverty_line.exit_line.2017": high}]
    scenario = load_scenario(variants[1].scenario)
    shipped = default_parameters()
    assert scenario.params.value("poverty_line.exit_line", 2017) == high
    for year in (2016, 2018, 2020):
        assert scenario.params.value("poverty_line.exit_line", year) == shipped.value("poverty_line.exit_line", year)


def test_scenario_settings_are_varied_by_their_dotted_path(write_sweep):
    sweep = load_sweep(
        write_sweep(
            {
                "scenario": "small.yaml",
                "vary": {"programmes.social_assistance.budget_cny.2016": [0, 1.0e6], "population_scale": [0.05, 0.1]},
            }
        )
    )
    variants = sweep.experiment(reps=1).variants
    assert len(variants) == 4
    last = variants[-1].scenario
    assert last["programmes"]["social_assistance"]["budget_cny"] == {2016: 1.0e6}
    assert last["population_scale"] == 0.1
    assert {v.scenario["seed"] for v in variants} == {load_scenario("baseline").seed}


def test_the_sweep_seed_is_the_base_seed_of_every_point(write_sweep):
    sweep = load_sweep(
        write_sweep({"scenario": "small.yaml", "seed": 77, "vary": {"income.wage_growth": [0.05, 0.06]}})
    )
    assert {v.scenario["seed"] for v in sweep.experiment().variants} == {77}
    assert sweep.experiment().reps == 10 and sweep.experiment(reps=2).reps == 2


def test_the_shipped_sweeps_are_valid():
    files = sorted(SWEEP_DIR.glob("*.yaml"))
    assert files
    for path in files:
        assert load_sweep(path).experiment().variants


# --- the tidy table --------------------------------------------------------------------------


def test_a_sweep_gives_one_tidy_row_per_point_replication_and_year_with_common_random_numbers(write_sweep):
    path = write_sweep({"scenario": "small.yaml", "reps": 2, "vary": {"targets.exit_share_cum.2016": [0.0, 1.0]}})
    result = run_sweep(path, executor="serial")
    table = result.table
    assert list(table.columns[:5]) == ["scenario", "point", "targets.exit_share_cum.2016", "replication", "run_id"]
    assert len(table) == 2 * 2 * 5
    assert table.groupby("point")["targets.exit_share_cum.2016"].first().tolist() == [0.0, 1.0]
    # a target changes nothing in the simulation, so both points run the same random numbers to the same exits ...
    by_point = table.set_index(["point", "replication", "year"])
    assert by_point.loc[0].exit_share_cum.equals(by_point.loc[1].exit_share_cum)
    # ... and only whether the target is met differs: always at 0 %, never at 100 %
    summary = result.summary.set_index(["point", "year", "outcome"])
    assert summary.loc[(0, 2016, "exit_target_met"), "mean"] == 1.0
    assert summary.loc[(1, 2016, "exit_target_met"), "mean"] == 0.0
    assert list(result.summary.columns[:4]) == ["point", "targets.exit_share_cum.2016", "year", "outcome"]
    assert set(result.summary.n[result.summary.kind == "value"]) == {2}


# --- bad sweep files -------------------------------------------------------------------------

BASE = {"scenario": "small.yaml"}
GOOD_VARY = {"vary": {"income.wage_growth": [0.05, 0.06]}}


@pytest.mark.parametrize(
    ("content", "key", "text"),
    [
        ({**BASE, **GOOD_VARY, "rep": 3}, "rep", "unknown key. Fix: did you mean 'reps'?"),
        (GOOD_VARY, "scenario", "missing: which scenario to vary. Fix: add e.g. scenario: baseline"),
        ({"scenario": "no_such", **GOOD_VARY}, "scenario", "not found"),
        ({**BASE, **GOOD_VARY, "design": "gird"}, "design", "unknown design 'gird'. Fix: did you mean 'grid'?"),
        ({**BASE, **GOOD_VARY, "design": "lhs"}, "samples", "needs a number of points. Fix: add e.g. samples: 20"),
        (
            {**BASE, **GOOD_VARY, "samples": 4},
            "samples",
            "Latin hypercube designs only. Fix: remove it or set design: lhs",
        ),
        ({**BASE, **GOOD_VARY, "reps": 0}, "reps", "expected a whole number of at least 1, got 0"),
        ({**BASE, **GOOD_VARY, "seed": "x"}, "seed", "expected a whole number"),
        ({**BASE, "vary_all_est": "yes", **GOOD_VARY}, "vary_all_est", "expected true or false"),
        (BASE, "vary", "nothing to vary. Fix: name at least one parameter"),
        ({**BASE, "vary": [1]}, "vary", "expected a mapping"),
        (
            {**BASE, "vary": {"health.hospitalization_rate": "est"}},
            "vary.health.hospitalization_rate",
            "unknown parameter or scenario setting. Fix: did you mean 'health.hospitalisation_rate'?",
        ),
        ({**BASE, "vary": {"seed": [1, 2]}}, "vary.seed", "cannot be varied in a sweep. Fix: vary parameters"),
        (
            {**BASE, "vary": {"income.wage_growth": 0.05}},
            "vary.income.wage_growth",
            "a single value (0.05) does not vary",
        ),
        (
            {**BASE, "vary": {"income.pension": "est"}},
            "vary.income.pension.range",
            "income.pension documents no range (it is not an estimate). Fix: give range: [low, high]",
        ),
        (
            {**BASE, "vary": {"poverty_line.exit_line": "est"}},
            "vary.poverty_line.exit_line.range",
            "has ranges by year (2017, 2018, 2019). Fix: vary one year, e.g. poverty_line.exit_line.2017",
        ),
        (
            {**BASE, "vary": {"poverty_line.exit_line.2016": "est"}},
            "vary.poverty_line.exit_line.2016.range",
            "no documented range for 2016",
        ),
        (
            {**BASE, "vary": {"population_scale": "est"}},
            "vary.population_scale.range",
            "est ranges belong to parameters",
        ),
        (
            {**BASE, "vary": {"income.wage_growth": {"range": [0.1, 0.05]}}},
            "vary.income.wage_growth.range",
            "low (0.1) must be below high (0.05)",
        ),
        (
            {**BASE, "vary": {"income.wage_growth": {"range": ["a", 1]}}},
            "vary.income.wage_growth.range",
            "expected est or [low, high] numbers",
        ),
        (
            {**BASE, "vary": {"income.wage_growth": {"range": "est", "levels": 1}}},
            "vary.income.wage_growth.levels",
            "at least 2",
        ),
        (
            {**BASE, "design": "lhs", "samples": 4, "vary": {"income.wage_growth": {"range": "est", "levels": 3}}},
            "vary.income.wage_growth.levels",
            "levels apply to grid designs",
        ),
        (
            {**BASE, "vary": {"income.wage_growth": {"values": [0.05], "levels": 3}}},
            "vary.income.wage_growth.levels",
            "levels apply to ranges",
        ),
        (
            {**BASE, "vary": {"income.wage_growth": {"values": [0.05], "range": "est"}}},
            "vary.income.wage_growth",
            "give either range or values",
        ),
        ({**BASE, "vary": {"income.wage_growth": {"values": []}}}, "vary.income.wage_growth.values", "non-empty list"),
        ({**BASE, "vary": {"income.wage_growth": {"steps": 3}}}, "vary.income.wage_growth.steps", "unknown key"),
        (
            {**BASE, "vary": {"health.inpatient_reimbursement_share": [0.5, 1.5]}},
            "vary.health.inpatient_reimbursement_share",
            "point 1 {'health.inpatient_reimbursement_share': 1.5}: parameters.health.inpatient_reimbursement_share",
        ),
        (
            {**BASE, "vary": {"programmes.social_assistance.budgt_cny.2016": [1, 2]}},
            "vary.programmes.social_assistance.budgt_cny.2016",
            "unknown key. Fix: did you mean 'budget_cny'?",
        ),
        (
            {**BASE, "vary": {"programmes.social_assistance.enrol_all_eligible_registered.x": [1, 2]}},
            "vary.programmes.social_assistance.enrol_all_eligible_registered.x",
            "is False, not a mapping of settings",
        ),
        ("vary: [unclosed", "(file)", "not valid YAML"),
        ("- a list", "(file)", "must be a mapping"),
    ],
)
def test_a_bad_sweep_file_names_the_file_the_key_and_the_fix(write_sweep, content, key, text):
    path = write_sweep(content)
    with pytest.raises(UserError) as caught:
        load_sweep(path).experiment()
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert text in message


def test_a_per_year_input_on_a_parameter_the_scenario_fixes_for_all_years_is_refused(write_sweep, tmp_path):
    flat = {"extends": "baseline", "parameters": {"poverty_line.exit_line": 3000}}
    (tmp_path / "flat.yaml").write_text(yaml.safe_dump(flat))
    path = write_sweep({"scenario": "flat.yaml", "vary": {"poverty_line.exit_line.2017": [3200, 3300]}})
    with pytest.raises(SweepError, match="sets poverty_line.exit_line to one value for all years. Fix: vary the whole"):
        load_sweep(path).experiment()


def test_a_missing_sweep_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_sweep(tmp_path / "nope.yaml")
