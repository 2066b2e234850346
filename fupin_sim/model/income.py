"""Income: yearly growth and transient shocks (carried over by ``income.yearly_income_persistence``),
migration decisions, and monthly accrual by source.

Rates are CNY per household per year; each month accrues a twelfth of the rate
into the year-to-date columns that the December verification reads. Local wages
are the household's wage per labour unit times its local units (a lost job takes
a share of them); a unit working away brings home the migrant net wage instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from fupin_sim.model.shocks import lognormal_with_mean

if TYPE_CHECKING:
    from fupin_sim.model.simulation import FupinModel

INCOME_SOURCES = ("wage", "farm", "industry", "property", "transfer")
YTD_COLUMNS = (
    "ytd_wage_cny",
    "ytd_farm_cny",
    "ytd_industry_cny",
    "ytd_property_cny",
    "ytd_transfer_cny",
    "ytd_programme_transfer_cny",
    "ytd_medical_oop_cny",
)


def income_by_source(hh, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """This year's accrued income by source, shape (len(INCOME_SOURCES), households or ``rows``)."""
    return np.vstack([getattr(hh, f"ytd_{source}_cny")[rows] for source in INCOME_SOURCES])


def rates_by_source(hh) -> np.ndarray:
    """Yearly income by source at the current rates, before programmes and shocks (the 2015 registry's view)."""
    wage = hh.wage_per_unit_cny_per_year * hh.labour_units
    transfer = hh.pension_cny_per_year + hh.other_transfer_cny_per_year
    return np.vstack([wage, hh.farm_cny_per_year, np.zeros(len(hh)), hh.property_cny_per_year, transfer])


def start_year(model: FupinModel) -> None:
    """January: reset the year's accounts, grow rates, draw transient factors, update pensions."""
    hh, p, year = model.households, model.params, model.year
    for name in YTD_COLUMNS:
        getattr(hh, name)[:] = 0.0
    hh.wage_per_unit_cny_per_year *= 1.0 + p.value("income.wage_growth")
    model.wage_index *= 1.0 + p.value("income.wage_growth")
    hh.farm_cny_per_year *= 1.0 + p.value("income.farm_growth")
    hh.property_cny_per_year *= 1.0 + p.value("income.property_growth")
    hh.pension_cny_per_year[:] = hh.elderly * p.value("income.pension", year) * 12

    rng = model.streams["income"]
    sigma = p.value("income.yearly_income_sigma")
    # The first year has no previous factors to carry over (they start at 1, not a draw).
    persistence = p.value("income.yearly_income_persistence") if year > model.horizon.start.year else 0.0
    for factor in (hh.wage_factor, hh.farm_factor):
        factor[:] = carried_over(factor, lognormal_with_mean(rng, 1.0, sigma, len(hh)), sigma, persistence)


def carried_over(previous: np.ndarray, fresh: np.ndarray, sigma: float, persistence: float) -> np.ndarray:
    """This year's transient multipliers: an AR(1) in the log, carrying ``persistence`` of last year's over.

    Both ``previous`` and ``fresh`` are log-normal with mean 1 and log standard deviation
    ``sigma``; so is the result, whose log has correlation ``persistence`` with the previous
    one. A disaster's cut in the farm multiplier carries over with it. ``persistence`` 0
    returns ``fresh`` itself (independent yearly draws).

    Args:
        previous: last year's multipliers.
        fresh: this year's independent draws.
        sigma: their log standard deviation (``income.yearly_income_sigma``).
        persistence: the year-to-year correlation (``income.yearly_income_persistence``).
    """
    if persistence == 0.0:
        return fresh
    shift = sigma**2 / 2
    innovation = np.sqrt(1.0 - persistence**2) * (np.log(fresh) + shift)
    return np.exp(persistence * (np.log(previous) + shift) + innovation - shift)


def migrant_net_wage_cny(model: FupinModel) -> float:
    """What a labour unit working away brings home this year (grown from 2015)."""
    return model.params.value("income.migrant_net_wage") * model.wage_index


def migration(model: FupinModel) -> None:
    """January: households send a labour unit away when it pays, and migrants come home.

    Working away pays when the migrant net wage beats the household's local wage
    per labour unit; a household with a local full-labour unit then sends one with
    probability ``income.migration_prob``.
    """
    hh, p = model.households, model.params
    rng = model.streams["migration"]
    draw_go, draw_return = rng.random(len(hh)), rng.random(len(hh))
    comes_home = (hh.migrant_units > 0) & (draw_return < p.value("income.return_migration_prob"))
    hh.migrant_units[comes_home] -= np.minimum(1.0, hh.migrant_units[comes_home])
    pays = migrant_net_wage_cny(model) > hh.wage_per_unit_cny_per_year
    goes = pays & (hh.labour_units - hh.migrant_units >= 1.0) & (draw_go < p.value("income.migration_prob"))
    hh.migrant_units[goes] += 1.0
    model.tally("migration", np.flatnonzero(goes))


def accrue_month(model: FupinModel) -> None:
    """Add one month of income by source to the year-to-date accounts."""
    hh, p = model.households, model.params
    _accrue_own_income(
        hh.labour_units,
        hh.migrant_units,
        hh.job_loss_months_left,
        hh.wage_per_unit_cny_per_year,
        hh.wage_factor,
        hh.farm_cny_per_year,
        hh.farm_factor,
        hh.property_cny_per_year,
        hh.pension_cny_per_year,
        hh.other_transfer_cny_per_year,
        p.value("income.job_loss_wage_share"),
        migrant_net_wage_cny(model),
        p.value("income.farm_loss_per_migrant_share"),
        hh.ytd_wage_cny,
        hh.ytd_farm_cny,
        hh.ytd_property_cny,
        hh.ytd_transfer_cny,
    )
    _accrue_programme_streams(model)


@njit(cache=True)
def _accrue_own_income(
    labour_units,
    migrant_units,
    job_loss_months_left,
    wage_per_unit,
    wage_factor,
    farm,
    farm_factor,
    property_income,
    pension,
    other_transfer,
    job_loss_wage_share,
    migrant_net_wage,
    farm_loss_per_migrant_share,
    ytd_wage,
    ytd_farm,
    ytd_property,
    ytd_transfer,
):
    """Kernel of :func:`accrue_month`, one pass over the households (all rates CNY a year).

    Local wages are the wage per unit times the units at home, less the job-loss
    share while a lost job lasts; each migrant unit brings the migrant net wage;
    farming loses ``farm_loss_per_migrant_share`` per migrant unit (never below
    zero); the year's transient factors scale wages and farming. Operations run
    in the order NumPy ran them, so the sums are bit-identical.
    """
    for row in range(ytd_wage.size):
        job_loss = job_loss_wage_share if job_loss_months_left[row] > 0 else 0.0
        local_wage = wage_per_unit[row] * (labour_units[row] - migrant_units[row]) * (1.0 - job_loss)
        ytd_wage[row] += (local_wage + migrant_units[row] * migrant_net_wage) * wage_factor[row] / 12
        farm_kept = max(1.0 - farm_loss_per_migrant_share * migrant_units[row], 0.0)
        ytd_farm[row] += farm[row] * farm_kept * farm_factor[row] / 12
        ytd_property[row] += property_income[row] / 12
        ytd_transfer[row] += (pension[row] + other_transfer[row]) / 12


def _accrue_programme_streams(model: FupinModel) -> None:
    """Add one month of every programme income stream to its source's account.

    Farm streams share the household's farm fortunes (disasters, the year's
    harvest); broiler (industry) streams move with the district price.
    """
    hh = model.households
    price_per_month = np.exp(model.broiler_price_log) / 12
    for programme in model.programmes:
        for stream in programme.streams.values():
            account = getattr(hh, f"ytd_{stream.source}_cny")
            if stream.source == "farm":
                _accrue_farm_stream(account, stream.rate_cny_per_year, hh.farm_factor)
            elif stream.source == "industry":
                _accrue_stream(account, stream.rate_cny_per_year, price_per_month, 1.0)
            elif stream.source == "transfer":
                _accrue_transfer_stream(account, hh.ytd_programme_transfer_cny, stream.rate_cny_per_year)
            else:
                _accrue_stream(account, stream.rate_cny_per_year, 1.0, 12.0)


@njit(cache=True)
def _accrue_stream(account, rate_cny_per_year, multiplier, divisor):
    """Kernel of :func:`_accrue_programme_streams`: ``account += rate * multiplier / divisor``
    for the households with a rate (adding zero would change nothing)."""
    for row in range(account.size):
        if rate_cny_per_year[row] != 0.0:
            account[row] += rate_cny_per_year[row] * multiplier / divisor


@njit(cache=True)
def _accrue_farm_stream(account, rate_cny_per_year, farm_factor):
    """Kernel of :func:`_accrue_programme_streams` for a farm stream: a twelfth of the rate
    times the household's farm factor, for the households with a rate."""
    for row in range(account.size):
        if rate_cny_per_year[row] != 0.0:
            account[row] += rate_cny_per_year[row] * farm_factor[row] / 12


@njit(cache=True)
def _accrue_transfer_stream(account, programme_account, rate_cny_per_year):
    """Kernel of :func:`_accrue_programme_streams` for a transfer stream: a twelfth of the rate
    into the transfers and into the part of them that programmes pay."""
    for row in range(account.size):
        if rate_cny_per_year[row] != 0.0:
            account[row] += rate_cny_per_year[row] / 12
            programme_account[row] += rate_cny_per_year[row] / 12
