"""Calibration: the table of figures, the file format and its errors, recovering known parameters, overlays."""

from __future__ import annotations

import dataclasses
import math
import textwrap

import numpy as np
import pytest
import yaml

from fupin_sim import FupinModel
from fupin_sim.config.scenario import default_parameters, load_scenario
from fupin_sim.errors import ScenarioError, UserError
from fupin_sim.experiments.calibration import calibration_search, calibration_table, run_calibration
from fupin_sim.experiments.calibration_file import DEFAULT_FILE, CalibrationError, Target, load_calibration
from fupin_sim.experiments.figures import CHECKS, STATISTICS
from fupin_sim.experiments.search import evaluate
from fupin_sim.workbench.risk import at_risk_households


@pytest.fixture(scope="module")
def table():
    return calibration_table(population_scale=0.05, reps=2)


def write(tmp_path, text: str, name: str = "calibration.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_every_figure_of_the_shipped_file_is_compared_with_a_finite_model_value(table):
    shipped = load_calibration(DEFAULT_FILE)
    assert list(table.figure) == [t.figure for t in shipped.figures]
    assert set(table.figure) == {check.figure for check in CHECKS}
    params = default_parameters()
    for row in table.itertuples():
        figure = params[f"district.{row.figure}"]
        assert row.published == figure.at() and row.source == figure.source and row.confidence == figure.confidence
        assert np.isfinite(row.model), row.figure
        assert row.p05 <= row.model <= row.p95
        assert row.within == (row.low <= row.model <= row.high)
        assert row.difference == pytest.approx(row.model - row.published)
    assert table.set_index("figure").held_out.to_dict() == {t.figure: t.held_out for t in shipped.figures}


def test_the_population_checks_reproduce_the_generator_inputs(table):
    by_figure = table.set_index("figure")
    params = default_parameters()
    assert by_figure.loc["registered_poor_households", "model"] == pytest.approx(
        params.value("district.registered_poor_households"), rel=0.01
    )
    assert by_figure.loc["poor_villages", "model"] == params.value("district.poor_villages")


def test_withdrawing_support_shows_up_as_a_higher_return_risk(table):
    by_figure = table.set_index("figure")
    assert by_figure.loc["return_risk_without_support", "model"] > by_figure.loc["return_risk_with_support", "model"]


def test_a_figure_is_within_its_band_up_to_the_edge_and_the_distance_counts_in_bands():
    target = Target("f", "poor_villages", "baseline", "baseline", published=1.0, low=0.5, high=3.0)
    assert target.distance(1.0) == 0
    assert target.distance(0.5) == pytest.approx(1.0) and target.distance(3.0) == pytest.approx(1.0)
    assert target.distance(2.0) == pytest.approx(0.5) and target.distance(0.0) == pytest.approx(2.0)
    assert target.distance(math.nan) > 10


def test_a_condition_counts_only_outside_its_band_in_band_widths():
    condition = Target("falls", "returns_trend_2017_2020", "decision_2016", "decision_2016", None, low=-1.0, high=0.0)
    assert condition.is_condition
    assert condition.distance(-0.5) == 0 and condition.distance(0.0) == 0 and condition.distance(-1.0) == 0
    assert condition.distance(0.25) == pytest.approx(0.25) and condition.distance(-1.5) == pytest.approx(0.5)
    assert condition.distance(math.nan) > 10


def test_conditions_join_the_loss_but_not_the_published_figures(tmp_path):
    path = write(
        tmp_path,
        """
        figures:
          poor_villages: {tolerance: 1}
        conditions:
          returns_fall: {statistic: returns_trend_2017_2020, scenario: decision_2016, range: [-1, 0], weight: 4}
          target_2016: {statistic: exit_target_2016_met, scenario: decision_2016, range: [0.9, 1], held_out: true}
        parameters:
          health.hospitalisation_rate: est
        """,
    )
    calibration = load_calibration(path)
    assert [t.figure for t in calibration.figures] == ["poor_villages"]
    assert [t.figure for t in calibration.fitted] == ["poor_villages", "returns_fall"]
    published = default_parameters().value("district.poor_villages")
    means = {"poor_villages": published, "returns_fall": 0.5}
    assert calibration.loss(means) == pytest.approx(4 * 0.5**2)
    assert calibration.loss({**means, "returns_fall": -0.2}) == 0


def test_the_shape_statistics_read_the_yearly_table():
    model = FupinModel(load_scenario("withdrawal_2018").replace(population_scale=0.05, seed=3))
    model.run()
    yearly = model.results().yearly.set_index("year")
    returns = yearly.returns.astype(float)
    trend = STATISTICS["returns_trend_2017_2020"].compute(model)
    assert trend == pytest.approx((returns[2020] - returns[2017]) / (returns[2020] + returns[2017]))
    assert -1 <= trend <= 1
    middle = STATISTICS["returns_2019_over_neighbours"].compute(model)
    assert middle == pytest.approx(returns[2019] / min(returns[2018], returns[2020]))
    assert STATISTICS["exit_target_2016_met"].compute(model) == float(bool(yearly.exit_target_met[2016]))
    baseline = FupinModel(load_scenario("baseline").replace(population_scale=0.02))
    baseline.run()
    assert STATISTICS["exit_target_2016_met"].compute(baseline) == 0.0  # the decision's target, missed


def test_the_monitoring_share_counts_the_people_the_2020_rule_flags_over_everyone_ever_registered():
    model = FupinModel(load_scenario("decision_2016").replace(population_scale=0.05))
    model.run()
    flagged = at_risk_households(model)
    registered_people = model.households.size[model.households.ever_registered()].sum()
    share = STATISTICS["monitored_share_2020"].compute(model)
    assert share == pytest.approx(flagged.people[flagged.monitored].sum() / registered_people)
    assert 0 < share < 1
    short = FupinModel(load_scenario("decision_2016").replace(population_scale=0.02))
    short.run_for(24)  # ends in 2017: the 2020 rule is not read there
    assert math.isnan(STATISTICS["monitored_share_2020"].compute(short))


def test_tolerances_make_bands_and_defaults_come_from_the_checks(tmp_path):
    path = write(
        tmp_path,
        """
        figures:
          return_rate_2016: {tolerance: 0.004}
          hospitalisation_rate_registered: {tolerance: 10%, held_out: true}
          poor_villages: {range: [20, 30], weight: 3, statistic: poor_villages, scenario: decision_2016}
        parameters:
          health.hospitalisation_rate: {range: [0.08, 0.12]}
        """,
    )
    calibration = load_calibration(path)
    by_figure = {t.figure: t for t in calibration.targets}
    assert (by_figure["return_rate_2016"].low, by_figure["return_rate_2016"].high) == pytest.approx((0.008, 0.016))
    assert by_figure["return_rate_2016"].scenario_name == "decision_2016"
    assert by_figure["return_rate_2016"].statistic == "returns_2017_per_2016_exit"
    assert by_figure["hospitalisation_rate_registered"].low == pytest.approx(0.208 * 0.9)
    assert by_figure["poor_villages"].weight == 3 and by_figure["poor_villages"].scenario_name == "decision_2016"
    assert [t.figure for t in calibration.fitted] == ["return_rate_2016", "poor_villages"]
    assert calibration.space["health.hospitalisation_rate"].low == 0.08
    assert calibration.check_reps == 2 * calibration.reps


def test_without_parameters_every_estimate_is_fitted_over_its_documented_range(tmp_path):
    calibration = load_calibration(write(tmp_path, "figures: {poor_villages: {tolerance: 1}}\n"))
    documented = default_parameters()["health.serious_cost_mean"].range
    factor = calibration.space["health.serious_cost_mean"]
    assert [factor.low, factor.high] == list(documented)
    assert len(calibration.space) > 100


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        (
            "figures: {return_rate_2106: {tolerance: 0.01}}",
            "figures.return_rate_2106",
            "did you mean.*return_rate_2016",
        ),
        ("figures: {}", "figures", "no figures to fit"),
        ("figures: {return_rate_2016: {tolerance: 0.01, held_out: true}}", "figures", "no figures to fit"),
        ("figures: {return_rate_2016: {}}", "figures.return_rate_2016", "either tolerance or range"),
        (
            "figures: {return_rate_2016: {range: [0.02, 0.03]}}",
            "figures.return_rate_2016.range",
            "around the published",
        ),
        ("figures: {return_rate_2016: {tolerance: -1}}", "figures.return_rate_2016.tolerance", "positive"),
        (
            "figures: {return_rate_2016: {tolerance: 1%, statistic: returns_2017_per_2016_exits}}",
            "figures.return_rate_2016.statistic",
            "did you mean.*returns_2017_per_2016_exit",
        ),
        (
            "figures: {return_rate_2016: {tolerence: 1%}}",
            "figures.return_rate_2016.tolerence",
            "did you mean.*tolerance",
        ),
        (
            "figures: {poor_villages: {tolerance: 1}}\nparameters: {health.hospitalisation_rat: est}",
            "parameters.health.hospitalisation_rat",
            "did you mean.*health.hospitalisation_rate",
        ),
        (
            "figures: {poor_villages: {tolerance: 1}}\nparameters: {health.hospitalisation_rate: {range: [0.05, 0.1]}}",
            "parameters.health.hospitalisation_rate",
            r"outside the documented range \[0.07, 0.13\]",
        ),
        (
            "figures: {poor_villages: {tolerance: 1}}\nparameters: {programmes.health.budget_cny.2016: {range: [1, 2]}}",
            "parameters.programmes.health.budget_cny.2016",
            "scenario setting",
        ),
        (
            "figures: {poor_villages: {tolerance: 1}}\nparameters: {district.return_rate_2016: {range: [0.01, 0.02]}}",
            "parameters.district.return_rate_2016",
            "documents no range",
        ),
        ("figures: {poor_villages: {tolerance: 1}}\ntrails: 5", "trails", "did you mean.*trials"),
        (
            "figures: {poor_villages: {tolerance: 1}}\nconditions: {falls: {statistic: returns_trend_2017_2020, "
            "scenario: decision_2016}}",
            "conditions.falls",
            "needs range",
        ),
        (
            "figures: {poor_villages: {tolerance: 1}}\nconditions: {falls: {statistic: returns_trend, "
            "scenario: decision_2016, range: [-1, 0]}}",
            "conditions.falls.statistic",
            "did you mean.*returns_trend_2017_2020",
        ),
        (
            "figures: {poor_villages: {tolerance: 1}}\nconditions: {falls: {statistic: returns_trend_2017_2020, "
            "scenario: decision_2016, range: [0, 0]}}",
            "conditions.falls.range",
            "low < high",
        ),
        (
            "figures: {poor_villages: {tolerance: 1}}\nconditions: {return_rate_2016: {statistic: poor_villages, "
            "scenario: baseline, range: [0, 1]}}",
            "conditions.return_rate_2016",
            "a figure of data/daan.yaml",
        ),
        (
            "figures: {poor_villages: {tolerance: 1}}\nconditions: {falls: {statistic: returns_trend_2017_2020, "
            "scenario: decision_2016, range: [-1, 0], tolerance: 1}}",
            "conditions.falls.tolerance",
            "unknown key",
        ),
        ("figures: {poor_villages: {tolerance: 1}}\nreps: 0", "reps", "at least 1"),
    ],
)
def test_a_bad_calibration_file_names_the_key_and_the_fix(tmp_path, text, key, message):
    with pytest.raises(CalibrationError, match=message) as caught:
        load_calibration(write(tmp_path, text + "\n"))
    assert caught.value.key == key
    assert str(tmp_path) in str(caught.value)


def test_a_key_given_twice_and_a_missing_file_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="twice"):
        load_calibration(write(tmp_path, "figures: {poor_villages: {tolerance: 1}}\nreps: 2\nreps: 3\n"))
    with pytest.raises(UserError, match="not found"):
        load_calibration(tmp_path / "missing.yaml")


RECOVERY_FILE = """
    reps: 2
    population_scale: 0.05
    trials: 16
    startup_trials: 5
    check_reps: 2
    figures:
      hospitalisation_rate_nonpoor: {tolerance: 10%}
      hospitalisation_rate_registered: {tolerance: 10%}
    parameters:
      health.hospitalisation_rate: est
    """
KNOWN_RATE = 0.11  # inside the documented [0.07, 0.13]
RECOVERY_TOLERANCE = 0.006  # a tenth of the documented range


def test_calibration_recovers_a_known_parameter_from_figures_made_by_a_run_with_it(tmp_path):
    calibration = load_calibration(write(tmp_path, RECOVERY_FILE))
    made = evaluate(calibration_search(calibration), {0: {"health.hospitalisation_rate": KNOWN_RATE}})[0][0]
    targets = []
    for target in calibration.targets:
        value = float(made[target.statistic].mean())
        targets.append(dataclasses.replace(target, published=value, low=value * 0.9, high=value * 1.1))
    calibration.targets = targets
    result = run_calibration(calibration, tmp_path / "out", executor="serial", progress=False)
    fitted = result.best["health.hospitalisation_rate"]
    assert fitted == pytest.approx(KNOWN_RATE, abs=RECOVERY_TOLERANCE)
    assert len(result.history) == 16 and result.history.best_loss.is_monotonic_decreasing
    assert result.fit.within.all()
    overlay = yaml.safe_load(result.overlay.read_text(encoding="utf-8"))
    assert overlay["parameters"] == {"health.hospitalisation_rate": fitted}
    assert list(result.importance.parameter) == ["health.hospitalisation_rate"]


def test_a_scenario_runs_on_an_overlay_and_its_own_parameters_win(tmp_path):
    write(
        tmp_path,
        """
        parameters:
          health.hospitalisation_rate: 0.09
          health.serious_cost_mean: 20000.0
          poverty_line.exit_line: {2017: 3400.0}
        """,
        "fitted.yaml",
    )
    path = write(
        tmp_path,
        """
        extends: baseline
        parameter_files: [fitted.yaml]
        parameters:
          health.serious_cost_mean: 30000.0
        """,
        "scenario.yaml",
    )
    scenario = load_scenario(path)
    assert scenario.params.value("health.hospitalisation_rate") == 0.09
    assert scenario.params.value("health.serious_cost_mean") == 30000.0
    assert scenario.params.value("poverty_line.exit_line", 2017) == 3400.0
    assert load_scenario(scenario.to_dict()).params.value("health.hospitalisation_rate") == 0.09
    child = write(tmp_path, "extends: scenario.yaml\nname: child\n", "child.yaml")
    assert load_scenario(child).params.value("health.hospitalisation_rate") == 0.09


def test_a_shipped_overlay_is_found_in_the_project_folder(tmp_path):
    shipped = yaml.safe_load((DEFAULT_FILE.parent / "fitted" / "ci.yaml").read_text(encoding="utf-8"))
    path = write(tmp_path, "extends: baseline\nparameter_files: [calibration/fitted/ci.yaml]\n", "s.yaml")
    rate = shipped["parameters"]["health.hospitalisation_rate"]
    assert load_scenario(path).params.value("health.hospitalisation_rate") == rate


def test_an_overlay_with_an_unknown_parameter_or_a_missing_file_is_named(tmp_path):
    write(tmp_path, "parameters: {health.hospitalisation_rat: 0.09}\n", "fitted.yaml")
    with pytest.raises(ScenarioError, match="fitted.yaml: parameters.health.hospitalisation_rat.*did you mean"):
        load_scenario(write(tmp_path, "extends: baseline\nparameter_files: [fitted.yaml]\n", "s.yaml"))
    with pytest.raises(ScenarioError, match="parameter_files: nothere.yaml not found"):
        load_scenario(write(tmp_path, "extends: baseline\nparameter_files: [nothere.yaml]\n", "t.yaml"))


def test_every_statistic_of_the_checks_is_registered():
    assert {check.statistic for check in CHECKS} <= set(STATISTICS)


def test_the_table_before_calibration_runs_the_scenarios_as_without_their_fitted_overlay(tmp_path):
    calibration = (
        "seed: 7\nreps: 2\nfigures:\n  hospitalisation_rate_nonpoor: {tolerance: 10%, scenario: scenario.yaml}\n"
    )
    calibration += "parameters:\n  health.hospitalisation_rate: est\n"
    fitted, plain = tmp_path / "fitted", tmp_path / "plain"
    # "plain" holds the rate at its value in the parameter files (the shipped overlay that baseline
    # names may fit it too)
    shipped_rate = default_parameters().value("health.hospitalisation_rate")
    plain_scenario = f"parameters:\n  health.hospitalisation_rate: {shipped_rate}\n"
    for folder, scenario in ((fitted, "parameter_files: [overlay.yaml]\n"), (plain, plain_scenario)):
        folder.mkdir()
        write(folder, "parameters:\n  health.hospitalisation_rate: 0.13\n", "overlay.yaml")
        write(folder, f"extends: baseline\n{scenario}", "scenario.yaml")
        write(folder, calibration)
    runs = {"population_scale": 0.02, "reps": 2}
    after = calibration_table(file=fitted / "calibration.yaml", **runs)
    before = calibration_table(file=fitted / "calibration.yaml", fitted=False, **runs)
    without = calibration_table(file=plain / "calibration.yaml", **runs)
    assert before.model.tolist() == without.model.tolist()
    assert after.model[0] > before.model[0]  # the overlay's rate is above the shipped one
