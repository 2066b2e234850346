"""低保兜底: the rural minimum living guarantee as a policy backstop, with its companions.

Eligibility: means-tested per-capita income below the standard, and little
working capacity (``social_assistance.dibao_max_labour_units``). The means test
counts earnings (wages, farm, broiler, property) and
``social_assistance.means_test_transfer_share`` of other transfers (pension,
subsidies), but not what poverty programmes pay (低保 itself, allowances,
education subsidies) nor medical bills (a matter for medical assistance).
Delivery: reviewed once a year from last year's verified income; an eligible
household enrols with probability ``social_assistance.dibao_enrolment_prob``
(gaps in coverage before the decision), or surely if it is registered poor and
``enrol_all_eligible_registered`` is set (the decision's "100 % of eligible
registered poor"); a household that had 低保 in 2015 (an imported registry's
低保户 and 五保户, ``dibao_2015``) stays enrolled while eligible. With a budget, households are served in targeting order
(poorest first by default) until the money runs out.
Effect: a monthly top-up of the gap to the standard (补差), counted as transfers,
from last year's means-tested income; in December a settlement tops up whatever
this year's means-tested income and top-ups still leave below the standard
(补差到位), so an enrolled household's year never ends below it.
Households with no labour and no earnings of their own get 特困供养 instead: the
standard times ``social_assistance.tekun_multiple``. Optional companions: the
pension premium paid for registered poor adults (a cost, no income), disability
allowances for disabled members of registered households (transfers), both kept
after exit under ``keep_after_exit`` (脱贫不脱政策), and
temporary assistance (临时救助): in December, an exited household that an illness
or a disaster this year would push below the line gets the gap, up to
``social_assistance.temporary_assistance_cap``.
"""

from __future__ import annotations

import numpy as np

from fupin_sim.config.settings import Setting
from fupin_sim.model.households import EXITED, POOR
from fupin_sim.programmes.base import Programme, enrolment_settings


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
            'Year from which the standard follows the exit line (两线合一, "two lines merged"); '
            "null keeps the standard above",
            minimum=2014,
            nullable=True,
        ),
        "enrol_all_eligible_registered": Setting(
            "bool", False, "Enrol every eligible registered poor household (the decision's 100 %)"
        ),
        "tekun_support": Setting("bool", False, "Pay 特困供养 to households with no labour and no earnings"),
        "pension_premium": Setting("bool", False, "Pay the rural pension premium of registered poor adults"),
        "disability_allowance": Setting(
            "bool", False, "Pay disability allowances to disabled members of registered households"
        ),
        "temporary_assistance": Setting(
            "bool", False, "Temporary assistance (临时救助) to exited households hit by illness or disaster this year"
        ),
        "keep_after_exit": Setting(
            "bool",
            False,
            "脱贫不脱政策: exited households keep their pension premiums and disability allowances "
            "(until withdraw_from_exited, if set)",
        ),
    }

    def init(self, model) -> None:
        super().init(model)
        self.enrolled[:] = model.households.dibao_2015  # kept at the first review while still eligible
        self.stream(model, "dibao", "transfer", paid=True)
        self.paid_this_year_cny = np.zeros(len(model.households))
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

    def _target_pc_cny(self, model) -> np.ndarray:
        """Per household: the income per person 低保 guarantees this year (特困供养 above the standard)."""
        hh = model.households
        standard = self.standard_cny(model, model.year)
        no_earnings = (hh.labour_units == 0) & (hh.earned_income_pc_cny <= 0)
        tekun = self.settings["tekun_support"] & no_earnings
        return np.where(tekun, standard * model.params.value("social_assistance.tekun_multiple"), standard)

    @staticmethod
    def _means_tested(model, earned: np.ndarray, other_transfers: np.ndarray) -> np.ndarray:
        """Income as the means test counts it (in the unit of the arguments)."""
        return earned + model.params.value("social_assistance.means_test_transfer_share") * other_transfers

    def _review_dibao(self, model) -> None:
        hh, params = model.households, model.params
        dibao = self.streams["dibao"]
        dibao.rate_cny_per_year[:] = 0.0
        self.paid_this_year_cny = np.zeros(len(hh))
        other_transfers_pc = hh.gross_income_pc_cny - hh.earned_income_pc_cny - hh.programme_transfer_pc_cny
        means_pc = self._means_tested(model, hh.earned_income_pc_cny, other_transfers_pc)
        target_pc = self._target_pc_cny(model)
        eligible = (
            (means_pc < target_pc)
            & (hh.labour_units <= params.value("social_assistance.dibao_max_labour_units"))
            & ~self.withdrawn(model)
        )
        self.note_eligible(eligible)
        joins = model.streams[self.key].random(len(hh)) < params.value("social_assistance.dibao_enrolment_prob")
        if self.settings["enrol_all_eligible_registered"]:
            joins |= hh.status == POOR
        candidates = np.flatnonzero(eligible & (self.enrolled | joins))

        gap_cny_per_year = (target_pc - means_pc) * hh.size
        ordered = self.in_targeting_order(model, candidates)
        paid = self.affordable(model, ordered, gap_cny_per_year[ordered] * self.months_left_in_year(model) / 12)
        self.enrolled[:] = False
        self.enrolled[paid] = True
        self.commit_stream(model, "dibao", paid, gap_cny_per_year[paid])

    def monthly(self, model) -> None:
        dibao = self.streams["dibao"]
        paid = dibao.rows()  # the others would add zero
        self.paid_this_year_cny[paid] += dibao.rates()[paid] / 12

    def settle_year(self, model) -> None:
        """December: 补差到位 for enrolled households, then temporary assistance."""
        self._settle_dibao(model)
        if self.settings["temporary_assistance"]:
            self._temporary_assistance(model)

    def _pay_in_december(self, model, rows: np.ndarray, amounts_cny: np.ndarray) -> None:
        """Pay ``amounts_cny`` to ``rows`` now, while the budget lasts, as programme transfers of this year."""
        hh = model.households
        positive = amounts_cny > 0
        rows, amounts_cny = rows[positive], amounts_cny[positive]
        within = np.cumsum(amounts_cny) <= self.budget_left_cny(model) + 1e-9
        rows, amounts_cny = rows[within], amounts_cny[within]
        if rows.size:
            self.post(model, rows, amounts_cny)
            hh.ytd_transfer_cny[rows] += amounts_cny
            hh.ytd_programme_transfer_cny[rows] += amounts_cny

    def _temporary_assistance(self, model) -> None:
        hh, params = model.households, model.params
        struck = model.villages.disaster_month[hh.village] > 0
        hardship = (hh.ytd_medical_oop_cny > 0) | struck
        rows = np.flatnonzero((hh.status == EXITED) & hardship & ~self.withdrawn(model))
        self.note_eligible(rows)
        earned = hh.ytd_wage_cny[rows] + hh.ytd_farm_cny[rows] + hh.ytd_industry_cny[rows] + hh.ytd_property_cny[rows]
        net = (
            earned
            + hh.ytd_transfer_cny[rows]
            - (params.value("assessment.medical_deduction_share") * hh.ytd_medical_oop_cny[rows])
        )
        gap = params.value("poverty_line.exit_line", model.year) * hh.size[rows] - net
        cap = params.value("social_assistance.temporary_assistance_cap")
        self._pay_in_december(model, rows, np.minimum(gap, cap))

    def _settle_dibao(self, model) -> None:
        """补差到位: top up enrolled households whose year still ends below the standard."""
        hh = model.households
        enrolled = np.flatnonzero(self.enrolled)
        earned = (
            hh.ytd_wage_cny[enrolled]
            + hh.ytd_farm_cny[enrolled]
            + hh.ytd_industry_cny[enrolled]
            + hh.ytd_property_cny[enrolled]
        )
        other_transfers = hh.ytd_transfer_cny[enrolled] - hh.ytd_programme_transfer_cny[enrolled]
        means = self._means_tested(model, earned, other_transfers)
        owed = self._target_pc_cny(model)[enrolled] * hh.size[enrolled] - means - self.paid_this_year_cny[enrolled]
        self._pay_in_december(model, enrolled, owed)

    def _companions_cover(self, model) -> np.ndarray:
        """Households the pension premium and disability allowances cover: the registered poor, and under
        ``keep_after_exit`` (脱贫不脱政策) the exited too, unless support was withdrawn from them."""
        status = model.households.status
        covered = (status == POOR) | ((status == EXITED) & self.settings["keep_after_exit"])
        return covered & ~self.withdrawn(model)

    def _pay_pension_premiums(self, model) -> None:
        hh, persons = model.households, model.persons
        adults = persons.per_household((persons.age >= 16) & (persons.age < 60), len(hh))
        registered = np.flatnonzero(self._companions_cover(model) & (adults > 0))
        self.note_eligible(registered)
        cost = adults[registered] * model.params.value("social_assistance.pension_premium")
        paid = self.affordable(model, self.in_targeting_order(model, registered), cost)
        self.post(model, paid, adults[paid] * model.params.value("social_assistance.pension_premium"))

    def _start_disability_allowances(self, model) -> None:
        hh, persons = model.households, model.persons
        disabled = persons.per_household(persons.disabled, len(hh))
        allowance = self.streams["disability_allowance"]
        allowance.rate_cny_per_year[:] = 0.0
        registered = np.flatnonzero(self._companions_cover(model) & (disabled > 0))
        self.note_eligible(registered)
        rate = disabled * model.params.value("social_assistance.disability_allowance")
        ordered = self.in_targeting_order(model, registered)
        paid = self.affordable(model, ordered, rate[ordered] * self.months_left_in_year(model) / 12)
        self.commit_stream(model, "disability_allowance", paid, rate[paid])
