"""fupin-sim: a planning and simulation workbench for targeted poverty alleviation (精准扶贫).

Public API::

    from fupin_sim import load_scenario, run_scenario
    result = run_scenario("baseline", seed=1)
    result.yearly          # one row per verified year
    comparison = compare(["baseline", "decision_2016"], reps=20)
    comparison.summary     # mean, 5-95 % interval, target probabilities, paired differences
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fupin_sim.config.scenario import Scenario, load_scenario
from fupin_sim.errors import ScenarioError, UserError
from fupin_sim.model.results import RunResult
from fupin_sim.model.simulation import FupinModel

__version__ = "0.1.0"

__all__ = [
    "FupinModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "UserError",
    "compare",
    "load_results",
    "load_scenario",
    "run_scenario",
]


def run_scenario(scenario: Scenario | str | Path | dict, seed: int | np.random.SeedSequence | None = None) -> RunResult:
    """Build the model for ``scenario`` and run it to the end of its horizon."""
    return FupinModel(scenario, seed=seed).run()


def __getattr__(name: str):
    """``compare`` and ``load_results`` on first use: they load pyarrow and Dask, which ``fupin run`` does not need."""
    if name == "compare":
        from fupin_sim.experiments.replications import compare

        return compare
    if name == "load_results":
        from fupin_sim.experiments.store import load_results

        return load_results
    raise AttributeError(f"module 'fupin_sim' has no attribute {name!r}")
