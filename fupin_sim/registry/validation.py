"""Checks on an export's rows: ID numbers (公民身份号码) and their check digit, heads of household,
repeated members.

Messages name the row and the column, never the value of an ID or a name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ID_LENGTH = 18
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK_CHARACTERS = "10X98765432"  # GB 11643: check character by (weighted sum mod 11)
BIRTH_YEARS = (1890, 2025)


def check_character(first_17: str) -> str:
    """The check character of an ID number's first 17 digits (GB 11643-1999, ISO 7064 MOD 11-2)."""
    total = int(np.dot(ID_WEIGHTS, [int(char) for char in first_17]))
    return CHECK_CHARACTERS[total % 11]


def id_problem(id_number: str) -> str | None:
    """Why an ID number is invalid (without showing it), or ``None`` when it is valid."""
    if not id_number:
        return "no ID number; every member needs one"
    if len(id_number) != ID_LENGTH:
        hint = " (an ID typed as a number in Excel loses its last digits: format the column as text)"
        return f"an ID number has 18 characters, this one {len(id_number)}{hint if id_number.isdigit() else ''}"
    if not id_number[:17].isdigit() or not (id_number[17].isdigit() or id_number[17] == "X"):
        return "an ID number is 17 digits and a check digit (0-9 or X)"
    if check_character(id_number[:17]) != id_number[17]:
        return "the check digit does not match the ID number (a typing error?)"
    year, month, day = int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])
    if not (BIRTH_YEARS[0] <= year <= BIRTH_YEARS[1] and 1 <= month <= 12 and 1 <= day <= 31):
        return "the date of birth in the ID number is not a valid date"
    return None


def normalise_id(id_number: str) -> str:
    """An ID as compared: upper-case (``x`` → ``X``), without spaces."""
    return id_number.replace(" ", "").upper()


def birth_year(ids: pd.Series) -> pd.Series:
    """Year of birth from valid ID numbers."""
    return ids.str.slice(6, 10).astype(int)


def female_from_id(ids: pd.Series) -> pd.Series:
    """Sex from valid ID numbers: the 17th digit is even for women."""
    return ids.str.slice(16, 17).astype(int) % 2 == 0
