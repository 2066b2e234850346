"""Plans on any population: 一户一策 (one plan per household) and 一村一案 (one per poor village),
and the 2020 monitoring list (防止返贫监测), from replications of a scenario.

The households are held fixed across the replications (drawn from the scenario's seed, or the
imported registry); shocks, take-up and the rest vary, so the probabilities are over what may
happen to these households, not over different districts. Households and villages are named by
key and village name only: an imported registry's keys are pseudonymous, never a name or an ID.

::

    from fupin_sim.workbench.plans import make_plans, plan_table
    plans = make_plans("decision_2016", reps=10)
    plans.households      # one row per registered household
    plans.villages        # one row per poor village and year
    plans.monitoring      # households under the 2020 monitoring rule, most often flagged first
    plan_table(plans.households, "zh")  # for reading: percentages, yuan, Chinese headers
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from fupin_sim.config.scenario import Scenario, load_scenario
from fupin_sim.experiments.replications import replication_seed
from fupin_sim.model.assessment import exit_bar_cny
from fupin_sim.model.households import CAUSES
from fupin_sim.model.results import RunResult
from fupin_sim.model.simulation import FupinModel
from fupin_sim.model.villages import VILLAGE_HAVES
from fupin_sim.workbench.formatting import format_table
from fupin_sim.workbench.labels import header, name
from fupin_sim.workbench.risk import MONITORING_FLAGS, at_risk_households

HOUSEHOLD_HAVES = ("safe_housing", "school", "insured", "safe_water", "electricity", "radio_tv")
HAVE_COST_PARAMETERS = {  # parameter of the cost of providing each village have
    "collective_income": "industry.collective_investment_cny_per_village",
    "road": "infrastructure.road_cost_per_village",
    "clinic": "infrastructure.clinic_cost_per_village",
    "culture_room": "infrastructure.culture_room_cost_per_village",
    "broadband": "infrastructure.broadband_cost_per_village",
}
MONITORED_PROB_MIN = 0.5  # on the monitoring list when flagged in at least this share of replications
ELIGIBLE_PROB_MIN = 0.5  # a programme is listed as one a household is eligible for in at least this share


@dataclass
class Plans:
    """The plans of one scenario.

    Attributes:
        households: 一户一策, one row per registered household (see :func:`make_plans`).
        villages: 一村一案, one row per poor village and year.
        monitoring: the households flagged under the 2020 monitoring rule in at least half the replications.
        scenario: the scenario planned.
        reps: replications run.
    """

    households: pd.DataFrame
    villages: pd.DataFrame
    monitoring: pd.DataFrame
    scenario: Scenario
    reps: int


def make_plans(
    scenario: Scenario | str | Path, reps: int = 10, seed: int | None = None, progress: bool | None = None
) -> Plans:
    """Run ``scenario`` ``reps`` times on fixed households and assemble the plans.

    Args:
        scenario: a scenario, a shipped name or a path.
        reps: replications.
        seed: base seed of the replications and the households (default: the scenario's).
        progress: show a progress bar (default: when interactive).
    """
    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    seed = scenario.seed if seed is None else seed
    runs = []
    for replication in tqdm(
        range(reps), desc=f"plans {scenario.name}", disable=None if progress is None else not progress
    ):
        model = FupinModel(scenario, seed=replication_seed(seed, replication), population_seed=seed)
        runs.append(_observe(model))
    first = runs[0]
    return Plans(
        households=_household_plans(first, runs),
        villages=_village_plans(first, runs),
        monitoring=_monitoring(first, runs),
        scenario=scenario,
        reps=reps,
    )


@dataclass
class _Run:
    """What one replication leaves for the plans."""

    start: pd.DataFrame  # registered households at the start
    exit_line_cny: float
    medical_first_year_cny: np.ndarray
    given_cny: dict[str, np.ndarray]
    eligible: dict[str, np.ndarray]  # per programme: offered it at some review of the run
    result: RunResult
    monitoring: pd.DataFrame  # exited households' monitoring flags at the end
    have_costs_cny: dict[str, float]
    horizon_end: int


def _observe(model: FupinModel) -> _Run:
    hh = model.households
    registered = np.flatnonzero(hh.registered_2015)
    missing = [np.where(getattr(hh, have)[registered], "", have) for have in HOUSEHOLD_HAVES]
    start = pd.DataFrame(
        {
            "household": registered,
            "household_key": model.household_keys[registered],
            "village": hh.village[registered],
            "village_name": model.village_names[hh.village[registered]],
            "cause": np.asarray(CAUSES)[hh.cause[registered]],
            "people": hh.size[registered],
            "income_pc_cny": hh.income_pc_cny[registered],
            "missing_haves": [", ".join(h for h in row if h) for row in zip(*missing, strict=True)],
        }
    )
    exit_line = exit_bar_cny(model)
    for _ in range(12):
        model.step()
    medical = hh.ytd_medical_oop_cny[registered].copy()
    result = model.run()
    given = {p.key: model.ledger.by_household(p.key)[registered] for p in model.programmes}
    eligible = {p.key: p.ever_eligible[registered] for p in model.programmes}
    flags = at_risk_households(model)
    costs = {have: model.params.value(name) for have, name in HAVE_COST_PARAMETERS.items()}
    return _Run(start, exit_line, medical, given, eligible, result, flags, costs, model.horizon.end.year)


def _household_plans(first: _Run, runs: list[_Run]) -> pd.DataFrame:
    """一户一策: gap, missing haves, medical bills, the programmes it is eligible for and what the scenario
    gives it, exit year and probability, return risk."""
    table = first.start.copy()
    table["exit_bar_cny"] = first.exit_line_cny
    table["income_gap_cny"] = np.maximum(first.exit_line_cny - table.income_pc_cny, 0.0) * table.people
    table["medical_oop_first_year_cny"] = np.mean([run.medical_first_year_cny for run in runs], axis=0)
    exit_years = np.array([_first_event_year(run, "exit", table.household) for run in runs], dtype=float)
    returned = np.array([_first_event_year(run, "return", table.household) > 0 for run in runs])
    exited = exit_years > 0
    table["exit_prob"] = exited.mean(axis=0)
    years = np.where(exited, exit_years, np.nan)
    projected = np.full(len(table), np.nan)
    some = exited.any(axis=0)
    projected[some] = np.ceil(np.nanmedian(years[:, some], axis=0))
    table["exit_year"] = pd.array(np.where(some, projected, np.nan), dtype="Int64")
    table["exit_by_that_year_prob"] = np.where(some, (exited & (exit_years <= projected)).mean(axis=0), 0.0)
    table["return_prob"] = returned.mean(axis=0)
    for key in first.given_cny:
        table[f"given_{key}_cny"] = np.mean([run.given_cny[key] for run in runs], axis=0)
    given = table[[f"given_{key}_cny" for key in first.given_cny]].to_numpy()
    served = np.mean([np.column_stack([run.given_cny[k] for k in first.given_cny]) > 0 for run in runs], axis=0)
    keys = list(first.given_cny)
    eligible = np.mean([np.column_stack([run.eligible[k] for k in keys]) for run in runs], axis=0)
    table["eligible_programmes"] = [
        ", ".join(key for key, share in zip(keys, row, strict=True) if share >= ELIGIBLE_PROB_MIN) for row in eligible
    ]
    table["programmes"] = [
        ", ".join(keys[i] for i in np.argsort(-row_given) if row_served[i] > 0)
        for row_given, row_served in zip(given, served, strict=True)
    ]
    table["given_cny"] = given.sum(axis=1)
    table["monitored_prob"] = _monitored_share(table.household, runs)
    return table.drop(columns=["household", "village"])


def _first_event_year(run: _Run, event: str, households: pd.Series) -> np.ndarray:
    """Year of each household's first ``event`` in a run (0 if none)."""
    events = run.result.events
    first = events[events.event == event].groupby("household").year.min()
    return households.map(first).fillna(0).to_numpy(int)


def _monitored_share(households: pd.Series, runs: list[_Run]) -> np.ndarray:
    flagged = [households.isin(run.monitoring.household[run.monitoring.monitored]).to_numpy() for run in runs]
    return np.mean(flagged, axis=0)


def _village_plans(first: _Run, runs: list[_Run]) -> pd.DataFrame:
    """一村一案: per poor village and year, incidence, the haves, the cost of the missing ones, delisting."""
    tables = [run.result.villages[run.result.villages.poor_village] for run in runs]
    stacked = pd.concat(tables, keys=range(len(tables)), names=["replication", None]).reset_index(level=0)
    stacked["delisted"] = (stacked.delisted_year > 0) & (stacked.delisted_year <= stacked.year)
    grouped = stacked.groupby(["village", "village_name", "year"], sort=True)
    table = grouped.agg(
        incidence=("incidence", "mean"),
        **{f"{have}_prob": (have, "mean") for have in VILLAGE_HAVES},
        delisted_prob=("delisted", "mean"),
    ).reset_index()
    for have in VILLAGE_HAVES:
        table[have] = table[f"{have}_prob"] >= 0.5
    table["missing_haves"] = table[list(VILLAGE_HAVES)].apply(
        lambda row: ", ".join(h for h in VILLAGE_HAVES if not row[h]), axis=1
    )
    table["missing_cost_cny"] = sum(np.where(table[have], 0.0, first.have_costs_cny[have]) for have in VILLAGE_HAVES)
    last = stacked[stacked.year == stacked.year.max()]
    delisting = last.assign(year_delisted=last.delisted_year.where(last.delisted_year > 0)).groupby("village")
    projected = np.ceil(delisting.year_delisted.median())
    table["delisting_year"] = pd.array(table.village.map(projected), dtype="Int64")
    by_that_year = stacked[stacked.year == stacked.village.map(projected)].groupby("village").delisted.mean()
    table["delisting_year_prob"] = table.village.map(by_that_year).fillna(0.0)
    return table


def _monitoring(first: _Run, runs: list[_Run]) -> pd.DataFrame:
    """The 2020 monitoring list (防止返贫监测): exited households flagged in at least half the replications."""
    households = first.start.household
    table = first.start[["household_key", "village_name", "cause", "people"]].copy()
    table["monitored_prob"] = _monitored_share(households, runs)
    for flag in MONITORING_FLAGS:
        shares = []
        for run in runs:
            flagged = run.monitoring.household[run.monitoring[flag]]
            shares.append(households.isin(flagged).to_numpy())
        table[f"{flag}_prob"] = np.mean(shares, axis=0)
    table = table[table.monitored_prob >= MONITORED_PROB_MIN]
    return table.sort_values("monitored_prob", ascending=False, ignore_index=True)


SHEETS = {"households": "household_plans", "villages": "village_plans", "monitoring": "monitoring_list"}
LIST_COLUMNS = ("missing_haves", "eligible_programmes", "programmes")  # comma-separated keys: haves, programmes


def plan_table(table: pd.DataFrame, lang: str = "en", columns: list[str] | None = None) -> pd.DataFrame:
    """A plan for reading: the lists of haves and programmes named, every column formatted, headers in ``lang``.

    Probabilities show as percentages, money in whole yuan with separators, counts as integers,
    years as years and what is missing (no projected year, no have missing) as ``—``.

    Args:
        table: ``Plans.households``, ``Plans.villages`` or ``Plans.monitoring`` (or rows of one).
        lang: ``en`` or ``zh``.
        columns: the columns to show (default: all).
    """
    shown = table if columns is None else table[list(columns)]
    return format_table(_named_lists(shown, lang), lang)


def write_plans_excel(plans: Plans, path: Path | str, lang: str = "zh") -> Path:
    """The plans as a workbook: 一户一策, 一村一案 and the monitoring list (Chinese headers by default).

    Args:
        plans: the result of :func:`make_plans`.
        path: the ``.xlsx`` file.
        lang: ``zh`` or ``en`` (headers and sheet names from :data:`fupin_sim.workbench.labels.LABELS`).
    """
    from fupin_sim.workbench.exports import write_sheets

    tables = {sheet: _named_lists(getattr(plans, key), lang) for key, sheet in SHEETS.items()}
    return write_sheets(path, tables, lang)


def _named_lists(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``table`` with its lists of have and programme keys in ``lang`` (an empty list: missing)."""
    table = table.copy()
    separator = "、" if lang == "zh" else ", "
    for column in LIST_COLUMNS:
        if column in table:
            table[column] = [
                separator.join(_list_name(column, key, lang) for key in keys.split(", ")) if keys else None
                for keys in table[column]
            ]
    return table


def _list_name(column: str, key: str, lang: str) -> str:
    return name("programme_names", key, lang) if column.endswith("programmes") else header(key, lang)
