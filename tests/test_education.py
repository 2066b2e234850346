"""教育扶持: subsidies by schooling stage, dropout prevention, bringing dropouts back."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim import FupinModel
from fupin_sim.model.households import POOR

SCALE = 0.2


@pytest.fixture
def with_education(small_scenario):
    def make(education: dict | None = None, **parameters) -> FupinModel:
        programmes = {"social_assistance": {}, "education": education or {}}
        return FupinModel(small_scenario(SCALE, programmes=programmes, parameters=parameters))

    return make


def pupils_by_stage(model: FupinModel) -> tuple[np.ndarray, np.ndarray]:
    persons, n = model.persons, len(model.households)
    enrolled = persons.enrolled
    compulsory = persons.per_household((enrolled & (persons.age >= 6) & (persons.age <= 14)).astype(float), n)
    senior = persons.per_household((enrolled & (persons.age >= 15) & (persons.age <= 17)).astype(float), n)
    return compulsory, senior


def test_supported_households_receive_the_subsidy_of_their_pupils(with_education):
    model = with_education()
    model.step()
    params = model.params
    compulsory, senior = pupils_by_stage(model)
    per_senior = params.value("education.senior_subsidy") + params.value("education.yulu_subsidy") * params.value(
        "education.vocational_share"
    )
    expected = compulsory * params.value("education.compulsory_living_subsidy") + senior * per_senior
    supported = model.programme("education").enrolled
    assert supported.sum() > 50
    assert (model.households.status[supported] == POOR).all()
    rate = model.programme("education").streams["subsidies"].rate_cny_per_year
    np.testing.assert_allclose(rate[supported], expected[supported])
    assert (rate[~supported] == 0).all()


def test_without_yulu_plan_senior_students_get_the_grant_alone(with_education):
    model = with_education({"yulu_plan": False})
    model.step()
    compulsory, senior = pupils_by_stage(model)
    params = model.params
    expected = compulsory * params.value("education.compulsory_living_subsidy") + senior * params.value(
        "education.senior_subsidy"
    )
    supported = model.programme("education").enrolled
    rate = model.programme("education").streams["subsidies"].rate_cny_per_year
    np.testing.assert_allclose(rate[supported], expected[supported])


@pytest.mark.parametrize("prob, back", [(1.0, True), (0.0, False)])
def test_dropouts_of_supported_households_are_brought_back(with_education, prob, back):
    model = with_education(**{"education.return_to_school_prob": prob})
    persons, hh = model.persons, model.households
    registered_child = (hh.status[persons.household] == POOR) & (persons.age >= 5) & (persons.age <= 12)
    dropped = np.flatnonzero(registered_child)[:20]
    persons.enrolled[dropped] = False
    model.step()  # January: children age by one, then the review
    supported = model.programme("education").enrolled[persons.household[dropped]]
    assert supported.all()
    assert persons.enrolled[dropped].all() == back
    assert (hh.dropouts[persons.household[dropped]] == 0).all() == back


def test_supported_households_get_the_lower_dropout_risk(with_education):
    model = with_education(**{"education.support_dropout_reduction": 0.9})
    model.step()
    factor = model.programme("education").dropout_factor(model)
    supported = model.programme("education").enrolled
    np.testing.assert_allclose(factor[supported], 0.1)
    np.testing.assert_allclose(factor[~supported], 1.0)


def test_spending_stays_within_the_budget(with_education, full_district):
    budget = 50_000.0  # for the simulated SCALE of the district
    budgets = full_district(dict.fromkeys(range(2016, 2021), budget), SCALE)
    result = with_education({"budget_cny": budgets}).run()
    assert (result.yearly.budget_education_cny == budget).all()
    spent = result.yearly.spending_education_cny
    assert (spent <= budget + 1e-6).all() and spent.min() > 0.8 * budget
