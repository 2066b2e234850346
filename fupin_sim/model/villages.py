"""Villages: infrastructure, collective economy, and delisting (摘帽).

A village's five "haves" of the 一低五有 standard are the columns
``collective_income``, ``road``, ``clinic``, ``culture_room`` and ``broadband``.
"""

from __future__ import annotations

import mesa
import numpy as np

from fupin_sim.model.columns import ColumnStore, add_row_properties

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
        "planned_year": (np.int16, "year the plan schedules the village's delisting, 0 if none"),
    }

    def five_haves(self) -> np.ndarray:
        """Villages meeting all five 'haves' (五有)."""
        result = np.ones(self.n, dtype=bool)
        for name in VILLAGE_HAVES:
            result &= getattr(self, name)
        return result


def plan_delisting(villages: VillageColumns, incidence: np.ndarray, delisted_by_year: dict[int, float] | None) -> None:
    """Schedule the poor villages' delisting: the least poor first, as many per year as the targets say.

    Args:
        villages: the village columns; ``planned_year`` is set.
        incidence: each village's poverty incidence at the start.
        delisted_by_year: cumulative villages to delist by each year (the scenario's
            ``targets.villages_delisted_cum``); none: no plan.
    """
    villages.planned_year[:] = 0
    poor = np.flatnonzero(villages.poor_village)
    in_order = poor[np.argsort(incidence[poor], kind="stable")]
    done = 0
    for year, cumulative in sorted((delisted_by_year or {}).items()):
        upto = min(int(cumulative), in_order.size)
        villages.planned_year[in_order[done:upto]] = year
        done = max(done, upto)


def in_plan_order(villages: VillageColumns, rows: np.ndarray, incidence: np.ndarray) -> np.ndarray:
    """``rows`` by planned delisting year (unplanned last), then by incidence (least poor first)."""
    planned = villages.planned_year[rows].astype(float)
    return rows[np.lexsort((incidence[rows], np.where(planned > 0, planned, np.inf)))]


class Village(mesa.Agent):
    """A village: a Mesa agent viewing one row of ``model.villages``.

    Args:
        model: the :class:`~fupin_sim.model.simulation.FupinModel`.
        row: this village's row in ``model.villages``.
    """

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    def to_dict(self) -> dict:
        """The village's current row as a dict."""
        return self.model.villages.row(self.row)


add_row_properties(Village, "villages", VillageColumns.SCHEMA)
