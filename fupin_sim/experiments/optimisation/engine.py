"""A problem as the search engine sees it: the :class:`Scorer` and the :class:`~fupin_sim.experiments.search.Search`.

:func:`make_search` gives the engine (:mod:`fupin_sim.experiments.search`) a problem's space,
measure, scorer, objectives and constraints, for the study itself or for re-running its plans
on fresh seeds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from fupin_sim.experiments.optimisation.metrics import plan_measures, yearly_table
from fupin_sim.experiments.optimisation.problem import Problem
from fupin_sim.experiments.search import Candidate, Score, Search


@dataclass(frozen=True)
class Scorer:
    """Scores a measured candidate: the objectives' means, the constraints' violations, every estimate.

    Attributes:
        problem: the optimise problem.
        scale: the population scale the candidates run at.
    """

    problem: Problem
    scale: float

    def __call__(self, candidate: Candidate) -> Score:
        """The :class:`~fupin_sim.experiments.search.Score` of a candidate (estimates in ``attrs``)."""
        scores = self.problem.score(yearly_table(candidate.measures), candidate.inputs, self.scale)
        return Score(
            tuple(self.problem.objective_values(scores)),
            tuple(self.problem.violations(scores)),
            attrs={name: dataclasses.asdict(value) for name, value in scores.items()},
        )


def make_search(problem: Problem, *, confirmation: bool = False) -> Search:
    """The engine's search for a problem (the study), or for re-running its plans on fresh seeds.

    Args:
        problem: the optimise problem.
        confirmation: the out-of-sample search: the confirmation's seed, replications and scale.
    """
    confirm = problem.confirm
    scale = confirm.population_scale if confirmation else problem.population_scale
    return Search(
        name=problem.name,
        scenarios=[problem.start],
        space=problem.search_space(),
        measure=plan_measures,
        score=Scorer(problem, scale),
        objectives=[o.metric.name for o in problem.objectives],
        directions=problem.directions,
        constraints=[c.describe() for c in problem.constraints],
        reps=confirm.reps if confirmation else problem.reps,
        population_scale=scale,
        seed=confirm.seed if confirmation else problem.start.seed,
        sampler="nsga2" if len(problem.objectives) > 1 else "tpe",
        sampler_seed=problem.sampler_seed,
        population_size=max(4, min(50, problem.trials // 6)),
        file=problem.file,
        definition={"optimise": problem.name, "variables": [dataclasses.asdict(v) for v in problem.variables]},
        decode=problem.inputs,
    )
