"""Finding the header of an export: title rows above it, one header row or two (merged group headers).

Offices' exports put a title (``大安区建档立卡贫困户信息表``) and sometimes a date above the header,
and group columns under merged headers (``家庭收入情况`` over ``工资性收入`` …). The header is the row,
or pair of rows, among the first :data:`SEARCH_ROWS` that names the most known fields.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fupin_sim.errors import UserError
from fupin_sim.registry.aliases import ALIAS_FILE, Field

SEARCH_ROWS = 15
MIN_FIELDS = 2
_SPACE = re.compile(r"[\s*＊]+")


def normalise(text: str) -> str:
    """Header text compared with aliases: half-width characters, no spaces or ``*`` markers."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


@dataclass
class Header:
    """Where the data starts and which column holds which field.

    Attributes:
        columns: field name → column index (0-based).
        header_names: field name → the header text as written.
        first_data_row: index into the sheet's rows of the first data row.
    """

    columns: dict[str, int]
    header_names: dict[str, str]
    first_data_row: int


def locate_header(rows: list[list[str]], fields: dict[str, Field], file: Path | str, source: str) -> Header:
    """The header that names the most fields, with every required field present.

    Args:
        rows: the sheet's cells.
        fields: the fields to look for (the alias table's household or village fields).
        file: the file, for messages.
        source: how it was read (for the message when nothing matches: a wrong encoding).

    Raises:
        UserError: no header row, or a required field without a column.
    """
    lookup = {normalise(alias): name for name, spec in fields.items() for alias in (name, *spec.aliases)}
    best: Header | None = None
    for start in range(min(SEARCH_ROWS, len(rows))):
        for depth in (1, 2):
            if start + depth > len(rows):
                continue
            candidate = _match(rows[start : start + depth], lookup, start + depth)
            if best is None or len(candidate.columns) > len(best.columns):
                best = candidate
    if best is None or len(best.columns) < MIN_FIELDS:
        raise UserError(
            f"{file}: no header row found in the first {SEARCH_ROWS} rows (read as {source}); "
            f"if the headers look garbled the file is in another encoding: save it as UTF-8 or GB18030 CSV, "
            f"else add your header names to {ALIAS_FILE.name}"
        )
    for name, spec in fields.items():
        if spec.required and name not in best.columns:
            raise UserError(
                f"{file}: no column for the required field {name} (tried: {', '.join(spec.aliases)}); "
                f"add your header to {ALIAS_FILE.name} under {name}.aliases, or pass --aliases FILE"
            )
    return best


def _match(header_rows: list[list[str]], lookup: dict[str, str], first_data_row: int) -> Header:
    """Match one header row, or a group row over a sub-header row, against the aliases."""
    width = max(len(row) for row in header_rows)
    top = [*header_rows[0], *[""] * (width - len(header_rows[0]))]
    sub = [*header_rows[-1], *[""] * (width - len(header_rows[-1]))] if len(header_rows) == 2 else [""] * width
    group = ""
    columns: dict[str, int] = {}
    names: dict[str, str] = {}
    for index in range(width):
        group = top[index] or (group if sub[index] else "")  # a merged group header spans the cells after it
        candidates = [sub[index], f"{group}/{sub[index]}"] if sub[index] else [top[index]]
        for text in candidates:
            name = lookup.get(normalise(text)) if text else None
            if name is not None and name not in columns:
                columns[name] = index
                names[name] = text
                break
    return Header(columns=columns, header_names=names, first_data_row=first_data_row)
