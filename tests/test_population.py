"""The synthetic Da'an matches the district aggregates of ``data/daan.yaml``.

Every target is read from the loaded parameters (``district.*``), never re-typed,
so these tests keep holding when an analyst edits the data file. The full-scale
population is generated once per module from the model's own population stream
(the baseline seed) and takes well under a second.

Tolerances are sampling tolerances: each is at least about three standard errors
of the quantity for the group size at full scale (7,000 registered households,
≈ 18,000 registered persons, 73,000 other households), unless the brief fixed a
tighter one (noted where it applies), so they fail on a wrong rule, not on noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim.config.parameters import ParameterSet
from fupin_sim.config.scenario import load_scenario
from fupin_sim.model.households import CAUSE_INDEX, CAUSES, COMPULSORY_SCHOOL_AGES, HouseholdColumns, PersonColumns
from fupin_sim.model.population import generate_population
from fupin_sim.model.rng import RandomStreams
from fupin_sim.model.villages import VillageColumns

REGISTERED_CAUSES = [c for c in CAUSES if c != "none"]
HOUSEHOLD_HAVES = ("safe_housing", "safe_water", "electricity", "radio_tv")


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def params(baseline) -> ParameterSet:
    return baseline.params


@pytest.fixture(scope="module")
def district(params):
    """``district("x")`` is the value of ``district.x`` in the loaded parameters."""
    return lambda name: params.value(f"district.{name}")


def generate(params: ParameterSet, seed: int, scale: float = 1.0):
    """The population exactly as the model builds it for ``seed`` (its population stream)."""
    return generate_population(params, RandomStreams(seed)["population"], scale)


@pytest.fixture(scope="module")
def pop(params, baseline):
    return generate(params, baseline.seed)


@pytest.fixture(scope="module")
def reg(pop) -> np.ndarray:
    """Registered poor (2015) flag of each household."""
    return pop.households.registered_2015


@pytest.fixture(scope="module")
def person_reg(pop, reg) -> np.ndarray:
    """Whether each person belongs to a registered poor household."""
    return reg[pop.persons.household]


def group_share(flag: np.ndarray, registered: np.ndarray) -> dict[bool, float]:
    """Share of ``flag`` among registered (True) and other (False) rows."""
    return {True: float(flag[registered].mean()), False: float(flag[~registered].mean())}


# --- counts ------------------------------------------------------------------------


def test_household_and_registered_counts_are_the_district_figures(pop, reg, district):
    assert len(pop.households) == round(district("rural_households"))
    assert int(reg.sum()) == round(district("registered_poor_households"))


def test_persons_are_the_members_of_their_households(pop):
    """Household sizes and person rows agree (every later share depends on it)."""
    hh, persons = pop.households, pop.persons
    assert hh.size.min() >= 1
    assert len(persons) == int(hh.size.sum())
    np.testing.assert_array_equal(np.bincount(persons.household, minlength=len(hh)), hh.size)


@pytest.mark.parametrize(
    "registered, target", [(True, "persons_per_registered_household"), (False, "persons_per_rural_household")]
)
def test_persons_per_household_by_group(pop, reg, district, registered, target):
    # ±0.05 persons: the s.d. of a household size is ≈ 1.3, so the standard error of
    # the mean is ≈ 0.016 for 7,000 registered households (≈ 3 SE) and far less for the rest.
    sizes = pop.households.size[reg == registered]
    assert sizes.mean() == pytest.approx(district(target), abs=0.05)


@pytest.mark.parametrize("cause", REGISTERED_CAUSES)
def test_cause_shares_of_registered_households(pop, reg, district, cause):
    # ±0.02 (brief): SE of the largest share (0.41) over 7,000 households is ≈ 0.006.
    share = float((pop.households.cause[reg] == CAUSE_INDEX[cause]).mean())
    assert share == pytest.approx(district(f"cause_share_{cause}"), abs=0.02)


def test_only_registered_households_have_a_cause_of_poverty(pop, reg):
    assert (pop.households.cause[~reg] == CAUSE_INDEX["none"]).all()
    assert (pop.households.cause[reg] != CAUSE_INDEX["none"]).all()


def test_poor_and_total_village_counts(pop, district):
    villages = pop.villages
    assert len(villages) == round(district("villages_total"))
    assert int(villages.poor_village.sum()) == round(district("poor_villages"))
    assert pop.households.village.min() >= 0 and pop.households.village.max() < len(villages)


def test_share_of_registered_households_in_poor_villages(pop, reg, district):
    # ±0.03 (brief): the SE of a 0.35 share over 7,000 households is ≈ 0.006.
    in_poor_village = pop.villages.poor_village[pop.households.village[reg]]
    assert in_poor_village.mean() == pytest.approx(district("registered_share_in_poor_villages"), abs=0.03)


# --- income --------------------------------------------------------------------------


def test_registered_income_lies_in_the_entry_range(pop, reg, district):
    """Every registered household's per-capita income lies in [registered_income_min, registered_income_max]."""
    low, high = district("registered_income_min"), district("registered_income_max")
    income = pop.households.income_pc_cny[reg]
    below, above = income < low, income > high
    assert not below.any(), f"{below.sum()} registered households below {low:g}, lowest {income.min():.0f}"
    assert not above.any(), f"{above.sum()} registered households above {high:g}, highest {income.max():.0f}"


def test_non_registered_income_is_above_the_floor_with_the_stated_median(pop, reg, district):
    income = pop.households.income_pc_cny[~reg]
    assert income.min() >= district("nonpoor_income_floor")
    # ±5 % (brief): truncating the log-normal at the floor moves the median up by
    # < 1 % with the shipped figures, and its SE over 73,000 households is ≈ 0.3 %.
    assert np.median(income) == pytest.approx(district("nonpoor_income_median"), rel=0.05)


def test_income_columns_add_up_to_per_capita_income(pop):
    hh = pop.households
    total = (
        hh.wage_per_unit_cny_per_year * hh.labour_units
        + hh.farm_cny_per_year
        + hh.property_cny_per_year
        + hh.pension_cny_per_year
        + hh.other_transfer_cny_per_year
    )
    np.testing.assert_allclose(total / hh.size, hh.income_pc_cny, rtol=1e-9)
    np.testing.assert_array_equal(hh.gross_income_pc_cny, hh.income_pc_cny)


def income_parts(hh: HouseholdColumns) -> dict[str, np.ndarray]:
    return {
        "wage": hh.wage_per_unit_cny_per_year * hh.labour_units,
        "farm": hh.farm_cny_per_year,
        "property": hh.property_cny_per_year,
        "transfers": hh.pension_cny_per_year + hh.other_transfer_cny_per_year,
    }


@pytest.mark.parametrize("source", ["wage", "farm", "property"])
def test_income_mix_of_registered_households_with_labour(pop, reg, district, source):
    """The income mix is read as the district's shares: source income / total income of the group."""
    hh = pop.households
    group = reg & (hh.labour_units > 0)
    parts = income_parts(hh)
    share = parts[source][group].sum() / sum(parts.values())[group].sum()
    # ±0.05 (brief): wages are spread by labour units, so household shares vary, but the
    # group's mix should sit on the data; the sampling SE of these ratios is < 0.01.
    assert share == pytest.approx(district(f"registered_{source}_share"), abs=0.05)


def test_registered_households_without_labour_live_mostly_on_transfers(pop, reg, district):
    hh = pop.households
    group = reg & (hh.labour_units == 0)
    assert group.sum() > 100  # the backstop (兜底) group exists: lack-of-labour households alone are ~10 %
    parts = income_parts(hh)
    share = parts["transfers"][group].sum() / sum(parts.values())[group].sum()
    assert share == pytest.approx(district("backstop_transfer_share"), abs=0.05)
    assert (parts["wage"][group] == 0).all()


# --- haves ---------------------------------------------------------------------------------


@pytest.mark.parametrize("have", HOUSEHOLD_HAVES)
def test_household_haves_by_group(pop, reg, district, have):
    # ±0.02 (brief): SE of a 0.7 share over 7,000 households is ≈ 0.005.
    shares = group_share(getattr(pop.households, have), reg)
    assert shares[True] == pytest.approx(district(f"registered_{have}_share"), abs=0.02)
    assert shares[False] == pytest.approx(district("nonpoor_haves_share"), abs=0.02)


def test_village_haves_by_village_type(pop, district):
    """Five village haves × 26 / 144 villages: the pooled share is checked, ±0.1 (SE ≈ 0.04 for poor villages)."""
    villages = pop.villages
    haves = np.column_stack(
        [villages.collective_income, villages.road, villages.clinic, villages.culture_room, villages.broadband]
    )
    poor = villages.poor_village
    assert haves[poor].mean() == pytest.approx(district("poor_village_haves_share"), abs=0.1)
    assert haves[~poor].mean() == pytest.approx(district("nonpoor_village_haves_share"), abs=0.1)


# --- persons -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "registered, target",
    [(True, "registered_elderly_share"), (False, "nonpoor_elderly_share")],
)
def test_elderly_share_of_persons_by_group(pop, person_reg, district, registered, target):
    # ±0.02 (brief): SE over ≈ 18,000 registered persons is ≈ 0.003.
    elderly = pop.persons.age >= 60
    assert group_share(elderly, person_reg)[registered] == pytest.approx(district(target), abs=0.02)


@pytest.mark.parametrize("registered", [True, False])
def test_child_share_of_persons_by_group(pop, person_reg, district, registered):
    child = pop.persons.age < 18
    assert group_share(child, person_reg)[registered] == pytest.approx(district("child_share"), abs=0.02)


@pytest.mark.parametrize("condition, column", [("chronic", "chronic"), ("disability", "disabled")])
@pytest.mark.parametrize("registered, prefix", [(True, "registered"), (False, "nonpoor")])
def test_health_shares_of_persons_by_group(pop, person_reg, district, condition, column, registered, prefix):
    # ±0.02 (brief): SE of a 0.22 share over ≈ 18,000 persons is ≈ 0.003.
    flag = getattr(pop.persons, column)
    assert group_share(flag, person_reg)[registered] == pytest.approx(district(f"{prefix}_{condition}_share"), abs=0.02)


def test_compulsory_age_dropouts_among_registered(pop, person_reg, district):
    persons = pop.persons
    low, high = COMPULSORY_SCHOOL_AGES
    school_age = (persons.age >= low) & (persons.age <= high)
    pupils = school_age & person_reg
    assert pupils.sum() > 1000
    dropout_share = float((~persons.enrolled[pupils]).mean())
    # ±0.01 (brief): with ≈ 1,900 registered school-age children the SE of a 0.03 share is ≈ 0.004.
    assert dropout_share == pytest.approx(district("registered_dropout_share"), abs=0.01)
    # the household column counts the same children
    assert int(pop.households.dropouts[pop.households.registered_2015].sum()) == int((~persons.enrolled[pupils]).sum())


# --- determinism, scale, parameters ---------------------------------------------------------


def all_columns(population) -> dict[str, np.ndarray]:
    columns = {}
    for prefix, store, schema in (
        ("villages", population.villages, VillageColumns.SCHEMA),
        ("households", population.households, HouseholdColumns.SCHEMA),
        ("persons", population.persons, PersonColumns.SCHEMA),
    ):
        columns.update({f"{prefix}.{name}": getattr(store, name) for name in schema})
    return columns


def test_same_seed_gives_identical_columns_and_another_seed_does_not(params):
    first, second, other = generate(params, 7, 0.2), generate(params, 7, 0.2), generate(params, 8, 0.2)
    a, b = all_columns(first), all_columns(second)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    c = all_columns(other)
    for name in ("households.village", "households.size", "households.income_pc_cny", "persons.age"):
        assert not np.array_equal(a[name], c[name]), f"{name} is the same for seeds 7 and 8"


def test_a_tenth_scale_has_a_tenth_of_the_households_and_all_26_poor_villages(params, district):
    small = generate(params, 3, 0.1)
    assert len(small.households) == round(district("rural_households") * 0.1)
    assert int(small.households.registered_2015.sum()) == round(district("registered_poor_households") * 0.1)
    assert int(small.villages.poor_village.sum()) == round(district("poor_villages"))
    # every poor village is inhabited
    populated = np.bincount(small.households.village, minlength=len(small.villages)) > 0
    assert populated[small.villages.poor_village].all()


def test_scaling_multiplies_the_non_poor_village_count(params, district):
    """The documented rule (generate_population docstring): non-poor villages are scaled, poor ones kept."""
    scale = 0.1
    small = generate(params, 3, scale)
    non_poor_full = district("villages_total") - district("poor_villages")
    assert int((~small.villages.poor_village).sum()) == max(1, round(non_poor_full * scale))


def poor_village_incidence(population) -> float:
    """Share of the people of poor villages who are in registered poor households (pooled)."""
    hh, poor_villages = population.households, population.villages.poor_village
    in_poor_village = poor_villages[hh.village]
    return float(hh.size[in_poor_village & hh.registered_2015].sum() / hh.size[in_poor_village].sum())


def test_a_scaled_district_keeps_the_make_up_of_its_poor_villages(params, pop):
    """A scaled copy keeps the poverty incidence of the poor villages (it decides delisting: 一低 < 3 %).

    At scale 0.1, ≈ 245 registered households live in poor villages: the SE of that
    count is ≈ 5 %, so the pooled incidence should be within ±25 % (relative) of the
    full-scale one.
    """
    full = poor_village_incidence(pop)
    assert full > 0.1  # sanity: poor villages are poor at full scale
    scaled = poor_village_incidence(generate(params, 3, 0.1))
    assert scaled == pytest.approx(full, rel=0.25)


def test_a_district_override_changes_the_population(params, district):
    registered = 5000
    assert round(district("registered_poor_households")) != registered  # the override is a change
    changed = params.with_overrides({"district.registered_poor_households": registered})
    population = generate(changed, 11)
    assert int(population.households.registered_2015.sum()) == registered
    assert len(population.households) == round(district("rural_households"))
    default = generate(params, 11)
    assert int(default.households.registered_2015.sum()) == round(district("registered_poor_households"))


def test_parameter_set_load_reads_the_same_district_figures_as_the_baseline(params):
    """The targets above come from the data file whichever entry point loads it."""
    loaded = ParameterSet.load()
    district_paths = [p for p in loaded if p.startswith("district.")]
    assert len(district_paths) > 40
    assert {p: loaded.value(p) for p in district_paths} == {p: params.value(p) for p in district_paths}
