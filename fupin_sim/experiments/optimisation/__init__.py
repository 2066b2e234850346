"""Budget optimisation: the cheapest plan that meets the targets, and the cost–target frontier.

An optimise file names a starting scenario, the **decision variables** (programme settings
by the sweep files' dotted keys, each with bounds), one or several **objectives** and the
**constraints**::

    description: The cheapest plan meeting the 2016 and 2017 targets
    scenario: decision_2016          # the starting scenario (a shipped name or a path beside this file)
    seed: 20160806                   # base seed of every candidate's replications (default: the scenario's)
    reps: 8                          # replications per candidate (common random numbers across candidates)
    population_scale: 0.25           # scale of the candidates' runs (budgets scale with it)
    trials: 300                      # candidates to try (``--trials`` overrides)
    sampler_seed: 1                  # seed of the Optuna sampler (TPE; NSGA-II for several objectives)
    variables:
      programmes.industry.budget_cny.2016: {range: [0, 4.0e+7], step: 1.0e+6}   # one year's budget
      programmes.relocation.budget_cny: {total: [5.0e+7, 2.0e+8], step: 1.0e+6, profile: start}
      programmes.employment.public_jobs: {range: [0, 3000], step: 100}          # a capacity
      programmes.industry.targeting: {choices: [village_plan, poorest_first]}   # a targeting order
      programmes.relocation.construction_start: {range: [2016-01, 2016-12]}     # a start month
    objectives:                      # metric: minimise | maximise (several: a Pareto frontier)
      total_cost_cny: minimise
    constraints:                     # metric: {min: x} and/or {max: y}, on the mean over replications
      p_exit_target_2016: {min: 0.9}
      total_cost_cny: {max: 1.0e+9}
    confirm:                         # the chosen plans re-run on fresh seeds (no optimism bias)
      reps: 20
      population_scale: 1.0
      seed: 20170806                 # must differ from seed (default: seed + 1)
      plans: 8                       # at most this many plans of the frontier
    marginal:                        # optional: per programme, the cost of one more sustained exit
      step_cny: 5.0e+6               # extra money for the programme, spread over its budget years
      reps: 10

A ``total`` variable is a programme's money over the horizon, spread over the years by its
``profile`` (``start``: the starting scenario's own split; or shares by year that sum to 1).
Metrics (all for the full district, whatever the scale of the runs): ``total_cost_cny``
(spending over the horizon), ``spending_cny_<year>``, ``budget_cny_total`` and
``budget_cny_<year>`` (the capped budgets the plan sets, known before any run),
``p_exit_target_<year>`` and ``p_village_target_<year>`` (the share of replications meeting
the target), ``p_all_targets`` (every target of every year in one replication),
``returns_<first>_<last>`` (households returning to poverty over those years),
``sustained_exits`` (households out of poverty at the end), ``cost_per_sustained_exit_cny``,
``transfer_dependent_share`` (exits that rest on transfers), ``exit_share_cum_<year>``.

The package's modules, one job each (every public name is importable from the package itself):

- ``checks``: :class:`OptimiseError` and the checks of single values of the file;
- ``metrics``: the metrics, how each is read off the runs, and their estimates;
- ``variables``: the decision variables and what a value of each stands for;
- ``problem``: the validated problem (objectives, constraints, confirmation, marginal step);
- ``optimise_file``: reading an optimise file into a problem (:func:`load_problem`);
- ``engine``: the problem as the search engine sees it (:func:`make_search`, :class:`Scorer`);
- ``study``: :func:`optimise`, the whole run, and its :class:`OptimiseResult`;
- ``confirmation``: the chosen plans re-run on fresh seeds (:func:`confirm_plans`);
- ``marginal``: the cost of one more sustained exit per programme (:func:`marginal_costs`);
- ``diagnosis``: why the households still poor stay poor (:func:`still_poor`);
- ``outputs``: the frontier files, the plan scenario files and the charts (:func:`write_outputs`).

The search itself (Optuna, replications on the executors, the resumable store) is
:mod:`fupin_sim.experiments.search`.
"""

from fupin_sim.experiments.optimisation.checks import OptimiseError
from fupin_sim.experiments.optimisation.confirmation import (
    START_LABEL,
    SUFFIX_IN,
    SUFFIX_OUT,
    chosen_trials,
    confirm_plans,
)
from fupin_sim.experiments.optimisation.diagnosis import HAVE_NAMES, STILL_POOR_REASONS, still_poor
from fupin_sim.experiments.optimisation.engine import Scorer, make_search
from fupin_sim.experiments.optimisation.marginal import marginal_costs
from fupin_sim.experiments.optimisation.metrics import (
    COST,
    INTERVAL_LEVEL,
    MEASURED_COLUMNS,
    METRIC_EXAMPLES,
    METRIC_PATTERNS,
    PLAN,
    PROBABILITY,
    VALUE,
    Estimate,
    Metric,
    estimate,
    parse_metric,
    plan_measures,
    yearly_table,
)
from fupin_sim.experiments.optimisation.optimise_file import (
    BOUNDS,
    CONFIRM_DEFAULTS,
    CONFIRM_KEYS,
    DEFAULTS,
    DIRECTIONS,
    FILE_KEYS,
    MARGINAL_DEFAULTS,
    MARGINAL_KEYS,
    load_problem,
)
from fupin_sim.experiments.optimisation.outputs import PLANS_FOLDER, plan_scenario, write_outputs
from fupin_sim.experiments.optimisation.problem import Confirmation, Constraint, Marginal, Objective, Problem
from fupin_sim.experiments.optimisation.study import OptimiseResult, optimise
from fupin_sim.experiments.optimisation.variables import START, VARIABLE_KEYS, Variable, parse_variable

__all__ = [
    "BOUNDS",
    "CONFIRM_DEFAULTS",
    "CONFIRM_KEYS",
    "COST",
    "DEFAULTS",
    "DIRECTIONS",
    "FILE_KEYS",
    "HAVE_NAMES",
    "INTERVAL_LEVEL",
    "MARGINAL_DEFAULTS",
    "MARGINAL_KEYS",
    "MEASURED_COLUMNS",
    "METRIC_EXAMPLES",
    "METRIC_PATTERNS",
    "PLAN",
    "PLANS_FOLDER",
    "PROBABILITY",
    "START",
    "START_LABEL",
    "STILL_POOR_REASONS",
    "SUFFIX_IN",
    "SUFFIX_OUT",
    "VALUE",
    "VARIABLE_KEYS",
    "Confirmation",
    "Constraint",
    "Estimate",
    "Marginal",
    "Metric",
    "Objective",
    "OptimiseError",
    "OptimiseResult",
    "Problem",
    "Scorer",
    "Variable",
    "chosen_trials",
    "confirm_plans",
    "estimate",
    "load_problem",
    "make_search",
    "marginal_costs",
    "optimise",
    "parse_metric",
    "parse_variable",
    "plan_measures",
    "plan_scenario",
    "still_poor",
    "write_outputs",
    "yearly_table",
]
