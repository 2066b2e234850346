"""Shocks: illness, disability, job loss (household), disasters (village), broiler price (district).

Each function acts on the whole population with vectorised draws from its own
stream (see :mod:`fupin_sim.model.rng`). Insurance changes what a shock costs the
household, not whether it happens. Two programmes hook in here: a medical cover
(``model.medical_cover``, the health programme) that lowers out-of-pocket costs
and the severity of illness, and school support (``model.school_support``, the
education programme) that lowers the risk of dropping out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from fupin_sim.model.households import COMPULSORY_SCHOOL_AGES, POOR, make_chronic, refresh_household_aggregates

if TYPE_CHECKING:
    from fupin_sim.model.simulation import FupinModel


def lognormal_with_mean(rng: np.random.Generator, mean: np.ndarray | float, sigma: float, size: int) -> np.ndarray:
    """Log-normal draws with the given arithmetic mean and log standard deviation."""
    return np.asarray(mean) * np.exp(sigma * rng.standard_normal(size) - sigma**2 / 2)


def out_of_pocket_cny(cost_cny: np.ndarray, insured: np.ndarray, reimbursement_share: float) -> np.ndarray:
    """What the household pays for inpatient stays: all of it uninsured, the unreimbursed part insured."""
    return cost_cny * np.where(insured, 1.0 - reimbursement_share, 1.0)


def illness(model: FupinModel) -> None:
    """Monthly hospitalisations: cost, out-of-pocket spending, and serious illness turning chronic."""
    hh, p = model.households, model.params
    rng = model.streams["illness"]
    base, extra = p.value("health.hospitalisation_rate"), p.value("health.chronic_extra_hospitalisation_rate")
    stays_per_year = hh.size * base + hh.chronic_members * extra
    hit = np.flatnonzero(rng.random(len(hh)) < -np.expm1(-stays_per_year / 12))
    model.tally("hospitalisations", hit)
    if hit.size == 0:
        return
    cover = model.medical_cover
    serious_share = p.value("health.serious_illness_share")
    if cover is not None:
        serious_share = serious_share * cover.serious_illness_factor(model, hit)
    serious = rng.random(hit.size) < serious_share
    mean_cost = np.where(serious, p.value("health.serious_cost_mean"), p.value("health.inpatient_cost_mean"))
    cost = lognormal_with_mean(rng, mean_cost, p.value("health.inpatient_cost_sigma"), hit.size)
    reimbursement = p.value("health.inpatient_reimbursement_share")
    out_of_pocket = out_of_pocket_cny(cost, hh.insured[hit], reimbursement)
    if cover is not None:
        out_of_pocket = cover.cover(model, hit, cost, out_of_pocket)
    hh.ytd_medical_oop_cny[hit] += out_of_pocket
    model.tally("serious_illness", hit[serious])

    turns_chronic = hit[serious & (rng.random(hit.size) < p.value("health.serious_to_chronic_prob"))]
    if turns_chronic.size:
        member = model.first_person[turns_chronic] + (rng.random(turns_chronic.size) * hh.size[turns_chronic]).astype(
            int
        )
        make_chronic(hh, model.persons, member)


def job_loss(model: FupinModel) -> None:
    """Monthly job losses among households with wage income; a lost job lasts a few months."""
    hh, p = model.households, model.params
    np.maximum(hh.job_loss_months_left - 1, 0, out=hh.job_loss_months_left)
    draw = model.streams["job_loss"].random(len(hh))
    loses = (draw < p.value("income.job_loss_prob")) & (hh.labour_units > 0) & (hh.job_loss_months_left == 0)
    hh.job_loss_months_left[loses] = int(p.value("income.job_loss_months"))
    model.tally("job_loss", np.flatnonzero(loses))


def schedule_disasters(model: FupinModel) -> None:
    """In January, decide which villages a disaster will hit this year, and in which month."""
    villages = model.villages
    rng = model.streams["disaster"]
    hit = rng.random(len(villages)) < model.params.value("shocks.disaster_prob")
    villages.disaster_month[:] = np.where(hit, rng.integers(1, 13, len(villages)), -1)


def disaster(model: FupinModel) -> None:
    """A scheduled disaster hits every household of its village: farm income lost, houses damaged."""
    struck_villages = model.villages.disaster_month == model.month
    if not struck_villages.any():
        return
    hh, p = model.households, model.params
    affected = np.flatnonzero(struck_villages[hh.village])
    hh.farm_factor[affected] *= 1.0 - p.value("shocks.disaster_farm_loss_share")
    damaged = affected[model.streams["disaster"].random(affected.size) < p.value("shocks.disaster_housing_damage_prob")]
    hh.safe_housing[damaged] = False
    model.tally("disaster_households", affected)


def broiler_price(model: FupinModel) -> None:
    """The district broiler price index: a log AR(1) around 1, moved once a month."""
    p = model.params
    shock = model.streams["price"].standard_normal() * p.value("shocks.broiler_price_sigma")
    model.broiler_price_log = p.value("shocks.broiler_price_persistence") * model.broiler_price_log + shock


def yearly_person_events(model: FupinModel) -> None:
    """In January: ageing, new chronic illness and disability, school entry, exit and dropout."""
    persons, hh, p = model.persons, model.households, model.params
    rng = model.streams["persons"]
    n = len(persons)
    persons.age += 1
    adult = persons.age >= 18
    persons.chronic |= adult & (rng.random(n) < p.value("health.chronic_incidence"))
    persons.disabled |= rng.random(n) < p.value("health.disability_incidence")

    low, high = COMPULSORY_SCHOOL_AGES
    persons.enrolled[persons.age == low] = True  # school entry
    persons.enrolled[persons.age >= 18] = False  # leaving school
    in_compulsory = (persons.age >= low) & (persons.age <= high) & persons.enrolled
    poor_household = hh.status[persons.household] == POOR
    dropout_prob = p.value("education.dropout_prob")
    if model.school_support is not None:
        dropout_prob = dropout_prob * model.school_support.dropout_factor(model)[persons.household]
    drops_out = in_compulsory & poor_household & (rng.random(n) < dropout_prob)
    persons.enrolled[drops_out] = False
    model.tally("dropouts", np.unique(persons.household[drops_out]))
    refresh_household_aggregates(hh, persons)
