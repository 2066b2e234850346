"""Reading an optimise file: its keys and defaults, checked into a :class:`Problem`.

:func:`load_problem` reads the YAML, checks every section (the starting scenario, the
variables, objectives and constraints, ``confirm`` and ``marginal``) and builds the problem
once a candidate in the middle of the bounds makes a valid scenario. The file format is
described in :mod:`fupin_sim.experiments.optimisation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fupin_sim.config.files import read_mapping_file
from fupin_sim.config.scenario import Scenario, load_scenario
from fupin_sim.config.settings import did_you_mean
from fupin_sim.errors import ScenarioError, UserError
from fupin_sim.experiments.optimisation.checks import OptimiseError, _mapping, _number, _scale, _section
from fupin_sim.experiments.optimisation.metrics import PLAN, PROBABILITY, parse_metric
from fupin_sim.experiments.optimisation.problem import Confirmation, Constraint, Marginal, Objective, Problem
from fupin_sim.experiments.optimisation.variables import START, Variable, parse_variable

FILE_KEYS = (
    "description",
    "scenario",
    "seed",
    "reps",
    "population_scale",
    "trials",
    "minutes",
    "sampler_seed",
    "variables",
    "objectives",
    "constraints",
    "confirm",
    "marginal",
)
CONFIRM_KEYS = ("reps", "population_scale", "seed", "plans")
MARGINAL_KEYS = ("step_cny", "reps")
DIRECTIONS = {"minimise": "minimize", "minimize": "minimize", "maximise": "maximize", "maximize": "maximize"}
BOUNDS = ("min", "max")
DEFAULTS = {"reps": 8, "population_scale": 0.25, "trials": 100, "sampler_seed": 0}
CONFIRM_DEFAULTS = {"reps": 20, "population_scale": 1.0, "plans": 8}
MARGINAL_DEFAULTS = {"reps": 10}


def load_problem(path: str | Path) -> Problem:
    """Read and validate an optimise file.

    Raises:
        UserError: the file does not exist.
        OptimiseError: the file is invalid (the message names the key and the fix).
    """
    path = Path(path)
    file = str(path)
    raw = read_mapping_file(path, "optimise", FILE_KEYS, OptimiseError, "optimise/*.yaml")
    start = _start_scenario(raw, path)
    seed = _number(raw, "seed", start.seed, file, whole=True, minimum=0)
    start = start.replace(seed=seed)
    variables = _mapping(
        raw, "variables", file, "e.g. variables: {programmes.industry.budget_cny.2016: {range: [0, 4.0e+7]}}"
    )
    objectives = _mapping(raw, "objectives", file, "e.g. objectives: {total_cost_cny: minimise}")
    problem = Problem(
        file=file,
        name=path.stem,
        start=start,
        variables=[parse_variable(str(k), spec, start, file) for k, spec in variables.items()],
        objectives=[_objective(k, d, start, file) for k, d in objectives.items()],
        constraints=[_constraint(k, b, start, file) for k, b in (_mapping(raw, "constraints", file, "", True)).items()],
        reps=_number(raw, "reps", DEFAULTS["reps"], file, whole=True, minimum=1),
        population_scale=_scale(raw, "population_scale", DEFAULTS["population_scale"], file),
        trials=_number(raw, "trials", DEFAULTS["trials"], file, whole=True, minimum=1),
        minutes=_number(raw, "minutes", None, file, minimum=0, nullable=True),
        sampler_seed=_number(raw, "sampler_seed", DEFAULTS["sampler_seed"], file, whole=True, minimum=0),
        confirm=_confirmation(raw.get("confirm"), seed, file),
        marginal=_marginal(raw.get("marginal"), file),
        description=str(raw.get("description") or "").strip(),
    )
    problem.scenario({v.key: _middle(v) for v in problem.variables})  # settings the programmes refuse fail here
    return problem


def _start_scenario(raw: Mapping[str, Any], path: Path) -> Scenario:
    name = raw.get("scenario")
    if not isinstance(name, str) or not name:
        raise OptimiseError(str(path), "scenario", "missing: the starting scenario", "add e.g. scenario: decision_2016")
    beside = path.parent / name
    try:
        return load_scenario(beside if beside.suffix in (".yaml", ".yml") and beside.exists() else name)
    except ScenarioError:
        raise
    except UserError:
        from fupin_sim.config.scenario import SCENARIO_DIR

        shipped = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
        raise OptimiseError(
            str(path),
            "scenario",
            f"no scenario {name!r} (shipped, or a file beside this one)",
            did_you_mean(name, shipped),
        ) from None


def _objective(name: Any, direction: Any, start: Scenario, file: str) -> Objective:
    metric = parse_metric(name, start, file, "objectives")
    if direction not in DIRECTIONS:
        raise OptimiseError(
            file,
            f"objectives.{name}",
            f"expected minimise or maximise, got {direction!r}",
            did_you_mean(direction, DIRECTIONS),
        )
    return Objective(metric, DIRECTIONS[direction])


def _constraint(name: Any, bounds: Any, start: Scenario, file: str) -> Constraint:
    metric = parse_metric(name, start, file, "constraints")
    where = f"constraints.{name}"
    if not isinstance(bounds, Mapping) or not bounds:
        raise OptimiseError(file, where, f"expected {{min: x}} and/or {{max: y}}, got {bounds!r}", "e.g. {min: 0.9}")
    for key, value in bounds.items():
        if key not in BOUNDS:
            raise OptimiseError(file, f"{where}.{key}", "unknown key", did_you_mean(key, BOUNDS))
        if value == START and metric.kind != PLAN:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise OptimiseError(
                file, f"{where}.{key}", f"expected a number or start, got {value!r}", "e.g. max: 1.0e+9, or max: start"
            )
    low, high = (None if v is None or v == START else float(v) for v in (bounds.get("min"), bounds.get("max")))
    if metric.kind == PROBABILITY and any(v is not None and not 0 <= v <= 1 for v in (low, high)):
        raise OptimiseError(file, where, "a probability lies between 0 and 1", "e.g. {min: 0.9}")
    if low is not None and high is not None and low > high:
        raise OptimiseError(file, where, f"min ({low:g}) is above max ({high:g})", "swap them")
    return Constraint(metric, bounds.get("min") if low is None else low, bounds.get("max") if high is None else high)


def _confirmation(given: Any, seed: int, file: str) -> Confirmation:
    given = _section(given, "confirm", CONFIRM_KEYS, file)
    fresh = _number(given, "seed", seed + 1, file, whole=True, minimum=0, where="confirm.seed")
    if fresh == seed:
        raise OptimiseError(
            file,
            "confirm.seed",
            "the plans must be re-run on fresh random numbers, but this is the study's seed",
            f"use another seed, e.g. {seed + 1}",
        )
    return Confirmation(
        seed=fresh,
        reps=_number(given, "reps", CONFIRM_DEFAULTS["reps"], file, whole=True, minimum=1, where="confirm.reps"),
        population_scale=_scale(given, "population_scale", CONFIRM_DEFAULTS["population_scale"], file, "confirm."),
        plans=_number(given, "plans", CONFIRM_DEFAULTS["plans"], file, whole=True, minimum=1, where="confirm.plans"),
    )


def _marginal(given: Any, file: str) -> Marginal | None:
    if given is None:
        return None
    given = _section(given, "marginal", MARGINAL_KEYS, file)
    if "step_cny" not in given:
        raise OptimiseError(
            file, "marginal.step_cny", "missing: the extra money per programme", "e.g. step_cny: 5.0e+6"
        )
    return Marginal(
        step_cny=_number(given, "step_cny", None, file, minimum=1, where="marginal.step_cny"),
        reps=_number(given, "reps", MARGINAL_DEFAULTS["reps"], file, whole=True, minimum=1, where="marginal.reps"),
    )


def _middle(variable: Variable) -> Any:
    """A value inside the bounds (to check the settings before anything runs)."""
    if variable.kind == "choice":
        return variable.choices[0]
    if variable.kind in ("integer", "month"):
        return int(variable.low)
    return variable.low
