"""就业扶贫: skills training with placement, public-welfare posts and organised labour export.

The decision calls employment "the core" (核心) and sets the goal "at least one
employed person in every poor household with labour";
:func:`fupin_sim.model.assessment.employed_share` reports it every year.

Eligibility: registered poor households (status POOR) with labour, for one new
instrument a year each:

- skills training (技能培训): a household with a local (not migrant) worker and no
  member trained by the programme yet;
- organised labour export (劳务输出): a household with no employed person (see
  :func:`fupin_sim.model.assessment.employed`) and a local full-labour unit;
- a public-welfare post (公益性岗位, reserved for the poor): a household with no
  employed person, or with partial labour only (older or chronically ill workers).

Delivery: a yearly review. Posts already held are renewed first (they are
commitments); then training, labour export and the vacant posts are offered in
that order, each with its take-up (``employment.<instrument>_take_up_prob``,
moved by motivation and by neighbours' success), the targeting order
(``cause_matched`` by default: 缺技术 households first, poorest first among them),
its capacity (``trainees_per_year``, ``labour_export_per_year``, ``public_jobs``:
the number of posts in force) and the budget.

Effect:

- training costs ``employment.training_cost_cny_per_trainee``, posted at
  enrolment; after ``employment.training_months`` a trainee still able to work is
  placed with ``employment.placement_prob`` and the household earns
  ``employment.placement_wage_gain_cny_per_year`` more wages. These are the
  household's own earnings (an unpaid ``wage`` stream): they stay after exit and
  are lost only with ``employment.placement_loss_prob`` a year;
- a post pays ``employment.public_job_pay_cny_per_month`` as wages, paid by the
  programme every month on top of the household's other earnings; it is direct
  support, so ``withdraw_from_exited`` ends it;
- labour export costs ``employment.labour_export_cost_cny_per_person`` and sends
  a local full-labour unit away at once (``migrant_units`` + 1); the income
  module turns that into the migrant net wage and the farm loss, and the
  worker may come home like any migrant (``income.return_migration_prob``).

Parameter sources: ``parameters/employment.yaml`` (DOMAIN.md section 5: training
1,000-2,000 yuan per trainee, 40-70 % placed, +3,000-8,000 yuan a year per placed
worker, posts 300-800 yuan a month; the rest are documented estimates).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from fupin_sim.config.settings import Setting
from fupin_sim.model.assessment import employed
from fupin_sim.model.households import POOR
from fupin_sim.programmes.base import Programme, enrolment_settings

if TYPE_CHECKING:
    from fupin_sim.model.simulation import FupinModel

FULL_LABOUR_UNIT = 1.0  # one full-labour equivalent (households.labour_units: full 1, partial 0.5)
MONTHS_PER_YEAR = 12
CAPACITY_SETTINGS = {"training": "trainees_per_year", "labour_export": "labour_export_per_year"}


def _capacity(description: str) -> Setting:
    return Setting(
        "integer",
        None,
        f"{description}; null: no limit but the budget",
        unit="households",
        minimum=0,
        nullable=True,
        scales=True,
    )


class Employment(Programme):
    """Skills training → placement, public-welfare posts, organised labour export."""

    key = "employment"
    label = "就业扶贫 employment"
    MATCHED_CAUSES = ("lack_of_skills",)
    SETTINGS = {
        "targeting": enrolment_settings("cause_matched")["targeting"],
        "trainees_per_year": _capacity("Most households sending a member to skills training per year"),
        "labour_export_per_year": _capacity("Most workers sent away by organised labour export per year"),
        "public_jobs": _capacity("Public-welfare posts in force each year (posts held are renewed first)"),
    }

    def init(self, model: FupinModel) -> None:
        super().init(model)
        n = len(model.households)
        self.trained = np.zeros(n, dtype=bool)  # a member trained by the programme
        self.in_training = np.zeros(n, dtype=bool)  # training under way, placement not decided yet
        self.exported = np.zeros(n, dtype=bool)  # sent a worker away through the programme
        self.stream(model, "placement", "wage", paid=False)
        self.stream(model, "public_job", "wage", paid=True)

    def review(self, model: FupinModel) -> None:
        """Lose placements, renew the posts held, then offer training, labour export and vacant posts."""
        hh, p = model.households, model.params
        self._lose_placements(model)
        pay_cny_per_year = p.value("employment.public_job_pay_cny_per_month") * MONTHS_PER_YEAR
        pay_this_year_cny = pay_cny_per_year * self.months_left_in_year(model) / MONTHS_PER_YEAR
        holders = self._renew_public_jobs(model, pay_cny_per_year, pay_this_year_cny)

        jobless = ~employed(model)
        local_units = hh.labour_units - hh.migrant_units
        free = (hh.status == POOR) & (hh.labour_units > 0) & ~self.in_training
        free[holders] = False

        training_cost = p.value("employment.training_cost_cny_per_trainee")
        trainees = self._offer(model, free & (local_units > 0) & ~self.trained, "training", training_cost)
        self.post(model, trainees, training_cost)
        self.trained[trainees] = self.in_training[trainees] = True
        self.schedule(model, trainees, int(p.value("employment.training_months")))
        free[trainees] = False

        export_cost = p.value("employment.labour_export_cost_cny_per_person")
        exported = self._offer(model, free & jobless & (local_units >= FULL_LABOUR_UNIT), "labour_export", export_cost)
        self.post(model, exported, export_cost)
        hh.migrant_units[exported] += FULL_LABOUR_UNIT
        self.exported[exported] = True
        free[exported] = False

        posts = self.settings["public_jobs"]
        vacancies = None if posts is None else posts - holders.size
        partial_only = hh.labour_units < FULL_LABOUR_UNIT
        hired = self._offer(model, free & (jobless | partial_only), "public_job", pay_this_year_cny, vacancies)
        self.commit_stream(model, "public_job", hired, pay_cny_per_year)

    def _offer(
        self, model: FupinModel, eligible: np.ndarray, instrument: str, cost_cny: float, capacity: int | None = None
    ) -> np.ndarray:
        """The ``eligible`` households that join ``instrument`` (take-up, order, capacity, budget).

        The take-up is ``employment.<instrument>_take_up_prob``; the capacity is the
        instrument's setting unless given. A household may join several instruments.
        """
        if capacity is None and instrument in CAPACITY_SETTINGS:
            capacity = self.settings[CAPACITY_SETTINGS[instrument]]
        base_prob = model.params.value(f"employment.{instrument}_take_up_prob")
        return self.enrol(
            model, eligible, base_prob, cost_cny, capacity=capacity, exclude_enrolled=False, offer=instrument
        )

    def apply_due(self, model: FupinModel, rows: np.ndarray) -> None:
        """Training ends: trainees still able to work are placed with ``employment.placement_prob``."""
        hh, p = model.households, model.params
        self.in_training[rows] = False
        draw = model.streams[f"{self.key}.placement"].random(len(hh))[rows]
        placed = rows[(draw < p.value("employment.placement_prob")) & (hh.labour_units[rows] > 0)]
        self.streams["placement"].rate_cny_per_year[placed] = p.value("employment.placement_wage_gain_cny_per_year")

    def _lose_placements(self, model: FupinModel) -> None:
        placement = self.streams["placement"].rate_cny_per_year
        draw = model.streams[f"{self.key}.retention"].random(len(model.households))
        placement[draw < model.params.value("employment.placement_loss_prob")] = 0.0

    def _renew_public_jobs(self, model: FupinModel, pay_cny_per_year: float, pay_this_year_cny: float) -> np.ndarray:
        """Keep last year's posts (after withdrawal) for holders still able to work, while posts and money last."""
        rate = self.streams["public_job"].rate_cny_per_year
        holders = np.flatnonzero((rate > 0) & (model.households.labour_units > 0))
        rate[:] = 0.0
        ordered = self.in_targeting_order(model, holders)[: self.settings["public_jobs"]]
        kept = self.affordable(model, ordered, pay_this_year_cny)
        self.commit_stream(model, "public_job", kept, pay_cny_per_year)
        return kept
