"""Income: yearly growth and transient shocks, migration decisions, and monthly accrual by source.

Rates are CNY per household per year; each month accrues a twelfth of the rate
into the year-to-date columns that the December verification reads. Local wages
are the household's wage per labour unit times its local units (a lost job takes
a share of them); a unit working away brings home the migrant net wage instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

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


def income_by_source(hh) -> np.ndarray:
    """This year's accrued income by source, shape (len(INCOME_SOURCES), households)."""
    return np.vstack([getattr(hh, f"ytd_{source}_cny") for source in INCOME_SOURCES])


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
    hh.wage_factor[:] = lognormal_with_mean(rng, 1.0, sigma, len(hh))
    hh.farm_factor[:] = lognormal_with_mean(rng, 1.0, sigma, len(hh))


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
    job_loss = np.where(hh.job_loss_months_left > 0, p.value("income.job_loss_wage_share"), 0.0)
    local_wage = hh.wage_per_unit_cny_per_year * (hh.labour_units - hh.migrant_units) * (1.0 - job_loss)
    hh.ytd_wage_cny += (local_wage + hh.migrant_units * migrant_net_wage_cny(model)) * hh.wage_factor / 12
    farm_kept = np.maximum(1.0 - p.value("income.farm_loss_per_migrant_share") * hh.migrant_units, 0.0)
    hh.ytd_farm_cny += hh.farm_cny_per_year * farm_kept * hh.farm_factor / 12
    hh.ytd_property_cny += hh.property_cny_per_year / 12
    hh.ytd_transfer_cny += (hh.pension_cny_per_year + hh.other_transfer_cny_per_year) / 12
    _accrue_programme_streams(model)


def _accrue_programme_streams(model: FupinModel) -> None:
    """Add one month of every programme income stream to its source's account.

    Farm streams share the household's farm fortunes (disasters, the year's
    harvest); broiler (industry) streams move with the district price.
    """
    hh = model.households
    price = np.exp(model.broiler_price_log)
    for programme in model.programmes:
        for stream in programme.streams.values():
            account = getattr(hh, f"ytd_{stream.source}_cny")
            if stream.source == "farm":
                account += stream.rate_cny_per_year * hh.farm_factor / 12
            elif stream.source == "industry":
                account += stream.rate_cny_per_year * (price / 12)
            else:
                account += stream.rate_cny_per_year / 12
            if stream.source == "transfer":
                hh.ytd_programme_transfer_cny += stream.rate_cny_per_year / 12
