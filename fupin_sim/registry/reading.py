"""Reading an export: XLSX, XLS or CSV, told apart by their bytes, never by the file name.

CSV text is decoded as UTF-8 (with or without a byte-order mark) when it is valid UTF-8, else
with the encoding charset-normalizer detects; a detected GBK or GB2312 is read as GB18030, its
superset, so that rare characters in names do not break the import.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from fupin_sim.errors import UserError

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CHINESE_ENCODINGS = {"gbk", "gb2312", "gb18030", "hz", "cp936"}
DELIMITERS = ",\t;|"


@dataclass
class Sheet:
    """The cells of an export's first sheet as text (``""`` for an empty cell).

    Attributes:
        rows: one list of cell texts per row, in file order (row 1 first).
        source: how the file was read (``xlsx``, ``xls``, ``csv (gb18030)`` …).
    """

    rows: list[list[str]]
    source: str


def read_sheet(path: Path | str) -> Sheet:
    """Read the first sheet of an export.

    Raises:
        UserError: the file is missing, empty, unreadable, or text in an undetectable encoding.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except OSError as err:
        raise UserError(f"{path}: cannot read the file ({err.strerror})") from None
    if not data.strip():
        raise UserError(f"{path}: the file is empty; export the registry again")
    if data.startswith(XLSX_MAGIC):
        return Sheet(_workbook_rows(path, data, "xlsx"), "xlsx")
    if data.startswith(XLS_MAGIC):
        return Sheet(_workbook_rows(path, data, "xls"), "xls")
    text, encoding = decode_text(path, data)
    return Sheet(_csv_rows(text), f"csv ({encoding})")


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in.

    Raises:
        UserError: binary data, or an encoding that cannot be detected.
    """
    if b"\x00" in data[:4096]:
        raise UserError(f"{path}: not a spreadsheet or a text file (binary data); export as XLSX, XLS or CSV")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UserError(f"{path}: cannot tell the text encoding; save the file as UTF-8 or GB18030 CSV")
    encoding = best.encoding.lower().replace("-", "").replace("_", "")
    encoding = "gb18030" if encoding in CHINESE_ENCODINGS else best.encoding
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        raise UserError(f"{path}: not valid {encoding} text; save the file as UTF-8 or GB18030 CSV") from None


def _csv_rows(text: str) -> list[list[str]]:
    sample = "\n".join(text.splitlines()[:20])
    delimiter = max(DELIMITERS, key=sample.count)
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _cell_text(value: object) -> str:
    """A spreadsheet cell as text: whole numbers without ``.0``, empty cells as ``""``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "year") and hasattr(value, "month"):  # a date: only its year is ever used
        return f"{value.year:04d}"
    return str(value).strip()


def _workbook_rows(path: Path, data: bytes, kind: str) -> list[list[str]]:
    """The first sheet of an XLSX or XLS workbook (read by calamine: 10,000 households in about a second)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # calamine raises its own error types for every kind of damage
        raise UserError(f"{path}: not a readable {kind.upper()} workbook; open it in Excel and save it again") from None
    return [[_cell_text(value) for value in row] for row in rows]
