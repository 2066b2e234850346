"""A synthetic Da'an: villages, households and persons drawn from ``data/daan.yaml``.

The generator is deterministic in its seed and matches the district aggregates
(counts, cause shares, income ranges and mix, shares of the "haves"); the tests in
``tests/test_population.py`` check each within a stated tolerance. Every figure
comes from the ``district`` parameters, so a scenario can sweep them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy import stats

from fupin_sim.config.parameters import ParameterSet
from fupin_sim.model.households import (
    CAUSE_INDEX,
    CAUSES,
    NON_POOR,
    POOR,
    HouseholdColumns,
    PersonColumns,
    refresh_household_aggregates,
)
from fupin_sim.model.villages import VILLAGE_HAVES, VillageColumns

BASE_YEAR = 2015  # the registry year the population describes
MAX_HOUSEHOLD_SIZE = 8
REGISTERED_CAUSES = CAUSES[:-1]


@dataclass
class Population:
    """The district: village, household and person columns.

    Attributes:
        keys: each household's key: an imported registry's pseudonymous keys, ``""`` for the
            households drawn beside them; ``None`` for the synthetic district (:func:`synthetic_keys`).
        village_names: each village's name (``V001`` … for the synthetic district).
    """

    villages: VillageColumns
    households: HouseholdColumns
    persons: PersonColumns
    keys: np.ndarray | None = None
    village_names: np.ndarray | None = None


def generate_population(params: ParameterSet, rng: np.random.Generator, scale: float = 1.0) -> Population:
    """Build the district's population.

    Args:
        params: parameters; the ``district`` domain holds the aggregates.
        rng: the generator for all draws (the population stream of the model).
        scale: simulate a scaled copy of the district: household and non-poor
            village counts are multiplied by it; the 26 poor villages stay.

    Returns:
        The villages, households and persons, with derived household columns filled.
    """
    d = _District(params)
    n_households = int(round(d["rural_households"] * scale))
    n_registered = max(1, int(round(d["registered_poor_households"] * scale)))
    if n_registered >= n_households:
        raise ValueError(f"{n_households} rural households cannot hold {n_registered} registered poor households")
    n_poor_villages = int(d["poor_villages"])
    n_villages = n_poor_villages + max(1, int(round((d["villages_total"] - n_poor_villages) * scale)))

    registered = np.zeros(n_households, dtype=bool)
    registered[:n_registered] = True
    villages = _villages(d, rng, n_villages, n_poor_villages)
    village = _assign_villages(d, rng, registered, n_villages, n_poor_villages, scale)
    cause = np.full(n_households, CAUSE_INDEX["none"], dtype=np.int8)
    cause[registered] = rng.choice(len(REGISTERED_CAUSES), size=n_registered, p=d.cause_shares())
    households, persons = draw_households(params, rng, registered, village, cause)
    return Population(
        villages=villages,
        households=households,
        persons=persons,
        village_names=np.array([f"V{row + 1:03d}" for row in range(n_villages)]),
    )


def synthetic_keys(n_households: int, prefix: str = "S", first_row: int = 0) -> np.ndarray:
    """Keys of drawn households by row: ``S000001``, ``S000002`` … for the synthetic district.

    Args:
        n_households: how many keys.
        prefix: ``S`` (the synthetic district) or ``D`` (households drawn beside an imported registry).
        first_row: the row of the first household (keys count rows from 1).
    """
    rows = np.arange(first_row + 1, first_row + n_households + 1)
    return np.char.add(prefix, np.char.zfill(rows.astype(str), 6))


def draw_households(
    params: ParameterSet, rng: np.random.Generator, registered: np.ndarray, village: np.ndarray, cause: np.ndarray
) -> tuple[HouseholdColumns, PersonColumns]:
    """Draw households of given villages and causes: size, members, income by source, haves, motivation.

    Args:
        params: parameters; the ``district`` domain holds the aggregates.
        rng: the generator for all draws.
        registered: which households are registered poor.
        village: each household's village row.
        cause: each household's primary cause (index into ``CAUSES``).
    """
    d = _District(params)
    n_households = registered.size
    size = _household_sizes(d, rng, registered)
    persons = _persons(d, rng, registered, cause, size)

    households = HouseholdColumns(
        n_households,
        village=village,
        size=size,
        cause=cause,
        status=np.where(registered, POOR, NON_POOR),
        registered_2015=registered,
        entry_year=np.where(registered, BASE_YEAR, 0),
        wage_factor=np.ones(n_households),
        farm_factor=np.ones(n_households),
    )
    refresh_household_aggregates(households, persons)
    _incomes(d, params, rng, households)
    _household_haves(d, rng, households)
    households.motivation[:] = _motivation(d, rng, registered)
    return households, persons


class _District:
    """Read access to the ``district`` parameters by short name."""

    def __init__(self, params: ParameterSet):
        self.params = params

    def __getitem__(self, name: str) -> float:
        return self.params.value(f"district.{name}")

    def cause_shares(self) -> np.ndarray:
        shares = np.array([self[f"cause_share_{c}"] for c in REGISTERED_CAUSES])
        return shares / shares.sum()

    def shares(self, name: str) -> tuple[float, float]:
        """``(nonpoor_<name>, registered_<name>)``."""
        return self[f"nonpoor_{name}"], self[f"registered_{name}"]

    def by_registration(self, registered: np.ndarray, name: str) -> np.ndarray:
        """Per-row value of ``registered_<name>`` or ``nonpoor_<name>``."""
        return np.where(registered, self[f"registered_{name}"], self[f"nonpoor_{name}"])


def _villages(d: _District, rng: np.random.Generator, n_villages: int, n_poor: int) -> VillageColumns:
    poor = np.arange(n_villages) < n_poor
    share = np.where(poor, d["poor_village_haves_share"], d["nonpoor_village_haves_share"])
    haves = {name: rng.random(n_villages) < share for name in VILLAGE_HAVES}
    return VillageColumns(n_villages, poor_village=poor, disaster_month=np.full(n_villages, -1), **haves)


def _assign_villages(
    d: _District, rng: np.random.Generator, registered: np.ndarray, n_villages: int, n_poor: int, scale: float
) -> np.ndarray:
    """Registered households go to poor villages with the stated share; villages are of similar size.

    Within the poor villages, registered households are spread with log-normal
    weights (``poor_village_spread_sigma``), so some poor villages are poorer than others.

    In a scaled district the 26 poor villages are kept, each scaled down like the
    district, so that their make-up (and incidence) is the full district's.
    """
    n_households = registered.size
    n_registered = int(registered.sum())
    in_poor = rng.random(n_registered) < d["registered_share_in_poor_villages"]
    poor_weight = np.exp(d["poor_village_spread_sigma"] * rng.standard_normal(n_poor))
    in_which_poor = rng.choice(n_poor, size=n_registered, p=poor_weight / poor_weight.sum())
    reg_village = np.where(in_poor, in_which_poor, rng.integers(n_poor, n_villages, n_registered))
    # Fill every village up to its size with non-registered households.
    weight = np.where(np.arange(n_villages) < n_poor, scale, 1.0)
    target = n_households * weight / weight.sum()
    room = np.maximum(target - np.bincount(reg_village, minlength=n_villages), 0.0)
    other_village = rng.choice(n_villages, size=n_households - n_registered, p=room / room.sum())
    village = np.empty(n_households, dtype=np.int32)
    village[registered] = reg_village
    village[~registered] = other_village
    return village


def _household_sizes(d: _District, rng: np.random.Generator, registered: np.ndarray) -> np.ndarray:
    mean = np.where(registered, d["persons_per_registered_household"], d["persons_per_rural_household"])
    return np.clip(1 + rng.poisson(mean - 1), 1, MAX_HOUSEHOLD_SIZE).astype(np.int16)


def _topped_up(
    rng: np.random.Generator,
    forced: np.ndarray,
    registered: np.ndarray,
    shares: tuple[float, float],
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """Bernoulli draws that, with the forced ``True`` entries, reach a target share on average.

    Args:
        rng: generator.
        forced: rows that are ``True`` whatever the draw.
        registered: the group of each row (registered poor or not).
        shares: target share among (non-registered, registered) rows.
        eligible: rows that may be drawn (all by default); their probability is set
            so that each group's expected share matches whatever the forced rows add.
    """
    eligible = np.ones_like(forced) if eligible is None else eligible
    result = forced.copy()
    for group, share in ((~registered, shares[0]), (registered, shares[1])):
        free = group & eligible & ~forced
        n_wanted = share * group.sum() - (forced & group).sum()
        prob = np.clip(n_wanted / max(int(free.sum()), 1), 0.0, 1.0)
        result[free] = rng.random(int(free.sum())) < prob
    return result


def _persons(
    d: _District, rng: np.random.Generator, registered: np.ndarray, cause: np.ndarray, size: np.ndarray
) -> PersonColumns:
    """Members with age, sex, chronic illness, disability and schooling; the cause shapes the household."""
    n_persons = int(size.sum())
    household = np.repeat(np.arange(size.size, dtype=np.int32), size)
    first_row = np.cumsum(size) - size
    member = np.arange(n_persons) - np.repeat(first_row, size)
    reg = registered[household]
    person_cause = cause[household]
    is_head = member == 0

    # Poor for lack of labour: every member is past working age. Poor because of
    # schooling costs: the second member is a pupil or student.
    no_labour = person_cause == CAUSE_INDEX["lack_of_labour"]
    pupil = (person_cause == CAUSE_INDEX["schooling"]) & (member == 1)
    elderly = _topped_up(rng, no_labour, reg, d.shares("elderly_share")) & ~pupil
    child = _topped_up(rng, pupil, reg, (d["child_share"],) * 2, eligible=~elderly & ~is_head)
    age = np.where(
        child,
        rng.integers(0, 18, n_persons),
        np.where(elderly, rng.integers(60, 86, n_persons), rng.integers(18, 60, n_persons)),
    )
    age[no_labour] = rng.integers(75, 90, int(no_labour.sum()))
    age[pupil] = rng.integers(6, 18, int(pupil.sum()))

    chronic = _topped_up(rng, is_head & (person_cause == CAUSE_INDEX["illness"]), reg, d.shares("chronic_share"))
    disabled = _topped_up(rng, is_head & (person_cause == CAUSE_INDEX["disability"]), reg, d.shares("disability_share"))
    compulsory = (age >= 6) & (age <= 14)
    senior = (age >= 15) & (age <= 17)
    dropout_share = np.where(reg, d["registered_dropout_share"], 0.0)
    enrolled = (compulsory & (rng.random(n_persons) >= dropout_share)) | (
        senior & (rng.random(n_persons) < d["senior_enrolment_share"])
    )
    return PersonColumns(
        n_persons,
        household=household,
        age=age,
        female=rng.random(n_persons) < 0.5,
        chronic=chronic,
        disabled=disabled,
        enrolled=enrolled | pupil,
    )


def _per_capita_income(
    d: _District, params: ParameterSet, rng: np.random.Generator, registered: np.ndarray
) -> np.ndarray:
    """Registered: uniform over the entry range; others: log-normal truncated at ``nonpoor_income_floor``."""
    n = registered.size
    income = np.empty(n)
    n_reg = int(registered.sum())
    income[registered] = rng.uniform(d["registered_income_min"], d["registered_income_max"], n_reg)
    median, sigma = d["nonpoor_income_median"], d["nonpoor_income_sigma"]
    floor = stats.norm.cdf(np.log(d["nonpoor_income_floor"] / median) / sigma)
    u = rng.uniform(floor, 1.0, n - n_reg)
    income[~registered] = median * np.exp(sigma * stats.norm.ppf(u))
    return income


def _incomes(d: _District, params: ParameterSet, rng: np.random.Generator, hh: HouseholdColumns) -> None:
    """Split each household's income into sources by the district's income mix.

    Households with labour earn wages in proportion to their labour units; those
    without live mostly on transfers (the 兜底 share). The pension of elderly
    members is part of transfers; the rest is ``other_transfer``. 低保 is not in
    the drawn income: the social-assistance programme pays it on top.
    """
    registered = hh.registered_2015
    total = _per_capita_income(d, params, rng, registered) * hh.size
    has_labour = hh.labour_units > 0
    mean_units = (hh.labour_units[~registered & has_labour].mean(), hh.labour_units[registered & has_labour].mean())
    _split_incomes(
        total,
        registered,
        hh.labour_units,
        hh.elderly,
        hh.size,
        d.shares("wage_share"),
        d.shares("farm_share"),
        d.shares("property_share"),
        mean_units,
        d["backstop_transfer_share"],
        params.value("income.pension", BASE_YEAR),
        hh.pension_cny_per_year,
        hh.other_transfer_cny_per_year,
        hh.wage_per_unit_cny_per_year,
        hh.farm_cny_per_year,
        hh.property_cny_per_year,
        hh.earned_income_pc_cny,
        hh.income_pc_cny,
        hh.gross_income_pc_cny,
    )


@njit(cache=True)
def _split_incomes(
    total,
    registered,
    labour_units,
    elderly,
    size,
    wage_shares,
    farm_shares,
    property_shares,
    mean_units,
    backstop,
    pension_per_month,
    pension_out,
    other_transfer_out,
    wage_per_unit_out,
    farm_out,
    property_out,
    earned_pc_out,
    income_pc_out,
    gross_pc_out,
):
    """Kernel of :func:`_incomes`, one pass over the households (shares and mean labour units
    given as (non-registered, registered) pairs), with the operations in the order NumPy ran
    them, so the incomes are bit-identical."""
    for row in range(total.size):
        group = 1 if registered[row] else 0
        wage_share, farm_share, property_share = wage_shares[group], farm_shares[group], property_shares[group]
        transfer_share = 1.0 - wage_share - farm_share - property_share
        units = labour_units[row]
        wage_weight = wage_share * units / mean_units[group]
        weight_sum = wage_weight + farm_share + property_share + transfer_share
        if units > 0:
            wage = total[row] * wage_weight / weight_sum
            farm = total[row] * farm_share / weight_sum
            prop = total[row] * property_share / weight_sum
        else:
            wage = 0.0
            farm = total[row] * max(1.0 - backstop - property_share, 0.0)
            prop = total[row] * property_share
        transfers = total[row] - wage - farm - prop
        # Where the pension alone exceeds the transfer share, the other sources give way
        # in proportion, so the household keeps the drawn total.
        pension = elderly[row] * pension_per_month * 12
        earned = wage + farm + prop
        keep = min(max(1.0 - max(pension - transfers, 0.0) / (earned if earned > 0 else 1.0), 0.0), 1.0)
        wage, farm, prop = wage * keep, farm * keep, prop * keep
        transfers = total[row] - wage - farm - prop
        pension_out[row] = pension
        other_transfer_out[row] = max(transfers - pension, 0.0)
        wage_per_unit_out[row] = wage / units if units > 0 else 0.0
        farm_out[row] = farm
        property_out[row] = prop
        earned_pc_out[row] = (wage + farm + prop) / size[row]
        income_pc_out[row] = earned_pc_out[row] + (pension + other_transfer_out[row]) / size[row]
        gross_pc_out[row] = income_pc_out[row]


def _motivation(d: _District, rng: np.random.Generator, registered: np.ndarray) -> np.ndarray:
    """Motivation in [0, 1]: Beta-distributed with the group's mean."""
    mean = d.by_registration(registered, "motivation_mean")
    concentration = d["motivation_concentration"]
    return rng.beta(mean * concentration, (1.0 - mean) * concentration)


def _household_haves(d: _District, rng: np.random.Generator, hh: HouseholdColumns) -> None:
    """Housing, water, electricity and radio/TV at the start of 2016; insurance from the health parameters."""
    registered = hh.registered_2015
    nonpoor = d["nonpoor_haves_share"]
    for have in ("safe_housing", "safe_water", "electricity", "radio_tv"):
        share = np.where(registered, d[f"registered_{have}_share"], nonpoor)
        getattr(hh, have)[:] = rng.random(hh.n) < share
    hh.insured[:] = rng.random(hh.n) < d.params.value("health.insurance_coverage")
