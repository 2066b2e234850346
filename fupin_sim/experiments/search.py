"""One search engine: a sampler proposes scenario variants, replications score them.

Calibration and the budget optimiser are the same loop. A *search* names base
scenarios and a space of inputs (dotted keys of the sweep files' ``vary``
grammar: parameters, one year of a dated parameter, programme settings); an
Optuna sampler proposes a *candidate* (one value per input), the candidate's
inputs are applied to every base scenario, and each of these variants runs for
``reps`` replications. Replication *r* of every candidate is seeded with
``replication_seed(seed, r)`` (common random numbers), so two candidates differ
by their inputs, not by their draws.

A worker runs a replication and reduces the finished model to a few numbers with
the search's *measure* (a picklable callable ``measure(model) -> {name: value}``,
run where the model is, so no table leaves the worker); this process gathers a
candidate's measures into one table and the *score* turns it into objective
values (and constraint values, feasible when ≤ 0, Optuna's convention)::

    from fupin_sim.experiments.search import Search, run_search, yearly_measures

    def score(candidate):                       # candidate.measures: scenario, replication, measures
        return candidate.measures["returns.2018"].mean()

    search = Search(
        name="fewer_returns",
        scenarios=["decision_2016"],
        space={"programmes.health.budget_cny.2017": {"range": [1.0e7, 5.0e7]}},
        measure=yearly_measures,
        score=score,
        reps=4,
        population_scale=0.05,
    )
    result = run_search(search, "out/fewer_returns", trials=20, executor="processes")
    result.best.inputs, result.best.values

Everything is kept in the output folder: the Optuna study (``study.journal``, a
journal file) and every replication's measures (``runs/``, a result store keyed
by the variant's resolved scenario and the replication). Killed, the same call
resumes: a trial that was running is evaluated again (its finished replications
are read back, not re-run) and told, and the study continues to ``trials``
finished trials. Each trial's sampler is seeded from the sampler seed and the
trial number, so a resumed study proposes what an uninterrupted one would have.
"""

from __future__ import annotations

import json
import math
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fupin_sim.config.scenario import Scenario, load_scenario
from fupin_sim.errors import UserError
from fupin_sim.experiments.executors import Executor, make_executor
from fupin_sim.experiments.replications import Variant, provenance, replication_seed
from fupin_sim.experiments.store import STATUS_FAILED, STATUS_OK, ResultStore, run_id
from fupin_sim.experiments.sweeps import Factor, check_vary_key, parse_factor, variant_scenario
from fupin_sim.model.simulation import FupinModel

STUDY_FILE = "study.journal"
STUDY_NAME = "search"
SAMPLERS = ("tpe", "nsga2", "random")
DIRECTIONS = ("minimize", "maximize")
MAX_FAILED_IN_A_ROW = 3  # trials whose every run failed before the search gives up

Measure = Callable[[FupinModel], Mapping[str, float]]


@dataclass(frozen=True)
class Score:
    """What the score function says of a candidate.

    Attributes:
        values: one value per objective, in the search's order.
        constraints: one value per constraint; ≤ 0 is feasible.
        attrs: anything else to keep with the trial (plain JSON values), e.g. per-figure means.
    """

    values: tuple[float, ...]
    constraints: tuple[float, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """A proposed point, measured.

    Attributes:
        number: the trial number (-1 for a point evaluated outside a study).
        inputs: vary key → value.
        measures: one row per base scenario and replication: ``scenario``,
            ``replication`` and one column per measure.
    """

    number: int
    inputs: dict[str, Any]
    measures: pd.DataFrame

    def yearly(self) -> pd.DataFrame:
        """Measures named ``<column>.<year>`` (see :func:`yearly_measures`) as a long yearly table.

        Returns:
            One row per scenario, replication and year; one column per measure name.
        """
        ids = ["scenario", "replication"]
        long = self.measures.melt(id_vars=ids, var_name="measure")
        parts = long.measure.str.extract(r"^(?P<column>.+)\.(?P<year>\d{4})$")
        long = long.assign(column=parts.column, year=pd.to_numeric(parts.year)).dropna(subset=["year"])
        table = long.pivot_table(index=[*ids, "year"], columns="column", values="value", aggfunc="first")
        return table.reset_index().rename_axis(columns=None).astype({"year": int})


Scorer = Callable[[Candidate], "Score | float | Sequence[float]"]


@dataclass
class Search:
    """A search problem.

    Args:
        name: what the search is called (the study's name in messages).
        scenarios: base scenarios (shipped names, paths, mappings or Scenario objects);
            every candidate's inputs are applied to each.
        space: vary key → what the sweep files accept under ``vary`` (``est``,
            ``{range: [low, high]}``, a list of values), a
            :class:`~fupin_sim.experiments.sweeps.Factor`, or an Optuna distribution.
            With ``decode``, any names → Optuna distributions.
        decode: turns the sampler's values (name → value) into vary inputs (vary key →
            value), e.g. a programme's total and a yearly profile into one budget per
            year; None: the space's names are vary keys.
        measure: reduces a finished model to numbers (runs on the workers: a
            module-level function or a picklable object).
        score: turns a :class:`Candidate` into a :class:`Score`, a number or a sequence of numbers.
        objectives: names of the objectives (default one, ``loss``).
        directions: ``minimize`` or ``maximize`` per objective.
        constraints: names of the constraints the score returns (values ≤ 0 feasible).
        reps: replications per candidate.
        population_scale: the simulated share of the district (None: each scenario's own).
        seed: the base seed of every candidate's replications (None: the first scenario's).
        sampler: ``tpe`` (default), ``nsga2`` or ``random``.
        sampler_seed: seed of the sampler.
        startup_trials: random trials before TPE models the history.
        population_size: NSGA-II's generation size.
        file: the file the search comes from (for error messages).
        definition: what else identifies the search (stored; a folder holding a
            different search is refused).

    Raises:
        UserError: an invalid space, direction, sampler, or a base scenario that does not load.
    """

    name: str
    scenarios: Sequence[Scenario | str | Path | Mapping[str, Any]]
    space: Mapping[str, Any]
    measure: Measure
    score: Scorer
    objectives: Sequence[str] = ("loss",)
    directions: Sequence[str] = ("minimize",)
    constraints: Sequence[str] = ()
    reps: int = 4
    population_scale: float | None = None
    seed: int | None = None
    sampler: str = "tpe"
    sampler_seed: int = 0
    startup_trials: int = 10
    population_size: int = 50
    file: str = "(search)"
    definition: dict[str, Any] = field(default_factory=dict)
    decode: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def __post_init__(self):
        if self.reps < 1:
            raise UserError(f"{self.file}: replications must be at least 1, got {self.reps}")
        if len(self.objectives) != len(self.directions) or not self.objectives:
            raise UserError(f"{self.file}: give one direction per objective")
        for direction in self.directions:
            if direction not in DIRECTIONS:
                raise UserError(f"{self.file}: unknown direction {direction!r}; choose minimize or maximize")
        if self.sampler not in SAMPLERS:
            raise UserError(f"{self.file}: unknown sampler {self.sampler!r}; choose one of {', '.join(SAMPLERS)}")
        self.bases = [s if isinstance(s, Scenario) else load_scenario(s) for s in self.scenarios]
        if not self.bases:
            raise UserError(f"{self.file}: name at least one scenario")
        names = [s.name for s in self.bases]
        if len(set(names)) != len(names):
            raise UserError(f"{self.file}: two base scenarios are named alike: {', '.join(names)}")
        self.base_seed = self.bases[0].seed if self.seed is None else self.seed
        if self.decode is None:
            self.distributions = {key: _distribution(key, spec, self.file) for key, spec in self.space.items()}
        else:
            self.distributions = dict(self.space)
            if not all(isinstance(d, _distribution_type()) for d in self.distributions.values()):
                raise UserError(f"{self.file}: with decode, give every input as an Optuna distribution")

    def inputs(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The vary inputs of the sampler's values (``decode`` applied, keys checked)."""
        inputs = dict(values) if self.decode is None else dict(self.decode(dict(values)))
        for key in inputs:
            check_vary_key(key, self.file)
        return inputs

    def variants(self, inputs: Mapping[str, Any], label: str) -> list[Variant]:
        """The sampler's values (decoded to vary inputs) applied to every base scenario, validated.

        Raises:
            SweepError: the inputs make an invalid scenario (naming the key).
        """
        inputs = self.inputs(inputs)
        variants = []
        for base in self.bases:
            data = {**base.to_dict(), "seed": self.base_seed}
            if self.population_scale is not None:
                data["population_scale"] = self.population_scale
            variants.append(Variant(base.name, variant_scenario(data, inputs, self.file, label), dict(inputs)))
        return variants

    def identity(self) -> dict[str, Any]:
        """What makes two searches the same (stored with the study)."""
        return {
            "name": self.name,
            "scenarios": [b.name for b in self.bases],
            "space": {key: repr(dist) for key, dist in self.distributions.items()},
            "objectives": list(self.objectives),
            "directions": list(self.directions),
            "constraints": list(self.constraints),
            "reps": self.reps,
            "population_scale": self.population_scale,
            "seed": self.base_seed,
            "sampler": self.sampler,
            "sampler_seed": self.sampler_seed,
            "measure": _callable_name(self.measure),
            **self.definition,
        }


@dataclass
class Trial:
    """A finished trial: inputs, objective and constraint values, feasibility, attrs."""

    number: int
    inputs: dict[str, Any]
    values: tuple[float, ...]
    constraints: tuple[float, ...]
    attrs: dict[str, Any]

    @property
    def feasible(self) -> bool:
        """Whether every constraint is ≤ 0."""
        return all(c <= 0 for c in self.constraints)


@dataclass
class SearchResult:
    """What a search has found so far.

    Attributes:
        search: the problem.
        study: the Optuna study (all trials, in the output folder's journal).
        trials: one row per finished trial: ``trial``, the inputs, the objectives,
            the constraints, ``feasible``, ``started_at``, ``duration_s``.
        best: the best feasible trial (single objective), or None.
        pareto: the feasible Pareto-optimal trials (several objectives: the frontier).
        all_trials: every finished trial, feasible or not, in trial order.
        out: the output folder.
        stopped: why the run stopped: ``trials``, ``minutes`` or ``done`` (nothing left to do).
    """

    search: Search
    study: Any
    trials: pd.DataFrame
    best: Trial | None
    pareto: list[Trial]
    all_trials: list[Trial]
    out: Path
    stopped: str


def yearly_measures(model: FupinModel) -> dict[str, float]:
    """Every numeric column of the yearly table as ``<column>.<year>`` (a general-purpose measure)."""
    yearly = model.results().yearly.set_index("year")
    measures = {}
    for column in yearly.columns:
        values = pd.to_numeric(yearly[column], errors="coerce")
        if values.notna().any():
            measures.update({f"{column}.{year}": float(v) for year, v in values.items()})
    return measures


def run_search(
    search: Search,
    out: Path | str,
    *,
    trials: int | None = None,
    minutes: float | None = None,
    trials_at_once: int = 1,
    executor: str | Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    postfix: Callable[[list[Trial]], Mapping[str, Any]] | None = None,
) -> SearchResult:
    """Run (or resume) a search until ``trials`` trials have finished or ``minutes`` have passed.

    Args:
        search: the problem.
        out: the output folder (created; a folder of the same search resumes).
        trials: finished trials the study should have in all (a rerun tops it up to this).
        minutes: stop proposing new trials after this many minutes (running ones finish).
        trials_at_once: candidates proposed and evaluated together (fills a large cluster).
        executor: ``serial``, ``processes`` (default) or ``dask``, or an executor object.
        workers: worker processes.
        scheduler: a Dask scheduler address.
        progress: show a progress bar (None: when the output is a terminal or a notebook).
        postfix: what the progress bar shows after the count, from the finished trials
            (default: the best feasible loss, or the size of the feasible Pareto set).

    Raises:
        UserError: neither trials nor minutes, a folder holding another search, or
            trials that keep failing (the last traceback line is in the message).
        KeyboardInterrupt: after the running replications finished and were kept.
    """
    import optuna

    if not search.distributions:
        raise UserError(f"{search.file}: nothing to search over; name at least one input")
    if trials is None and minutes is None:
        raise UserError("give a number of trials, a time budget in minutes, or both")
    if trials is not None and trials < 1:
        raise UserError(f"trials must be at least 1, got {trials}")
    if minutes is not None and minutes <= 0:
        raise UserError(f"minutes must be positive, got {minutes}")
    if trials_at_once < 1:
        raise UserError(f"trials at once must be at least 1, got {trials_at_once}")
    out = Path(out)
    study = open_study(search, out)
    store = ResultStore(out)
    deadline = None if minutes is None else time.monotonic() + 60 * minutes
    stopped = "done"
    failed_in_a_row = 0
    with (
        make_executor(executor, workers, scheduler) as pool,
        _bar(trials, "trials", "trial", progress, _finished_count(study)) as bar,
    ):
        _show_best(bar, search, study, postfix)
        while True:
            pending = _stale_trials(study)
            if not pending:
                finished = _finished_count(study)
                if trials is not None and finished >= trials:
                    stopped = "trials"
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    stopped = "minutes"
                    break
                room = trials_at_once if trials is None else min(trials_at_once, trials - finished)
                pending = [_ask(search, study) for _ in range(room)]
            candidates = {number: _trial_inputs(search, study, number) for number in pending}
            measured = evaluate(search, candidates, pool=pool, store=store)
            for number, (measures, error) in measured.items():
                if error is not None:
                    study.tell(number, state=optuna.trial.TrialState.FAIL)
                    failed_in_a_row += 1
                    if failed_in_a_row >= MAX_FAILED_IN_A_ROW:
                        raise UserError(f"{search.file}: {failed_in_a_row} trials in a row failed; last error: {error}")
                    continue
                failed_in_a_row = 0
                score = _normalise(search.score(Candidate(number, candidates[number], measures)), search)
                trial = optuna.trial.Trial(study, study.get_trials(deepcopy=False)[number]._trial_id)
                for name, value in zip(search.constraints, score.constraints, strict=True):
                    trial.set_constraint(name, value)
                trial.set_user_attr("attrs", score.attrs)
                study.tell(number, list(score.values))
                bar.update(1)
            _show_best(bar, search, study, postfix)
    return collect(search, out, study, stopped)


def open_study(search: Search, out: Path):
    """The search's study in ``out`` (created, or loaded when it holds the same search).

    Raises:
        UserError: the folder holds a different search.
    """
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    out.mkdir(parents=True, exist_ok=True)
    storage = JournalStorage(JournalFileBackend(str(out / STUDY_FILE)))
    study = optuna.create_study(
        storage=storage,
        study_name=STUDY_NAME,
        directions=list(search.directions),
        sampler=_sampler(search, 0),
        load_if_exists=True,
    )
    identity = json.loads(json.dumps(search.identity(), default=str))
    stored = study.user_attrs.get("search")
    if stored is None:
        study.set_user_attr("search", identity)
        study.set_user_attr("provenance", provenance())
    elif stored != identity:
        changed = sorted(k for k in {*stored, *identity} if stored.get(k) != identity.get(k))
        raise UserError(
            f"{out} holds a different search (it differs in {', '.join(changed)}); "
            "use a new output folder, or delete this one to start again"
        )
    return study


def evaluate(
    search: Search,
    candidates: Mapping[int, Mapping[str, Any]],
    *,
    replications: Sequence[int] | None = None,
    pool: Executor | None = None,
    store: ResultStore | None = None,
    executor: str | Executor = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = False,
) -> dict[int, tuple[pd.DataFrame | None, str | None]]:
    """Measure candidates over replications (those already in ``store`` are read back).

    Used by :func:`run_search`, and on its own to re-check chosen candidates on
    fresh seeds (``replications=range(100, 120)``) or at another population scale.

    Args:
        search: the problem.
        candidates: a label (a trial number) → inputs.
        replications: which replications (default ``range(search.reps)``).
        pool: a running executor (default: one made from ``executor`` and ``workers``).
        store: where measures are kept (default: none kept).
        executor: with no pool: ``serial`` (default), ``processes`` or ``dask``.
        workers: with no pool: worker processes.
        scheduler: with no pool: a Dask scheduler address.
        progress: show a progress bar of the runs (None: when the output is a terminal or a notebook).

    Returns:
        label → (the measures table, None), or (None, the last line of an error)
        when a replication failed or the inputs make an invalid scenario.
    """
    replications = list(range(search.reps) if replications is None else replications)
    tasks, rows, errors = [], {}, {}
    for label, inputs in candidates.items():
        try:
            variants = search.variants(inputs, f"trial {label}")
        except UserError as err:
            errors[label] = str(err)
            continue
        rows[label] = []
        for variant in variants:
            runs = []
            for replication in replications:
                run = run_id(variant.key, replication)
                manifest = store.manifest(run) if store is not None else None
                if manifest is not None and manifest.get("status") == STATUS_OK:
                    rows[label].append({"scenario": variant.name, "replication": replication, **manifest["measures"]})
                else:
                    runs.append((run, replication))
            if runs:
                tasks.append((label, variant, runs))
    if tasks:
        context = _Reuse(pool) if pool is not None else make_executor(executor, workers, scheduler)
        with context as running, _bar(sum(len(runs) for *_, runs in tasks), "runs", "run", progress) as bar:
            batches = list(_batches(tasks, search.measure, running.slots))
            try:
                for outcomes in running.imap_unordered(measure_batch, batches):
                    _keep(outcomes, rows, errors, store)
                    bar.update(len(outcomes))
            except KeyboardInterrupt:
                for outcomes in running.drain():
                    _keep(outcomes, rows, errors, store)
                raise
    result = {}
    for label in candidates:
        if label in errors:
            result[label] = (None, errors[label])
        else:
            table = pd.DataFrame(rows[label]).sort_values(["scenario", "replication"], kind="stable")
            result[label] = (table.reset_index(drop=True), None)
    return result


@dataclass(frozen=True)
class MeasureBatch:
    """Replications of one variant, measured by one worker."""

    label: int
    name: str
    scenario: dict[str, Any]
    runs: tuple[tuple[str, int], ...]  # (run id, replication)
    measure: Measure


@dataclass
class MeasureOutcome:
    """One measured replication, as a worker sends it back."""

    label: int
    name: str
    run_id: str
    replication: int
    scenario: dict[str, Any]
    measures: dict[str, float] | None
    error: str | None
    duration_s: float


def measure_batch(batch: MeasureBatch) -> list[MeasureOutcome]:
    """Run and measure a batch of replications (on a worker); a failure is reported, not raised."""
    scenario = load_scenario(batch.scenario)
    outcomes = []
    for run, replication in batch.runs:
        start_s = time.perf_counter()
        measures, error = None, None
        try:
            model = FupinModel(scenario, seed=replication_seed(scenario.seed, replication))
            model.run()
            measures = {str(k): float(v) for k, v in batch.measure(model).items()}
        except Exception:  # noqa: BLE001 - one failed replication fails its trial, not the search
            error = traceback.format_exc().strip().splitlines()[-1]
        outcomes.append(
            MeasureOutcome(
                batch.label,
                batch.name,
                run,
                replication,
                batch.scenario,
                measures,
                error,
                time.perf_counter() - start_s,
            )
        )
    return outcomes


def collect(search: Search, out: Path, study: Any, stopped: str = "done") -> SearchResult:
    """The finished trials of a study as a table, with the best trial and the Pareto set.

    Args:
        search: the problem.
        out: the output folder.
        study: its study (see :func:`open_study`).
        stopped: why the run stopped.
    """
    finished = trials_of(search, study)
    rows = []
    for trial, frozen in zip(finished, _complete(study), strict=True):
        rows.append(
            {
                "trial": trial.number,
                **trial.inputs,
                **dict(zip(search.objectives, trial.values, strict=True)),
                **dict(zip(search.constraints, trial.constraints, strict=False)),
                "feasible": trial.feasible,
                "started_at": frozen.datetime_start.isoformat() if frozen.datetime_start else None,
                "duration_s": frozen.duration.total_seconds() if frozen.duration else None,
            }
        )
    columns = ["trial", *search.distributions, *search.objectives, *search.constraints, "feasible"]
    table = pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
    feasible = [t for t in finished if t.feasible]
    pareto = _pareto(feasible, search.directions)
    best = None
    if len(search.objectives) == 1 and feasible:
        pick = min if search.directions[0] == "minimize" else max
        best = pick(feasible, key=lambda t: t.values[0])
    return SearchResult(search, study, table, best, pareto, finished, out, stopped)


def trials_of(search: Search, study: Any) -> list[Trial]:
    """Every finished trial of a study, in trial order (constraints in the search's order)."""
    return [_trial(frozen, search.constraints) for frozen in _complete(study)]


def load_search(search: Search, out: Path | str) -> SearchResult:
    """The trials a search has kept in ``out`` so far, without running anything."""
    out = Path(out)
    if not (out / STUDY_FILE).exists():
        raise UserError(f"{out} holds no search (no {STUDY_FILE})")
    return collect(search, out, open_study(search, out))


# --- the loop's parts -------------------------------------------------------------------------------


def _distribution(key: str, spec: Any, file: str):
    import optuna

    if isinstance(spec, optuna.distributions.BaseDistribution):
        return spec
    factor = spec if isinstance(spec, Factor) else parse_factor(key, spec, "search", file)
    if factor.values is not None:
        return optuna.distributions.CategoricalDistribution(list(factor.values))
    return optuna.distributions.FloatDistribution(factor.low, factor.high)


def _distribution_type():
    import optuna

    return optuna.distributions.BaseDistribution


def _sampler(search: Search, number: int):
    """The sampler for trial ``number``, seeded from the sampler seed and the trial number."""
    import optuna

    seed = int(np.random.SeedSequence([search.sampler_seed, number]).generate_state(1)[0])
    if search.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if search.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=search.population_size, seed=seed)
    return optuna.samplers.TPESampler(n_startup_trials=search.startup_trials, seed=seed, multivariate=True)


def _ask(search: Search, study) -> int:
    study.sampler = _sampler(search, len(study.trials))
    return study.ask(dict(search.distributions)).number


def _stale_trials(study) -> list[int]:
    """Trials left running by a run that was killed (none while this process runs its own)."""
    import optuna

    return [t.number for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))]


def _trial_inputs(search: Search, study, number: int) -> dict[str, Any]:
    """A trial's values; a trial killed before all were drawn draws the rest as it would have then."""
    import optuna

    frozen = study.get_trials(deepcopy=False)[number]
    if set(search.distributions) <= set(frozen.params):
        return dict(frozen.params)
    study.sampler = _sampler(search, number)
    trial = optuna.trial.Trial(study, frozen._trial_id)
    for name, distribution in search.distributions.items():
        _suggest(trial, name, distribution)
    return dict(trial.params)


def _suggest(trial, name: str, distribution) -> Any:
    """Draw one value through Optuna's public suggest API."""
    import optuna

    if isinstance(distribution, optuna.distributions.CategoricalDistribution):
        return trial.suggest_categorical(name, distribution.choices)
    if isinstance(distribution, optuna.distributions.IntDistribution):
        return trial.suggest_int(
            name, distribution.low, distribution.high, step=distribution.step, log=distribution.log
        )
    return trial.suggest_float(name, distribution.low, distribution.high, step=distribution.step, log=distribution.log)


def _finished_count(study) -> int:
    return len(_complete(study))


def _complete(study) -> list:
    import optuna

    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def _trial(frozen, names: Sequence[str]) -> Trial:
    return Trial(
        frozen.number,
        dict(frozen.params),
        tuple(frozen.values),
        tuple(frozen.constraints[name] for name in names),
        frozen.user_attrs.get("attrs", {}),
    )


def _pareto(trials: list[Trial], directions: Sequence[str]) -> list[Trial]:
    """The trials no other trial dominates (all objectives at least as good, one better)."""
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    points = np.array([np.asarray(t.values) * signs for t in trials]).reshape(len(trials), len(directions))
    keep = []
    for i, point in enumerate(points):
        dominated = np.any(np.all(points <= point, axis=1) & np.any(points < point, axis=1))
        if not dominated:
            keep.append(trials[i])
    return keep


def _normalise(score: Score | float | Sequence[float], search: Search) -> Score:
    if not isinstance(score, Score):
        values = (score,) if np.isscalar(score) else tuple(score)
        score = Score(tuple(float(v) for v in values))
    if len(score.values) != len(search.objectives):
        raise ValueError(f"the score gave {len(score.values)} values for {len(search.objectives)} objectives")
    if len(score.constraints) != len(search.constraints):
        raise ValueError(f"the score gave {len(score.constraints)} constraints for {len(search.constraints)}")
    values = tuple(float(v) if math.isfinite(v) else float("inf") for v in score.values)
    constraints = tuple(float(c) if math.isfinite(c) else float("inf") for c in score.constraints)
    return Score(values, constraints, json.loads(json.dumps(score.attrs, default=str)))


def _batches(tasks: list[tuple[int, Variant, list]], measure: Measure, slots: int) -> Iterator[MeasureBatch]:
    """A few replications of one variant per batch: about two batches per slot."""
    total = sum(len(runs) for _, _, runs in tasks)
    size = max(1, math.ceil(total / (2 * slots)))
    for label, variant, runs in tasks:
        for start in range(0, len(runs), size):
            yield MeasureBatch(label, variant.name, variant.scenario, tuple(runs[start : start + size]), measure)


def _keep(outcomes: list[MeasureOutcome], rows: dict, errors: dict, store: ResultStore | None) -> None:
    for outcome in outcomes:
        if outcome.error is not None:
            errors.setdefault(outcome.label, f"{outcome.name} replication {outcome.replication}: {outcome.error}")
        else:
            rows[outcome.label].append(
                {"scenario": outcome.name, "replication": outcome.replication, **outcome.measures}
            )
        if store is not None:
            manifest = {
                "run_id": outcome.run_id,
                "status": STATUS_FAILED if outcome.error else STATUS_OK,
                "scenario_name": outcome.name,
                "replication": outcome.replication,
                "measures": outcome.measures,
                "error": outcome.error,
                "duration_s": round(outcome.duration_s, 4),
                "finished_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "scenario": outcome.scenario,
            }
            store.save(outcome.run_id, {}, manifest)


class _Reuse:
    """A running executor as a context that leaves it running."""

    def __init__(self, pool: Executor):
        self.pool = pool

    def __enter__(self) -> Executor:
        return self.pool

    def __exit__(self, *exc_info: object) -> None:
        return None


def _bar(total: int | None, desc: str, unit: str, enabled: bool | None, initial: int = 0):
    from tqdm.auto import tqdm

    disable = None if enabled is None else not enabled
    return tqdm(total=total, initial=initial, unit=unit, desc=desc, dynamic_ncols=True, disable=disable)


def _show_best(bar, search: Search, study, postfix: Callable | None) -> None:
    finished = trials_of(search, study)
    if postfix is not None:
        bar.set_postfix(dict(postfix(finished)))
        return
    result = [t for t in finished if t.feasible]
    if not result:
        return
    if len(search.objectives) == 1:
        pick = min if search.directions[0] == "minimize" else max
        best = pick(result, key=lambda t: t.values[0])
        bar.set_postfix({f"best {search.objectives[0]}": f"{best.values[0]:.4g}", "trial": best.number})
    else:
        bar.set_postfix(pareto=len(_pareto(result, search.directions)), feasible=len(result))


def _callable_name(function: Any) -> str:
    """A stable name for a measure (a function's qualified name, an object's repr)."""
    if hasattr(function, "__qualname__"):
        return f"{function.__module__}.{function.__qualname__}"
    return repr(function)
