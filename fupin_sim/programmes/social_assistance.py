"""低保兜底: the rural minimum living guarantee as a policy backstop.

Eligibility: per-capita gross income (without 低保; large medical bills are a
matter for medical assistance, not 低保) below the standard and little
working capacity (``social_assistance.dibao_max_labour_units``).
Delivery: reviewed once a year; an eligible household enrols with probability
``social_assistance.dibao_enrolment_prob`` (gaps in coverage before the
decision), or surely if it is registered poor and ``enrol_all_eligible_registered``
is set (the decision's "100 % of eligible registered poor"). With a budget, the
neediest are paid first until the money runs out.
Effect: a monthly top-up of the gap to the standard (补差), counted as transfers.
"""

from __future__ import annotations

import numpy as np

from fupin_sim.households import POOR
from fupin_sim.programmes.base import Programme
from fupin_sim.settings import Setting


class SocialAssistance(Programme):
    """Rural 低保 top-up to a dated standard."""

    key = "social_assistance"
    label = "低保兜底 social assistance"
    SETTINGS = {
        "standard_cny_per_person_year": Setting(
            "by_year",
            None,
            "低保 standard by year, in force from that year on; null keeps the 2015 level "
            "(parameter social_assistance.dibao_standard_2015)",
            unit="CNY/person/year",
            nullable=True,
        ),
        "merge_with_exit_line_from": Setting(
            "integer",
            None,
            "Year from which the standard follows the exit line (两线合一, \"two lines merged\"); "
            "null keeps the standard above",
            minimum=2014,
            nullable=True,
        ),
        "enrol_all_eligible_registered": Setting(
            "bool", False, "Enrol every eligible registered poor household (the decision's 100 %)"
        ),
    }

    def init(self, model) -> None:
        self.enrolled = np.zeros(len(model.households), dtype=bool)

    def standard_cny(self, model, year: int) -> float:
        """The per-person standard in force in ``year``."""
        merged_from = self.settings["merge_with_exit_line_from"]
        if merged_from is not None and year >= merged_from:
            return model.params.value("poverty_line.exit_line", year)
        by_year = self.settings["standard_cny_per_person_year"] or {}
        earlier = [y for y in by_year if y <= year]
        return by_year[max(earlier)] if earlier else model.params.value("social_assistance.dibao_standard_2015")

    def step(self, model) -> None:
        hh = model.households
        if self.is_review_month(model):
            self._review(model)
        paid = hh.dibao_cny_per_year > 0
        if paid.any():
            model.ledger.post(self.key, model.year, paid, hh.dibao_cny_per_year[paid] / 12)

    def _review(self, model) -> None:
        """Decide this year's enrolment and top-ups from last year's verified income."""
        hh = model.households
        params = model.params
        income_without_dibao = hh.gross_income_pc_cny - hh.dibao_cny_per_year / hh.size
        standard = self.standard_cny(model, model.year)
        eligible = (income_without_dibao < standard) & (
            hh.labour_units <= params.value("social_assistance.dibao_max_labour_units")
        )
        draw = model.streams[self.key].random(len(hh))
        joins = draw < params.value("social_assistance.dibao_enrolment_prob")
        if self.settings["enrol_all_eligible_registered"]:
            joins |= hh.status == POOR
        self.enrolled = eligible & (self.enrolled | joins)

        gap_cny_per_year = np.where(self.enrolled, (standard - income_without_dibao) * hh.size, 0.0)
        months_left = 13 - model.month
        budget = self.budget_left_cny(model)
        if np.isfinite(budget):
            neediest_first = np.argsort(income_without_dibao, kind="stable")
            cost = np.cumsum(gap_cny_per_year[neediest_first] * months_left / 12)
            unfunded = neediest_first[cost > budget]
            gap_cny_per_year[unfunded] = 0.0
            self.enrolled[unfunded] = False
        hh.dibao_cny_per_year[:] = gap_cny_per_year
