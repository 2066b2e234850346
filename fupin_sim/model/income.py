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
        getattr(hh, name).fill(0.0)
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
    # exp(persistence * (log(previous) + shift) + sqrt(1 - persistence**2) * (log(fresh) + shift) - shift),
    # in place (no temporaries beyond one array; each product in the same operands, so the same bits)
    innovation = np.log(fresh)
    innovation += shift
    innovation *= np.sqrt(1.0 - persistence**2)
    result = np.log(previous)
    result += shift
    result *= persistence
    result += innovation
    result -= shift
    return np.exp(result, out=result)


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
    goes = _migrate(
        draw_go,
        draw_return,
        p.value("income.migration_prob"),
        p.value("income.return_migration_prob"),
        migrant_net_wage_cny(model),
        hh.wage_per_unit_cny_per_year,
        hh.labour_units,
        hh.migrant_units,
    )
    model.tally("migration", goes)


@njit(cache=True)
def _migrate(draw_go, draw_return, migration_prob, return_prob, migrant_net_wage, wage_per_unit, labour_units, migrant):
    """Kernel of :func:`migration`, one pass over the households: a migrant unit comes home
    (at most one unit) when ``draw_return`` is below ``return_prob``; then, where the migrant
    net wage beats the local wage per unit and a local full unit is left, one goes when
    ``draw_go`` is below ``migration_prob``. Returns the rows that sent one."""
    goes = np.empty(draw_go.size, dtype=np.int64)
    count = 0
    for row in range(draw_go.size):
        if migrant[row] > 0 and draw_return[row] < return_prob:
            migrant[row] -= min(1.0, migrant[row])
        pays = migrant_net_wage > wage_per_unit[row]
        if pays and labour_units[row] - migrant[row] >= 1.0 and draw_go[row] < migration_prob:
            migrant[row] += 1.0
            goes[count] = row
            count += 1
    return goes[:count]


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
    harvest); broiler (industry) streams move with the district price. Each
    stream touches only its households with a rate (found on a boolean mask,
    :meth:`~fupin_sim.programmes.base.IncomeStream.rows`, kept between changes): adding
    zero would change nothing.
    """
    hh = model.households
    price_per_month = np.exp(model.broiler_price_log) / 12
    for programme in model.programmes:
        for stream in programme.streams.values():
            rows = stream.rows()
            if not rows.size:
                continue
            account, rate = getattr(hh, f"ytd_{stream.source}_cny"), stream.rates()
            if stream.source == "farm":
                _accrue_farm_stream(account, rate, rows, hh.farm_factor)
            elif stream.source == "industry":
                _accrue_stream(account, rate, rows, price_per_month, 1.0)
            elif stream.source == "transfer":
                _accrue_transfer_stream(account, hh.ytd_programme_transfer_cny, rate, rows)
            else:
                _accrue_stream(account, rate, rows, 1.0, 12.0)


@njit(cache=True)
def _accrue_stream(account, rate_cny_per_year, rows, multiplier, divisor):
    """Kernel of :func:`_accrue_programme_streams`: ``account += rate * multiplier / divisor``
    for the ``rows`` with a rate."""
    for row in rows:
        if rate_cny_per_year[row] != 0.0:
            account[row] += rate_cny_per_year[row] * multiplier / divisor


@njit(cache=True)
def _accrue_farm_stream(account, rate_cny_per_year, rows, farm_factor):
    """Kernel of :func:`_accrue_programme_streams` for a farm stream: a twelfth of the rate
    times the household's farm factor, for the ``rows`` with a rate."""
    for row in rows:
        if rate_cny_per_year[row] != 0.0:
            account[row] += rate_cny_per_year[row] * farm_factor[row] / 12


@njit(cache=True)
def _accrue_transfer_stream(account, programme_account, rate_cny_per_year, rows):
    """Kernel of :func:`_accrue_programme_streams` for a transfer stream: a twelfth of the rate
    into the transfers and into the part of them that programmes pay, for the ``rows`` with a rate."""
    for row in rows:
        if rate_cny_per_year[row] != 0.0:
            account[row] += rate_cny_per_year[row] / 12
            programme_account[row] += rate_cny_per_year[row] / 12
