"""Scenario files: load, resolve ``extends``, validate, and write back resolved.

A scenario is a difference from another (``extends: baseline``), like a reform
in OpenFisca: parameter overrides by dotted path, programme settings and
budgets by year, targets, seed and horizon. Validation happens on load; every
problem is a :class:`~fupin_sim.errors.ScenarioError` naming the file, the key
and the fix. ``Scenario.to_dict()`` is the fully resolved scenario, which loads
back to the same run.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fupin_sim.config import yamlfile
from fupin_sim.config.overlays import fold_parameter_files
from fupin_sim.config.parameters import ParameterError, ParameterRangeWarning, ParameterSet
from fupin_sim.config.settings import Horizon, Month, Setting, did_you_mean, validate_settings
from fupin_sim.errors import ScenarioError, UserError
from fupin_sim.programmes import validate_programmes

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"

TOP_LEVEL = {
    "name": Setting("text", None, "Scenario name (default: the file name)", nullable=True),
    "description": Setting("text", "", "What the scenario represents"),
    "extends": Setting("text", None, "Scenario this one modifies (name in scenarios/ or a path)", nullable=True),
    "seed": Setting("integer", 20160806, "Seed of all random draws", minimum=0),
    "start": Setting("month", "2016-01", "First simulated month"),
    "end": Setting("month", "2020-12", "Last simulated month"),
    "population_scale": Setting(
        "number",
        1.0,
        "Simulate a scaled copy of the district (0.1 = a tenth of every household count)",
        minimum=0.001,
        maximum=25.0,
    ),
    # Mappings, validated by their own specs below; listed so that typos get a "did you mean".
    "targets": Setting("text", None, "Targets by year (see TARGETS)", nullable=True),
    "parameters": Setting("text", None, "Parameter overrides by dotted path", nullable=True),
    "programmes": Setting("text", None, "Programme settings by programme key", nullable=True),
    "outputs": Setting("text", None, "Output options (see OUTPUTS)", nullable=True),
    "parameter_files": Setting(
        "text", None, "Parameter overlay files (e.g. a calibration's fitted.yaml), under parameters:", nullable=True
    ),
    "population": Setting(
        "text",
        None,
        "Households to run on: {registry: DIR} (an imported registry; default: the synthetic district)",
        nullable=True,
    ),
}
STRUCTURED_KEYS = ("targets", "parameters", "programmes", "outputs", "population")
POPULATION_KEYS = ("registry",)
TARGETS = {
    "exit_share_cum": Setting(
        "by_year",
        None,
        "Cumulative share of the 2015 registered poor people exited by the end of the year",
        unit="share",
        minimum=0,
        maximum=1,
        nullable=True,
    ),
    "villages_delisted_cum": Setting(
        "by_year",
        None,
        "Poor villages delisted by the end of the year (cumulative)",
        unit="villages",
        minimum=0,
        nullable=True,
    ),
}
OUTPUTS = {
    "household_panel": Setting("bool", False, "Also produce the household-year panel (larger output)"),
    "events": Setting(
        "bool", True, "Keep the event table (a row per exit, return, new poor); off, the yearly counts stay the same"
    ),
}


@functools.lru_cache(maxsize=1)
def default_parameters() -> ParameterSet:
    """The parameter files as shipped (cached; parameter sets are immutable)."""
    return ParameterSet.load()


@dataclass
class Scenario:
    """A validated, fully resolved scenario."""

    name: str
    description: str
    seed: int
    horizon: Horizon
    population_scale: float
    targets: dict[str, dict[int, float] | None]
    parameter_overrides: dict[str, Any]
    programmes: dict[str, dict[str, Any]]
    outputs: dict[str, Any]
    population: dict[str, str] = field(default_factory=dict)
    file: str = "<dict>"
    params: ParameterSet = field(repr=False, default=None)

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (loads back to the same scenario)."""

        def plain(value: Any) -> Any:
            if isinstance(value, Month):
                return str(value)
            if isinstance(value, Mapping):
                return {k: plain(v) for k, v in value.items()}
            return value

        resolved = {
            "name": self.name,
            "description": self.description,
            "seed": self.seed,
            "start": str(self.horizon.start),
            "end": str(self.horizon.end),
            "population_scale": self.population_scale,
            "targets": plain(self.targets),
            "parameters": plain(self.parameter_overrides),
            "programmes": plain(self.programmes),
            "outputs": plain(self.outputs),
        }
        if self.population:
            resolved["population"] = dict(self.population)
        return resolved

    def replace(self, **changes: Any) -> Scenario:
        """A re-validated copy with top-level keys changed (e.g. ``seed=7``)."""
        return scenario_from_dict({**self.to_dict(), **changes}, file=self.file)

    def out_of_range(self) -> list[str]:
        """The parameter overrides outside their documented ranges, one message each (range and source).

        Loading a scenario file warns about them; ``fupin validate --strict`` refuses them.
        """
        return [
            f"parameters.{problem}"
            for path in self.parameter_overrides
            for problem in self.params[path].range_problems()
        ]


def scenario_path(name_or_path: str | Path) -> Path:
    """Resolve a scenario name (``baseline``) or path to an existing file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    shipped = SCENARIO_DIR / f"{candidate.stem if candidate.suffix else candidate}.yaml"
    if shipped.exists() and not candidate.suffix:
        return shipped
    known = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    raise UserError(f"scenario '{name_or_path}' not found; give a path to a YAML file or one of: {', '.join(known)}")


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """Load and validate a scenario from a file, a shipped name, or a mapping.

    A file that sets a parameter outside its documented range loads with a
    :class:`~fupin_sim.config.parameters.ParameterRangeWarning` per value (a mapping loads silently).

    Raises:
        ScenarioError: the scenario is invalid (file, key and fix in the message).
        UserError: the file does not exist.
    """
    if isinstance(source, Mapping):
        raw, file, base_dir = dict(source), "<dict>", SCENARIO_DIR
    else:
        path = scenario_path(source)
        raw, file, base_dir = _read_yaml(path), str(path), path.parent
    resolved = _resolve_extends(raw, file, base_dir, chain=(file,))
    resolved["name"] = raw.get("name") or (Path(file).stem if file != "<dict>" else "scenario")
    scenario = scenario_from_dict(resolved, file)
    if file != "<dict>":  # a file a user wrote; not the mappings sweeps, searches and workers build
        for problem in scenario.out_of_range():
            warnings.warn(f"{file}: {problem}", ParameterRangeWarning, stacklevel=2)
    return scenario


def scenario_from_dict(raw: Mapping[str, Any], file: str = "<dict>") -> Scenario:
    """Validate an already resolved scenario mapping (no ``extends``)."""
    top = validate_settings(TOP_LEVEL, {k: v for k, v in raw.items() if k not in STRUCTURED_KEYS}, file, "", None)
    start, end = top["start"], top["end"]
    if end.ordinal < start.ordinal:
        raise ScenarioError(file, "end", f"{end} is before start {start}", "make end later than start")
    if start.month != 1:
        raise ScenarioError(
            file, "start", f"runs start in January (the verification is yearly), got {start}", f"use {start.year}-01"
        )
    if end.month != 12:
        raise ScenarioError(
            file, "end", f"runs end in December (the verification is yearly), got {end}", f"use {end.year}-12"
        )
    horizon = Horizon(start, end)
    for key in STRUCTURED_KEYS:
        if raw.get(key) is not None and not isinstance(raw[key], Mapping):
            raise ScenarioError(file, key, f"expected a mapping, got {raw[key]!r}")
    targets = validate_settings(TARGETS, raw.get("targets") or {}, file, "targets", horizon)
    outputs = validate_settings(OUTPUTS, raw.get("outputs") or {}, file, "outputs", horizon)
    programmes = validate_programmes(raw.get("programmes"), file, horizon)
    population = _population(raw.get("population") or {}, file, top["population_scale"])
    overrides = dict(raw.get("parameters") or {})
    defaults = default_parameters()
    try:
        params = defaults.with_overrides(overrides)
    except ParameterError as err:
        raise ScenarioError(file, f"parameters.{err.path}", str(err)) from None
    return Scenario(
        name=top["name"] or "scenario",
        description=top["description"].strip(),
        seed=top["seed"],
        horizon=horizon,
        population_scale=top["population_scale"],
        targets=targets,
        parameter_overrides=overrides,
        programmes=programmes,
        outputs=outputs,
        population=population,
        file=file,
        params=params,
    )


def _population(raw: Mapping[str, Any], file: str, population_scale: float) -> dict[str, str]:
    """``population: {registry: DIR}``: the folder, made absolute (relative to the scenario file).

    A registry is run whole: ``population_scale`` (which scales the synthetic district's households
    and, with them, budgets, capacities and the counts reported for the full district) must stay 1.
    """
    for key in raw:
        if key not in POPULATION_KEYS:
            raise ScenarioError(file, f"population.{key}", "unknown key", did_you_mean(key, POPULATION_KEYS))
    if "registry" not in raw:
        return {}
    from fupin_sim.model.population_file import folder_problem  # the model package imports this module

    folder = raw["registry"]
    if not isinstance(folder, str) or not folder.strip():
        raise ScenarioError(file, "population.registry", f"expected a folder path, got {folder!r}")
    base = Path(file).parent if file != "<dict>" else Path.cwd()
    path = (base / Path(folder).expanduser()).resolve()
    problem = folder_problem(path)
    if problem:
        raise ScenarioError(file, "population.registry", problem)
    if population_scale != 1:
        raise ScenarioError(
            file,
            "population_scale",
            f"an imported registry is run whole, not scaled (got {population_scale})",
            "remove population_scale or set it to 1 (in sweep, calibration and optimiser files too)",
        )
    return {"registry": str(path)}


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except yamlfile.DuplicateKeyError as err:
        raise ScenarioError(str(path), err.key, f"given twice, {err.where}", yamlfile.DUPLICATE_FIX) from None
    except yaml.YAMLError as err:
        raise ScenarioError(
            str(path), "(file)", f"not valid YAML: {err}".replace("\n", " "), "fix the YAML syntax"
        ) from None
    if data is None or data == {}:
        raise ScenarioError(
            str(path),
            "(file)",
            "the file is empty; a scenario names the scenario it changes and what it changes",
            "start from 'extends: baseline' and add programmes:, parameters: or targets: "
            "(see scenarios/decision_2016.yaml)",
        )
    if not isinstance(data, dict):
        raise ScenarioError(str(path), "(file)", "a scenario must be a mapping of keys to values")
    return data


def _resolve_extends(raw: dict[str, Any], file: str, base_dir: Path, chain: tuple[str, ...]) -> dict[str, Any]:
    """Merge the scenario over its ``extends`` chain (child keys win, mappings merge)."""
    raw = fold_parameter_files(raw, file, base_dir)
    parent_name = raw.get("extends")
    if parent_name is None:
        return copy.deepcopy(raw)
    if not isinstance(parent_name, str):
        raise ScenarioError(file, "extends", f"expected a scenario name, got {parent_name!r}")
    local = base_dir / (parent_name if Path(parent_name).suffix in (".yaml", ".yml") else f"{parent_name}.yaml")
    try:
        parent_path = local if local.exists() else scenario_path(parent_name)
    except UserError as err:
        known = [p.stem for p in SCENARIO_DIR.glob("*.yaml")]
        raise ScenarioError(file, "extends", str(err).split(";")[0], did_you_mean(parent_name, known)) from None
    if str(parent_path) in chain:
        raise ScenarioError(
            file, "extends", f"circular extends: {' -> '.join(chain)} -> {parent_path}", "remove the cycle"
        )
    parent = _resolve_extends(_read_yaml(parent_path), str(parent_path), parent_path.parent, (*chain, str(parent_path)))
    return _deep_merge(parent, {k: v for k, v in raw.items() if k != "extends"})


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(dict(merged[key]), value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
