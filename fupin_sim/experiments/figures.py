"""Published figures and their model counterparts: the statistics a calibration compares.

A *figure* is a published value of ``data/daan.yaml`` (``district.<figure>``). A
*statistic* (a name in :data:`STATISTICS`) computes the model's counterpart from
a finished run. :data:`CHECKS` pairs every figure the model can be compared with
to its statistic and the scenario it is read from; calibration files
(:mod:`fupin_sim.experiments.calibration`) use these pairings unless they name others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fupin_sim.model.assessment import monitoring_flags
from fupin_sim.model.households import EXITED
from fupin_sim.model.results import households_served
from fupin_sim.model.simulation import FupinModel


@dataclass(frozen=True)
class Statistic:
    """A number computed from a finished model.

    Attributes:
        name: the statistic's name (what calibration files write).
        compute: the function of the finished model.
        description: what it measures.
    """

    name: str
    compute: Callable[[FupinModel], float]
    description: str


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


def _returns_per_exited(years: range) -> Callable[[FupinModel], float]:
    """Households returning in ``years`` over the households that had exited before the last of them."""

    def share(model: FupinModel) -> float:
        events = model.results().events
        returned = events[(events.event == "return") & events.year.isin(years)].household.nunique()
        exited_before = events[(events.event == "exit") & (events.year < max(years))].household.nunique()
        return returned / exited_before if exited_before else float("nan")

    return share


def _broiler_households_by(year: int) -> Callable[[FupinModel], float]:
    """Households contracted for broilers by the end of ``year`` (shed subsidy paid), full-district equivalent."""

    def count(model: FupinModel) -> float:
        paid = sum(model.ledger.by_household("industry", y) for y in range(model.horizon.start.year, year + 1))
        return float((model.programme("industry").in_broiler() & (paid > 0)).sum()) / model.population_scale

    return count


def _returns_by_year(model: FupinModel, years: range) -> np.ndarray:
    """Households returning in each of ``years`` (the yearly table's ``returns``)."""
    yearly = model.results().yearly.set_index("year")
    return np.array([float(yearly.returns.get(year, np.nan)) for year in years])


def _returns_trend(model: FupinModel) -> float:
    """(returns in 2020 − returns in 2017) / their sum: −1 to 1, below 0 when returns fell."""
    first, last = _returns_by_year(model, range(2017, 2021))[[0, -1]]
    return (last - first) / (last + first) if last + first else 0.0


def _returns_2019_against_neighbours(model: FupinModel) -> float:
    """Returns in 2019 over the smaller of 2018's and 2020's: well under 1 is a saw-tooth."""
    before, middle, after = _returns_by_year(model, range(2018, 2021))
    smaller = min(before, after)
    return middle / smaller if smaller else float("nan")


def _exit_target_met(year: int) -> Callable[[FupinModel], float]:
    """1 when the run met its exit target of ``year`` (no shortfall), else 0: over replications, a probability."""

    def met(model: FupinModel) -> float:
        value = model.results().yearly.set_index("year").exit_target_met.get(year)
        return float("nan") if value is None or pd.isna(value) else float(bool(value))

    return met


def _monitored_share(year: int) -> Callable[[FupinModel], float]:
    """People of exited households the 2020 monitoring rule flags at the end of ``year``, over the
    people of every household ever registered (NaN unless the run ended in ``year``)."""

    def share(model: FupinModel) -> float:
        if model.year != year:
            return float("nan")
        hh = model.households
        exited = np.flatnonzero(hh.status == EXITED)
        monitored = np.any(list(monitoring_flags(model, exited).values()), axis=0)
        return float(hh.size[exited[monitored]].sum()) / float(hh.size[hh.ever_registered()].sum())

    return share


def _microcredit_uptake(model: FupinModel) -> float:
    ledger = model.results().ledger
    first = ledger[(ledger.programme == "microcredit") & (ledger.year == model.horizon.start.year)]
    return float(first.households_paid.sum()) / int(model.households.registered_2015.sum())


def _industry_exit_share(model: FupinModel) -> float:
    ever_exited = model.households.exit_year > 0
    served = households_served(model, "industry")
    return float((served & ever_exited).sum() / ever_exited.sum())


STATISTICS = {
    s.name: s
    for s in (
        Statistic(
            "registered_poor_households",
            lambda m: _first_year(m).registered_poor_households_start / m.population_scale,
            "registered poor households at the start, full-district equivalent",
        ),
        Statistic(
            "persons_per_registered_household",
            lambda m: _first_year(m).registered_poor_people_start / _first_year(m).registered_poor_households_start,
            "registered poor people per registered household at the start",
        ),
        Statistic("poor_villages", lambda m: float(m.villages.poor_village.sum()), "villages listed as poor"),
        Statistic(
            "hospitalisation_rate_registered",
            _hospitalisation_rate("registered_poor"),
            "inpatient stays per registered poor person in the first year",
        ),
        Statistic(
            "hospitalisation_rate_other",
            _hospitalisation_rate("other"),
            "inpatient stays per person of the other rural households in the first year",
        ),
        Statistic(
            "returns_2017_per_2016_exit",
            _returns_per_exited(range(2017, 2018)),
            "households returning in 2017 over the households exited in 2016",
        ),
        Statistic(
            "returns_2017_2020_per_exit",
            _returns_per_exited(range(2017, 2021)),
            "households returning 2017-2020 over the households exited before 2020",
        ),
        Statistic(
            "returns_trend_2017_2020",
            _returns_trend,
            "(returns in 2020 - returns in 2017) / their sum: below 0 when returns fell over 2017-2020",
        ),
        Statistic(
            "returns_2019_over_neighbours",
            _returns_2019_against_neighbours,
            "returns in 2019 over the smaller of 2018's and 2020's: well under 1 is a saw-tooth",
        ),
        Statistic(
            "exit_target_2016_met",
            _exit_target_met(2016),
            "1 when the 2016 exit target was met (no shortfall), else 0; its mean is the probability",
        ),
        Statistic(
            "incidence_2017",
            lambda m: float(m.results().yearly.set_index("year").incidence.get(2017, np.nan)),
            "registered poor over the rural population at the end of 2017",
        ),
        Statistic(
            "monitored_share_2020",
            _monitored_share(2020),
            "people of exited households the 2020 monitoring rule flags, over the people ever registered",
        ),
        Statistic(
            "microcredit_uptake_2016",
            _microcredit_uptake,
            "2015 registered households borrowing micro-credit in 2016 over all of them",
        ),
        Statistic(
            "broiler_households_2017",
            _broiler_households_by(2017),
            "households contracted for broilers by the end of 2017, full-district equivalent",
        ),
        Statistic(
            "industry_exit_share",
            _industry_exit_share,
            "share of ever-exited households the industry programme served (any instrument or village project)",
        ),
    )
}


@dataclass(frozen=True)
class Check:
    """A published figure, the statistic that is its counterpart, and the scenario it is read from.

    Attributes:
        figure: key in ``data/daan.yaml``.
        statistic: a name in :data:`STATISTICS`.
        scenario: the shipped scenario whose run is compared.
        note: how comparable the two are.
    """

    figure: str
    statistic: str
    scenario: str
    note: str


CHECKS = (
    Check(
        "registered_poor_households",
        "registered_poor_households",
        "baseline",
        "the generator's input (EST); a check that the population holds it",
    ),
    Check(
        "persons_per_registered_household",
        "persons_per_registered_household",
        "baseline",
        "the generator's input (EST)",
    ),
    Check("poor_villages", "poor_villages", "baseline", "structural"),
    Check(
        "hospitalisation_rate_registered",
        "hospitalisation_rate_registered",
        "baseline",
        "national 2018 survey vs the model's 2016 registered poor; the model counts at most one stay per household a month",
    ),
    Check(
        "hospitalisation_rate_nonpoor",
        "hospitalisation_rate_other",
        "baseline",
        "national 2018 survey vs the model's other rural households in 2016",
    ),
    Check(
        "return_rate_2016",
        "returns_2017_per_2016_exit",
        "decision_2016",
        "national returners over the exited stock vs the model's 2017 returns over households exited in 2016",
    ),
    Check(
        "return_risk_with_support",
        "returns_2017_2020_per_exit",
        "decision_2016",
        "a county study's return risk 2016-2020 vs the model's returns 2017-2020 over households ever exited",
    ),
    Check(
        "return_risk_without_support",
        "returns_2017_2020_per_exit",
        "withdrawal_2018",
        "the same study without direct support vs the model with support withdrawn from 2018",
    ),
    Check(
        "zigong_incidence_2017",
        "incidence_2017",
        "decision_2016",
        "Zigong (all districts) vs the model's Da'an under the decision",
    ),
    Check(
        "monitoring_share_2020",
        "monitored_share_2020",
        "decision_2016",
        "the national share of the registered population on the monitoring list vs the people of the model's "
        "exited households the 2020 rule flags (income, medical spending, income drop) over the people ever registered",
    ),
    Check(
        "microcredit_uptake_2016",
        "microcredit_uptake_2016",
        "decision_2016",
        "national uptake among the poor vs the model's share of 2015 registered households borrowing in 2016",
    ),
    Check(
        "broiler_registered_households_2017",
        "broiler_households_2017",
        "decision_2016",
        "households contracted in the model's broiler instrument by the end of 2017 (published: by November 2017)",
    ),
    Check(
        "broiler_exit_share_2020",
        "industry_exit_share",
        "decision_2016",
        "share of ever-exited households the model's whole industry programme served; the published share "
        "counts exits the broiler project touched (contract raising, co-op shares, jobs)",
    ),
)
CHECK_BY_FIGURE = {check.figure: check for check in CHECKS}


@dataclass(frozen=True)
class CalibrationMeasure:
    """The statistics a worker computes from a finished run (picklable: names, not functions).

    Attributes:
        statistics: ``(scenario name, statistic name)`` pairs; a run computes those of its scenario.
    """

    statistics: tuple[tuple[str, str], ...]

    def __call__(self, model: FupinModel) -> dict[str, float]:
        """The statistics of ``model``'s scenario, by statistic name."""
        names = sorted({stat for scenario, stat in self.statistics if scenario == model.scenario.name})
        return {name: float(STATISTICS[name].compute(model)) for name in names}
