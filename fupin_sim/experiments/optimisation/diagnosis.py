"""Why the households still poor under a plan stay poor (the ``still_poor`` diagnosis).

:func:`still_poor` runs one replication of a plan to a verification year and gives each
registered household still poor then its first reason: a missing have, medical bills, no
labour, or too little income.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from fupin_sim.config.scenario import Scenario, load_scenario
from fupin_sim.errors import UserError

HAVE_NAMES = ("safe_housing", "school", "insured", "safe_water", "electricity", "radio_tv")
STILL_POOR_REASONS = ("haves", "medical_bills", "no_labour", "income")


def still_poor(scenario: Scenario | Mapping[str, Any], year: int, replication: int = 0) -> pd.DataFrame:
    """Why the households registered in 2015 that are still poor after ``year``'s verification stay poor.

    Each such household gets one reason, the first that applies: ``haves`` (its income clears
    the exit bar but a have is missing), ``medical_bills`` (it would clear the bar but for its
    deductible medical bills), ``no_labour`` (no labour at all, so only transfers can lift it),
    ``income`` (it has labour, yet earns too little). Counts are for the full district.

    Args:
        scenario: the plan (its ``seed`` and ``population_scale`` are used).
        year: the verification year.
        replication: which replication (seeded as every experiment is).

    Returns:
        One row per reason: ``reason``, ``households``, ``people``, ``share`` of the still-poor
        households, and, for ``haves``, ``missing`` (households lacking each have, e.g.
        ``safe_housing 120``).
    """
    from fupin_sim.experiments.replications import replication_seed
    from fupin_sim.model.assessment import exit_bar_cny
    from fupin_sim.model.households import POOR
    from fupin_sim.model.simulation import FupinModel

    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    model = FupinModel(scenario, seed=replication_seed(scenario.seed, replication))
    while model.running and not (model.year == year and model.month == 12):
        model.step()
    if model.year != year:
        raise UserError(f"{year} is not a year of the scenario's horizon")
    hh, bar = model.households, exit_bar_cny(model)
    rows = np.flatnonzero(hh.registered_2015 & (hh.status == POOR))
    income = hh.income_pc_cny[rows]
    medical = model.params.value("assessment.medical_deduction_share") * hh.ytd_medical_oop_cny[rows] / hh.size[rows]
    haves = hh.six_haves()[rows]
    reason = np.select(
        [(income > bar) & ~haves, income + medical > bar, hh.labour_units[rows] <= 0],
        ["haves", "medical_bills", "no_labour"],
        "income",
    )
    scale = scenario.population_scale
    table = []
    for name in STILL_POOR_REASONS:
        chosen = rows[reason == name]
        missing = ""
        if name == "haves":
            lacking = {have: int((~np.asarray(getattr(hh, have))[chosen]).sum() / scale) for have in HAVE_NAMES}
            missing = ", ".join(f"{have} {n:,}" for have, n in lacking.items() if n)
        table.append(
            {
                "reason": name,
                "households": round(len(chosen) / scale),
                "people": round(int(hh.size[chosen].sum()) / scale),
                "share": len(chosen) / len(rows) if len(rows) else math.nan,
                "missing": missing,
            }
        )
    return pd.DataFrame(table)
