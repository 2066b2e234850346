"""Shocks: illness, disability, job loss (household), disasters (village), broiler price (district).

Each function acts on the whole population with vectorised draws from its own
stream (see :mod:`fupin_sim.model.rng`). Insurance changes what a shock costs the
household, not whether it happens. Two programmes hook in here: a medical cover
(``model.medical_cover``, the health programme) that lowers out-of-pocket costs
and the severity of illness, and school support (``model.school_support``, the
education programme) that lowers the risk of dropping out.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from fupin_sim.model.households import COMPULSORY_SCHOOL_AGES, POOR, make_chronic, refresh_household_aggregates

if TYPE_CHECKING:
    from fupin_sim.model.simulation import FupinModel


def lognormal_with_mean(rng: np.random.Generator, mean: np.ndarray | float, sigma: float, size: int) -> np.ndarray:
    """Log-normal draws with the given arithmetic mean and log standard deviation."""
    draw = rng.standard_normal(size)  # mean * exp(sigma * draw - sigma**2 / 2), in place: no temporaries
    draw *= sigma
    draw -= sigma**2 / 2
    np.exp(draw, out=draw)
    return np.multiply(mean, draw, out=draw)


def out_of_pocket_cny(cost_cny: np.ndarray, insured: np.ndarray, reimbursement_share: float) -> np.ndarray:
    """What the household pays for inpatient stays: all of it uninsured, the unreimbursed part insured."""
    return cost_cny * np.where(insured, 1.0 - reimbursement_share, 1.0)


def illness(model: FupinModel) -> None:
    """Monthly hospitalisations: cost, out-of-pocket spending, and serious illness turning chronic."""
    hh, p = model.households, model.params
    rng = model.streams["illness"]
    hit = _rows_below(
        rng.random(len(hh)), _monthly_stay_prob(p, hh.size.max(), hh.chronic_members.max()), hh.size, hh.chronic_members
    )
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


def _monthly_stay_prob(params, max_size: int, max_chronic: int) -> np.ndarray:
    """Probability of at least one hospital stay in a month, by household size and chronic members.

    Stays arrive at ``health.hospitalisation_rate`` a person-year plus
    ``health.chronic_extra_hospitalisation_rate`` a chronic member-year (Poisson);
    the table holds ``1 - exp(-rate / 12)`` for every (size, chronic members) pair up
    to the maxima, so the monthly step looks the probability up instead of taking an
    exponential per household. The table is built once per (rates, maxima) and
    reused every month (read-only).
    """
    base, extra = params.value("health.hospitalisation_rate"), params.value("health.chronic_extra_hospitalisation_rate")
    return _stay_prob_table(float(base), float(extra), int(max_size), int(max_chronic))


@functools.lru_cache(maxsize=64)
def _stay_prob_table(base: float, extra: float, max_size: int, max_chronic: int) -> np.ndarray:
    """The table of :func:`_monthly_stay_prob` for the given rates and maxima."""
    size, chronic = np.meshgrid(np.arange(max_size + 1), np.arange(max_chronic + 1), indexing="ij")
    stays_per_year = size.astype(float) * base + chronic.astype(float) * extra
    table = -np.expm1(-stays_per_year / 12)
    table.flags.writeable = False
    return table


@njit(cache=True)
def _rows_below(draw, prob_table, size, chronic_members):
    """Kernel of :func:`illness`: the rows whose draw is below ``prob_table[size, chronic_members]``."""
    hit = np.empty(draw.size, dtype=np.int64)
    count = 0
    for row in range(draw.size):
        if draw[row] < prob_table[size[row], chronic_members[row]]:
            hit[count] = row
            count += 1
    return hit[:count]


def job_loss(model: FupinModel) -> None:
    """Monthly job losses among households with wage income; a lost job lasts a few months."""
    hh, p = model.households, model.params
    draw = model.streams["job_loss"].random(len(hh))
    loses = _lose_jobs(
        draw,
        p.value("income.job_loss_prob"),
        int(p.value("income.job_loss_months")),
        hh.labour_units,
        hh.job_loss_months_left,
    )
    model.tally("job_loss", loses)


@njit(cache=True)
def _lose_jobs(draw, prob, months, labour_units, months_left):
    """Kernel of :func:`job_loss`: count down lost jobs, then a household with labour and no
    lost job loses one (for ``months``) when its draw is below ``prob``; returns those rows."""
    lost = np.empty(draw.size, dtype=np.int64)
    count = 0
    for row in range(draw.size):
        months_left[row] = max(months_left[row] - 1, 0)
        if draw[row] < prob and labour_units[row] > 0 and months_left[row] == 0:
            months_left[row] = months
            lost[count] = row
            count += 1
    return lost[:count]


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
    chronic_draw, disability_draw, dropout_draw = rng.random(n), rng.random(n), rng.random(n)
    dropout_factor = np.ones(len(hh)) if model.school_support is None else model.school_support.dropout_factor(model)
    drops_out = _age_persons(
        persons.age,
        persons.chronic,
        persons.disabled,
        persons.enrolled,
        persons.household,
        hh.status,
        chronic_draw,
        p.value("health.chronic_incidence"),
        disability_draw,
        p.value("health.disability_incidence"),
        dropout_draw,
        p.value("education.dropout_prob"),
        dropout_factor,
    )
    model.tally("dropouts", np.unique(persons.household[drops_out]))
    refresh_household_aggregates(hh, persons)


@njit(cache=True)
def _age_persons(
    age,
    chronic,
    disabled,
    enrolled,
    household,
    status,
    chronic_draw,
    chronic_prob,
    disability_draw,
    disability_prob,
    dropout_draw,
    dropout_prob,
    factor,
):
    """Kernel of :func:`yearly_person_events`, one pass over the persons.

    Everyone ages a year; an adult whose ``chronic_draw`` is below ``chronic_prob``
    becomes chronic, and anyone whose ``disability_draw`` is below ``disability_prob``
    disabled; children enter school at the first compulsory age and everyone leaves
    at 18; a compulsory-age pupil of a registered poor household drops out when its
    draw is below ``dropout_prob`` times its household's ``factor`` (school support).
    Returns who dropped out.
    """
    drops_out = np.zeros(age.size, dtype=np.bool_)
    low, high = COMPULSORY_SCHOOL_AGES
    for person in range(age.size):
        age[person] += 1
        years = age[person]
        if years >= 18 and chronic_draw[person] < chronic_prob:
            chronic[person] = True
        if disability_draw[person] < disability_prob:
            disabled[person] = True
        if years == low:
            enrolled[person] = True
        if years >= 18:
            enrolled[person] = False
        row = household[person]
        if low <= years <= high and enrolled[person] and status[row] == POOR:
            if dropout_draw[person] < dropout_prob * factor[row]:
                enrolled[person] = False
                drops_out[person] = True
    return drops_out
