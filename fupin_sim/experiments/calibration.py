"""The model next to every published figure it can be compared with.

Each check names a figure of ``data/daan.yaml`` (value, year, source,
confidence), the scenario whose run gives the model's counterpart, and how that
counterpart is computed from the run. :func:`calibration_table` runs what it
needs and returns one row per check: published value, model value, difference,
and a note on how comparable the two are. ``notebooks/05_calibration.ipynb``
shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fupin_sim.config.scenario import load_scenario
from fupin_sim.model.results import households_served
from fupin_sim.model.simulation import FupinModel


@dataclass(frozen=True)
class Check:
    """One published figure and how to read the model's counterpart.

    Attributes:
        figure: key in ``data/daan.yaml``.
        scenario: the shipped scenario whose run is compared.
        model_value: computes the counterpart from the finished model.
        note: how comparable the two are.
    """

    figure: str
    scenario: str
    model_value: Callable[[FupinModel], float]
    note: str


def _first_year(model: FupinModel) -> pd.Series:
    return model.results().yearly.iloc[0]


def _hospitalisation_rate(group: str) -> Callable[[FupinModel], float]:
    """Stays per person-year in the first year, for the registered poor or the others."""

    def rate(model: FupinModel) -> float:
        shocks = model.results().shocks
        first = shocks[(shocks.year == model.horizon.start.year) & (shocks.shock == "hospitalisations")]
        stays = float(first[first.group == group].households.sum())
        registered_people = _first_year(model).registered_poor_people_start
        people = registered_people if group == "registered_poor" else model.households.size.sum() - registered_people
        return stays / people

    return rate


def _returns_per_exited(model: FupinModel, years: range) -> float:
    """Households returning in ``years`` over the households that had exited before the last of them."""
    events = model.results().events
    returned = events[(events.event == "return") & events.year.isin(years)].household.nunique()
    exited_before = events[(events.event == "exit") & (events.year < max(years))].household.nunique()
    return returned / exited_before if exited_before else float("nan")


def _broiler_households_by(model: FupinModel, year: int) -> float:
    """Households contracted for broilers by the end of ``year`` (their shed subsidy was paid by then)."""
    paid = sum(model.ledger.by_household("industry", y) for y in range(model.horizon.start.year, year + 1))
    return float((model.programme("industry").in_broiler() & (paid > 0)).sum())


def _microcredit_uptake(model: FupinModel) -> float:
    ledger = model.results().ledger
    first = ledger[(ledger.programme == "microcredit") & (ledger.year == model.horizon.start.year)]
    return float(first.households_paid.sum()) / int(model.households.registered_2015.sum())


def _industry_exit_share(model: FupinModel) -> float:
    """Share of ever-exited households that the industry programme served (any instrument, or its village's collective)."""
    ever_exited = model.households.exit_year > 0
    served = households_served(model, "industry")
    return float((served & ever_exited).sum() / ever_exited.sum())


CHECKS = (
    Check(
        "registered_poor_households",
        "baseline",
        lambda m: _first_year(m).registered_poor_households_start / m.population_scale,
        "the generator's input (EST); a check that the population holds it",
    ),
    Check(
        "persons_per_registered_household",
        "baseline",
        lambda m: _first_year(m).registered_poor_people_start / _first_year(m).registered_poor_households_start,
        "the generator's input (EST)",
    ),
    Check("poor_villages", "baseline", lambda m: float(m.villages.poor_village.sum()), "structural"),
    Check(
        "hospitalisation_rate_registered",
        "baseline",
        _hospitalisation_rate("registered_poor"),
        "national 2018 survey vs the model's 2016 registered poor; the model counts at most one stay per household a month",
    ),
    Check(
        "hospitalisation_rate_nonpoor",
        "baseline",
        _hospitalisation_rate("other"),
        "national 2018 survey vs the model's other rural households in 2016",
    ),
    Check(
        "return_rate_2016",
        "decision_2016",
        lambda m: _returns_per_exited(m, range(2017, 2018)),
        "national returners over the exited stock vs the model's 2017 returns over households exited in 2016",
    ),
    Check(
        "return_risk_with_support",
        "decision_2016",
        lambda m: _returns_per_exited(m, range(2017, 2021)),
        "a county study's return risk 2016-2020 vs the model's returns 2017-2020 over households ever exited",
    ),
    Check(
        "return_risk_without_support",
        "withdrawal_2018",
        lambda m: _returns_per_exited(m, range(2017, 2021)),
        "the same study without direct support vs the model with support withdrawn from 2018",
    ),
    Check(
        "zigong_incidence_2017",
        "decision_2016",
        lambda m: float(m.results().yearly.set_index("year").incidence.get(2017, np.nan)),
        "Zigong (all districts) vs the model's Da'an under the decision",
    ),
    Check(
        "microcredit_uptake_2016",
        "decision_2016",
        _microcredit_uptake,
        "national uptake among the poor vs the model's share of 2015 registered households borrowing in 2016",
    ),
    Check(
        "broiler_registered_households_2017",
        "decision_2016",
        lambda m: _broiler_households_by(m, 2017) / m.population_scale,
        "households contracted in the model's broiler instrument by the end of 2017 (published: by November 2017)",
    ),
    Check(
        "broiler_exit_share_2020",
        "decision_2016",
        _industry_exit_share,
        "share of ever-exited households the model's whole industry programme served; the published share "
        "counts exits the broiler project touched (contract raising, co-op shares, jobs)",
    ),
)


def calibration_table(population_scale: float = 1.0, seed: int | None = None) -> pd.DataFrame:
    """Run the scenarios the checks need and compare each figure with the model.

    Args:
        population_scale: size of the simulated district (1 = all of Da'an).
        seed: seed of every run (default: each scenario's own).

    Returns:
        One row per check: figure, description, year, unit, confidence, source,
        published, scenario, model, difference (model - published), relative
        difference, note.
    """
    scenarios = sorted({check.scenario for check in CHECKS})
    models = {}
    for name in scenarios:
        model = FupinModel(load_scenario(name).replace(population_scale=population_scale), seed=seed)
        model.run()
        models[name] = model
    params = models[scenarios[0]].params
    rows = []
    for check in CHECKS:
        figure = params[f"district.{check.figure}"]
        published = figure.at()
        model_value = float(check.model_value(models[check.scenario]))
        rows.append(
            {
                "figure": check.figure,
                "description": figure.description,
                "year": figure.year,
                "unit": figure.unit,
                "confidence": figure.confidence,
                "source": figure.source,
                "published": published,
                "scenario": check.scenario,
                "model": model_value,
                "difference": model_value - published,
                "relative_difference": (model_value - published) / published if published else np.nan,
                "note": check.note,
            }
        )
    return pd.DataFrame(rows)
