"""Households and persons: columnar state and the Mesa agent handles over it.

Vocabulary (see the README glossary):
``registered_poor`` = 建档立卡贫困户; ``exited`` = 脱贫; ``returned`` = 返贫;
``new_poor`` = 新增贫困; the six haves (六有) are ``safe_housing``,
``school`` (no compulsory-age dropout), ``insured`` (basic medical insurance),
``safe_water``, ``electricity`` and ``radio_tv``.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
from numba import njit

from fupin_sim.model.columns import ColumnStore, add_row_properties, group_sum

NON_POOR, POOR, EXITED = 0, 1, 2
STATUS_NAMES = ("non_poor", "registered_poor", "exited")

CAUSES = (
    "illness",  # 因病
    "disability",  # 因残
    "lack_of_labour",  # 缺劳力
    "lack_of_funds",  # 缺资金
    "lack_of_skills",  # 缺技术
    "schooling",  # 因学
    "disaster",  # 因灾
    "other",  # 缺土地 缺水 交通条件落后 自身发展动力不足 其他
    "none",  # not registered
)
CAUSE_INDEX = {name: code for code, name in enumerate(CAUSES)}

COMPULSORY_SCHOOL_AGES = (6, 14)  # 九年义务教育: primary 6-11, junior 12-14
SCHOOL_STAGES = ("not_in_school", "primary", "junior", "senior")  # senior: senior or vocational school
LABOUR_CAPACITIES = ("none", "partial", "full")
WORKING_AGE = (16, 74)
FULL_LABOUR_MAX_AGE = 64


class HouseholdColumns(ColumnStore):
    """Household state, one row per rural household. Money is CNY for the whole household."""

    SCHEMA = {
        "village": (np.int32, "village index"),
        "size": (np.int16, "persons in the household"),
        "cause": (np.int8, "primary cause of poverty, index into CAUSES ('none' if never registered)"),
        "status": (np.int8, "0 non_poor, 1 registered_poor, 2 exited"),
        "registered_2015": (bool, "on the registry at the end of 2015 (the target population)"),
        "entry_year": (np.int16, "year entered the registry (0 never)"),
        "exit_year": (np.int16, "year of the latest exit (0 never)"),
        "times_returned": (np.int16, "returns to poverty after an exit"),
        "motivation": (np.float64, "drive to take up programmes and work (0-1; low = 等靠要)"),
        "debt_cny": (np.float64, "outstanding debt (micro-credit, relocation self-payment)"),
        "labour_units": (np.float64, "working capacity in full-labour equivalents (full 1, partial 0.5)"),
        "migrant_units": (np.float64, "labour units working away from home (外出务工)"),
        "elderly": (np.int16, "members aged 60 or more"),
        "chronic_members": (np.int16, "members with a chronic illness"),
        "wage_per_unit_cny_per_year": (np.float64, "wage of one local full-labour unit"),
        "farm_cny_per_year": (np.float64, "net farming and household business income"),
        "property_cny_per_year": (np.float64, "land rent, dividends, interest"),
        "other_transfer_cny_per_year": (
            np.float64,
            "transfers other than pension and 低保 (subsidies, remittances from relatives)",
        ),
        "pension_cny_per_year": (np.float64, "basic rural pension of elderly members"),
        "dibao_2015": (
            bool,
            "received 低保 in 2015 (an imported registry's 低保户 and 五保户; the synthetic district: none)",
        ),
        "wage_factor": (np.float64, "transient wage multiplier of the current year"),
        "farm_factor": (np.float64, "transient farm multiplier of the current year (disasters lower it)"),
        "job_loss_months_left": (np.int8, "months left with a lost job"),
        "insured": (bool, "enrolled in basic medical insurance (新农合)"),
        "safe_housing": (bool, "lives in a safe house"),
        "safe_water": (bool, "has safe drinking water"),
        "electricity": (bool, "has household electricity"),
        "radio_tv": (bool, "has radio/TV access"),
        "dropouts": (np.int16, "compulsory-school-age members not in school"),
        "ytd_wage_cny": (np.float64, "wages accrued this year"),
        "ytd_farm_cny": (np.float64, "farm and business income accrued this year"),
        "ytd_industry_cny": (np.float64, "broiler income accrued this year"),
        "ytd_property_cny": (np.float64, "property income accrued this year"),
        "ytd_transfer_cny": (np.float64, "transfers accrued this year (pension, 低保, other)"),
        "ytd_programme_transfer_cny": (
            np.float64,
            "the part of this year's transfers paid by programmes (低保, allowances, subsidies)",
        ),
        "ytd_medical_oop_cny": (np.float64, "out-of-pocket medical spending this year"),
        "income_pc_cny": (np.float64, "per-capita net income at the latest verification (after medical deduction)"),
        "previous_income_pc_cny": (
            np.float64,
            "per-capita net income before the latest verification (the entry income at the first; 0 before it)",
        ),
        "gross_income_pc_cny": (
            np.float64,
            "per-capita gross income at the latest verification (before medical deduction)",
        ),
        "earned_income_pc_cny": (
            np.float64,
            "per-capita wages, farm, broiler and property income at the latest verification",
        ),
        "programme_transfer_pc_cny": (np.float64, "per-capita transfers paid by programmes at the latest verification"),
        "transfer_share": (np.float32, "transfers in gross income at the latest verification"),
    }

    @property
    def school(self) -> np.ndarray:
        """The 'have' of compulsory education: no school-age member out of school."""
        return self.dropouts == 0

    def ever_registered(self) -> np.ndarray:
        """Households on the registry now or before: registered poor or exited."""
        return self.status != NON_POOR

    def six_haves(self) -> np.ndarray:
        """Households meeting all six 'haves' (六有) of the exit standard."""
        return self.safe_housing & self.school & self.insured & self.safe_water & self.electricity & self.radio_tv


class PersonColumns(ColumnStore):
    """Person state, one row per member of a rural household."""

    SCHEMA = {
        "household": (np.int32, "household row"),
        "age": (np.int16, "age in years at the start of the year"),
        "female": (bool, "sex is female"),
        "chronic": (bool, "has a chronic illness"),
        "disabled": (bool, "has a disability"),
        "enrolled": (bool, "in school (meaningful for ages 6-17)"),
    }

    def labour_units(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Working capacity of each person (or of ``rows``): full 1, partial 0.5, none 0."""
        age, disabled, enrolled, chronic = self.age[rows], self.disabled[rows], self.enrolled[rows], self.chronic[rows]
        working = (age >= WORKING_AGE[0]) & (age <= WORKING_AGE[1]) & ~disabled & ~enrolled
        partial = chronic | (age > FULL_LABOUR_MAX_AGE)
        return np.where(working, np.where(partial, 0.5, 1.0), 0.0)

    def school_stage(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Schooling stage of each person (or of ``rows``): index into ``SCHOOL_STAGES``, 0 when not enrolled."""
        age = self.age[rows]
        stage = np.select([age <= 11, age <= 14], [1, 2], default=3)
        return np.where(self.enrolled[rows], stage, 0).astype(np.int8)

    def describe_rows(self, rows: np.ndarray) -> pd.DataFrame:
        """The persons in ``rows`` with labour capacity and schooling stage spelled out."""
        table = pd.DataFrame({name: getattr(self, name)[rows] for name in self.SCHEMA}, index=rows)
        table["labour_capacity"] = np.asarray(LABOUR_CAPACITIES)[(self.labour_units(rows) * 2).astype(int)]
        table["school_stage"] = np.asarray(SCHOOL_STAGES)[self.school_stage(rows)]
        return table

    def dropouts(self) -> np.ndarray:
        """Whether each person is of compulsory school age and not in school."""
        low, high = COMPULSORY_SCHOOL_AGES
        return (self.age >= low) & (self.age <= high) & ~self.enrolled

    def per_household(self, values: np.ndarray, n_households: int) -> np.ndarray:
        """Sum a per-person quantity (numbers or booleans) by household, as float64."""
        return group_sum(self.household, values, n_households)


def make_chronic(households: HouseholdColumns, persons: PersonColumns, rows: np.ndarray) -> None:
    """Give the persons in ``rows`` a chronic illness, updating their households' labour and counts."""
    _make_chronic(
        np.unique(rows),
        persons.household,
        persons.age,
        persons.disabled,
        persons.enrolled,
        persons.chronic,
        households.labour_units,
        households.chronic_members,
        households.migrant_units,
    )


@njit(cache=True)
def _make_chronic(rows, household, age, disabled, enrolled, chronic, labour_units, chronic_members, migrant_units):
    """Kernel of :func:`make_chronic`, over the distinct persons ``rows`` (ascending).

    Each one not yet chronic becomes chronic: a working member drops from full to
    partial labour (:func:`_labour_unit`), the household
    loses the difference and counts one more chronic member, in the order of
    ``np.add.at``; then its migrant units are cut to its labour units (only these
    households' labour fell: elsewhere they are within it already).
    """
    owners = np.empty(rows.size, dtype=np.int64)
    count = 0
    for person in rows:
        if chronic[person]:
            continue
        before = _labour_unit(age[person], disabled[person], enrolled[person], False)
        chronic[person] = True
        after = _labour_unit(age[person], disabled[person], enrolled[person], True)
        row = household[person]
        labour_units[row] += after - before
        chronic_members[row] += 1
        owners[count] = row
        count += 1
    for row in owners[:count]:
        migrant_units[row] = min(migrant_units[row], labour_units[row])


@njit(cache=True)
def _labour_unit(years, disabled, enrolled, chronic):
    """One person's working capacity in a kernel, the rule of :meth:`PersonColumns.labour_units`:
    1 of working age, not disabled and not at school; 0.5 if also chronic or over
    ``FULL_LABOUR_MAX_AGE``; else 0 (``&`` rather than ``and``: no branches, 2x faster)."""
    working = (years >= WORKING_AGE[0]) & (years <= WORKING_AGE[1]) & (not disabled) & (not enrolled)
    partial = chronic | (years > FULL_LABOUR_MAX_AGE)
    return working * (1.0 - 0.5 * partial)  # 0, 0.5 or 1 exactly


def refresh_household_aggregates(households: HouseholdColumns, persons: PersonColumns) -> None:
    """Recompute the household columns derived from members (labour, elderly, chronic, dropouts)."""
    _aggregate_members(
        persons.household,
        persons.age,
        persons.chronic,
        persons.disabled,
        persons.enrolled,
        households.labour_units,
        households.elderly,
        households.chronic_members,
        households.dropouts,
    )
    np.minimum(households.migrant_units, households.labour_units, out=households.migrant_units)


@njit(cache=True)
def _aggregate_members(household, age, chronic, disabled, enrolled, labour_units, elderly, chronic_members, dropouts):
    """Kernel of :func:`refresh_household_aggregates`: one pass over the persons fills the
    household columns in place: labour by :func:`_labour_unit`, elderly aged 60 or more and
    :meth:`PersonColumns.dropouts`."""
    labour_units[:] = 0.0
    elderly[:] = 0
    chronic_members[:] = 0
    dropouts[:] = 0
    for person in range(household.size):
        row, years, at_school = household[person], age[person], enrolled[person]
        labour_units[row] += _labour_unit(years, disabled[person], at_school, chronic[person])
        elderly[row] += years >= 60
        chronic_members[row] += chronic[person]
        dropouts[row] += (years >= COMPULSORY_SCHOOL_AGES[0]) & (years <= COMPULSORY_SCHOOL_AGES[1]) & (not at_school)


class Household(mesa.Agent):
    """A rural household: a Mesa agent viewing one row of the model's columns.

    Every column of :class:`HouseholdColumns` is a read/write property, so
    ``model.agents_by_type[Household].select(lambda h: h.status == POOR)`` and
    ``household.safe_housing = True`` work as usual in Mesa, while the monthly
    step works on whole columns.

    Args:
        model: the :class:`~fupin_sim.model.simulation.FupinModel`.
        row: this household's row in ``model.households``.
    """

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def members(self) -> pd.DataFrame:
        """This household's persons: age, sex, labour capacity, chronic illness, disability, schooling stage."""
        persons = self.model.persons
        return persons.describe_rows(np.flatnonzero(persons.household == self.row))

    @property
    def status_name(self) -> str:
        """``non_poor``, ``registered_poor`` or ``exited``."""
        return STATUS_NAMES[self.status]

    @property
    def cause_name(self) -> str:
        """Primary cause of poverty ('none' if never registered)."""
        return CAUSES[self.cause]

    def to_dict(self) -> dict:
        """The household's current row as a dict."""
        return self.model.households.row(self.row)


add_row_properties(Household, "households", HouseholdColumns.SCHEMA)
