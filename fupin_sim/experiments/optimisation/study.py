"""Running a study: the search, the confirmation, the marginal costs and the outputs, in one call.

:func:`optimise` runs (or resumes) the search of an optimise file, re-runs the chosen plans on
fresh seeds, diagnoses the households still poor under the chosen plan and writes the outputs;
:class:`OptimiseResult` holds what it found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fupin_sim.experiments.optimisation.confirmation import _start_in_sample, confirm_plans
from fupin_sim.experiments.optimisation.diagnosis import still_poor
from fupin_sim.experiments.optimisation.engine import make_search
from fupin_sim.experiments.optimisation.marginal import marginal_costs
from fupin_sim.experiments.optimisation.optimise_file import load_problem
from fupin_sim.experiments.optimisation.outputs import write_outputs
from fupin_sim.experiments.optimisation.problem import Problem, _params_of


@dataclass
class OptimiseResult:
    """What a study found, confirmed on fresh seeds.

    Attributes:
        problem: the optimise problem.
        search: the engine's result (every trial, the best, the Pareto set, the Optuna study).
        frontier: one row per chosen plan: ``plan``, ``trial``, the variables, each metric
            in-sample (``<metric>_in``, ``_in_low``, ``_in_high``) and out-of-sample
            (``<metric>_out`` …), ``feasible_in``, ``feasible_out``, ``flagged`` (an
            out-of-sample probability outside its in-sample interval) and ``flagged_metrics``.
        start: the starting scenario scored the same way (one row, ``plan`` = ``start``).
        marginal: per programme, the cost of one more sustained exit around the first plan
            (None without a ``marginal`` section or a plan).
        out: the output folder.
        still_poor: why the registered households still poor under the chosen plan stay poor,
            after the last target year (see :func:`still_poor`; one replication on the fresh seed).
    """

    problem: Problem
    search: Any
    frontier: pd.DataFrame
    start: pd.DataFrame
    marginal: pd.DataFrame | None
    out: Path
    still_poor: pd.DataFrame | None = None

    @property
    def chosen(self) -> pd.Series | None:
        """The first plan that stays feasible out of sample (else the first plan), or None."""
        if self.frontier.empty:
            return None
        confirmed = self.frontier[self.frontier.feasible_out]
        return (confirmed if len(confirmed) else self.frontier).iloc[0]


def optimise(
    problem: Problem | str | Path,
    out: Path | str,
    *,
    trials: int | None = None,
    minutes: float | None = None,
    trials_at_once: int = 1,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> OptimiseResult:
    """Run (or resume) a study, re-run the chosen plans on fresh seeds, and write the outputs.

    Args:
        problem: a problem or the path of an optimise file.
        out: the output folder (a rerun resumes the study and reuses finished runs).
        trials: trials the study should have in all (default: the file's).
        minutes: stop proposing trials after this many minutes (default: the file's, if any).
        trials_at_once: candidates proposed and evaluated together (more fill a large cluster).
        executor: ``serial``, ``processes`` (default) or ``dask``.
        workers: worker processes.
        scheduler: a Dask scheduler address.
        progress: show progress bars (None: on a terminal or in a notebook).

    Raises:
        UserError: a bad file or option, or a folder holding another study.
        KeyboardInterrupt: everything finished so far is kept; the same call resumes.
    """
    from fupin_sim.experiments.executors import make_executor
    from fupin_sim.experiments.search import open_study, run_search

    problem = problem if isinstance(problem, Problem) else load_problem(problem)
    out = Path(out)
    if problem.needs_start:
        with make_executor(executor, workers, scheduler) as pool:
            problem = problem.with_start_bounds(_start_in_sample(problem, make_search(problem), pool, out))
    search = make_search(problem)
    study = open_study(search, out)
    start = problem.start_params()
    if start is not None and not study.trials:
        study.enqueue_trial(start)  # the starting plan first: a feasible point to improve on, if it is one
    found = run_search(
        search,
        out,
        trials=trials or problem.trials,
        minutes=minutes if minutes is not None else problem.minutes,
        trials_at_once=trials_at_once,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    with make_executor(executor, workers, scheduler) as pool:
        frontier, start_row = confirm_plans(problem, found, out, pool)
        marginal = None
        if problem.marginal is not None and not frontier.empty:
            marginal = marginal_costs(problem, _params_of(problem, frontier.iloc[0]), out, pool)
    result = OptimiseResult(problem, found, frontier, start_row, marginal, out)
    if result.chosen is not None:
        year = problem.target_year()
        chosen = problem.scenario(
            _params_of(problem, result.chosen), seed=problem.confirm.seed, scale=problem.confirm.population_scale
        )
        result.still_poor = still_poor(chosen, year).assign(year=year)
    write_outputs(result)
    return result
