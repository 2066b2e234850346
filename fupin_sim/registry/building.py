"""From an export's rows to households and members in the model's terms.

One row per member; household fields (address, cause, income, housing …) either on every row or
only on the head's row (与户主关系 = 户主). Members are grouped by 户编号 when the export has it, else
each head starts a household and the rows after it are its members. Personal fields (names, ID
numbers, phones, bank accounts, 户编号) are used here to group and check, and then dropped: only the
heads' IDs go on, to :mod:`~fupin_sim.registry.privacy`, to make the household keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fupin_sim.model.households import CAUSE_INDEX
from fupin_sim.registry.aliases import AliasTable
from fupin_sim.registry.cleaning import Problem, convert_column, text, unknown_word_reason
from fupin_sim.registry.headers import Header
from fupin_sim.registry.validation import birth_year, female_from_id, id_problem, normalise_id

REFERENCE_YEAR = 2016  # ages are taken at the start of the model's first year
INCOME_PARTS = ("wage_cny", "business_cny", "transfer_cny", "property_cny")
INCOME_DISAGREEMENT_SHARE = 0.05  # stated per-capita income this far from its parts is reported
INCOME_DISAGREEMENT_MIN_CNY = 10.0
EXITED_WORDS = ("已脱贫", "脱贫", "是", "稳定脱贫")


@dataclass
class Parsed:
    """The households and members an export describes, and what went wrong.

    Attributes:
        households: one row per accepted household (no personal field but ``head_id``, dropped
            once the keys are made).
        members: one row per accepted member: ``household`` (index into ``households``), ``age``,
            ``female``, ``chronic``, ``disabled``, ``enrolled``, ``away``.
        problems: every refused row with its column and reason.
        rows_read: data rows (blank rows not counted).
        duplicates: spreadsheet rows dropped as exact repeats of a member row.
        defaulted: field → what was defaulted (a missing column, or how many blank cells).
        reidentification: key material for the optional keys file: ``head_id`` and ``head_name``.
    """

    households: pd.DataFrame
    members: pd.DataFrame
    problems: list[Problem]
    rows_read: int
    duplicates: list[int] = field(default_factory=list)
    defaulted: dict[str, str] = field(default_factory=dict)
    head_names: pd.Series | None = None


def parse_households(rows: list[list[str]], header: Header, table: AliasTable) -> Parsed:
    """Convert, check and group the data rows below ``header``.

    Args:
        rows: the sheet's cells.
        header: the located header.
        table: the alias table.
    """
    width = max(header.columns.values()) + 1
    body = [[*row[:width], *[""] * (width - len(row))] for row in rows[header.first_data_row :]]
    numbers = np.arange(header.first_data_row + 1, header.first_data_row + 1 + len(body))
    raw = pd.DataFrame({name: [row[index] for row in body] for name, index in header.columns.items()})
    raw.index = numbers
    raw = raw[raw.apply(lambda column: column.str.strip() != "").any(axis=1)]
    problems: list[Problem] = []
    defaulted: dict[str, str] = {}
    clean = pd.DataFrame(index=raw.index)
    is_head_word = set(table.values["head"])
    head = raw["relation"].map(text).isin(is_head_word)

    for name, spec in table.fields.items():
        if name not in raw:
            if spec.default is not None or spec.kind == "number":
                defaulted[name] = f"no column: every household takes {spec.default if spec.kind != 'number' else 0}"
            continue
        converted = convert_column(raw[name], spec, table)
        clean[name] = converted.values
        rows_checked = head if spec.level == "household" else pd.Series(True, index=raw.index)
        bad = converted.bad & rows_checked
        for row in raw.index[bad]:
            reason = (
                converted.reason
                if spec.kind in ("number", "flag") or spec.personal
                else unknown_word_reason(raw.at[row, name], table, spec.kind)
            )
            problems.append(Problem(int(row), header.header_names[name], reason))
        blank_defaults = int((raw[name][rows_checked].map(text) == "").sum()) if spec.default is not None else 0
        if blank_defaults:
            defaulted[name] = f"{blank_defaults} blank cells read as {'是' if spec.default else '否'}"

    ids = raw["id_number"].map(lambda cell: normalise_id(text(cell)))
    for row, id_number in ids.items():
        reason = id_problem(id_number)
        if reason:
            problems.append(Problem(int(row), header.header_names["id_number"], reason))
    clean["id_number"] = ids
    group = _household_groups(raw, head)
    duplicates, repeat_problems = _repeated_members(raw, ids, group, header)
    problems += repeat_problems
    clean = clean.drop(index=duplicates)
    head, group = head.drop(index=duplicates), group.drop(index=duplicates)
    problems += _head_problems(head, group, clean, header)

    refused_groups = set(group[[p.row for p in problems if p.row in group.index]])
    refused_rows = group.index[group.isin(refused_groups)]
    rows_with_problems = {p.row for p in problems}
    for row in refused_rows:
        if row not in rows_with_problems:
            problems.append(
                Problem(int(row), "(row)", "refused with its household, which has a problem in another row")
            )
    keep = ~group.index.isin(refused_rows)
    households, members, head_names = _build(clean[keep], head[keep], group[keep], table)
    return Parsed(
        households=households,
        members=members,
        problems=sorted(problems, key=lambda p: (p.row, p.column)),
        rows_read=len(raw),
        duplicates=[int(row) for row in duplicates],
        defaulted=defaulted,
        head_names=head_names,
    )


def _household_groups(raw: pd.DataFrame, head: pd.Series) -> pd.Series:
    """A group label per row: the 户编号 (blank: the previous row's), else the count of heads so far."""
    if "household_number" in raw:
        number = raw["household_number"].map(text).replace("", np.nan).ffill().fillna("")
        return "n:" + number
    return "h:" + head.cumsum().astype(str)


def _repeated_members(
    raw: pd.DataFrame, ids: pd.Series, group: pd.Series, header: Header
) -> tuple[list[int], list[Problem]]:
    """Exact repeats of a member row (dropped) and IDs given twice with different details (refused)."""
    duplicates, problems = [], []
    seen: dict[str, tuple[int, str, tuple]] = {}
    column = header.header_names["id_number"]
    repeated = ids[(ids != "") & ids.duplicated(keep=False)]
    for row, id_number in repeated.items():
        cells = tuple(raw.loc[row].map(text))
        if id_number in seen:
            first_row, first_group, first_cells = seen[id_number]
            if first_group == group[row] and first_cells == cells:
                duplicates.append(row)
            elif first_group == group[row]:
                problems.append(Problem(int(row), column, f"the same ID number as row {first_row}, with other details"))
            else:
                problems.append(
                    Problem(int(row), column, f"the same ID number as row {first_row}, in another household")
                )
        else:
            seen[id_number] = (int(row), group[row], cells)
    return duplicates, problems


def _head_problems(head: pd.Series, group: pd.Series, clean: pd.DataFrame, header: Header) -> list[Problem]:
    """Households without a head or with two, and heads without a primary cause."""
    problems = []
    relation = header.header_names["relation"]
    heads = head.groupby(group, sort=False).sum()
    first_row = head.index.to_series().groupby(group, sort=False).first()
    for label in heads.index[heads == 0]:
        problems.append(Problem(int(first_row[label]), relation, "a household without a head (与户主关系 = 户主)"))
    for label in heads.index[heads > 1]:
        second = head.index[(group == label) & head][1]
        problems.append(Problem(int(second), relation, "a second head in one household"))
    cause = header.header_names["cause"]
    for row in clean.index[head & clean["cause"].isna()]:
        problems.append(Problem(int(row), cause, "no primary cause of poverty (主要致贫原因 is required)"))
    return problems


def _build(
    clean: pd.DataFrame, head: pd.Series, group: pd.Series, table: AliasTable
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Households (from the heads' rows) and members of the accepted rows."""
    order = pd.unique(group)
    household = pd.Series(pd.Categorical(group, categories=order).codes, index=group.index)
    heads = clean[head.to_numpy()].copy()
    heads.index = household[head].to_numpy()
    heads = heads.sort_index()
    size = np.bincount(household, minlength=len(order))

    ids = clean["id_number"]
    health = clean["health"].fillna("healthy") if "health" in clean else pd.Series("healthy", index=clean.index)
    schooling = clean.get("schooling", pd.Series(None, index=clean.index))
    female = female_from_id(ids)
    if "sex" in clean:
        female = clean["sex"].map({"female": True, "male": False}).fillna(female).astype(bool)
    members = pd.DataFrame(
        {
            "household": household.to_numpy(np.int32),
            "age": np.clip(REFERENCE_YEAR - birth_year(ids).to_numpy(), 0, None).astype(np.int16),
            "female": female.to_numpy(bool),
            "chronic": health.str.contains("chronic").to_numpy(bool),
            "disabled": health.str.contains("disabled").to_numpy(bool),
            "enrolled": (schooling.notna() & (schooling != "not_enrolled")).to_numpy(bool),
            "away": (clean.get("work", pd.Series(None, index=clean.index)) == "away").to_numpy(bool),
            "insured": _column(clean, "insured", table).to_numpy(bool),
        }
    )
    members = members.sort_values("household", kind="stable", ignore_index=True)  # the model wants them grouped
    income = {name: _column(heads, name, table).astype(float) for name in (*INCOME_PARTS, "business_cost_cny")}
    parts_pc = (
        income["wage_cny"] + income["business_cny"] - income["business_cost_cny"] + income["transfer_cny"]
    ) + income["property_cny"]
    parts_pc = parts_pc / size
    water = _column(heads, "safe_water", table).astype(bool) & _column(heads, "water_difficult", table).astype(bool)
    stated = heads["income_pc_cny"] if "income_pc_cny" in heads else pd.Series(np.nan, index=heads.index)
    exit_status = heads.get("exit_status", pd.Series("", index=heads.index)).fillna("")
    exited = exit_status.map(lambda word: any(word.startswith(w) for w in EXITED_WORDS) and "未" not in word)
    exit_year = heads.get("exit_year", pd.Series(0.0, index=heads.index)).fillna(0).astype(int)
    households = pd.DataFrame(
        {
            "head_id": heads["id_number"],
            "county": heads.get("county", pd.Series("", index=heads.index)).fillna(""),
            "township": heads.get("township", pd.Series("", index=heads.index)).fillna(""),
            "village_name": heads["village"],
            "poor_village": heads.get("poor_village", pd.Series(None, index=heads.index, dtype=object)),
            "size": size.astype(np.int16),
            "cause": heads["cause"].map(CAUSE_INDEX).astype(np.int8),
            "attribute": heads.get("attribute", pd.Series("general", index=heads.index)).fillna("general"),
            "wage_cny_per_year": income["wage_cny"],
            "farm_cny_per_year": income["business_cny"] - income["business_cost_cny"],
            "transfer_cny_per_year": income["transfer_cny"],
            "property_cny_per_year": income["property_cny"],
            "stated_income_pc_cny": stated.astype(float),
            "parts_income_pc_cny": parts_pc,
            "safe_housing": _column(heads, "dilapidated", table).astype(bool),
            "safe_water": water,
            "electricity": _column(heads, "electricity", table).astype(bool),
            "radio_tv": _column(heads, "radio_tv", table).astype(bool),
            "insured": members.groupby("household").insured.all().to_numpy(),
            "registry_exit_year": np.where(exited, exit_year, 0).astype(np.int16),
            "first_row": pd.Series(group.index, index=group.index).groupby(household.to_numpy()).first().to_numpy(),
        }
    ).reset_index(drop=True)
    gap = (households.stated_income_pc_cny - households.parts_income_pc_cny).abs()
    tolerance = np.maximum(
        INCOME_DISAGREEMENT_SHARE * households.parts_income_pc_cny.abs(), INCOME_DISAGREEMENT_MIN_CNY
    )
    households["income_disagrees"] = (gap > tolerance).fillna(False).to_numpy(bool)
    head_names = heads["name"].reset_index(drop=True) if "name" in heads else None
    return households, members, head_names


def _column(frame: pd.DataFrame, name: str, table: AliasTable) -> pd.Series:
    """A converted column, or its default where the export has no such column (numbers: 0)."""
    spec = table.fields[name]
    default = 0.0 if spec.kind == "number" else spec.default
    if spec.invert and spec.kind == "flag":
        default = not default
    if name not in frame:
        return pd.Series(default, index=frame.index)
    return frame[name].where(frame[name].notna(), default)
