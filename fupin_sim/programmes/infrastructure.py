"""Village infrastructure: roads, clinics, culture rooms, broadband; water, power and radio/TV.

Eligibility: village items (road, clinic, culture room, broadband — the village
"haves" of 一低五有) go to poor villages, or all villages with
``poor_villages_only: false``; household items (safe water, grid connection,
radio/TV — household "haves" of 一超六有) go to registered households that lack
them (poor or exited), wherever they live.
Delivery: reviewed yearly while the budget lasts, household items first (they
gate household exits), then village items; villages in ``village_order``
(the delisting plan's order, nearest to delisting first, poorest first, or
random), households in the targeting order. Each item's whole cost is posted when it starts
(``infrastructure.<item>_cost_per_village`` or ``…_per_household``), and it
completes after ``infrastructure.<item>_build_months``.
Effect on completion: the have; a hardened road also raises the village's farm
and business income by ``infrastructure.road_market_gain_share`` (market access).
"""

from __future__ import annotations

import numpy as np

from fupin_sim.config.settings import Setting
from fupin_sim.model.assessment import village_incidence
from fupin_sim.model.villages import in_plan_order
from fupin_sim.programmes.base import Programme, enrolment_settings

VILLAGE_ITEMS = ("road", "clinic", "culture_room", "broadband")  # village haves
HOUSEHOLD_ITEMS = {"water": "safe_water", "grid": "electricity", "radio_tv": "radio_tv"}  # item → household have
ITEMS = (*VILLAGE_ITEMS, *HOUSEHOLD_ITEMS)
VILLAGE_ORDERS = ("village_plan", "nearest_to_delisting", "poorest_first", "random")


class Infrastructure(Programme):
    """Projects that complete the haves of villages and of registered households.

    Scheduled completions are encoded as ``entity * len(ITEMS) + item`` (entity: a
    village for village items, a household for household items).
    """

    key = "infrastructure"
    label = "基础设施 village infrastructure"
    SETTINGS = {
        **enrolment_settings("poorest_first"),
        "items": Setting("subset", list(ITEMS), "Items to build", choices=ITEMS),
        "poor_villages_only": Setting("bool", True, "Build village items only in the 26 poor villages"),
        "village_order": Setting(
            "choice", "nearest_to_delisting", "Order in which villages are served", choices=VILLAGE_ORDERS
        ),
    }

    def init(self, model) -> None:
        super().init(model)
        self.village_started = {item: np.zeros(len(model.villages), dtype=bool) for item in VILLAGE_ITEMS}
        self.household_started = {item: np.zeros(len(model.households), dtype=bool) for item in HOUSEHOLD_ITEMS}

    def review(self, model) -> None:
        """Start household items (they gate household exits), then village items, while the budget lasts."""
        chosen = self.settings["items"]
        for item in (i for i in HOUSEHOLD_ITEMS if i in chosen):
            self._start_household_item(model, item)
        self._start_village_items(model, [i for i in VILLAGE_ITEMS if i in chosen])

    def _start_village_items(self, model, items: list[str]) -> None:
        """Village by village in order, start every missing item the budget allows."""
        villages, params = model.villages, model.params
        scope = villages.poor_village if self.settings["poor_villages_only"] else np.ones(len(villages), dtype=bool)
        for village in self._village_order(model, np.flatnonzero(scope)):
            for item in items:
                if getattr(villages, item)[village] or self.village_started[item][village]:
                    continue
                # A poor village of a scaled district is a scaled village (the other villages are
                # fewer but full size): its projects cost in proportion.
                scale = model.population_scale if villages.poor_village[village] else 1.0
                cost = params.value(f"infrastructure.{item}_cost_per_village") * scale
                if cost > self.budget_left_cny(model):
                    continue
                model.ledger.post_village(self.key, model.year, np.array([village]), cost)
                self.village_started[item][village] = True
                self._schedule_item(model, np.array([village]), item)

    def _start_household_item(self, model, item: str) -> None:
        hh, params = model.households, model.params
        have = getattr(hh, HOUSEHOLD_ITEMS[item])
        todo = hh.ever_registered() & ~have & ~self.household_started[item]
        self.note_eligible(todo)
        ordered = self.in_targeting_order(model, np.flatnonzero(todo))
        cost = params.value(f"infrastructure.{item}_cost_per_household")
        started = self.affordable(model, ordered, cost)
        if started.size:
            self.post(model, started, cost)
            self.household_started[item][started] = True
            self.enrolled[started] = True
            self._schedule_item(model, started, item)

    def _schedule_item(self, model, entities: np.ndarray, item: str) -> None:
        lag = int(model.params.value(f"infrastructure.{item}_build_months"))
        self.schedule(model, entities * len(ITEMS) + ITEMS.index(item), lag)

    def apply_due(self, model, rows: np.ndarray) -> None:
        """Complete the projects due this month."""
        hh = model.households
        entity, item_index = np.divmod(rows, len(ITEMS))
        for index in np.unique(item_index):
            item, done = ITEMS[index], entity[item_index == index]
            if item in HOUSEHOLD_ITEMS:
                getattr(hh, HOUSEHOLD_ITEMS[item])[done] = True
                continue
            getattr(model.villages, item)[done] = True
            if item == "road":
                gain = model.params.value("infrastructure.road_market_gain_share")
                hh.farm_cny_per_year[np.isin(hh.village, done)] *= 1.0 + gain

    def _village_order(self, model, villages: np.ndarray) -> np.ndarray:
        incidence = village_incidence(model)[villages]
        order = self.settings["village_order"]
        if order == "village_plan":
            return in_plan_order(model.villages, villages, village_incidence(model))
        if order == "nearest_to_delisting":
            return villages[np.argsort(incidence, kind="stable")]
        if order == "poorest_first":
            return villages[np.argsort(-incidence, kind="stable")]
        return villages[model.streams[f"{self.key}.order"].permutation(villages.size)]
