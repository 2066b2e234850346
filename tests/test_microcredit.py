"""扶贫小额信贷: who borrows, loan size, debt, subsidised interest, default, budget, calibration."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim import FupinModel, load_scenario
from fupin_sim.model.households import CAUSE_INDEX, POOR
from fupin_sim.programmes.industry import Industry
from fupin_sim.programmes.microcredit import Microcredit

SCALE = 0.1  # budgets and capacities in the tests are for this tenth of the district: see ``full_district``


def model_for(
    settings: dict | None = None, parameters: dict | None = None, scale: float = SCALE, industry: dict | None = None
) -> FupinModel:
    data = load_scenario("baseline").to_dict()
    data["population_scale"] = scale
    data["programmes"]["microcredit"] = settings or {}
    if industry is not None:
        data["programmes"]["industry"] = industry
    data["parameters"] = parameters or {}
    return FupinModel(load_scenario(data))


def credit(model: FupinModel) -> Microcredit:
    return model.programme("microcredit")


def borrowers(model: FupinModel) -> np.ndarray:
    return np.flatnonzero(credit(model).loan_cny > 0)


def steps(model: FupinModel, months: int) -> None:
    for _ in range(months):
        model.step()


def test_only_registered_poor_with_labour_borrow_the_typical_loan():
    model = model_for()
    model.step()
    hh, params = model.households, model.params
    lent = borrowers(model)
    assert lent.size > 50
    assert (hh.status[lent] == POOR).all()
    assert (hh.labour_units[lent] >= params.value("microcredit.min_labour_units")).all()
    np.testing.assert_allclose(credit(model).loan_cny[lent], params.value("microcredit.typical_loan_cny"))
    np.testing.assert_array_equal(credit(model).maturity_month[lent] - credit(model).issued_month[lent], 36)


def test_no_loan_exceeds_the_maximum():
    model = model_for({"max_loan_cny": 20_000})
    model.step()
    assert borrowers(model).size > 50
    assert credit(model).loan_cny.max() == 20_000


def test_take_up_is_calibrated_to_27_percent_of_the_registered_poor_in_2016():
    model = model_for(scale=0.2)
    registered = model.households.status == POOR
    steps(model, 12)
    assert credit(model).enrolled[registered].mean() == pytest.approx(0.27, abs=0.03)


def test_debt_rises_by_the_principal_and_falls_at_term():
    model = model_for({"term_months": 12})
    debt_before = model.households.debt_cny.copy()
    model.step()
    lent = borrowers(model)
    loan = credit(model).loan_cny
    np.testing.assert_allclose(model.households.debt_cny - debt_before, loan)
    steps(model, 11)
    np.testing.assert_allclose(model.households.debt_cny[lent] - debt_before[lent], loan[lent])
    model.step()  # January 2017: the 2016 loans mature (repaid or written off); 2017 loans are made
    np.testing.assert_allclose(model.households.debt_cny[lent], debt_before[lent])


def test_interest_is_paid_by_the_programme_each_month():
    model = model_for()
    params = model.params
    model.step()
    lent = borrowers(model)
    principal = credit(model).loan_cny[lent].sum()
    rate = params.value("microcredit.interest_rate_per_year")
    deposit = params.value("microcredit.risk_fund_share") * principal
    assert model.ledger.spent("microcredit", 2016) == pytest.approx(deposit + principal * rate / 12)
    model.step()
    assert model.ledger.spent("microcredit", 2016) == pytest.approx(deposit + 2 * principal * rate / 12)
    per_household = credit(model).loan_cny[lent] * (params.value("microcredit.risk_fund_share") + 2 * rate / 12)
    np.testing.assert_allclose(model.ledger.by_household("microcredit", 2016)[lent], per_household)


@pytest.mark.parametrize("default_prob", [0.0, 1.0])
def test_only_borrowers_below_the_line_at_maturity_default(default_prob):
    model = model_for({"term_months": 12}, {"microcredit.default_prob": default_prob})
    model.step()
    lent = borrowers(model)
    steps(model, 11)
    below = np.zeros(len(model.households), dtype=bool)
    below[lent] = model.households.income_pc_cny[lent] < model.params.value("poverty_line.exit_line", 2017)
    assert 0 < below.sum() < lent.size
    model.step()  # January 2017: maturity
    np.testing.assert_array_equal(credit(model).defaulted, below if default_prob else np.zeros_like(below))
    assets = credit(model).streams["assets"].rate_cny_per_year
    assert (assets[credit(model).defaulted] == 0).all()
    repaid = np.setdiff1d(lent, np.flatnonzero(credit(model).defaulted))
    assert (assets[repaid] > 0).all()
    lost = credit(model).loan_cny[credit(model).defaulted].sum()
    deposits = model.params.value("microcredit.risk_fund_share") * credit(model).loan_cny.sum()  # 2016 and 2017 loans
    assert credit(model).risk_fund_cny == pytest.approx(max(deposits - lost, 0.0))
    assert credit(model).bank_loss_cny == pytest.approx(max(lost - deposits, 0.0))


def test_assets_earn_farm_income_after_the_lag():
    model = model_for()
    params = model.params
    lag = int(params.value("microcredit.asset_lag_months"))
    steps(model, lag)
    assets = credit(model).streams["assets"]
    assert assets.source == "farm" and (assets.rate_cny_per_year == 0).all()
    model.step()
    lent = borrowers(model)
    expected = credit(model).loan_cny[lent] * params.value("microcredit.asset_return_rate_per_year")
    np.testing.assert_allclose(assets.rate_cny_per_year[lent], expected)


def test_broiler_households_borrow_for_their_shed_and_the_shed_earns_the_income(full_district):
    model = model_for(
        parameters={"microcredit.take_up": 1.0, "takeup.motivation_weight": 0.0},
        industry={"specialty": False, "shares": False, "broiler_households_per_year": full_district(10, SCALE)},
    )
    model.step()
    sheds = np.flatnonzero(model.programme("industry").in_broiler())
    assert sheds.size == 10
    expected = min(Industry.shed_own_share_cny(model.params), credit(model).settings["max_loan_cny"])
    np.testing.assert_allclose(credit(model).loan_cny[sheds], expected)
    assert (credit(model).asset_return_cny_per_year[sheds] == 0).all()
    others = np.setdiff1d(borrowers(model), sheds)
    assert (credit(model).asset_return_cny_per_year[others] > 0).all()


def test_spending_never_exceeds_the_budget_and_a_year_without_budget_lends_nothing(full_district):
    budget = 400_000.0
    model = model_for({"budget_cny": full_district({2016: budget, 2018: budget}, SCALE)})
    model.step()
    lent_2016 = borrowers(model)
    assert lent_2016.size > 0
    result = model.run()
    spending = result.yearly.set_index("year").spending_microcredit_cny
    assert (spending <= budget + 1e-6).all()
    assert spending[2016] > 0.9 * budget and spending[2017] == 0 and spending[2019] == 0
    issued_year = (credit(model).issued_month[borrowers(model)]) // 12
    assert set(issued_year) == {2016, 2018}


def test_interest_the_budget_cannot_pay_falls_on_the_borrowers(full_district):
    models = [model_for({"budget_cny": full_district({2016: 1e9}, SCALE)}), model_for()]
    for model in models:
        steps(model, 13)
    lent = borrowers(models[0])
    rate = models[0].params.value("microcredit.interest_rate_per_year")
    assert models[0].ledger.spent("microcredit", 2017) == 0
    farm = [model.households.ytd_farm_cny[lent] for model in models]
    np.testing.assert_allclose(farm[1] - farm[0], credit(models[0]).loan_cny[lent] * rate / 12)


def test_cause_matched_targeting_lends_to_lack_of_funds_first_when_money_binds(full_district):
    model = model_for({"budget_cny": full_district({2016: 100_000}, SCALE)})
    model.step()
    lent = borrowers(model)
    assert lent.size > 5
    assert (model.households.cause[lent] == CAUSE_INDEX["lack_of_funds"]).all()


def test_poorest_first_and_nearest_to_line_lend_to_different_households(full_district):
    served = {}
    for targeting in ("poorest_first", "nearest_to_line"):
        model = model_for({"budget_cny": full_district({2016: 100_000}, SCALE), "targeting": targeting})
        model.step()
        served[targeting] = model.households.income_pc_cny[borrowers(model)]
    assert served["poorest_first"].max() < served["nearest_to_line"].min()


def test_take_up_rises_with_motivation():
    lent = {}
    for motivation in (0.0, 1.0):
        model = model_for()
        model.households.motivation[:] = motivation
        model.step()
        lent[motivation] = borrowers(model).size
    assert lent[1.0] > 1.5 * lent[0.0]


def test_microcredit_raises_exits_over_the_baseline_with_the_same_seed(small_scenario):
    baseline = load_scenario("baseline").to_dict()["programmes"]
    exits = {}
    for name, programmes in (("baseline", {}), ("microcredit", {"microcredit": {}})):
        scenario = small_scenario(0.1, programmes={**baseline, **programmes})
        exits[name] = FupinModel(scenario).run().yearly.set_index("year").exit_share_cum
    assert exits["microcredit"][2017] > exits["baseline"][2017] + 0.03
