"""低保兜底: the rural minimum living guarantee as a policy backstop, with its companions.

Eligibility: per-capita gross income without 低保 (large medical bills are a
matter for medical assistance, not 低保) below the standard, and little working
capacity (``social_assistance.dibao_max_labour_units``).
Delivery: reviewed once a year from last year's verified income; an eligible
household enrols with probability ``social_assistance.dibao_enrolment_prob``
(gaps in coverage before the decision), or surely if it is registered poor and
``enrol_all_eligible_registered`` is set (the decision's "100 % of eligible
registered poor"). With a budget, households are served in targeting order
(poorest first by default) until the money runs out.
Effect: a monthly top-up of the gap to the standard (补差), counted as transfers.
Households with no labour and no earnings of their own get 特困供养 instead: the
standard times ``social_assistance.tekun_multiple``. Optional companions: the
pension premium paid for registered poor adults (a cost, no income), and
disability allowances for disabled members of registered households (transfers).
"""

from __future__ import annotations

import numpy as np

from fupin_sim.households import POOR
from fupin_sim.programmes.base import Programme, enrolment_settings
from fupin_sim.settings import Setting


class SocialAssistance(Programme):
    """Rural 低保 top-up to a dated standard, 特困供养, pension premiums, disability allowances."""

    key = "social_assistance"
    label = "低保兜底 social assistance"
    SETTINGS = {
        **enrolment_settings("poorest_first"),
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
        "tekun_support": Setting("bool", False, "Pay 特困供养 to households with no labour and no earnings"),
        "pension_premium": Setting("bool", False, "Pay the rural pension premium of registered poor adults"),
        "disability_allowance": Setting("bool", False, "Pay disability allowances to disabled members of registered households"),
    }

    def init(self, model) -> None:
        super().init(model)
        self.stream(model, "dibao", "transfer", paid=True)
        self.stream(model, "disability_allowance", "transfer", paid=True)

    def standard_cny(self, model, year: int) -> float:
        """The per-person 低保 standard in force in ``year``."""
        merged_from = self.settings["merge_with_exit_line_from"]
        if merged_from is not None and year >= merged_from:
            return model.params.value("poverty_line.exit_line", year)
        by_year = self.settings["standard_cny_per_person_year"] or {}
        earlier = [y for y in by_year if y <= year]
        return by_year[max(earlier)] if earlier else model.params.value("social_assistance.dibao_standard_2015")

    def review(self, model) -> None:
        """This year's enrolment and payments, from last year's verified income."""
        self._review_dibao(model)
        if self.settings["pension_premium"]:
            self._pay_pension_premiums(model)
        if self.settings["disability_allowance"]:
            self._start_disability_allowances(model)

    def _review_dibao(self, model) -> None:
        hh, params = model.households, model.params
        dibao = self.streams["dibao"]
        income_without_dibao = hh.gross_income_pc_cny - dibao.rate_cny_per_year / hh.size
        dibao.rate_cny_per_year[:] = 0.0

        standard = self.standard_cny(model, model.year)
        no_earnings = (hh.labour_units == 0) & (hh.wage_per_unit_cny_per_year * hh.labour_units + hh.farm_cny_per_year <= 0)
        tekun = self.settings["tekun_support"] & no_earnings
        target_pc = np.where(tekun, standard * params.value("social_assistance.tekun_multiple"), standard)
        eligible = (
            (income_without_dibao < target_pc)
            & (hh.labour_units <= params.value("social_assistance.dibao_max_labour_units"))
            & ~self.withdrawn(model)
        )
        joins = model.streams[self.key].random(len(hh)) < params.value("social_assistance.dibao_enrolment_prob")
        if self.settings["enrol_all_eligible_registered"]:
            joins |= hh.status == POOR
        candidates = np.flatnonzero(eligible & (self.enrolled | joins))

        gap_cny_per_year = (target_pc - income_without_dibao) * hh.size
        ordered = self.in_targeting_order(model, candidates)
        paid = self.affordable(model, ordered, gap_cny_per_year[ordered] * self.months_left_in_year(model) / 12)
        self.enrolled[:] = False
        self.enrolled[paid] = True
        self.commit_stream(model, "dibao", paid, gap_cny_per_year[paid])

    def _pay_pension_premiums(self, model) -> None:
        hh, persons = model.households, model.persons
        adults = persons.per_household(((persons.age >= 16) & (persons.age < 60)).astype(float), len(hh))
        registered = np.flatnonzero((hh.status == POOR) & (adults > 0) & ~self.withdrawn(model))
        cost = adults[registered] * model.params.value("social_assistance.pension_premium")
        paid = self.affordable(model, self.in_targeting_order(model, registered), cost)
        self.post(model, paid, adults[paid] * model.params.value("social_assistance.pension_premium"))

    def _start_disability_allowances(self, model) -> None:
        hh, persons = model.households, model.persons
        disabled = persons.per_household(persons.disabled.astype(float), len(hh))
        allowance = self.streams["disability_allowance"]
        allowance.rate_cny_per_year[:] = 0.0
        registered = np.flatnonzero((hh.status == POOR) & (disabled > 0) & ~self.withdrawn(model))
        rate = disabled * model.params.value("social_assistance.disability_allowance")
        ordered = self.in_targeting_order(model, registered)
        paid = self.affordable(model, ordered, rate[ordered] * self.months_left_in_year(model) / 12)
        self.commit_stream(model, "disability_allowance", paid, rate[paid])
