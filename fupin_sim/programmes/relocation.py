"""易地扶贫搬迁 and 危房改造: safe housing for registered poor households ("the handle", 抓手).

Eligibility: registered poor households (status POOR) without safe housing, each
served once. A fixed share of them are relocation cases (setting
``relocation_share``; null: the parameter ``relocation.relocation_share``, from
Zigong's 2016-2020 mix of relocations and rebuilt houses); the population holds
no remoteness, so which households are cases is a random draw, fixed per
household. Relocation is voluntary (``relocation.relocation_take_up_prob``); a
case that declines, and every other household, is offered renovation in place
(``relocation.renovation_take_up_prob``).

Delivery: a yearly review; accepted cases in the targeting order
(``nearest_to_line`` by default: the decision houses first those planned to exit
that year), at most ``households_per_year`` a year, while the budget lasts. The
whole cost is posted when a case is committed. No construction begins before
``construction_start`` (default 2016-08: the decision's deadline for starting the
houses of the 2016 exits, 2016-08-31); cases committed later start at once.

Effect:

- relocation (易地搬迁): costs ``relocation.cost_cny_per_person`` per member
  (all-in, national) less the household's self-payment,
  min(``relocation.self_pay_cny_per_person`` × size,
  ``relocation.self_pay_cap_cny_per_household``), which the household borrows
  (added to ``debt_cny`` at commitment). The house is complete after
  ``relocation.construction_months``, the household moves in
  ``relocation.move_in_months`` later and has safe housing from then. At move-in a
  household not enrolled in a livelihood programme of the scenario (``industry``
  or ``employment``) loses ``relocation.farm_loss_share`` of its farm income for
  good (``farm_cny_per_year`` is cut: its fields are now far away), the
  "两张皮" (housing without livelihood) risk the decision warns about; a paired
  household keeps it.
- renovation in place (危房改造): a rebuild (for a fixed share
  ``relocation.rebuild_share`` of households) or a repair, paid in full
  (``relocation.rebuild_cost_cny_per_household`` or
  ``relocation.repair_cost_cny_per_household``); safe housing after
  ``relocation.renovation_months``.

The decision's deadlines are read with :meth:`Relocation.built_by` (all
relocation houses built in 2017) and :meth:`Relocation.moved_in_by` (moved in by
2018-06-30). Parameter sources: ``parameters/relocation.yaml`` (DOMAIN.md
section 5: ≈ 62,500 yuan per person relocated, H; self-payment ≈ 3,000 per person
and ≤ 10,000 per household, L; rebuild 20,000-35,000 and repair 5,000-10,000 per
household, EST; the timings are estimates from the decision's timetable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from fupin_sim.config.settings import Month, Setting
from fupin_sim.model.households import POOR
from fupin_sim.programmes.base import Programme, enrolment_settings

if TYPE_CHECKING:
    from fupin_sim.model.simulation import FupinModel

LIVELIHOOD_PROGRAMMES = ("industry", "employment")  # pairing with one avoids the farm loss on moving
NOT_SCHEDULED = np.iinfo(np.int64).max


class Relocation(Programme):
    """Voluntary relocation with capped self-payment, or renovation of the dilapidated house in place."""

    key = "relocation"
    label = "易地搬迁 relocation and 危房改造 housing"
    MATCHED_CAUSES = ("disaster", "other")  # 地质灾害避让; 交通条件落后, 缺水, 缺土地 (location as the cause)
    SETTINGS = {
        "targeting": enrolment_settings("nearest_to_line")["targeting"],
        "households_per_year": Setting(
            "integer",
            None,
            "Most housing cases (relocation and renovation) started per year; null: no limit but the budget",
            unit="households",
            minimum=0,
            nullable=True,
            scales=True,
        ),
        "relocation_share": Setting(
            "number",
            None,
            "Share of housing cases steered to relocation rather than renovation in place; "
            "null: the parameter relocation.relocation_share",
            unit="share",
            minimum=0,
            maximum=1,
            nullable=True,
        ),
        "construction_start": Setting(
            "month",
            "2016-08",
            "No construction begins before this month (the decision: houses of 2016 exits started by 2016-08-31)",
        ),
    }

    def init(self, model: FupinModel) -> None:
        super().init(model)
        p, n = model.params, len(model.households)
        share = self.settings["relocation_share"]
        share = p.value("relocation.relocation_share") if share is None else share
        case_draw, rebuild_draw = model.streams[f"{self.key}.case"].random((2, n))
        self.relocation_case = case_draw < share
        self.needs_rebuild = rebuild_draw < p.value("relocation.rebuild_share")
        self.relocated = np.zeros(n, dtype=bool)  # chose relocation (committed)
        self.unpaired = np.zeros(n, dtype=bool)  # moved in without a livelihood programme: lost farm income
        self.completion_month = np.full(n, NOT_SCHEDULED, dtype=np.int64)  # month ordinal the house is complete
        self.safe_month = np.full(n, NOT_SCHEDULED, dtype=np.int64)  # month ordinal of move-in or renovation done

    def review(self, model: FupinModel) -> None:
        """Commit this year's housing cases: relocation if chosen, otherwise renovation in place."""
        hh, p = model.households, model.params
        open_cases = (hh.status == POOR) & ~hh.safe_housing & ~self.enrolled
        self.note_eligible(open_cases)
        cases = np.flatnonzero(open_cases)
        movers = self.take_up(
            model, cases[self.relocation_case[cases]], p.value("relocation.relocation_take_up_prob"), "relocation"
        )
        stayers = self.take_up(
            model, np.setdiff1d(cases, movers), p.value("relocation.renovation_take_up_prob"), "renovation"
        )
        moving = np.zeros(len(hh), dtype=bool)
        moving[movers] = True

        self_pay = self.self_pay_cny(model)
        relocation_cost = p.value("relocation.cost_cny_per_person") * hh.size - self_pay
        cost = np.where(moving, relocation_cost, self.renovation_cost_cny(model))
        ordered = self.in_targeting_order(model, np.concatenate([movers, stayers]))
        served = self.affordable(model, ordered, cost[ordered], capacity=self.settings["households_per_year"])
        self.post(model, served, cost[served])
        self.enrolled[served] = True

        relocating, renovating = served[moving[served]], served[~moving[served]]
        hh.debt_cny[relocating] += self_pay[relocating]
        self.relocated[relocating] = True
        self._start_works(
            model, relocating, int(p.value("relocation.construction_months")), int(p.value("relocation.move_in_months"))
        )
        self._start_works(model, renovating, int(p.value("relocation.renovation_months")), 0)

    def apply_due(self, model: FupinModel, rows: np.ndarray) -> None:
        """Move-in or renovation done: safe housing; movers without a livelihood programme lose farm income."""
        hh = model.households
        hh.safe_housing[rows] = True
        movers = rows[self.relocated[rows]]
        unpaired = movers[~self._livelihood(model)[movers]]
        hh.farm_cny_per_year[unpaired] *= 1.0 - model.params.value("relocation.farm_loss_share")
        self.unpaired[unpaired] = True

    def self_pay_cny(self, model: FupinModel) -> np.ndarray:
        """Per household: what it pays itself if relocated (per person, capped per household and by the cost)."""
        hh, p = model.households, model.params
        per_person = min(p.value("relocation.self_pay_cny_per_person"), p.value("relocation.cost_cny_per_person"))
        return np.minimum(per_person * hh.size, p.value("relocation.self_pay_cap_cny_per_household"))

    def renovation_cost_cny(self, model: FupinModel) -> np.ndarray:
        """Per household: the cost of renovating its house in place (rebuild or repair)."""
        p = model.params
        return np.where(
            self.needs_rebuild,
            p.value("relocation.rebuild_cost_cny_per_household"),
            p.value("relocation.repair_cost_cny_per_household"),
        )

    def built_by(self, model: FupinModel, month: Month | str) -> int:
        """Relocated households whose new house was complete by ``month`` (and by the current month)."""
        return self._relocated_by(model, self.completion_month, month)

    def moved_in_by(self, model: FupinModel, month: Month | str) -> int:
        """Relocated households that had moved in by ``month`` (and by the current month)."""
        return self._relocated_by(model, self.safe_month, month)

    def _relocated_by(self, model: FupinModel, months: np.ndarray, month: Month | str) -> int:
        until = min(Month.parse(month).ordinal, model.current_month.ordinal)
        return int(np.count_nonzero(self.relocated & (months <= until)))

    def _start_works(self, model: FupinModel, rows: np.ndarray, build_months: int, move_in_months: int) -> None:
        """Schedule safe housing for ``rows``: building from ``construction_start`` at the earliest."""
        now = model.current_month.ordinal
        begin = max(now, self.settings["construction_start"].ordinal)
        self.completion_month[rows] = begin + build_months
        self.safe_month[rows] = begin + build_months + move_in_months
        self.schedule(model, rows, begin + build_months + move_in_months - now)

    @staticmethod
    def _livelihood(model: FupinModel) -> np.ndarray:
        """Households enrolled in a livelihood programme (``industry`` or ``employment``) of the scenario."""
        paired = np.zeros(len(model.households), dtype=bool)
        for programme in model.programmes:
            if programme.key in LIVELIHOOD_PROGRAMMES:
                paired |= programme.enrolled
        return paired
