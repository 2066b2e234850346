"""Calibration files: which figures to fit, with what band and weight, over which parameters.

The format is documented in :func:`load_calibration` and ``docs/calibration.md``;
:mod:`fupin_sim.experiments.calibration` fits a loaded file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fupin_sim.config.files import read_mapping_file, refuse_unknown_keys
from fupin_sim.config.scenario import SCENARIO_DIR, default_parameters, load_scenario
from fupin_sim.config.settings import did_you_mean
from fupin_sim.errors import ScenarioError, UserError
from fupin_sim.experiments.figures import CHECK_BY_FIGURE, STATISTICS, Check

CALIBRATION_DIR = SCENARIO_DIR.parent / "calibration"
DEFAULT_FILE = CALIBRATION_DIR / "daan.yaml"
FILE_KEYS = (
    "description",
    "figures",
    "conditions",
    "parameters",
    "reps",
    "population_scale",
    "trials",
    "seed",
    "sampler_seed",
    "startup_trials",
    "check_reps",
)
FIGURE_KEYS = ("statistic", "scenario", "tolerance", "range", "weight", "held_out", "note")
CONDITION_KEYS = ("statistic", "scenario", "range", "weight", "held_out", "note")
DEFAULT_REPS = 4
DEFAULT_TRIALS = 200
MISSING_DISTANCE = 100.0  # a figure the model cannot compute counts as 100 bands away


class CalibrationError(ScenarioError):
    """A calibration file is invalid (file, key, problem and fix)."""


# --- the calibration file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One figure or condition of a calibration file.

    A *figure* is a published value; a *condition* is a requirement on the model with no
    published value (returns falling over the years, the 2016 exit target met in most
    replications): only its band counts.

    Attributes:
        figure: key in ``data/daan.yaml``, or the condition's name.
        statistic: the model's counterpart (a name in :data:`STATISTICS`).
        scenario: the scenario source it is read from (a shipped name or a path).
        scenario_name: that scenario's name (the ``scenario`` of its runs).
        published: the published value (``None`` for a condition).
        low, high: the acceptance band (the model's mean within it is a fit).
        weight: its weight in the loss.
        held_out: predicted, not fitted.
        note: how comparable the two are.
    """

    figure: str
    statistic: str
    scenario: str
    scenario_name: str
    published: float | None
    low: float
    high: float
    weight: float = 1.0
    held_out: bool = False
    note: str = ""

    @property
    def is_condition(self) -> bool:
        """A requirement on the model, not a published figure."""
        return self.published is None

    def distance(self, model: float) -> float:
        """How far the model is from the published value, in band widths (1 = the band's edge).

        For a condition: 0 inside the band, else how far outside it in band widths.
        """
        if not math.isfinite(model):
            return MISSING_DISTANCE
        if self.published is None:
            return max(self.low - model, model - self.high, 0.0) / (self.high - self.low)
        edge = self.high if model >= self.published else self.low
        width = abs(edge - self.published)
        if width == 0:
            return 0.0 if model == self.published else MISSING_DISTANCE
        return abs(model - self.published) / width


@dataclass
class Calibration:
    """A validated calibration file.

    Attributes:
        file: the file.
        name: its stem.
        description: what it fits.
        targets: the figures, then the conditions, fitted and held out.
        space: vary key → range or values of every parameter to fit.
        reps: replications per trial.
        population_scale: the simulated share of the district per trial.
        trials: trials in all.
        seed: base seed of every trial's replications (common random numbers).
        sampler_seed: the sampler's seed.
        startup_trials: random trials before the sampler models the history.
        check_reps: replications of the fit check (fresh seeds) before and after.
    """

    file: str
    name: str
    description: str
    targets: list[Target]
    space: dict[str, Any]
    reps: int
    population_scale: float
    trials: int
    seed: int
    sampler_seed: int
    startup_trials: int
    check_reps: int

    @property
    def fitted(self) -> list[Target]:
        """The figures and conditions the loss is made of."""
        return [t for t in self.targets if not t.held_out]

    @property
    def figures(self) -> list[Target]:
        """The published figures, fitted and held out (not the conditions)."""
        return [t for t in self.targets if not t.is_condition]

    def loss(self, means: Mapping[str, float]) -> float:
        """The weighted sum of squared distances (in bands) of the fitted figures and conditions.

        Args:
            means: figure or condition → the model's mean.
        """
        return float(sum(t.weight * t.distance(means[t.figure]) ** 2 for t in self.fitted))


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration file.

    The file::

        description: Return and uptake figures
        reps: 4                     # replications per trial (default 4)
        population_scale: 0.25      # share of the district per trial (default 1)
        trials: 200                 # default 200
        seed: 20160806              # base seed of the replications (default: the first scenario's)
        sampler_seed: 0             # the sampler's seed (default 0)
        check_reps: 20              # replications of the fit check, before and after (default: 2 x reps)
        figures:
          return_rate_2016: {tolerance: 0.005}              # absolute, in the figure's unit
          hospitalisation_rate_registered: {tolerance: 10%} # relative to the published value
          return_risk_with_support: {range: [0.006, 0.025], weight: 2}
          microcredit_uptake_2016: {tolerance: 25%, held_out: true}
          broiler_exit_share_2020: {tolerance: 20%, statistic: industry_exit_share, scenario: decision_2016}
        conditions:                 # optional: a statistic's band, no published value (0 inside it)
          decision_returns_fall: {statistic: returns_trend_2017_2020, scenario: decision_2016, range: [-1, 0]}
        parameters:                 # default: every estimate (EST) over its documented range
          health.serious_cost_mean: est
          income.wage_persistence: {range: [0.3, 0.6]}      # must lie inside the documented range

    Raises:
        UserError: the file does not exist.
        CalibrationError: the file is invalid (the message names the key and the fix).
    """
    from fupin_sim.experiments.sweeps import all_est_keys

    path = Path(path)
    file = str(path)
    raw = read_mapping_file(path, "calibration", FILE_KEYS, CalibrationError, "calibration/daan.yaml")
    targets = _targets(raw.get("figures"), path) + _conditions(raw.get("conditions"), path)
    if not any(not t.held_out for t in targets):
        raise CalibrationError(
            file, "figures", "no figures to fit: every figure is held out", "fit at least one (remove held_out: true)"
        )
    specs = raw.get("parameters")
    if specs is None:
        specs = dict.fromkeys(all_est_keys(), "est")
    if not isinstance(specs, Mapping) or not specs:
        raise CalibrationError(
            file,
            "parameters",
            "expected a mapping of parameter paths to ranges",
            "e.g. {health.serious_cost_mean: est}",
        )
    space = {str(key): _parameter_factor(str(key), spec, file) for key, spec in specs.items()}
    reps = _integer(raw, "reps", DEFAULT_REPS, 1, file)
    scale = raw.get("population_scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0.001 <= scale <= 25:
        raise CalibrationError(file, "population_scale", f"expected a number in [0.001, 25], got {scale!r}")
    first = load_scenario(scenario_source(targets[0].scenario, path))
    return Calibration(
        file=file,
        name=path.stem,
        description=str(raw.get("description") or "").strip(),
        targets=targets,
        space=space,
        reps=reps,
        population_scale=float(scale),
        trials=_integer(raw, "trials", DEFAULT_TRIALS, 1, file),
        seed=_integer(raw, "seed", first.seed, 0, file),
        sampler_seed=_integer(raw, "sampler_seed", 0, 0, file),
        startup_trials=_integer(raw, "startup_trials", 10, 1, file),
        check_reps=_integer(raw, "check_reps", 2 * reps, 1, file),
    )


def _targets(figures: Any, path: Path) -> list[Target]:
    """The ``figures:`` section: published figures of ``data/daan.yaml``, each with its band."""
    file = str(path)
    if not isinstance(figures, Mapping) or not figures:
        raise CalibrationError(
            file,
            "figures",
            "no figures to fit",
            "name figures of data/daan.yaml, e.g. figures: {return_rate_2016: ...}",
        )
    params = default_parameters()
    known = [p.removeprefix("district.") for p in params if p.startswith("district.")]
    targets = []
    for figure, spec in figures.items():
        figure, where = str(figure), f"figures.{figure}"
        if figure not in known:
            raise CalibrationError(file, where, "not a figure of data/daan.yaml", did_you_mean(figure, known))
        spec = _spec(spec, FIGURE_KEYS, file, where, "e.g. {tolerance: 10%}")
        published = float(params[f"district.{figure}"].at())
        low, high = _band(spec, published, file, where)
        targets.append(_target(figure, spec, published, low, high, path, where, CHECK_BY_FIGURE.get(figure)))
    return targets


def _conditions(conditions: Any, path: Path) -> list[Target]:
    """The optional ``conditions:`` section: requirements on the model with a band and no published value."""
    file = str(path)
    if conditions is None:
        return []
    if not isinstance(conditions, Mapping):
        raise CalibrationError(
            file,
            "conditions",
            "expected a mapping of condition names to a statistic, scenario and range",
            "e.g. conditions: {returns_fall: {statistic: returns_trend_2017_2020, scenario: decision_2016, "
            "range: [-1, 0]}}",
        )
    figures = {p.removeprefix("district.") for p in default_parameters() if p.startswith("district.")}
    targets = []
    for name, spec in conditions.items():
        name, where = str(name), f"conditions.{name}"
        if name in figures:
            raise CalibrationError(
                file, where, "a figure of data/daan.yaml, not a condition", "move it under figures: or rename it"
            )
        spec = _spec(spec, CONDITION_KEYS, file, where, "e.g. {statistic: ..., scenario: ..., range: [-1, 0]}")
        for key in ("statistic", "scenario", "range"):
            if key not in spec:
                raise CalibrationError(file, where, f"a condition needs {key}", "give statistic, scenario and range")
        given = spec["range"]
        if not (isinstance(given, list) and len(given) == 2 and all(_is_number(v) for v in given)) or not (
            given[0] < given[1]
        ):
            raise CalibrationError(file, f"{where}.range", f"expected [low, high] with low < high, got {given!r}")
        targets.append(_target(name, spec, None, float(given[0]), float(given[1]), path, where, None))
    return targets


def _spec(spec: Any, keys: tuple[str, ...], file: str, where: str, example: str) -> Mapping[str, Any]:
    """One entry of ``figures:`` or ``conditions:``, its keys checked."""
    spec = spec or {}
    if not isinstance(spec, Mapping):
        raise CalibrationError(file, where, f"expected a mapping, got {spec!r}", example)
    refuse_unknown_keys(spec, keys, file, where, CalibrationError)
    return spec


def _target(
    name: str,
    spec: Mapping[str, Any],
    published: float | None,
    low: float,
    high: float,
    path: Path,
    where: str,
    check: Check | None,
) -> Target:
    """A figure or condition from its checked entry: statistic, scenario, weight, held out, note."""
    file = str(path)
    statistic = spec.get("statistic", check.statistic if check else None)
    if statistic is None:
        raise CalibrationError(
            file, where, "no statistic is known for this figure", f"add statistic: one of {', '.join(STATISTICS)}"
        )
    if statistic not in STATISTICS:
        raise CalibrationError(
            file, f"{where}.statistic", f"unknown statistic {statistic!r}", did_you_mean(str(statistic), STATISTICS)
        )
    scenario = spec.get("scenario", check.scenario if check else None)
    if not isinstance(scenario, str):
        raise CalibrationError(file, f"{where}.scenario", "which scenario's run to read", "add scenario: baseline")
    try:
        scenario_name = load_scenario(scenario_source(scenario, path)).name
    except ScenarioError:
        raise
    except UserError as err:
        raise CalibrationError(file, f"{where}.scenario", str(err)) from None
    weight = spec.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
        raise CalibrationError(file, f"{where}.weight", f"expected a positive number, got {weight!r}")
    held_out = spec.get("held_out", False)
    if not isinstance(held_out, bool):
        raise CalibrationError(file, f"{where}.held_out", f"expected true or false, got {held_out!r}")
    note = str(spec.get("note", check.note if check else STATISTICS[statistic].description))
    return Target(name, statistic, scenario, scenario_name, published, low, high, float(weight), held_out, note)


def _band(spec: Mapping[str, Any], published: float, file: str, where: str) -> tuple[float, float]:
    """``(low, high)`` from ``tolerance`` (absolute, or ``N%`` of the published value) or ``range``."""
    if ("tolerance" in spec) == ("range" in spec):
        raise CalibrationError(
            file, where, "give either tolerance or range", "e.g. tolerance: 0.005, tolerance: 10%, or range: [0.8, 1.2]"
        )
    if "range" in spec:
        given = spec["range"]
        numbers = isinstance(given, list) and len(given) == 2 and all(_is_number(v) for v in given)
        if not numbers or not given[0] <= published <= given[1] or given[0] == given[1]:
            raise CalibrationError(
                file,
                f"{where}.range",
                f"expected [low, high] around the published {published:g}, got {given!r}",
                f"e.g. range: [{published * 0.8:g}, {published * 1.2:g}]",
            )
        return float(given[0]), float(given[1])
    tolerance = spec["tolerance"]
    match = re.fullmatch(r"\s*([0-9.]+)\s*%\s*", tolerance) if isinstance(tolerance, str) else None
    if match:
        tolerance = abs(published) * float(match.group(1)) / 100
    if not _is_number(tolerance) or tolerance <= 0:
        raise CalibrationError(
            file, f"{where}.tolerance", f"expected a positive number or a percentage, got {spec['tolerance']!r}"
        )
    return published - tolerance, published + tolerance


def _parameter_factor(key: str, spec: Any, file: str):
    """A parameter to fit, its range inside the documented one."""
    from fupin_sim.experiments.sweeps import SweepError, parameter_target, parse_factor

    try:
        factor = parse_factor(key, spec, "search", file)
    except SweepError as err:
        raise CalibrationError(file, err.key.replace("vary.", "parameters.", 1), err.problem, err.fix) from None
    where = f"parameters.{key}"
    path, year = parameter_target(key)
    if path is None:
        raise CalibrationError(
            file,
            where,
            "a scenario setting, not a parameter",
            "calibration fits parameters; set programmes in scenarios",
        )
    documented = default_parameters()[path].range
    if isinstance(documented, Mapping):
        documented = documented.get(year) if year is not None else None
    if documented is None:
        raise CalibrationError(
            file,
            where,
            f"{key} documents no range (a published figure, or a dated parameter named without its year)",
            "fit estimates (EST) with a documented range; for a dated one name the year, e.g. <path>.2017",
        )
    low, high = documented
    values = factor.values if factor.values is not None else (factor.low, factor.high)
    outside = [v for v in values if not _is_number(v) or not low <= v <= high]
    if outside:
        raise CalibrationError(
            file,
            where,
            f"{outside[0]!r} lies outside the documented range [{low:g}, {high:g}]",
            "stay inside it (est uses it whole); widening a range needs a source in the parameter file",
        )
    return factor


def scenario_source(scenario: str, path: Path) -> str | Path:
    """A scenario named in a calibration file: a path beside the file, else a shipped name."""
    beside = path.parent / scenario
    return beside if beside.suffix in (".yaml", ".yml") and beside.exists() else scenario


def _integer(raw: Mapping[str, Any], key: str, default: int, minimum: int, file: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CalibrationError(file, key, f"expected a whole number of at least {minimum}, got {value!r}")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
