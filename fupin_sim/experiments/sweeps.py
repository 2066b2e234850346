"""Sweep files: vary parameters and scenario settings over a grid or a Latin hypercube.

A sweep file names a scenario and what to vary; every point of the design is run
for ``reps`` replications with the same base seed (common random numbers across
points), and the result is one tidy table of inputs × outcomes::

    description: Health-cost assumptions under the 低保 backstop
    scenario: transfers_only        # a shipped name, or a path relative to this file
    reps: 5                         # replications per point (default 10)
    seed: 20160806                  # base seed (default: the scenario's)
    design: lhs                     # grid (default: every combination) or lhs (Latin hypercube)
    samples: 20                     # lhs: number of points
    design_seed: 1                  # lhs: seed of the design (default 0)
    vary:
      health.serious_cost_mean: est                        # the parameter's documented (EST) range
      health.inpatient_reimbursement_share: {range: [0.45, 0.65], levels: 3}
      poverty_line.exit_line.2017: {range: est}            # one year of a dated parameter
      social_assistance.dibao_enrolment_prob: [0.4, 0.8]   # exactly these values
      programmes.social_assistance.budget_cny.2016: {values: [5.0e+6, 1.0e+7]}
    vary_all_est: false             # true: also vary every EST parameter over its range

A key under ``vary`` is a parameter's dotted path (see ``fupin params``), a dated
parameter's path plus a year, or a scenario setting's dotted path
(``population_scale``, ``programmes.<programme>.<setting>[.<year>]``,
``targets.<target>.<year>``). A range is sampled (lhs) or split into ``levels``
evenly spaced values (grid, default 3); values are used as given. Every point is
validated before anything runs; a mistake is an error naming the sweep file, the
key and the fix.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from fupin_sim.config.files import read_mapping_file, refuse_unknown_keys
from fupin_sim.config.scenario import Scenario, default_parameters, load_scenario
from fupin_sim.config.settings import did_you_mean
from fupin_sim.errors import ScenarioError, UserError
from fupin_sim.experiments.replications import Experiment, ExperimentResult, Variant, execute

DESIGNS = ("grid", "lhs")
SWEEP_KEYS = ("description", "scenario", "reps", "seed", "design", "samples", "design_seed", "vary", "vary_all_est")
FACTOR_KEYS = ("range", "values", "levels")
SCENARIO_SETTINGS = ("population_scale", "programmes", "targets")  # the scenario keys a sweep may vary
DEFAULT_REPS = 10
DEFAULT_LEVELS = 3
MAX_GRID_POINTS = 100_000
EST = "est"


class SweepError(ScenarioError):
    """A sweep file is invalid (file, key, problem and fix, like a scenario error)."""


@dataclass(frozen=True)
class Factor:
    """One input of a sweep.

    Attributes:
        key: the dotted key as written under ``vary`` (the input's column name).
        values: the values to use, or None for a range.
        low, high: the range (when ``values`` is None).
        levels: grid points over the range.
    """

    key: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    levels: int = DEFAULT_LEVELS

    def grid(self) -> list[Any]:
        """The factor's values in a grid design."""
        if self.values is not None:
            return list(self.values)
        return [_tidy(v) for v in np.linspace(self.low, self.high, self.levels)]

    def at(self, u: float) -> Any:
        """The value at quantile ``u`` in [0, 1) (a Latin hypercube coordinate)."""
        if self.values is not None:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        return _tidy(self.low + u * (self.high - self.low))


@dataclass
class Sweep:
    """A validated sweep.

    Attributes:
        file: the sweep file.
        name: the sweep's name (the file's stem).
        scenario: the base scenario, its ``seed`` the sweep's base seed.
        factors: the inputs.
        design: ``grid`` or ``lhs``.
        samples: points of a Latin hypercube.
        design_seed: seed of the Latin hypercube.
        reps: replications per point.
        description: what the sweep is for.
    """

    file: str
    name: str
    scenario: Scenario
    factors: list[Factor]
    design: str
    samples: int | None
    design_seed: int
    reps: int
    description: str = ""

    def points(self) -> pd.DataFrame:
        """The design: one row per point, one column per factor."""
        columns = [f.key for f in self.factors]
        if self.design == "grid":
            rows = list(itertools.product(*(f.grid() for f in self.factors)))
        else:
            sampler = qmc.LatinHypercube(d=len(self.factors), rng=np.random.default_rng(self.design_seed))
            rows = [
                [f.at(u) for f, u in zip(self.factors, sample, strict=True)] for sample in sampler.random(self.samples)
            ]
        return pd.DataFrame(rows, columns=columns)

    def experiment(self, reps: int | None = None) -> Experiment:
        """The experiment that runs every point, each point's scenario validated.

        Args:
            reps: replications per point (default: the file's).

        Raises:
            SweepError: a point makes an invalid scenario.
        """
        reps = self.reps if reps is None else reps
        if reps < 1:
            raise UserError(f"replications must be at least 1, got {reps}")
        base = self.scenario.to_dict()
        variants = []
        for point, inputs in enumerate(self.points().to_dict("records")):
            inputs = {key: _plain(value) for key, value in inputs.items()}
            scenario = variant_scenario(base, inputs, self.file, f"point {point}")
            variants.append(Variant(self.scenario.name, scenario, inputs, point))
        definition = {
            "sweep": self.name,
            "file": self.file,
            "description": self.description,
            "scenario": self.scenario.name,
            "design": self.design,
            "samples": self.samples,
            "design_seed": self.design_seed,
            "factors": [{k: v for k, v in f.__dict__.items() if v is not None} for f in self.factors],
        }
        return Experiment("sweep", variants, reps, definition=definition)


def variant_scenario(base: Mapping[str, Any], inputs: Mapping[str, Any], file: str, label: str) -> dict[str, Any]:
    """A resolved scenario with vary keys set to values, validated.

    Args:
        base: a resolved scenario (``Scenario.to_dict()``).
        inputs: vary key → value (see the module docstring for the keys).
        file: the file the keys come from (for error messages).
        label: which variant this is, e.g. ``point 3`` (for error messages).

    Raises:
        SweepError: the values make an invalid scenario (naming the vary key at fault).
    """
    data = copy.deepcopy(dict(base))
    for key, value in inputs.items():
        apply_vary(data, key, value, file)
    try:
        return load_scenario(data).to_dict()
    except ScenarioError as err:
        culprit = next((k for k in inputs if _related(_scenario_key(k), err.key)), None)
        key = f"vary.{culprit}" if culprit else "vary"
        raise SweepError(file, key, f"{label} {dict(inputs)}: {err.key}: {err.problem}", err.fix) from None


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file.

    Raises:
        UserError: the file does not exist.
        SweepError: the file is invalid (the message names the key and the fix).
    """
    path = Path(path)
    file = str(path)
    raw = read_mapping_file(path, "sweep", SWEEP_KEYS, SweepError, "sweeps/*.yaml")

    scenario = _base_scenario(raw, path)
    design = raw.get("design", "grid")
    if design not in DESIGNS:
        raise SweepError(file, "design", f"unknown design {design!r}", did_you_mean(design, DESIGNS))
    reps = _integer(raw, "reps", DEFAULT_REPS, 1, file)
    seed = _integer(raw, "seed", scenario.seed, 0, file)
    if design == "lhs":
        if "samples" not in raw:
            raise SweepError(file, "samples", "a Latin hypercube needs a number of points", "add e.g. samples: 20")
        samples, design_seed = _integer(raw, "samples", None, 1, file), _integer(raw, "design_seed", 0, 0, file)
    else:
        for key in ("samples", "design_seed"):
            if key in raw:
                raise SweepError(file, key, "applies to Latin hypercube designs only", "remove it or set design: lhs")
        samples, design_seed = None, 0

    factors = _factors(raw, design, file)
    if design == "grid":
        size = math.prod(len(f.grid()) for f in factors)  # Python ints: 3 ** 150 overflows NumPy
        if size > MAX_GRID_POINTS:
            raise SweepError(
                file,
                "vary",
                f"the grid has {size:,} points (at most {MAX_GRID_POINTS:,})",
                "use fewer levels, or design: lhs with samples: N",
            )
    return Sweep(
        file=file,
        name=path.stem,
        scenario=scenario.replace(seed=seed),
        factors=factors,
        design=design,
        samples=samples,
        design_seed=design_seed,
        reps=reps,
        description=str(raw.get("description") or "").strip(),
    )


def run_sweep(
    sweep: Sweep | str | Path, *, reps: int | None = None, out: Path | str | None = None, **execution: Any
) -> ExperimentResult:
    """Run every point of a sweep and summarise it per point and year.

    Args:
        sweep: a sweep or the path of a sweep file.
        reps: replications per point (default: the file's).
        out: a store folder to keep the runs in (and resume from); None keeps nothing.
        **execution: executor, workers, scheduler, batch_size, progress
            (see :func:`fupin_sim.experiments.replications.run_experiment`).

    Returns:
        The result; ``table`` is the tidy inputs × outcomes table (one row per
        point, replication and year), ``summary`` the statistics per point and year.
    """
    sweep = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    return execute(sweep.experiment(reps), out, **execution)


def _base_scenario(raw: Mapping[str, Any], path: Path) -> Scenario:
    name = raw.get("scenario")
    if not isinstance(name, str) or not name:
        raise SweepError(str(path), "scenario", "missing: which scenario to vary", "add e.g. scenario: baseline")
    beside = path.parent / name
    try:
        return load_scenario(beside if beside.suffix in (".yaml", ".yml") and beside.exists() else name)
    except ScenarioError:
        raise
    except UserError as err:
        raise SweepError(str(path), "scenario", str(err)) from None


def _factors(raw: Mapping[str, Any], design: str, file: str) -> list[Factor]:
    vary = raw.get("vary") or {}
    if not isinstance(vary, Mapping):
        raise SweepError(
            file,
            "vary",
            "expected a mapping of dotted keys to ranges or values",
            "e.g. vary: {health.inpatient_reimbursement_share: est}",
        )
    vary_all_est = raw.get("vary_all_est", False)
    if not isinstance(vary_all_est, bool):
        raise SweepError(file, "vary_all_est", f"expected true or false, got {vary_all_est!r}")
    specs: dict[str, Any] = dict.fromkeys(all_est_keys(), EST) if vary_all_est else {}
    specs.update({str(key): spec for key, spec in vary.items()})
    if not specs:
        raise SweepError(
            file, "vary", "nothing to vary", "name at least one parameter under vary, or set vary_all_est: true"
        )
    return [parse_factor(key, spec, design, file) for key, spec in specs.items()]


def parse_factor(key: str, spec: Any, design: str, file: str) -> Factor:
    """One ``vary`` entry as a factor (key checked, ``est`` resolved to the documented range).

    Args:
        key: the dotted key.
        spec: what the file gives: ``est``, a list of values, or a mapping with range/values/levels.
        design: ``grid`` (levels allowed) or another design that samples ranges.
        file: the file (for error messages).

    Raises:
        SweepError: an unknown key or an invalid entry (naming the key and the fix).
    """
    where = f"vary.{key}"
    check_vary_key(key, file)
    if isinstance(spec, str | list):
        spec = {"range": spec} if isinstance(spec, str) else {"values": spec}
    if not isinstance(spec, Mapping):
        raise SweepError(
            file,
            where,
            f"a single value ({spec!r}) does not vary",
            "give a list of values, a range (range: [low, high]), or est; fixed values belong in the scenario",
        )
    refuse_unknown_keys(spec, FACTOR_KEYS, file, where, SweepError)
    if ("range" in spec) == ("values" in spec):
        raise SweepError(file, where, "give either range or values", "e.g. {range: [0.4, 0.8]} or {values: [0.4, 0.8]}")
    if "values" in spec:
        values = spec["values"]
        if not isinstance(values, list) or not values:
            raise SweepError(
                file, f"{where}.values", f"expected a non-empty list, got {values!r}", "e.g. values: [0.4, 0.8]"
            )
        if "levels" in spec:
            raise SweepError(
                file, f"{where}.levels", "levels apply to ranges", "remove levels, or give a range instead"
            )
        return Factor(key, values=tuple(values))
    low, high = _range(key, spec["range"], file)
    levels = spec.get("levels", DEFAULT_LEVELS)
    if "levels" in spec and design != "grid":
        raise SweepError(
            file,
            f"{where}.levels",
            "levels apply to grid designs (a Latin hypercube samples the range)",
            "remove levels, or set design: grid",
        )
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2:
        raise SweepError(file, f"{where}.levels", f"expected a whole number of at least 2, got {levels!r}")
    return Factor(key, low=low, high=high, levels=levels)


def _range(key: str, given: Any, file: str) -> tuple[float, float]:
    """``[low, high]`` as given, or the parameter's documented range for ``est``."""
    where = f"vary.{key}.range"
    if given == EST:
        path, year = parameter_target(key)
        if path is None:
            raise SweepError(
                file,
                where,
                "est ranges belong to parameters, and this is a scenario setting",
                "give the range: range: [low, high]",
            )
        documented = default_parameters()[path].range
        if documented is None:
            raise SweepError(
                file, where, f"{path} documents no range (it is not an estimate)", "give range: [low, high]"
            )
        if isinstance(documented, Mapping):
            years = ", ".join(map(str, documented))
            if year is None:
                raise SweepError(
                    file,
                    where,
                    f"{path} has ranges by year ({years})",
                    f"vary one year, e.g. {path}.{next(iter(documented))}",
                )
            if year not in documented:
                raise SweepError(
                    file,
                    where,
                    f"{path} has no documented range for {year}",
                    f"use one of {years}, or give range: [low, high]",
                )
            documented = documented[year]
        given = list(documented)
    if (
        not isinstance(given, list)
        or len(given) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in given)
    ):
        raise SweepError(file, where, f"expected est or [low, high] numbers, got {given!r}", "e.g. range: [0.4, 0.8]")
    low, high = float(given[0]), float(given[1])
    if not low < high:
        raise SweepError(
            file, where, f"low ({low:g}) must be below high ({high:g})", "swap them, or use values: [x] for one value"
        )
    return low, high


def check_vary_key(key: str, file: str) -> None:
    """Raise unless ``key`` names a parameter, a dated parameter's year, or a scenario setting.

    Raises:
        SweepError: an unknown key (with "did you mean") or one that cannot vary.
    """
    path, _ = parameter_target(key)
    if path is not None or key.split(".")[0] in SCENARIO_SETTINGS:
        return
    params = default_parameters()
    known = [*params, *SCENARIO_SETTINGS]
    if key in ("seed", "name", "extends", "start", "end") or key.split(".")[0] in ("parameters", "outputs"):
        raise SweepError(
            file,
            f"vary.{key}",
            "cannot be varied in a sweep",
            "vary parameters by their dotted path (e.g. health.inpatient_reimbursement_share); "
            "replications vary the seed",
        )
    raise SweepError(file, f"vary.{key}", "unknown parameter or scenario setting", did_you_mean(key, known))


def parameter_target(key: str) -> tuple[str | None, int | None]:
    """``(parameter path, year)`` for a parameter key (year None for the whole parameter), else ``(None, None)``."""
    params = default_parameters()
    paths = set(params)  # not `key in params`: ParameterSet raises for an unknown path instead of answering False
    if key in paths:
        return key, None
    path, _, year = key.rpartition(".")
    if year.isdigit() and path in paths and params[path].is_dated:
        return path, int(year)
    return None, None


def _scenario_key(key: str) -> str:
    """Where a vary key lands in the scenario (for matching validation errors)."""
    path, _ = parameter_target(key)
    return f"parameters.{path}" if path is not None else key


def _related(key: str, other: str) -> bool:
    """Whether one dotted key lies within the other."""
    return key == other or key.startswith(f"{other}.") or other.startswith(f"{key}.")


def apply_vary(data: dict[str, Any], key: str, value: Any, file: str) -> None:
    """Set a vary key in a resolved scenario mapping (in place; the key is not checked, see check_vary_key).

    Raises:
        SweepError: the key sets one year of a parameter the scenario gives one value for all years.
    """
    path, year = parameter_target(key)
    if path is not None:
        overrides = data["parameters"] = dict(data.get("parameters") or {})
        if year is None:
            overrides[path] = value
            return
        current = overrides.get(path)
        if current is not None and not isinstance(current, Mapping):
            raise SweepError(
                file,
                f"vary.{key}",
                f"the scenario sets {path} to one value for all years",
                f"vary the whole parameter ({path}) instead of one year",
            )
        overrides[path] = {**(current or {}), year: value}
        return
    *parents, last = [int(part) if part.isdigit() else part for part in key.split(".")]
    node = data
    for depth, part in enumerate(parents):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, Mapping):
            where = ".".join(map(str, parents[: depth + 1]))
            raise SweepError(file, f"vary.{key}", f"{where} is {child!r}, not a mapping of settings", "check the key")
        node = child
    node[last] = value


def all_est_keys() -> list[str]:
    """A vary key for every documented EST range (one per year for dated parameters)."""
    keys = []
    for path, param in default_parameters().items():
        if param.confidence != "EST" or param.range is None:
            continue
        if isinstance(param.range, Mapping):
            keys.extend(f"{path}.{year}" for year in param.range)
        else:
            keys.append(path)
    return keys


def _integer(raw: Mapping[str, Any], key: str, default: int | None, minimum: int, file: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SweepError(file, key, f"expected a whole number of at least {minimum}, got {value!r}")
    return value


def _tidy(value: float) -> float:
    """Round away binary noise (0.55 instead of 0.5500000000000001)."""
    return float(f"{value:.12g}")


def _plain(value: Any) -> Any:
    """NumPy scalars to plain Python values (for YAML, JSON and hashing)."""
    return value.item() if isinstance(value, np.generic) else value
