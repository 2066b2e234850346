"""The last bad inputs a user can write (issue 9): empty scenario files, keys given twice, and
parameter values outside their documented ranges.

Each case goes through the command line in-process (``cli.main``): the message is one
``error: ...`` line (or ``warning: ...``) on stderr naming file, key and fix, with exit
status 2 and no traceback.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from fupin_sim import cli, load_scenario
from fupin_sim.config import yamlfile
from fupin_sim.config.parameters import (
    DISTRICT_FILE,
    PARAMETER_DIR,
    ParameterError,
    ParameterRangeWarning,
    ParameterSet,
)
from fupin_sim.errors import ScenarioError
from fupin_sim.experiments.sweeps import load_sweep


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_error_line(err: str, *parts: str) -> None:
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for part in parts:
        assert part in err, (part, err)


# --- an empty scenario file ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "{}\n"])
def test_an_empty_scenario_file_is_refused_saying_what_a_scenario_needs(tmp_path, capsys, text):
    path = write(tmp_path, "empty.yaml", text)

    status, out, err = run_cli(capsys, "validate", str(path))

    assert status == 2 and out == ""
    assert_one_error_line(err, "empty.yaml", "the file is empty", "extends: baseline", "programmes:", "parameters:")


def test_an_empty_scenario_that_another_extends_is_refused_too(tmp_path):
    write(tmp_path, "parent.yaml", "")
    child = write(tmp_path, "child.yaml", "extends: parent\nseed: 3\n")

    with pytest.raises(ScenarioError, match=r"parent\.yaml: \(file\): the file is empty"):
        load_scenario(child)


def test_a_scenario_file_with_one_key_still_loads(tmp_path):
    assert load_scenario(write(tmp_path, "seeded.yaml", "extends: baseline\nseed: 3\n")).seed == 3


# --- a key given twice -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "where"),
    [
        ("extends: baseline\nseed: 1\npopulation_scale: 0.05\nseed: 2\n", "seed", "on line 2 and on line 4"),
        (
            "extends: baseline\nprogrammes:\n  health:\n    free_health_checks: true\n"
            "  education:\n    yulu_plan: true\n  health:\n    oop_cap_share: 0.1\n",
            "programmes.health",
            "on line 3 and on line 7",
        ),
        (
            "extends: baseline\ntargets:\n  exit_share_cum: {2016: 0.6, 2016: 0.7}\n",
            "targets.exit_share_cum.2016",
            "on line 3, at columns 20 and 31",
        ),
    ],
    ids=["top-level", "nested block", "same line"],
)
def test_a_scenario_key_given_twice_is_refused_naming_the_key_and_both_places(tmp_path, capsys, text, key, where):
    path = write(tmp_path, "twice.yaml", text)

    status, _, err = run_cli(capsys, "validate", str(path))

    assert status == 2
    assert_one_error_line(err, f"twice.yaml: {key}: given twice, {where}", "keep one of them")


def test_a_sweep_key_given_twice_is_refused_naming_the_key_and_both_lines(tmp_path, capsys):
    path = write(
        tmp_path,
        "twice.yaml",
        "scenario: baseline\nreps: 2\nvary:\n  health.hospitalisation_rate: est\n  health.hospitalisation_rate: est\n",
    )

    status, _, err = run_cli(capsys, "sweep", str(path), "--out", str(tmp_path / "out"))

    assert status == 2 and not (tmp_path / "out").exists()
    assert_one_error_line(err, "twice.yaml", "vary.health.hospitalisation_rate", "on line 4 and on line 5")


def test_a_parameter_file_key_given_twice_is_refused_naming_the_parameter_and_both_lines(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "parameters"
    shutil.copytree(PARAMETER_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    health = folder / "health.yaml"
    lines = health.read_text(encoding="utf-8").splitlines()
    value_line = next(n for n, line in enumerate(lines) if line.startswith("  value:"))
    lines.insert(value_line + 1, "  value: 0.5")  # the first parameter's value, given again below it
    health.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = next(lines[n].rstrip(":") for n in range(value_line, -1, -1) if not lines[n].startswith(" "))

    with pytest.raises(ParameterError) as raised:
        ParameterSet.load(folder, DISTRICT_FILE)
    message = str(raised.value)
    assert message.startswith(f"{health}: health.{first}.value: given twice, ")
    assert f"on line {value_line + 1} and on line {value_line + 2}" in message

    # the same message through the command line (its parameter set read from the broken folder)
    monkeypatch.setattr(cli, "default_parameters", lambda: ParameterSet.load(folder, DISTRICT_FILE))
    status, out, err = run_cli(capsys, "params")
    assert status == 2 and out == ""
    assert_one_error_line(err, f"health.{first}.value: given twice")


@pytest.mark.parametrize(
    "text",
    [
        "base: &shared {a: 1, b: 2}\nother:\n  <<: *shared\n  a: 5\n",  # a merge key's values may be overridden
        "'2016': text\n2016: number\n",  # a string and an integer are different keys
        "a: &loop [*loop]\n",  # an alias that refers to itself
        "items:\n  - {a: 1}\n  - {a: 2}\n",  # the same key in two mappings
    ],
)
def test_yaml_that_gives_no_key_twice_loads_as_pyyaml_loads_it(text):
    import yaml

    strict, plain = yamlfile.safe_load(text), yaml.safe_load(text)
    assert repr(strict) == repr(plain)


def test_a_key_given_twice_inside_a_list_is_named_by_its_position():
    with pytest.raises(yamlfile.DuplicateKeyError, match=r"key 'items\[1\]\.a' is given twice, on line 3"):
        yamlfile.safe_load("items:\n  - {a: 1}\n  - {a: 2, a: 3}\n")


# --- parameter values outside their documented ranges ----------------------------------------

OUTSIDE = "extends: baseline\nparameters:\n  health.hospitalisation_rate: 0.5\n  poverty_line.exit_line: {2018: 3900}\n"


def test_a_scenario_file_outside_a_documented_range_loads_with_a_warning_naming_range_and_source(tmp_path):
    path = write(tmp_path, "outside.yaml", OUTSIDE)

    with pytest.warns(ParameterRangeWarning) as caught:
        scenario = load_scenario(path)

    assert scenario.params.value("health.hospitalisation_rate") == 0.5  # accepted: the run goes ahead
    messages = sorted(str(w.message) for w in caught)
    source = scenario.params["health.hospitalisation_rate"].source
    assert len(messages) == 2
    assert messages[0].startswith(f"{path}: parameters.health.hospitalisation_rate: 0.5 probability/year ")
    assert f"outside its documented range [0.07, 0.13] (EST; source: {source})" in messages[0]
    assert "parameters.poverty_line.exit_line[2018]: 3900 CNY/person/year" in messages[1]
    assert "[3400, 3600]" in messages[1]  # the range of that year, not of another


def test_values_inside_their_ranges_and_scenarios_built_in_code_load_silently(tmp_path):
    inside = write(tmp_path, "inside.yaml", "extends: baseline\nparameters:\n  health.hospitalisation_rate: 0.13\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ParameterRangeWarning)
        load_scenario(inside)
        mapping = load_scenario(
            load_scenario("baseline").to_dict() | {"parameters": {"health.hospitalisation_rate": 0.5}}
        )
    problems = mapping.out_of_range()  # what `fupin validate --strict` checks, available without a warning
    assert len(problems) == 1 and problems[0].startswith("parameters.health.hospitalisation_rate: 0.5 ")


def test_a_value_outside_the_range_of_one_year_of_a_dated_parameter_names_that_year(tmp_path):
    scenario = load_scenario(
        load_scenario("baseline").to_dict() | {"parameters": {"poverty_line.exit_line": {2017: 3350, 2019: 4000}}}
    )
    problems = scenario.out_of_range()
    assert len(problems) == 1 and problems[0].startswith("parameters.poverty_line.exit_line[2019]: 4000 ")


def test_the_cli_prints_the_warning_as_one_line_and_strict_validation_refuses_it(tmp_path, capsys):
    path = write(tmp_path, "outside.yaml", OUTSIDE)

    status, out, err = run_cli(capsys, "validate", str(path))
    assert status == 0 and out.startswith("ok: ")
    assert err.count("warning: ") == 2 and err.count("\n") == 2 and "Traceback" not in err
    assert all(line.startswith(f"warning: {path}: parameters.") for line in err.splitlines())

    status, out, err = run_cli(capsys, "validate", "--strict", str(path))
    assert status == 2 and out == ""
    assert_one_error_line(err, f"{path}: 2 parameter value(s) outside", "[0.07, 0.13]", "[3400, 3600]", "--strict")


def test_every_shipped_scenario_passes_strict_validation(capsys):
    shipped = sorted(Path(cli.__file__).resolve().parents[2].glob("scenarios/*.yaml"))
    status, out, err = run_cli(capsys, "validate", "--strict", *map(str, shipped))
    assert status == 0 and err == "" and out.count("ok: ") == len(shipped) > 5


def test_a_sweep_over_a_file_outside_a_range_warns_once_not_once_per_point(tmp_path):
    write(tmp_path, "outside.yaml", "extends: baseline\nparameters:\n  health.hospitalisation_rate: 0.5\n")
    sweep_file = write(
        tmp_path,
        "sweep.yaml",
        "scenario: outside.yaml\nreps: 1\ndesign: grid\nvary:\n  health.inpatient_reimbursement_share: est\n"
        "  health.serious_cost_mean: est\n",
    )

    with pytest.warns(ParameterRangeWarning) as caught:
        experiment = load_sweep(sweep_file).experiment()

    assert len(experiment.variants) == 9
    assert [str(w.message).split(": ")[1] for w in caught] == ["parameters.health.hospitalisation_rate"]
