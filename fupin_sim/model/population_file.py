"""A population folder (an imported registry) loaded into the model's columns.

``fupin registry import`` writes the folder (see :mod:`fupin_sim.registry.importer`); a scenario
names it as ``population: {registry: DIR}``. The registry gives the registered households and their
members; what it lacks is drawn from the model's population stream, as for the synthetic district:
motivation, the non-registered households of each village (their number from the village file's
total, else the district's average village size) and the village haves it does not state.

The model reads the folder only through this module and never imports :mod:`fupin_sim.registry`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fupin_sim.config.parameters import ParameterSet
from fupin_sim.model.households import CAUSE_INDEX, POOR, PersonColumns, refresh_household_aggregates
from fupin_sim.model.population import BASE_YEAR, Population, draw_households, generate_population, synthetic_keys
from fupin_sim.model.villages import VILLAGE_HAVES, VillageColumns

FORMAT = "fupin-registry-population/1"
HOUSEHOLDS_FILE = "households.parquet"
PERSONS_FILE = "persons.parquet"
VILLAGES_FILE = "villages.parquet"
MANIFEST_FILE = "population.yaml"
FILES = (HOUSEHOLDS_FILE, PERSONS_FILE, VILLAGES_FILE, MANIFEST_FILE)


def folder_problem(folder: Path | str) -> str | None:
    """Why ``folder`` is not a population folder (``None`` when it is one)."""
    folder = Path(folder)
    if not folder.is_dir():
        return f"{folder} is not a folder; import the registry first: fupin registry import FILE --out {folder}"
    missing = [name for name in FILES if not (folder / name).exists()]
    if missing:
        return (
            f"{folder} lacks {', '.join(missing)}; import the registry again: fupin registry import FILE --out {folder}"
        )
    return None


def build_population(
    params: ParameterSet, rng: np.random.Generator, scale: float, registry: Path | str | None = None
) -> Population:
    """The synthetic district (``registry`` none) or the imported registry in ``registry``."""
    if registry is None:
        return generate_population(params, rng, scale)
    return load_population(registry, params, rng)


def load_population(folder: Path | str, params: ParameterSet, rng: np.random.Generator) -> Population:
    """Load a population folder; draw what the registry lacks from ``rng``.

    Args:
        folder: the folder ``fupin registry import`` wrote.
        params: parameters (the ``district`` aggregates for the drawn parts).
        rng: the population stream of the model.

    Returns:
        The registered households first (rows in the registry's order), then the drawn
        non-registered households; ``keys`` holds the registry's keys, then ``D`` and the row
        number (from 1) for the drawn rows (``D007001`` …: households of the model, not of the export).
    """
    folder = Path(folder)
    registry = pd.read_parquet(folder / HOUSEHOLDS_FILE)
    members = pd.read_parquet(folder / PERSONS_FILE)
    village_table = pd.read_parquet(folder / VILLAGES_FILE)
    n_registered, n_villages = len(registry), len(village_table)
    registered_village = registry.village.to_numpy(np.int32)
    others = _other_households(village_table, registered_village, params)
    village = np.concatenate([registered_village, np.repeat(np.arange(n_villages, dtype=np.int32), others)])
    registered = np.arange(village.size) < n_registered
    cause = np.full(village.size, CAUSE_INDEX["none"], dtype=np.int8)
    cause[:n_registered] = registry.cause.to_numpy(np.int8)

    households, drawn_persons = draw_households(params, rng, registered, village, cause)
    persons = _persons(members, drawn_persons, n_registered)
    reg = slice(0, n_registered)
    households.size[reg] = registry["size"].to_numpy()
    for have in ("safe_housing", "safe_water", "electricity", "radio_tv", "insured"):
        getattr(households, have)[reg] = registry[have].to_numpy(bool)
    households.status[reg], households.entry_year[reg] = POOR, BASE_YEAR
    refresh_household_aggregates(households, persons)
    away_units = np.bincount(
        members.household.to_numpy(),
        weights=persons.labour_units()[: len(members)] * members.away,
        minlength=n_registered,
    )
    households.migrant_units[reg] = np.minimum(away_units, households.labour_units[reg])
    _registry_incomes(households, registry, params)

    drawn_keys = synthetic_keys(village.size - n_registered, prefix="D", first_row=n_registered)
    keys = np.concatenate([registry.household_key.to_numpy(str), drawn_keys])
    return Population(
        villages=_villages(village_table, params, rng),
        households=households,
        persons=persons,
        keys=keys,
        village_names=village_table.village_name.to_numpy(str),
    )


def _other_households(villages: pd.DataFrame, registered_village: np.ndarray, params: ParameterSet) -> np.ndarray:
    """Non-registered households per village: the stated total, else the district's mean village size, less the registered."""
    mean_size = params.value("district.rural_households") / params.value("district.villages_total")
    total = villages.households_total.fillna(mean_size).to_numpy(float)
    registered = np.bincount(registered_village, minlength=len(villages))
    return np.maximum(np.round(total) - registered, 0).astype(int)


def _persons(members: pd.DataFrame, drawn: PersonColumns, n_registered: int) -> PersonColumns:
    """The registry's members, then the drawn members of the non-registered households."""
    keep = drawn.household >= n_registered
    columns = {}
    for name in PersonColumns.SCHEMA:
        drawn_column = getattr(drawn, name)[keep]
        columns[name] = np.concatenate([members[name].to_numpy(drawn_column.dtype), drawn_column])
    return PersonColumns(len(columns["household"]), **columns)


def _registry_incomes(households, registry: pd.DataFrame, params: ParameterSet) -> None:
    """The registered households' income by source, as the registry states it.

    Wages are spread over the household's labour units; wages of a household without labour units
    (by the model's rule) count as farm and business income. The basic pension of members aged 60
    or more is taken out of the stated transfers, and so is the 低保 of a 低保户 or 五保户 (see
    :func:`dibao_2015_cny`): the social-assistance programme pays 低保 from 2016 on, on top of the
    other transfers, so leaving it in them would count it twice. The income the model starts from is
    therefore the income before 低保, as in the synthetic district.
    """
    n = len(registry)
    labour = households.labour_units[:n]
    wage = registry.wage_cny_per_year.to_numpy(float)
    has_labour = labour > 0
    farm = registry.farm_cny_per_year.to_numpy(float) + np.where(has_labour, 0.0, wage)
    prop = registry.property_cny_per_year.to_numpy(float)
    transfers = registry.transfer_cny_per_year.to_numpy(float)
    pension = np.minimum(households.elderly[:n] * params.value("income.pension", BASE_YEAR) * 12, transfers)
    size = households.size[:n]
    earned = np.where(has_labour, wage, 0.0) + farm + prop
    dibao = np.minimum(dibao_2015_cny(registry.attribute.to_numpy(str), earned, size, params), transfers - pension)
    households.dibao_2015[:n] = dibao > 0
    households.wage_per_unit_cny_per_year[:n] = np.divide(wage, labour, out=np.zeros(n), where=has_labour)
    households.farm_cny_per_year[:n] = farm
    households.property_cny_per_year[:n] = prop
    households.pension_cny_per_year[:n] = pension
    households.other_transfer_cny_per_year[:n] = transfers - pension - dibao
    households.earned_income_pc_cny[:n] = earned / size
    households.income_pc_cny[:n] = (earned + transfers - dibao) / size
    households.gross_income_pc_cny[:n] = households.income_pc_cny[:n]


def dibao_2015_cny(attribute: np.ndarray, earned_cny: np.ndarray, size: np.ndarray, params: ParameterSet):
    """Per household: the 低保 of 2015 in its stated transfers, by 补差 (standard × people − earnings).

    Only households whose 贫困户属性 is 低保 (``dibao``) or 五保 (``wubao``, at the 特困供养 multiple
    of the standard) received it; the others get 0.
    """
    standard = params.value("social_assistance.dibao_standard_2015")
    multiple = np.where(attribute == "wubao", params.value("social_assistance.tekun_multiple"), 1.0)
    on_dibao = np.isin(attribute, ("dibao", "wubao"))
    return np.where(on_dibao, np.maximum(standard * multiple * size - earned_cny, 0.0), 0.0)


def _villages(table: pd.DataFrame, params: ParameterSet, rng: np.random.Generator) -> VillageColumns:
    """Village columns; haves the folder leaves unknown are drawn with the district's shares."""
    n = len(table)
    poor = table.poor_village.fillna(True).to_numpy(bool)
    share = np.where(
        poor, params.value("district.poor_village_haves_share"), params.value("district.nonpoor_village_haves_share")
    )
    haves = {}
    for have in VILLAGE_HAVES:
        drawn = rng.random(n) < share
        stated = table[have]
        haves[have] = np.where(stated.isna(), drawn, stated.fillna(False).to_numpy(bool))
    return VillageColumns(n, poor_village=poor, disaster_month=np.full(n, -1), **haves)
