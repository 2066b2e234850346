"""The model next to every published figure it can be compared with, and fitting it to them.

A *figure* is a published value of ``data/daan.yaml`` (``district.<figure>``: value,
year, source, confidence); its model counterpart is a *statistic* of a scenario's
run (:mod:`fupin_sim.experiments.figures`: ``STATISTICS``, and ``CHECKS`` pairing
figures with statistics and scenarios).

A *calibration file* (``calibration/*.yaml``, see
:func:`fupin_sim.experiments.calibration_file.load_calibration`) names
the figures to fit, each with its acceptance band (a tolerance or a range), a
weight, or ``held_out: true`` (predicted, not fitted); the parameters to fit
(default: every estimate over its documented range); replications and
population scale per trial; trials and seeds. :func:`run_calibration` searches
with :mod:`fupin_sim.experiments.search` and writes the fitted parameters as an
overlay that scenarios name under ``parameter_files``, the fit table (before and
after, on fresh seeds), the loss history and which parameters matter.

:func:`calibration_table` runs the shipped scenarios and returns every figure of
a calibration file with the model's mean and 5–95 % interval over replications,
the band, whether the mean is within it, and whether the figure is fitted or
held out (``notebooks/05_calibration.ipynb`` charts it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from fupin_sim.config.scenario import default_parameters
from fupin_sim.errors import UserError
from fupin_sim.experiments.calibration_file import (
    DEFAULT_FILE,
    Calibration,
    Target,
    load_calibration,
    scenario_source,
)
from fupin_sim.experiments.figures import CalibrationMeasure

FRESH_REPLICATIONS = 10_000  # the first replication of the fit check: seeds no trial used
FIT_COLUMNS = ("figure", "published", "model", "p05", "p95", "low", "high", "within", "held_out")


# --- fitting ----------------------------------------------------------------------------------------


def figure_values(targets: Sequence[Target], measures: pd.DataFrame) -> pd.DataFrame:
    """Each figure's model values over replications (one column per figure, one row per replication).

    Args:
        targets: the figures.
        measures: a candidate's measures (``scenario``, ``replication``, statistics).
    """
    columns = {}
    for target in targets:
        rows = measures[measures.scenario == target.scenario_name].set_index("replication")
        values = rows[target.statistic] if target.statistic in rows else pd.Series(np.nan, index=rows.index)
        columns[target.figure] = values.astype(float)
    return pd.DataFrame(columns)


def fit_table(targets: Sequence[Target], measures: pd.DataFrame) -> pd.DataFrame:
    """Published value, the model's mean and 5–95 % interval, band, within, held out — one row per figure
    (a condition has no published value, and its distance is how far outside its band it lies).

    Args:
        targets: the figures.
        measures: the runs' measures (``scenario``, ``replication``, statistics).
    """
    values = figure_values(targets, measures)
    params = default_parameters()
    rows = []
    for target in targets:
        series = values[target.figure].dropna()
        mean = float(series.mean()) if len(series) else float("nan")
        rows.append(
            {
                "figure": target.figure,
                "unit": "" if target.is_condition else params[f"district.{target.figure}"].unit,
                "published": float("nan") if target.is_condition else target.published,
                "model": mean,
                "p05": float(series.quantile(0.05)) if len(series) else float("nan"),
                "p95": float(series.quantile(0.95)) if len(series) else float("nan"),
                "low": target.low,
                "high": target.high,
                "within": bool(target.low <= mean <= target.high) if math.isfinite(mean) else False,
                "held_out": target.held_out,
                "distance": target.distance(mean),
                "statistic": target.statistic,
                "scenario": target.scenario_name,
                "weight": target.weight,
                "note": target.note,
            }
        )
    return pd.DataFrame(rows)


def calibration_search(calibration: Calibration, population_scale: float | None = None):
    """The search that fits ``calibration`` (fitted figures only: held-out ones are not run per trial).

    Args:
        calibration: the file.
        population_scale: override the file's.
    """
    from fupin_sim.experiments.search import Score

    fitted = calibration.fitted

    def score(candidate) -> Score:
        means = figure_values(fitted, candidate.measures).mean()
        return Score((calibration.loss(means),), attrs={"means": {k: _plain(v) for k, v in means.items()}})

    return _search(calibration, fitted, score, population_scale)


def _search(calibration: Calibration, targets: Sequence[Target], score, population_scale: float | None, space=None):
    from fupin_sim.experiments.search import Search

    sources = list(dict.fromkeys(t.scenario for t in targets))
    path = Path(calibration.file)
    return Search(
        name=f"calibration {calibration.name}",
        scenarios=[scenario_source(s, path) for s in sources],
        space=calibration.space if space is None else space,
        measure=CalibrationMeasure(tuple((t.scenario_name, t.statistic) for t in targets)),
        score=score,
        reps=calibration.reps,
        population_scale=calibration.population_scale if population_scale is None else population_scale,
        seed=calibration.seed,
        sampler="tpe",
        sampler_seed=calibration.sampler_seed,
        startup_trials=calibration.startup_trials,
        file=calibration.file,
        definition={"figures": {t.figure: [t.low, t.high, t.weight] for t in targets}},
    )


@dataclass
class CalibrationResult:
    """What a calibration wrote.

    Attributes:
        out: the output folder.
        best: the best trial's inputs and loss.
        fit: the fit table after (and the model's mean before, ``model_before``), on fresh seeds.
        history: one row per trial: inputs, loss, best loss so far, each fitted figure's mean.
        importance: one row per parameter: PED-ANOVA importance and Spearman correlation with the loss.
        overlay: the overlay file of the best parameters.
        stopped: why the search stopped.
    """

    out: Path
    best: dict[str, Any]
    fit: pd.DataFrame
    history: pd.DataFrame
    importance: pd.DataFrame
    overlay: Path
    stopped: str


def run_calibration(
    calibration: Calibration | str | Path,
    out: Path | str,
    *,
    trials: int | None = None,
    minutes: float | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> CalibrationResult:
    """Fit a calibration file's parameters and write the overlay, fit table, history and importances.

    Writes into ``out``: ``fitted.yaml`` (the best parameters as a parameter overlay:
    name it under ``parameter_files`` in a scenario), ``fit.csv`` and ``fit.json``
    (every figure before and after on fresh seeds), ``history.csv`` (the loss by
    trial), ``importance.csv``, and the search's ``study.journal`` and ``runs/`` (a
    rerun resumes).

    Args:
        calibration: a calibration or the path of a calibration file.
        out: the output folder.
        trials: trials in all (default: the file's).
        minutes: stop proposing trials after this many minutes.
        executor: where replications run: ``serial``, ``processes`` or ``dask``.
        workers: worker processes (default: one per core).
        scheduler: address of a running Dask scheduler.
        progress: show a progress bar (None: when the output is a terminal or a notebook).
    """
    from fupin_sim.experiments.search import evaluate, run_search

    calibration = calibration if isinstance(calibration, Calibration) else load_calibration(calibration)
    out = Path(out)
    search = calibration_search(calibration)
    result = run_search(
        search,
        out,
        trials=calibration.trials if trials is None and minutes is None else trials,
        minutes=minutes,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    if result.best is None:
        raise UserError(f"{calibration.file}: no trial finished; see the errors above")
    best = result.best.inputs
    check = _search(calibration, calibration.targets, _no_score, None, space=calibration.space)
    fresh = range(FRESH_REPLICATIONS, FRESH_REPLICATIONS + calibration.check_reps)
    candidates = {0: best, 1: _defaults(calibration)}
    execution = {"executor": executor, "workers": workers, "scheduler": scheduler, "progress": progress}
    measured = evaluate(check, candidates, replications=fresh, **execution)
    for label, (_, error) in measured.items():
        if error is not None:
            raise UserError(
                f"{calibration.file}: the fit check ({'after' if label == 0 else 'before'}) failed: {error}"
            )
    fit = fit_table(calibration.targets, measured[0][0])
    before = fit_table(calibration.targets, measured[1][0])
    fit.insert(fit.columns.get_loc("model"), "model_before", before.model.to_numpy())
    fit.insert(fit.columns.get_loc("within") + 1, "within_before", before.within.to_numpy())
    history = _history(calibration, result.trials, result.study)
    importance = _importance(result.study, result.trials, list(calibration.space))
    overlay = write_overlay(out / "fitted.yaml", best, calibration, float(result.best.values[0]))
    try:
        fit.to_csv(out / "fit.csv", index=False)
        (out / "fit.json").write_text(json.dumps(fit_json(fit), indent=1, ensure_ascii=False), encoding="utf-8")
        history.to_csv(out / "history.csv", index=False)
        importance.to_csv(out / "importance.csv", index=False)
    except OSError as err:
        raise UserError(f"cannot write the calibration to {out}: {err.strerror}") from None
    summary = {"trial": result.best.number, "loss": float(result.best.values[0]), **best}
    return CalibrationResult(out, summary, fit, history, importance, overlay, result.stopped)


def _no_score(candidate):
    return 0.0


def _defaults(calibration: Calibration) -> dict[str, Any]:
    """The shipped value of every parameter the calibration fits (the 'before')."""
    from fupin_sim.experiments.sweeps import parameter_target

    params = default_parameters()
    values = {}
    for key in calibration.space:
        path, year = parameter_target(key)
        values[key] = params.value(path, year)
    return values


def write_overlay(path: Path, inputs: Mapping[str, Any], calibration: Calibration, loss: float) -> Path:
    """Write fitted values as a parameter overlay (``parameters:`` by dotted path, dated ones by year).

    Args:
        path: the overlay file.
        inputs: vary key → fitted value.
        calibration: what was fitted (recorded in the file).
        loss: the fitted loss.
    """
    from fupin_sim.experiments.sweeps import apply_vary

    data: dict[str, Any] = {"parameters": {}}
    for key, value in sorted(inputs.items()):
        apply_vary(data, key, _plain(value), calibration.file)
    document = {
        "description": f"Parameters fitted by `fupin calibrate {calibration.file}` (loss {loss:.4g})",
        "source": calibration.file,
        "parameters": data["parameters"],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _history(calibration: Calibration, trials: pd.DataFrame, study) -> pd.DataFrame:
    if trials.empty:
        return trials
    history = trials.sort_values("trial").reset_index(drop=True)
    history["best_loss"] = history.loss.cummin()
    means = {t.number: t.user_attrs.get("attrs", {}).get("means", {}) for t in study.trials}
    for target in calibration.fitted:
        history[target.figure] = [means.get(n, {}).get(target.figure) for n in history.trial]
    return history


def _importance(study, trials: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """PED-ANOVA importance (Optuna) and Spearman correlation with the loss, per parameter."""
    import optuna

    from fupin_sim.experiments.sensitivity import rank_correlations

    spearman = rank_correlations(trials.set_index("trial")[parameters], trials.set_index("trial").loss)
    try:
        evaluator = optuna.importance.PedAnovaImportanceEvaluator()
        importance = optuna.importance.get_param_importances(study, evaluator=evaluator, normalize=True)
    except (RuntimeError, ValueError, ZeroDivisionError):  # too few trials, or nothing varies
        importance = {}
    table = pd.DataFrame(
        {
            "parameter": parameters,
            "importance": [importance.get(p, np.nan) for p in parameters],
            "spearman": [spearman.get(p, np.nan) for p in parameters],
        }
    )
    return table.sort_values("importance", ascending=False, na_position="last").reset_index(drop=True)


def fit_json(table: pd.DataFrame) -> dict[str, Any]:
    """The fit table as ``{"figures": [{"figure", "published", "model", "p05", "p95", "low", "high", "within",
    "held_out"}, …]}`` (NaN → null)."""
    records = json.loads(table[list(FIT_COLUMNS)].to_json(orient="records"))
    return {"figures": records}


def calibration_table(
    population_scale: float = 1.0,
    seed: int | None = None,
    reps: int = 1,
    file: str | Path | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = False,
    fitted: bool = True,
) -> pd.DataFrame:
    """Run the scenarios a calibration file reads and compare every figure with the model.

    The scenarios run as shipped (with any parameter overlay they name), ``reps``
    replications each with common random numbers; with ``fitted=False`` every parameter the
    calibration file fits is set back to its shipped value, as without the fitted overlay
    (the "before" of :func:`run_calibration`).

    Args:
        population_scale: size of the simulated district (1 = all of Da'an).
        seed: base seed of the replications (default: the file's).
        reps: replications per scenario.
        file: the calibration file giving bands and held-out figures (default ``calibration/daan.yaml``).
        executor: ``serial`` (default), ``processes`` or ``dask``.
        workers: worker processes.
        scheduler: a Dask scheduler address (with ``executor="dask"``).
        progress: show a progress bar of the runs (None: when the output is a terminal or a notebook).
        fitted: ``True``: the parameters as the scenarios set them (their overlays included);
            ``False``: the fitted parameters at their shipped values (before calibration).

    Returns:
        One row per figure: figure, description, year, unit, confidence, source,
        published, scenario, statistic, model (mean), p05, p95, low, high, within,
        held_out, difference (model - published), relative_difference, note.
    """
    from fupin_sim.experiments.search import evaluate

    if reps < 1:
        raise UserError(f"replications must be at least 1, got {reps}")
    calibration = load_calibration(DEFAULT_FILE if file is None else file)
    if seed is not None:
        calibration.seed = seed
    calibration.reps = reps
    space, inputs = ({}, {}) if fitted else (calibration.space, _defaults(calibration))
    search = _search(calibration, calibration.figures, _no_score, population_scale, space=space)
    execution = {"executor": executor, "workers": workers, "scheduler": scheduler, "progress": progress}
    measures, error = evaluate(search, {0: inputs}, **execution)[0]
    if error is not None:
        raise UserError(f"a calibration run failed: {error}")
    table = fit_table(calibration.figures, measures)
    params = default_parameters()
    figures = [params[f"district.{f}"] for f in table.figure]
    table.insert(1, "description", [f.description for f in figures])
    table.insert(2, "year", [f.year for f in figures])
    table.insert(3, "confidence", [f.confidence for f in figures])
    table.insert(4, "source", [f.source for f in figures])
    table["difference"] = table.model - table.published
    table["relative_difference"] = np.where(table.published != 0, table.difference / table.published, np.nan)
    order = [
        "figure",
        "description",
        "year",
        "unit",
        "confidence",
        "source",
        "published",
        "scenario",
        "statistic",
        "model",
        "p05",
        "p95",
        "low",
        "high",
        "within",
        "held_out",
        "difference",
        "relative_difference",
        "note",
    ]
    return table[order]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
