"""Scenario files: loading, ``extends`` merging, the resolved round trip, and clear errors.

Bad input must raise :class:`ScenarioError` whose message names the file, the
dotted key at fault and how to fix it; each case below writes a scenario file
that ``extends: baseline`` and changes one thing.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import yaml

from fupin_sim import ScenarioError, load_scenario
from fupin_sim.config.parameters import ParameterRangeWarning
from fupin_sim.config.scenario import SCENARIO_DIR
from fupin_sim.config.settings import Month

BASELINE_FILE = SCENARIO_DIR / "baseline.yaml"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def baseline_raw() -> dict:
    return yaml.safe_load(BASELINE_FILE.read_text(encoding="utf-8"))


# --- loading and extends -------------------------------------------------------------


def test_baseline_loads_with_the_values_of_its_file(baseline, baseline_raw):
    assert baseline.name == "baseline"
    assert Path(baseline.file) == BASELINE_FILE
    assert baseline.seed == baseline_raw["seed"]
    assert baseline.horizon.start == Month.parse(baseline_raw["start"])
    assert baseline.horizon.end == Month.parse(baseline_raw["end"])
    assert baseline.description == baseline_raw["description"].strip()
    for target, by_year in baseline_raw["targets"].items():
        assert baseline.targets[target] == {year: pytest.approx(value) for year, value in by_year.items()}
    assert set(baseline.programmes) == set(baseline_raw["programmes"])
    for key, settings in baseline_raw["programmes"].items():
        for setting, value in settings.items():
            assert baseline.programmes[key][setting] == value
    # The run's parameters hold the district aggregates.
    assert baseline.params.value("district.poor_villages") > 0


def test_a_child_overrides_a_nested_key_and_keeps_the_rest(baseline, write_scenario):
    exit_targets = baseline.targets["exit_share_cum"]
    first_year = min(exit_targets)
    new_target = exit_targets[first_year] / 2
    path = write_scenario(
        {
            "extends": "baseline",
            "targets": {"exit_share_cum": {first_year: new_target}},
            "parameters": {"health.insurance_coverage": 0.97},
        },
        name="half_target",
    )
    child = load_scenario(path)

    assert child.name == "half_target" and child.file == str(path)
    # the overridden nested key
    assert child.targets["exit_share_cum"][first_year] == new_target
    # the rest of the same mapping, and its sibling mapping, come from the parent
    assert {y: v for y, v in child.targets["exit_share_cum"].items() if y != first_year} == {
        y: v for y, v in exit_targets.items() if y != first_year
    }
    assert child.targets["villages_delisted_cum"] == baseline.targets["villages_delisted_cum"]
    assert (child.seed, child.horizon, child.description) == (baseline.seed, baseline.horizon, baseline.description)
    assert child.programmes == baseline.programmes
    # parameter overrides reach the run's parameters, and only the named one changes
    assert child.params.value("health.insurance_coverage") == 0.97
    assert baseline.params.value("health.insurance_coverage") != 0.97
    assert child.params.value("health.individual_premium", 2016) == baseline.params.value(
        "health.individual_premium", 2016
    )


def test_extends_chains_through_a_local_file(baseline, write_scenario):
    """A child of a child: the nearest definition wins, everything else is inherited."""
    write_scenario(
        {
            "extends": "baseline",
            "seed": 11,
            "programmes": {"social_assistance": {"enrol_all_eligible_registered": True}},
        },
        name="middle",
    )
    path = write_scenario({"extends": "middle", "seed": 12, "population_scale": 0.5}, name="leaf")
    leaf = load_scenario(path)
    assert leaf.name == "leaf"
    assert leaf.seed == 12
    assert leaf.population_scale == 0.5
    assert leaf.programmes["social_assistance"]["enrol_all_eligible_registered"] is True
    assert leaf.targets == baseline.targets


@pytest.mark.parametrize("child_dir, extends", [("", "parent.yaml"), ("sub", "../parent.yaml")])
def test_extends_accepts_a_path_relative_to_the_child_file(tmp_path, monkeypatch, child_dir, extends):
    """``extends`` takes "a name in scenarios/ or a path"; a relative path is read from the child's folder."""
    (tmp_path / "parent.yaml").write_text("extends: baseline\nseed: 4242\n", encoding="utf-8")
    (tmp_path / child_dir).mkdir(exist_ok=True)
    child = tmp_path / child_dir / "child.yaml"
    child.write_text(f"extends: {extends}\npopulation_scale: 0.5\n", encoding="utf-8")
    elsewhere = tmp_path / "other" / "cwd"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)  # the result must not depend on the working directory
    scenario = load_scenario(child)
    assert (scenario.seed, scenario.population_scale) == (4242, 0.5)


def test_an_in_memory_scenario_gets_the_same_default_name_with_or_without_extends():
    """A mapping has no file name: load_scenario names it "scenario", not after a placeholder."""
    plain = load_scenario({"seed": 3})
    extended = load_scenario({"extends": "baseline", "seed": 3})
    assert extended.name == plain.name
    assert load_scenario({"extends": "baseline", "name": "mine"}).name == "mine"


@pytest.mark.parametrize("source", ["baseline", "child"])
def test_to_dict_loads_back_to_the_same_resolved_scenario(source, write_scenario):
    if source == "child":
        source = write_scenario(
            {
                "extends": "baseline",
                "seed": 5,
                "end": "2018-12",
                "population_scale": 0.3,
                "description": "A shorter, smaller run with a budget.",
                "outputs": {"household_panel": True},
                "parameters": {"health.insurance_coverage": 0.95, "health.individual_premium": {2017: 200}},
                "programmes": {"social_assistance": {"start": "2016-07", "budget_cny": {2016: 1e6, 2017: 2e6}}},
            }
        )
    scenario = load_scenario(source)
    resolved = scenario.to_dict()
    again = load_scenario(resolved)
    assert again.to_dict() == resolved
    # every field of the run, not only what to_dict happens to write
    for field in (
        "name",
        "description",
        "seed",
        "horizon",
        "population_scale",
        "targets",
        "parameter_overrides",
        "programmes",
        "outputs",
    ):
        assert getattr(again, field) == getattr(scenario, field), field
    for path in scenario.parameter_overrides:
        assert again.params[path].values == scenario.params[path].values
    # and through YAML, as `fupin run --out` writes it
    dumped = yaml.safe_load(yaml.safe_dump(resolved, allow_unicode=True, sort_keys=False))
    assert load_scenario(dumped).to_dict() == resolved


# --- bad input ---------------------------------------------------------------------------

BUDGET = "programmes.social_assistance.budget_cny"

# (changes over `extends: baseline`, key named in the message, text of the fix)
BAD_SCENARIOS = {
    "unknown top-level key": ({"sede": 3}, "sede", "did you mean 'seed'"),
    "unknown parameter path": (
        {"parameters": {"health.insurance_coverag": 0.9}},
        "parameters.health.insurance_coverag",
        "did you mean health.insurance_coverage",
    ),
    "wrong type": ({"seed": "abc"}, "seed", "whole number"),
    "negative money": (
        {"programmes": {"social_assistance": {"budget_cny": {2016: 1e6, 2017: -1000}}}},
        f"{BUDGET}.2017",
        "0 or more",
    ),
    "negative money parameter": (
        {"parameters": {"social_assistance.dibao_standard_2015": -1}},
        "parameters.social_assistance.dibao_standard_2015",
        "cannot be negative",
    ),
    "share outside [0, 1]": (
        {"parameters": {"health.insurance_coverage": 1.5}},
        "parameters.health.insurance_coverage",
        "[0, 1]",
    ),
    "month outside the horizon": (
        {"programmes": {"social_assistance": {"start": "2021-03"}}},
        "programmes.social_assistance.start",
        "inside the horizon",
    ),
    "budget year outside the horizon": (
        {"programmes": {"social_assistance": {"budget_cny": {2022: 1e6}}}},
        f"{BUDGET}.2022",
        "inside the horizon",
    ),
    "end before start": ({"start": "2018-01", "end": "2017-12"}, "end", "later than start"),
    "start not January": ({"start": "2016-03"}, "start", "use 2016-01"),
    "unknown programme": (
        {"programmes": {"social_asistance": {}}},
        "programmes.social_asistance",
        "did you mean 'social_assistance'",
    ),
    "extends a missing scenario": ({"extends": "baselne"}, "extends", "did you mean 'baseline'"),
}


@pytest.mark.parametrize("changes, key, fix", BAD_SCENARIOS.values(), ids=BAD_SCENARIOS.keys())
def test_bad_scenario_names_file_key_and_fix(write_scenario, changes, key, fix):
    path = write_scenario({"extends": "baseline", **changes}, name="bad")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    err = caught.value
    message = str(err)
    assert err.file == str(path) and str(path) in message
    assert err.key == key and f": {key}: " in message
    assert fix in message


def test_bad_scenario_as_a_mapping_is_reported_too():
    with pytest.raises(ScenarioError, match=r"<dict>: sede: .*did you mean 'seed'"):
        load_scenario({"extends": "baseline", "sede": 3})


def test_circular_extends_names_both_files(write_scenario):
    first = write_scenario({"extends": "second", "seed": 1}, name="first")
    second = write_scenario({"extends": "first", "seed": 2}, name="second")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(first)
    err, message = caught.value, str(caught.value)
    assert err.key == "extends"
    assert "circular" in message and str(first) in message and str(second) in message
    assert "remove the cycle" in message


def test_invalid_yaml_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("extends: baseline\nseed: [1,\npopulation_scale: 0.1\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert str(path) in message
    assert "not valid YAML" in message and "line" in message
    assert "fix the YAML syntax" in message


def test_a_scenario_that_is_not_a_mapping_is_rejected(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- extends: baseline\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="must be a mapping"):
        load_scenario(path)


@pytest.mark.parametrize(
    "changes",
    [
        {"end": "2017-12"},
        {"programmes": {"social_assistance": {"start": "2016-09", "budget_cny": {2016: 0, 2020: 5e6}}}},
        {"parameters": {"health.insurance_coverage": 1.0, "social_assistance.dibao_standard_2015": 0}},
    ],
    ids=["shorter horizon", "budget and start inside the horizon", "bounds are inclusive"],
)
def test_valid_edge_cases_load(write_scenario, changes):
    """The checks above reject only what is wrong: boundary values are accepted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParameterRangeWarning)  # outside a documented range: a warning only
        load_scenario(write_scenario({"extends": "baseline", **changes}))
