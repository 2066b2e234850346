"""The spending ledger (扶贫项目资金台账): programme × year × household or village.

Programmes post what they pay; budgets are checked against what was posted. The
ledger keeps one dense array per (programme, year) that has spending, for
households and for village projects, so posting is vectorised and aggregation
by village is a ``bincount``.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from numba import njit

LEDGER_COLUMNS = ["programme", "year", "village", "spending_cny", "households_paid"]


class Ledger:
    """Spending by programme, year and household (or village, for village projects).

    Args:
        n_households: number of household rows.
        n_villages: number of village rows.
    """

    def __init__(self, n_households: int, n_villages: int):
        self.n_households = n_households
        self.n_villages = n_villages
        self._households: dict[tuple[str, int], np.ndarray] = defaultdict(lambda: np.zeros(self.n_households))
        self._villages: dict[tuple[str, int], np.ndarray] = defaultdict(lambda: np.zeros(self.n_villages))

    def post(self, programme: str, year: int, households: np.ndarray, amounts_cny: np.ndarray | float) -> None:
        """Record payments to ``households`` (row indices or a boolean mask).

        Raises:
            ValueError: if any amount is negative.
        """
        self._add(self._households[(programme, year)], households, amounts_cny, programme, year)

    def post_village(self, programme: str, year: int, villages: np.ndarray, amounts_cny: np.ndarray | float) -> None:
        """Record spending on village projects (row indices or a boolean mask)."""
        self._add(self._villages[(programme, year)], villages, amounts_cny, programme, year)

    @staticmethod
    def _add(account: np.ndarray, rows: np.ndarray, amounts_cny: np.ndarray | float, programme: str, year: int) -> None:
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        amounts = np.asarray(amounts_cny, dtype=float)  # a scalar amount goes to every row
        if rows.size and amounts.size and amounts.min() < 0:
            raise ValueError(f"{programme}: negative payment posted for {year}")
        _add_at(account, rows, np.broadcast_to(amounts, rows.shape))

    def spent(self, programme: str, year: int | None = None) -> float:
        """Total posted by ``programme`` in ``year`` (all years if ``None``)."""
        if year is not None:  # one account each: sum it where it exists, no zero-filled copies
            household = self._households.get((programme, year))
            village = self._villages.get((programme, year))
            return float((0.0 if household is None else household.sum()) + (0.0 if village is None else village.sum()))
        return float(self.by_household(programme, year).sum() + self.by_village(programme, year).sum())

    def by_household(self, programme: str, year: int | None = None) -> np.ndarray:
        """Per-household spending of ``programme`` in ``year`` (all years if ``None``)."""
        return self._total(self._households, self.n_households, programme, year)

    def by_village(self, programme: str, year: int | None = None) -> np.ndarray:
        """Per-village spending on village projects of ``programme`` (all years if ``None``)."""
        return self._total(self._villages, self.n_villages, programme, year)

    @staticmethod
    def _total(accounts: dict, size: int, programme: str, year: int | None) -> np.ndarray:
        total = np.zeros(size)
        for (name, posted_year), amounts in accounts.items():
            if name == programme and (year is None or posted_year == year):
                total += amounts
        return total

    def to_frame(self, village: np.ndarray) -> pd.DataFrame:
        """Tidy table: programme, year, village, spending_cny, households paid."""
        keys = sorted(set(self._households) | set(self._villages))
        if not keys:
            return pd.DataFrame(columns=LEDGER_COLUMNS)
        no_households, no_villages = np.zeros(self.n_households), np.zeros(self.n_villages)
        spending, paid = [], []
        for key in keys:
            household_spending, households_paid = _by_village(
                village, self._households.get(key, no_households), self.n_villages
            )
            spending.append(household_spending + self._villages.get(key, no_villages))
            paid.append(households_paid)
        table = pd.DataFrame(
            {
                "programme": np.repeat([programme for programme, _ in keys], self.n_villages),
                "year": np.repeat(np.array([year for _, year in keys], dtype=np.int64), self.n_villages),
                "village": np.tile(np.arange(self.n_villages), len(keys)),
                "spending_cny": np.concatenate(spending),
                "households_paid": np.concatenate(paid),
            }
        )
        return table[table.spending_cny > 0].reset_index(drop=True)


@njit(cache=True)
def _add_at(account, rows, amounts):
    """Kernel of :meth:`Ledger.post`: ``np.add.at(account, rows, amounts)``, one addition per
    entry in order (a household paid twice in one posting gets both)."""
    for entry in range(rows.size):
        account[rows[entry]] += amounts[entry]


@njit(cache=True)
def _by_village(village, amounts, n_villages):
    """Kernel of :meth:`Ledger.to_frame`, one pass over the households: each village's spending
    (``np.bincount(village, weights=amounts)``, summed in row order, so the same bits) and its
    households paid (``np.bincount(village[amounts > 0])``)."""
    spending = np.zeros(n_villages)
    paid = np.zeros(n_villages, dtype=np.int64)
    for row in range(village.size):
        spending[village[row]] += amounts[row]
        if amounts[row] > 0:
            paid[village[row]] += 1
    return spending, paid
