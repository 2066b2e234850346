"""The compiled kernels give bit-identical results to the plain NumPy they replace.

Each test draws small random arrays (with the edge cases: zero rates, zero gross
income, ages at the thresholds), runs the kernel and the NumPy formulation it
replaced, and requires exact equality: results stay reproducible to the last bit.
"""

import numpy as np
import pytest

from fupin_sim.model import assessment, income, shocks
from fupin_sim.model.columns import group_sum
from fupin_sim.model.households import (
    COMPULSORY_SCHOOL_AGES,
    POOR,
    HouseholdColumns,
    PersonColumns,
    refresh_household_aggregates,
)

N_HOUSEHOLDS = 300


@pytest.fixture
def rng():
    return np.random.default_rng(20160806)


def persons_of(rng, n_households=N_HOUSEHOLDS) -> PersonColumns:
    """Persons in household order (as the population builds them), 1-6 per household."""
    household = np.repeat(np.arange(n_households), rng.integers(1, 7, n_households))
    n = household.size
    return PersonColumns(
        n,
        household=household,
        age=rng.integers(0, 90, n),
        chronic=rng.random(n) < 0.2,
        disabled=rng.random(n) < 0.1,
        enrolled=rng.random(n) < 0.5,
    )


def money(rng, n, zero_share=0.3) -> np.ndarray:
    """Yuan amounts, some exactly zero."""
    return np.where(rng.random(n) < zero_share, 0.0, rng.lognormal(8.0, 1.0, n))


@pytest.mark.parametrize("values", ["float", "bool", "int16"])
def test_group_sum_equals_bincount(rng, values):
    group = rng.integers(0, 40, 1000)
    data = {
        "float": rng.normal(0, 1000, 1000),
        "bool": rng.random(1000) < 0.3,
        "int16": rng.integers(0, 9, 1000).astype(np.int16),
    }[values]
    expected = np.bincount(group, weights=data.astype(float), minlength=45)
    assert np.array_equal(group_sum(group, data, 45), expected)


def test_household_aggregates_equal_member_sums(rng):
    persons = persons_of(rng)
    migrant = rng.integers(0, 3, N_HOUSEHOLDS).astype(float)
    hh = HouseholdColumns(N_HOUSEHOLDS, migrant_units=migrant)
    refresh_household_aggregates(hh, persons)
    n = N_HOUSEHOLDS
    labour = np.bincount(persons.household, weights=persons.labour_units(), minlength=n)
    assert np.array_equal(hh.labour_units, labour)
    assert np.array_equal(hh.migrant_units, np.minimum(migrant, labour))
    assert np.array_equal(hh.elderly, np.bincount(persons.household, weights=persons.age >= 60, minlength=n))
    assert np.array_equal(hh.chronic_members, np.bincount(persons.household, weights=persons.chronic, minlength=n))
    assert np.array_equal(hh.dropouts, np.bincount(persons.household, weights=persons.dropouts(), minlength=n))
    assert hh.labour_units.sum() > 0 and hh.dropouts.sum() > 0  # the draws exercise every rule


def test_own_income_accrual_equals_numpy(rng):
    n = N_HOUSEHOLDS
    labour = rng.integers(0, 5, n) / 2
    migrant = np.minimum(rng.integers(0, 2, n).astype(float), labour)
    months_left = rng.integers(0, 3, n).astype(np.int8)
    columns = {
        name: money(rng, n) for name in ("wage_pu", "farm", "property", "pension", "other", "ytd_w", "ytd_f", "ytd_p")
    }
    columns["ytd_t"] = money(rng, n)
    wage_factor, farm_factor = rng.lognormal(0, 0.2, n), rng.lognormal(0, 0.2, n)
    share, migrant_wage, farm_loss = 0.6, 30123.4, 0.35

    job_loss = np.where(months_left > 0, share, 0.0)
    local = columns["wage_pu"] * (labour - migrant) * (1.0 - job_loss)
    ytd_w = columns["ytd_w"] + (local + migrant * migrant_wage) * wage_factor / 12
    kept = np.maximum(1.0 - farm_loss * migrant, 0.0)
    ytd_f = columns["ytd_f"] + columns["farm"] * kept * farm_factor / 12
    ytd_p = columns["ytd_p"] + columns["property"] / 12
    ytd_t = columns["ytd_t"] + (columns["pension"] + columns["other"]) / 12

    c = columns
    income._accrue_own_income(
        labour, migrant, months_left, c["wage_pu"], wage_factor, c["farm"], farm_factor, c["property"],
        c["pension"], c["other"], share, migrant_wage, farm_loss, c["ytd_w"], c["ytd_f"], c["ytd_p"], c["ytd_t"],
    )  # fmt: skip
    for got, expected in ((c["ytd_w"], ytd_w), (c["ytd_f"], ytd_f), (c["ytd_p"], ytd_p), (c["ytd_t"], ytd_t)):
        assert np.array_equal(got, expected)


def test_stream_accrual_equals_numpy(rng):
    n = N_HOUSEHOLDS
    rate, factor, price = money(rng, n, zero_share=0.8), rng.lognormal(0, 0.2, n), np.exp(0.137) / 12
    account, other = money(rng, n), money(rng, n)
    expected_farm = account + rate * factor / 12
    expected_industry = account + rate * price
    expected_plain = account + rate / 12
    expected_other = other + rate / 12

    farm = account.copy()
    income._accrue_farm_stream(farm, rate, factor)
    industry = account.copy()
    income._accrue_stream(industry, rate, price, 1.0)
    plain = account.copy()
    income._accrue_stream(plain, rate, 1.0, 12.0)
    transfer, programme = account.copy(), other.copy()
    income._accrue_transfer_stream(transfer, programme, rate)
    assert np.array_equal(farm, expected_farm)
    assert np.array_equal(industry, expected_industry)
    assert np.array_equal(plain, expected_plain)
    assert np.array_equal(transfer, expected_plain) and np.array_equal(programme, expected_other)


class _Params:
    def __init__(self, values):
        self.values = values

    def value(self, name, year=None):
        return self.values[name]


def test_hospital_stay_lookup_equals_exponential_per_household(rng):
    n = 5000
    size, chronic = rng.integers(1, 9, n).astype(np.int16), rng.integers(0, 4, n).astype(np.int16)
    params = _Params({"health.hospitalisation_rate": 0.11, "health.chronic_extra_hospitalisation_rate": 0.37})
    draw = rng.random(n)
    prob = -np.expm1(-(size * 0.11 + chronic * 0.37) / 12)
    table = shocks._monthly_stay_prob(params, size.max(), chronic.max())
    assert np.array_equal(table[size, chronic], prob)
    hit = shocks._rows_below(draw, table, size, chronic)
    assert np.array_equal(hit, np.flatnonzero(draw < prob)) and hit.size > 0


def test_job_loss_kernel_equals_numpy(rng):
    n = N_HOUSEHOLDS
    draw, labour = rng.random(n), rng.integers(0, 3, n) / 2
    months_left = rng.integers(0, 4, n).astype(np.int8)
    expected_left = np.maximum(months_left - 1, 0).astype(np.int8)
    loses = (draw < 0.3) & (labour > 0) & (expected_left == 0)
    expected_left[loses] = 3
    lost = shocks._lose_jobs(draw, 0.3, 3, labour, months_left)
    assert np.array_equal(lost, np.flatnonzero(loses)) and lost.size > 0
    assert np.array_equal(months_left, expected_left)


def test_verified_income_kernel_equals_numpy(rng):
    n = N_HOUSEHOLDS
    size = rng.integers(1, 7, n).astype(np.int16)
    ytd = {name: money(rng, n) for name in ("wage", "farm", "industry", "property", "transfer", "programme", "oop")}
    ytd["wage"][:5] = ytd["farm"][:5] = ytd["industry"][:5] = ytd["property"][:5] = ytd["transfer"][:5] = 0.0
    hh = HouseholdColumns(
        n,
        size=size,
        income_pc_cny=money(rng, n),
        **{f"ytd_{k}_cny": ytd[k] for k in ("wage", "farm", "industry", "property", "transfer")},
        ytd_programme_transfer_cny=ytd["programme"],
        ytd_medical_oop_cny=ytd["oop"],
    )
    previous = hh.income_pc_cny.copy()
    earned = ytd["wage"] + ytd["farm"] + ytd["industry"] + ytd["property"]
    gross = earned + ytd["transfer"]
    share = np.zeros(n, dtype=np.float32)
    np.divide(ytd["transfer"], gross, out=share, where=gross > 0)

    class Model:
        households = hh
        params = _Params({"assessment.medical_deduction_share": 0.42})

    assessment.record_verified_income(Model)
    assert np.array_equal(hh.previous_income_pc_cny, previous)
    assert np.array_equal(hh.earned_income_pc_cny, earned / size)
    assert np.array_equal(hh.gross_income_pc_cny, gross / size)
    assert np.array_equal(hh.income_pc_cny, (gross - 0.42 * ytd["oop"]) / size)
    assert np.array_equal(hh.programme_transfer_pc_cny, ytd["programme"] / size)
    assert np.array_equal(hh.transfer_share, share) and (hh.transfer_share[:5] == 0).all()


def test_ageing_kernel_equals_numpy(rng):
    persons = persons_of(rng)
    persons.age[:40] = np.repeat([4, 5, 13, 14, 16, 17, 59, 63], 5)  # the thresholds, after ageing
    n, low, high = len(persons), *COMPULSORY_SCHOOL_AGES
    status = rng.integers(0, 3, N_HOUSEHOLDS).astype(np.int8)
    factor = np.where(rng.random(N_HOUSEHOLDS) < 0.5, 0.4, 1.0)
    ill, disabled, draw = rng.random(n) < 0.2, rng.random(n) < 0.1, rng.random(n)

    age = persons.age + 1
    chronic = persons.chronic | ((age >= 18) & ill)
    ever_disabled = persons.disabled | disabled
    enrolled = persons.enrolled.copy()
    enrolled[age == low] = True
    enrolled[age >= 18] = False
    in_compulsory = (age >= low) & (age <= high) & enrolled
    drops = in_compulsory & (status[persons.household] == POOR) & (draw < 0.35 * factor[persons.household])
    enrolled[drops] = False

    got = shocks._age_persons(
        persons.age, persons.chronic, persons.disabled, persons.enrolled, persons.household, status,
        ill, disabled, draw, 0.35, factor,
    )  # fmt: skip
    assert np.array_equal(got, drops) and drops.any()
    assert np.array_equal(persons.age, age)
    assert np.array_equal(persons.chronic, chronic)
    assert np.array_equal(persons.disabled, ever_disabled)
    assert np.array_equal(persons.enrolled, enrolled)
