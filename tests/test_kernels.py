"""The compiled kernels give bit-identical results to the plain NumPy they replace.

Each test draws small random arrays (with the edge cases: zero rates, zero gross
income, ages at the thresholds), runs the kernel and the NumPy formulation it
replaced, and requires exact equality: results stay reproducible to the last bit.
"""

import numpy as np
import pytest

from fupin_sim.model import assessment, income, population, shocks
from fupin_sim.model import ledger as ledger_module
from fupin_sim.model.columns import dot, group_sum
from fupin_sim.model.households import (
    COMPULSORY_SCHOOL_AGES,
    POOR,
    HouseholdColumns,
    PersonColumns,
    make_chronic,
    refresh_household_aggregates,
)
from fupin_sim.model.ledger import Ledger
from fupin_sim.programmes import base as programmes_base
from fupin_sim.programmes.base import IncomeStream

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


@pytest.mark.parametrize("second", ["float", "int8", "int64"])
def test_dot_adds_the_products_in_row_order(rng, second):
    first = money(rng, 50_000)
    other = {
        "float": rng.normal(0, 10, 50_000),
        "int8": rng.integers(0, 9, 50_000).astype(np.int8),
        "int64": rng.integers(0, 13, 50_000),
    }[second]
    expected = 0.0
    for a, b in zip(first.tolist(), other.tolist(), strict=True):
        expected += a * b
    assert dot(first, other) == expected
    assert dot(first[:0], other[:0]) == 0.0


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

    rows = np.flatnonzero(rate != 0.0)
    rows_and_zeros = np.union1d(rows, np.arange(0, n, 7))  # rows kept from before a rate was set to zero
    for with_rate in (rows, rows_and_zeros):
        farm = account.copy()
        income._accrue_farm_stream(farm, rate, with_rate, factor)
        industry = account.copy()
        income._accrue_stream(industry, rate, with_rate, price, 1.0)
        plain = account.copy()
        income._accrue_stream(plain, rate, with_rate, 1.0, 12.0)
        transfer, programme = account.copy(), other.copy()
        income._accrue_transfer_stream(transfer, programme, rate, with_rate)
        assert np.array_equal(farm, expected_farm)
        assert np.array_equal(industry, expected_industry)
        assert np.array_equal(plain, expected_plain)
        assert np.array_equal(transfer, expected_plain) and np.array_equal(programme, expected_other)


def test_stream_rows_follow_every_change_of_the_rates():
    stream = IncomeStream("transfer", np.zeros(10), paid=True)
    assert stream.rows().size == 0
    stream.rate_cny_per_year[[2, 5]] = 120.0
    assert np.array_equal(stream.rows(), [2, 5]) and stream.rows() is stream.rows()  # kept while unchanged
    stream.rate_cny_per_year[2] = 0.0
    stream.rate_cny_per_year[7] = 60.0
    assert np.array_equal(stream.rows(), [5, 7])
    assert stream.rates() is stream.rate_cny_per_year


@pytest.mark.parametrize("amounts", ["array", "scalar", "repeated rows"])
def test_ledger_posting_equals_add_at(rng, amounts):
    rows = {"array": np.sort(rng.choice(N_HOUSEHOLDS, 80, replace=False)), "scalar": np.arange(0, N_HOUSEHOLDS, 3)}
    rows["repeated rows"] = rng.integers(0, 20, 200)
    rows = rows[amounts]
    paid = 1234.5 if amounts == "scalar" else money(rng, rows.size)
    expected = money(rng, N_HOUSEHOLDS)
    ledger = Ledger(N_HOUSEHOLDS, 5)
    ledger._households[("p", 2016)][:] = expected
    np.add.at(expected, rows, paid)
    ledger.post("p", 2016, rows, paid)
    assert np.array_equal(ledger.by_household("p", 2016), expected)


def test_ledger_by_village_equals_bincount(rng):
    village, amounts = rng.integers(0, 12, N_HOUSEHOLDS), money(rng, N_HOUSEHOLDS, zero_share=0.6)
    spending, paid = ledger_module._by_village(village, amounts, 14)
    assert np.array_equal(spending, np.bincount(village, weights=amounts, minlength=14))
    assert np.array_equal(paid, np.bincount(village[amounts > 0], minlength=14)) and paid.dtype == np.int64


def test_participants_by_village_equal_group_sums(rng):
    village, enrolled = rng.integers(0, 12, N_HOUSEHOLDS), rng.random(N_HOUSEHOLDS) < 0.3
    income_pc = money(rng, N_HOUSEHOLDS)
    line = float(np.median(income_pc))
    joined, above = programmes_base._participants_by_village(village, enrolled, income_pc, line, 14)
    assert np.array_equal(joined, group_sum(village, enrolled, 14))
    assert np.array_equal(above, group_sum(village, enrolled & (income_pc > line), 14)) and above.sum() > 0


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
    ill_draw, disabled_draw, draw = rng.random(n), rng.random(n), rng.random(n)
    ill, disabled = ill_draw < 0.2, disabled_draw < 0.1

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
        ill_draw, 0.2, disabled_draw, 0.1, draw, 0.35, factor,
    )  # fmt: skip
    assert np.array_equal(got, drops) and drops.any()
    assert np.array_equal(persons.age, age)
    assert np.array_equal(persons.chronic, chronic)
    assert np.array_equal(persons.disabled, ever_disabled)
    assert np.array_equal(persons.enrolled, enrolled)


def test_make_chronic_kernel_equals_numpy(rng):
    persons = persons_of(rng)
    persons.age[:30] = np.repeat([15, 16, 64, 65, 74, 75], 5)  # the working-age and full-labour thresholds
    hh = HouseholdColumns(N_HOUSEHOLDS, migrant_units=rng.integers(0, 3, N_HOUSEHOLDS).astype(float))
    refresh_household_aggregates(hh, persons)
    rows = np.concatenate([np.arange(30), rng.integers(0, len(persons), 120)])  # repeats, and some chronic already
    labour, chronic_members, migrant = hh.labour_units.copy(), hh.chronic_members.copy(), hh.migrant_units.copy()
    new = np.unique(rows[~persons.chronic[rows]])
    before = persons.labour_units(new)
    chronic = persons.chronic.copy()
    chronic[new] = True
    after = PersonColumns(
        len(persons), **{**{c: getattr(persons, c) for c in PersonColumns.SCHEMA}, "chronic": chronic}
    ).labour_units(new)
    owners = persons.household[new]
    np.add.at(labour, owners, after - before)
    np.add.at(chronic_members, owners, 1)
    migrant[owners] = np.minimum(migrant[owners], labour[owners])

    make_chronic(hh, persons, rows)
    assert np.array_equal(persons.chronic, chronic)
    assert np.array_equal(hh.labour_units, labour) and (after < before).any()
    assert np.array_equal(hh.chronic_members, chronic_members)
    assert np.array_equal(hh.migrant_units, migrant)


def test_income_split_kernel_equals_numpy(rng):
    n = N_HOUSEHOLDS
    registered = rng.random(n) < 0.3
    labour = rng.integers(0, 5, n) / 2
    elderly, size = rng.integers(0, 3, n).astype(np.int16), rng.integers(1, 7, n).astype(np.int16)
    total = rng.lognormal(9.5, 0.8, n) * size
    shares = {"wage": (0.45, 0.38), "farm": (0.3, 0.35), "property": (0.04, 0.02)}
    mean_units = (labour[~registered & (labour > 0)].mean(), labour[registered & (labour > 0)].mean())
    backstop, pension_rate = 0.7, 105.0

    def by_group(pair):
        return np.where(registered, pair[1], pair[0])

    wage_share, farm_share, property_share = (
        by_group(shares["wage"]),
        by_group(shares["farm"]),
        by_group(shares["property"]),
    )
    transfer_share = 1.0 - wage_share - farm_share - property_share
    has_labour = labour > 0
    wage_weight = wage_share * labour / by_group(mean_units)
    weight_sum = wage_weight + farm_share + property_share + transfer_share
    wage = np.where(has_labour, total * wage_weight / weight_sum, 0.0)
    farm = np.where(
        has_labour, total * farm_share / weight_sum, total * np.maximum(1.0 - backstop - property_share, 0.0)
    )
    prop = np.where(has_labour, total * property_share / weight_sum, total * property_share)
    transfers = total - wage - farm - prop
    pension = elderly * pension_rate * 12
    earned = wage + farm + prop
    keep = np.clip(1.0 - np.maximum(pension - transfers, 0.0) / np.where(earned > 0, earned, 1.0), 0.0, 1.0)
    wage, farm, prop = wage * keep, farm * keep, prop * keep
    transfers = total - wage - farm - prop
    other = np.maximum(transfers - pension, 0.0)
    earned_pc = (wage + farm + prop) / size
    income_pc = earned_pc + (pension + other) / size

    out = {name: np.zeros(n) for name in ("pension", "other", "wage_pu", "farm", "prop", "earned_pc", "pc", "gross")}
    population._split_incomes(
        total, registered, labour, elderly, size, shares["wage"], shares["farm"], shares["property"], mean_units,
        backstop, pension_rate, *out.values(),
    )  # fmt: skip
    assert np.array_equal(out["pension"], pension) and np.array_equal(out["other"], other)
    assert np.array_equal(out["wage_pu"], np.divide(wage, labour, out=np.zeros(n), where=has_labour))
    assert np.array_equal(out["farm"], farm) and np.array_equal(out["prop"], prop)
    assert np.array_equal(out["earned_pc"], earned_pc) and np.array_equal(out["pc"], income_pc)
    assert np.array_equal(out["gross"], income_pc) and (keep < 1).any() and (~has_labour).any()


def test_migration_kernel_equals_numpy(rng):
    n = N_HOUSEHOLDS
    labour = rng.integers(0, 6, n) / 2
    migrant = np.minimum(rng.integers(0, 3, n).astype(float), labour)
    migrant[:10] = 0.5  # a partial unit away comes home whole
    wage_per_unit, draw_go, draw_return = money(rng, n, zero_share=0.2), rng.random(n), rng.random(n)
    net_wage = float(np.median(wage_per_unit))

    expected = migrant.copy()
    comes_home = (expected > 0) & (draw_return < 0.3)
    expected[comes_home] -= np.minimum(1.0, expected[comes_home])
    goes = (net_wage > wage_per_unit) & (labour - expected >= 1.0) & (draw_go < 0.4)
    expected[goes] += 1.0

    got = income._migrate(draw_go, draw_return, 0.4, 0.3, net_wage, wage_per_unit, labour, migrant)
    assert np.array_equal(got, np.flatnonzero(goes)) and goes.any() and comes_home.any()
    assert np.array_equal(migrant, expected)
