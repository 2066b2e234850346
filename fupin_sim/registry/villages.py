"""Villages of an imported registry: from the optional village file (贫困村, 一低五有), else from the
household rows, with the haves left unknown (drawn from the seed at run time and reported as such).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fupin_sim.model.villages import VILLAGE_HAVES
from fupin_sim.registry.aliases import AliasTable
from fupin_sim.registry.cleaning import Problem, convert_column
from fupin_sim.registry.headers import locate_header
from fupin_sim.registry.reading import read_sheet

VILLAGE_COLUMNS = ("village_name", "poor_village", "households_total", *VILLAGE_HAVES)


def village_labels(township: pd.Series, village: pd.Series) -> pd.Series:
    """Villages' names as results show them and as the two files are matched by: ``乡镇 村``."""
    township, village = township.fillna("").astype(str), village.fillna("").astype(str)
    return township.where(township == "", township + " ").str.cat(village)


def villages_from_households(households: pd.DataFrame) -> pd.DataFrame:
    """One row per village of the households, in order of first appearance; haves unknown."""
    names = village_labels(households.township, households.village_name)
    poor = households.poor_village.groupby(names, sort=False).first()
    table = pd.DataFrame({"village_name": poor.index, "poor_village": poor.to_numpy()})
    table["households_total"] = float("nan")
    for have in VILLAGE_HAVES:
        table[have] = pd.array([pd.NA] * len(table), dtype="boolean")
    table["poor_village"] = pd.array(table.poor_village.where(table.poor_village.notna(), True), dtype="boolean")
    return table


def read_village_file(path: Path | str, table: AliasTable) -> tuple[pd.DataFrame, list[Problem]]:
    """The village file as a village table, and its unreadable cells.

    Raises:
        UserError: the file cannot be read or lacks the village column.
    """
    sheet = read_sheet(path)
    header = locate_header(sheet.rows, table.village_fields, path, sheet.source)
    width = max(header.columns.values()) + 1
    body = [[*row[:width], *[""] * (width - len(row))] for row in sheet.rows[header.first_data_row :]]
    raw = pd.DataFrame({name: [row[i] for row in body] for name, i in header.columns.items()})
    raw.index = range(header.first_data_row + 1, header.first_data_row + 1 + len(raw))
    raw = raw[raw.apply(lambda column: column.str.strip() != "").any(axis=1)]
    problems, clean = [], pd.DataFrame(index=raw.index)
    for name, spec in table.village_fields.items():
        if name in raw:
            converted = convert_column(raw[name], spec, table)
            clean[name] = converted.values
            problems += [Problem(int(r), header.header_names[name], converted.reason) for r in raw.index[converted.bad]]
    township = clean["township"] if "township" in clean else pd.Series("", index=clean.index)
    villages = pd.DataFrame({"village_name": village_labels(township, clean["village"]).to_numpy()})
    villages["poor_village"] = pd.array(clean.get("poor_village", True), dtype="boolean")
    villages["households_total"] = clean.get("households_total", pd.Series(float("nan"), index=clean.index)).to_numpy(
        float
    )
    for have in VILLAGE_HAVES:
        villages[have] = pd.array(clean[have].to_numpy() if have in clean else [pd.NA] * len(clean), dtype="boolean")
    return villages, problems


def merge_villages(from_households: pd.DataFrame, from_file: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The village file's rows, then the households' villages it does not list; and those names."""
    known = set(from_file.village_name)
    missing = from_households[~from_households.village_name.isin(known)]
    return pd.concat([from_file, missing], ignore_index=True), list(missing.village_name)
