"""扶贫小额信贷 (poverty micro-credit): small loans without collateral, interest paid by poverty funds.

Eligibility: registered poor households (status POOR) with at least
``microcredit.min_labour_units`` of labour that have not borrowed yet (one loan
per household over the run).
Delivery: at the yearly review eligible households borrow with probability
``microcredit.take_up`` moved by motivation and by how the village's earlier
borrowers fared; calibrated so that ≈ 27 % of the registered poor hold a loan
after the first year (2 % in 2014 → 27 % in 2016, DOMAIN H). Borrowers are
served in targeting order (lack of funds first by default) within the yearly
capacity and budget.
Loans: ``microcredit.typical_loan_cny`` (≈ 42,700, Zigong 2017), at most the
``max_loan_cny`` setting (the policy's 50,000), for ``term_months`` (at most 36),
no collateral. The household's ``debt_cny`` rises by the principal at issue and
falls by it at maturity.
What the loan buys: productive assets (livestock, a household business) that
earn ``microcredit.asset_return_rate_per_year`` of the principal as ``farm``
income from ``microcredit.asset_lag_months`` after issue, for good, so the
harvest and disasters scale it. A household in the industry programme's broiler
instrument borrows instead for its own share of the shed
(:meth:`~fupin_sim.programmes.industry.Industry.shed_own_share_cny`, capped by
``max_loan_cny``); the shed's income is the industry programme's broiler stream,
so such a loan adds debt but no income of its own. The programme works with or
without the industry programme.
Costs: each month, the interest on outstanding loans (outstanding ×
``microcredit.interest_rate_per_year`` / 12, 贴息); and at issue a deposit of
``microcredit.risk_fund_share`` of the principal in the risk-compensation fund.
With a budget, the review sets aside the interest still due this year on loans
already out before lending more; in a year whose budget cannot pay that
interest, the unpaid interest falls on the households as a cost of their
business (their farm and business income that month).
Default: at maturity, a borrower whose verified income per person is below the
year's exit line defaults with probability ``microcredit.default_prob``; its
assets are lost (their income stops) and the principal is written off, paid
from the risk-compensation fund while it lasts and by the bank beyond
(``risk_fund_cny``, ``bank_loss_cny``). Every other borrower repays.

Parameters: ``fupin_sim/config/parameters/microcredit.yaml`` (sources there).
"""

from __future__ import annotations

import numpy as np

from fupin_sim.config.settings import Month, Setting
from fupin_sim.model.columns import dot
from fupin_sim.model.households import POOR
from fupin_sim.programmes.base import Programme, enrolment_settings

NOT_LENT = -1
ROUNDING_CNY = 1e-6  # float rounding in sums of money, not a model quantity


class Microcredit(Programme):
    """Poverty micro-credit: loans for productive assets, subsidised interest, a risk-compensation fund."""

    key = "microcredit"
    label = "扶贫小额信贷 micro-credit"
    MATCHED_CAUSES = ("lack_of_funds",)
    SETTINGS = {
        **enrolment_settings("cause_matched"),
        "max_loan_cny": Setting(
            "number", 50_000, "Largest loan (the policy's 50,000 yuan)", unit="CNY", minimum=0, maximum=50_000
        ),
        "term_months": Setting(
            "integer", 36, "Term of a loan in months (the policy's at most 3 years)", minimum=1, maximum=36
        ),
    }

    def init(self, model) -> None:
        super().init(model)
        n = len(model.households)
        self.loan_cny = np.zeros(n)
        self.issued_month = np.full(n, NOT_LENT, dtype=np.int64)
        self.maturity_month = np.full(n, NOT_LENT, dtype=np.int64)
        self.lent = np.zeros(0, dtype=np.int64)  # rows lent to so far, ascending: what the monthly step looks at
        self.asset_return_cny_per_year = np.zeros(n)
        self.defaulted = np.zeros(n, dtype=bool)
        self.risk_fund_cny = 0.0
        self.bank_loss_cny = 0.0
        self.stream(model, "assets", "farm", paid=False)

    def outstanding(self, model) -> np.ndarray:
        """Households with a loan issued and not yet matured (boolean mask)."""
        return model.current_month.ordinal < self.maturity_month

    def _outstanding_rows(self, model) -> np.ndarray:
        """The rows of :meth:`outstanding`, ascending, looked for among the households lent to only."""
        return self.lent[model.current_month.ordinal < self.maturity_month[self.lent]]

    # --- delivery ------------------------------------------------------------------

    def review(self, model) -> None:
        """Lend to this year's borrowers: record the loans, raise debts, pay the fund deposits."""
        hh, params = model.households, model.params
        eligible = (hh.status == POOR) & (hh.labour_units >= params.value("microcredit.min_labour_units"))
        amount_cny, return_cny_per_year = self._loan_terms(model)
        term = self.settings["term_months"]
        rate = params.value("microcredit.interest_rate_per_year")
        deposit_share = params.value("microcredit.risk_fund_share")
        cost_cny = amount_cny * (rate * min(term, self.months_left_in_year(model)) / 12 + deposit_share)
        borrowers = self.enrol(model, eligible, params.value("microcredit.take_up"), cost_cny)

        now = model.current_month.ordinal
        self.loan_cny[borrowers] = amount_cny[borrowers]
        self.issued_month[borrowers] = now
        self.maturity_month[borrowers] = now + term
        self.lent = np.union1d(self.lent, borrowers).astype(np.int64)
        self.asset_return_cny_per_year[borrowers] = return_cny_per_year[borrowers]
        hh.debt_cny[borrowers] += amount_cny[borrowers]
        deposits_cny = amount_cny[borrowers] * deposit_share
        self.post(model, borrowers, deposits_cny)
        self.risk_fund_cny += float(deposits_cny.sum())
        self.schedule(model, borrowers, params.value("microcredit.asset_lag_months"))

    def _loan_terms(self, model) -> tuple[np.ndarray, np.ndarray]:
        """Per household: the loan it would get and the yearly income of what the loan buys."""
        params, n = model.params, len(model.households)
        max_loan_cny = self.settings["max_loan_cny"]
        amount_cny = np.full(n, min(params.value("microcredit.typical_loan_cny"), max_loan_cny))
        return_cny_per_year = amount_cny * params.value("microcredit.asset_return_rate_per_year")
        try:
            industry = model.programme("industry")
        except KeyError:
            return amount_cny, return_cny_per_year
        shed = industry.in_broiler()
        amount_cny[shed] = min(industry.shed_own_share_cny(params), max_loan_cny)
        return_cny_per_year[shed] = 0.0  # the shed earns the industry programme's broiler stream
        return amount_cny, return_cny_per_year

    def budget_left_cny(self, model) -> float:
        """Money left this year, less the interest still due this year on loans already out."""
        now = model.current_month.ordinal
        after_december = Month(model.year, 12).ordinal + 1
        months_due = np.maximum(np.minimum(self.maturity_month, after_december) - np.maximum(self.issued_month, now), 0)
        rate = model.params.value("microcredit.interest_rate_per_year")
        return super().budget_left_cny(model) - dot(self.loan_cny, months_due) * rate / 12

    # --- effects -------------------------------------------------------------------

    def apply_due(self, model, rows: np.ndarray) -> None:
        """The assets bought start earning (unless the loan has already defaulted)."""
        earning = rows[~self.defaulted[rows]]
        self.streams["assets"].rate_cny_per_year[earning] = self.asset_return_cny_per_year[earning]

    def monthly(self, model) -> None:
        """Loans maturing this month are repaid or default; then this month's interest is paid."""
        maturing = self.lent[self.maturity_month[self.lent] == model.current_month.ordinal]
        if maturing.size:
            self._mature(model, maturing)
        self._pay_interest(model)

    def _mature(self, model, rows: np.ndarray) -> None:
        """End the loans of ``rows``: defaults among borrowers below the line, write-off against the fund."""
        hh, params = model.households, model.params
        below_line = hh.income_pc_cny[rows] < params.value("poverty_line.exit_line", model.year)
        draw = model.streams[f"{self.key}.default"].random(len(hh))[rows]
        defaults = rows[below_line & (draw < params.value("microcredit.default_prob"))]
        hh.debt_cny[rows] -= self.loan_cny[rows]
        self.defaulted[defaults] = True
        self.streams["assets"].rate_cny_per_year[defaults] = 0.0
        lost_cny = float(self.loan_cny[defaults].sum())
        covered_cny = min(lost_cny, self.risk_fund_cny)
        self.risk_fund_cny -= covered_cny
        self.bank_loss_cny += lost_cny - covered_cny

    def _pay_interest(self, model) -> None:
        """Pay this month's interest on outstanding loans while the budget lasts; borrowers pay the rest."""
        rows = self._outstanding_rows(model)
        interest_cny = self.loan_cny[rows] * model.params.value("microcredit.interest_rate_per_year") / 12
        paid = np.cumsum(interest_cny) <= super().budget_left_cny(model) + ROUNDING_CNY
        self.post(model, rows[paid], interest_cny[paid])
        model.households.ytd_farm_cny[rows[~paid]] -= interest_cny[~paid]
