"""教育扶持: no child drops out for poverty ("the base").

Eligibility: registered poor households, and exited ones until
``withdraw_from_exited``, with children of school age (6-17).
Delivery: reviewed yearly, in targeting order (cause-matched: 因学 first) while the
budget lasts.
Effect: a paid transfer stream of living subsidies per pupil in compulsory school
(``education.compulsory_living_subsidy``), fee waivers and grants per senior or
vocational student (``education.senior_subsidy``) and, with ``yulu_plan``, the
雨露计划 subsidy for the vocational share (``education.yulu_subsidy``); children
of supported households drop out far less (``education.support_dropout_reduction``),
and those who dropped out are brought back with ``education.return_to_school_prob``
(控辍保学) — which restores the household's compulsory-education "have".
"""

from __future__ import annotations

import numpy as np

from fupin_sim.config.settings import Setting
from fupin_sim.model.households import COMPULSORY_SCHOOL_AGES, refresh_household_aggregates
from fupin_sim.programmes.base import Programme, enrolment_settings

SCHOOL_AGES = (6, 17)


class Education(Programme):
    """Subsidies by schooling stage, 雨露计划, and dropout prevention."""

    key = "education"
    label = "教育扶持 education"
    MATCHED_CAUSES = ("schooling",)
    SETTINGS = {
        **enrolment_settings("cause_matched"),
        "yulu_plan": Setting("bool", True, "Pay the 雨露计划 subsidy to vocational students"),
    }

    def init(self, model) -> None:
        super().init(model)
        self.stream(model, "subsidies", "transfer", paid=True)
        model.school_support = self

    def dropout_factor(self, model) -> np.ndarray:
        """Per household: multiplier of the dropout probability (lower for supported households)."""
        reduction = model.params.value("education.support_dropout_reduction")
        return np.where(self.enrolled, 1.0 - reduction, 1.0)

    def review(self, model) -> None:
        """Support this year's households with children at school age; bring dropouts back.

        The budget is checked as if every compulsory-age child were at school (the
        programme tries to bring dropouts back); the subsidy paid counts the pupils
        actually enrolled after that.
        """
        hh, persons = model.households, model.persons
        school_age = (persons.age >= SCHOOL_AGES[0]) & (persons.age <= SCHOOL_AGES[1])
        with_children = persons.per_household(school_age, len(hh)) > 0
        eligible = (
            hh.ever_registered() & (hh.registered_2015 | (hh.entry_year > 0)) & with_children & ~self.withdrawn(model)
        )
        self.note_eligible(eligible)
        low, high = COMPULSORY_SCHOOL_AGES
        compulsory_age = (persons.age >= low) & (persons.age <= high)
        ordered = self.in_targeting_order(model, np.flatnonzero(eligible))
        senior_cny = self._senior_subsidy_cny(model)  # bringing pupils back changes no senior student
        most = self._subsidy_cny(model, compulsory_age, senior_cny)
        supported = self.affordable(model, ordered, most[ordered] * self.months_left_in_year(model) / 12)
        self.enrolled[:] = False
        self.enrolled[supported] = True

        dropped = compulsory_age & ~persons.enrolled & self.enrolled[persons.household]
        draw = model.streams["education.return"].random(len(persons))
        back = dropped & (draw < model.params.value("education.return_to_school_prob"))
        if back.any():
            persons.enrolled[back] = True
            refresh_household_aggregates(hh, persons)
        subsidy = self._subsidy_cny(model, compulsory_age & persons.enrolled, senior_cny)
        self.streams["subsidies"].rate_cny_per_year[:] = 0.0
        self.commit_stream(model, "subsidies", supported, subsidy[supported])

    def _subsidy_cny(self, model, compulsory_pupils: np.ndarray, senior_cny: np.ndarray) -> np.ndarray:
        """Per household: this year's subsidy for the given compulsory pupils and the senior students'
        subsidy ``senior_cny`` (:meth:`_senior_subsidy_cny`)."""
        persons, params, n = model.persons, model.params, len(model.households)
        return (
            persons.per_household(compulsory_pupils, n) * params.value("education.compulsory_living_subsidy")
            + senior_cny
        )

    def _senior_subsidy_cny(self, model) -> np.ndarray:
        """Per household: this year's subsidy for its enrolled senior and vocational students."""
        persons, params, n = model.persons, model.params, len(model.households)
        senior = persons.enrolled & (persons.age > COMPULSORY_SCHOOL_AGES[1]) & (persons.age <= SCHOOL_AGES[1])
        per_senior = params.value("education.senior_subsidy")
        if self.settings["yulu_plan"]:
            per_senior += params.value("education.yulu_subsidy") * params.value("education.vocational_share")
        return persons.per_household(senior, n) * per_senior
