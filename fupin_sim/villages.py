"""Villages: infrastructure, collective economy, and delisting (摘帽).

A village's five "haves" of the 一低五有 standard are the columns
``collective_income``, ``road``, ``clinic``, ``culture_room`` and ``broadband``.
"""

from __future__ import annotations

import mesa
import numpy as np

from fupin_sim.columns import ColumnStore, add_row_properties

VILLAGE_HAVES = ("collective_income", "road", "clinic", "culture_room", "broadband")


class VillageColumns(ColumnStore):
    """Village state, one row per administrative village."""

    SCHEMA = {
        "poor_village": (bool, "designated poor village (贫困村)"),
        "delisted_year": (np.int16, "year delisted (摘帽), 0 if not"),
        "collective_income": (bool, "has collective-economy income"),
        "road": (bool, "has a hardened road"),
        "clinic": (bool, "has a clinic (卫生室)"),
        "culture_room": (bool, "has a culture room (文化室)"),
        "broadband": (bool, "has telecom/broadband"),
        "disaster_month": (np.int16, "month index of this year's disaster, -1 if none"),
    }

    def five_haves(self) -> np.ndarray:
        """Villages meeting all five 'haves' (五有)."""
        result = np.ones(self.n, dtype=bool)
        for name in VILLAGE_HAVES:
            result &= getattr(self, name)
        return result


class Village(mesa.Agent):
    """A village: a Mesa agent viewing one row of ``model.villages``.

    Args:
        model: the :class:`~fupin_sim.model.FupinModel`.
        row: this village's row in ``model.villages``.
    """

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    def to_dict(self) -> dict:
        """The village's current row as a dict."""
        return self.model.villages.row(self.row)


add_row_properties(Village, "villages", VillageColumns.SCHEMA)
