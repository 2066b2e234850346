"""The spending ledger (扶贫项目资金台账): programme × year × household.

Programmes post what they pay; budgets are checked against what was posted. The
ledger keeps one dense array per (programme, year) that has spending, so posting
is vectorised and aggregation by village is a ``bincount``.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd


class Ledger:
    """Spending by programme, year and household.

    Args:
        n_households: number of household rows.
    """

    def __init__(self, n_households: int):
        self.n_households = n_households
        self._by_key: dict[tuple[str, int], np.ndarray] = defaultdict(lambda: np.zeros(self.n_households))

    def post(self, programme: str, year: int, households: np.ndarray, amounts_cny: np.ndarray | float) -> None:
        """Record payments to ``households`` (row indices or a boolean mask).

        Raises:
            ValueError: if any amount is negative.
        """
        rows = np.flatnonzero(households) if households.dtype == bool else households
        amounts = np.broadcast_to(np.asarray(amounts_cny, dtype=float), rows.shape)
        if amounts.size and amounts.min() < 0:
            raise ValueError(f"{programme}: negative payment posted for {year}")
        np.add.at(self._by_key[(programme, year)], rows, amounts)

    def spent(self, programme: str, year: int) -> float:
        """Total posted by ``programme`` in ``year``."""
        key = (programme, year)
        return float(self._by_key[key].sum()) if key in self._by_key else 0.0

    def by_household(self, programme: str, year: int) -> np.ndarray:
        """Per-household spending of ``programme`` in ``year`` (zeros if none)."""
        key = (programme, year)
        return self._by_key[key].copy() if key in self._by_key else np.zeros(self.n_households)

    def to_frame(self, village: np.ndarray) -> pd.DataFrame:
        """Tidy table: programme, year, village, spending_cny, households paid."""
        n_villages = int(village.max()) + 1
        frames = []
        for (programme, year), amounts in sorted(self._by_key.items()):
            paid = amounts > 0
            frames.append(
                pd.DataFrame(
                    {
                        "programme": programme,
                        "year": year,
                        "village": np.arange(n_villages),
                        "spending_cny": np.bincount(village, weights=amounts, minlength=n_villages),
                        "households_paid": np.bincount(village[paid], minlength=n_villages),
                    }
                )
            )
        if not frames:
            return pd.DataFrame(columns=["programme", "year", "village", "spending_cny", "households_paid"])
        table = pd.concat(frames, ignore_index=True)
        return table[table.spending_cny > 0].reset_index(drop=True)
