"""健康扶贫: the health programme for the registered poor ("the breakthrough").

Eligibility: registered poor households, and exited ones (脱贫不脱政策) until
``withdraw_from_exited``.
Delivery: covered once a year, in targeting order while the budget lasts: the
district pays the individual 新农合 premium (``health.individual_premium``, so the
household is insured) and, with ``critical_illness_insurance``, the critical-illness
and accident premium (``health.critical_illness_premium``).
Effect: for a covered household's inpatient stays, reimbursement rises by
``extra_reimbursement_share`` (the decision's +10 points) and the out-of-pocket
share is capped at ``oop_cap_share`` (the decision's ≤ 10 %); the programme pays the
difference, stay by stay, while its budget lasts. ``free_health_checks`` lowers the
share of stays that are serious by ``health.health_check_severity_reduction``.
Insurance changes what illness costs, not how often it strikes.
"""

from __future__ import annotations

import numpy as np

from fupin_sim.config.settings import Setting
from fupin_sim.programmes.base import Programme, enrolment_settings


class Health(Programme):
    """Premiums, extra reimbursement, out-of-pocket cap and free checks for the registered poor."""

    key = "health"
    label = "健康扶贫 health"
    MATCHED_CAUSES = ("illness", "disability")
    SETTINGS = {
        **enrolment_settings("cause_matched"),
        "critical_illness_insurance": Setting("bool", True, "Also pay critical-illness and accident insurance"),
        "extra_reimbursement_share": Setting(
            "number",
            0.10,
            "Extra inpatient reimbursement for covered households (+10 points)",
            unit="share",
            minimum=0,
            maximum=1,
        ),
        "oop_cap_share": Setting(
            "number",
            None,
            "Most a covered household pays of a stay's cost (≤ 10 %); null: no cap",
            unit="share",
            minimum=0,
            maximum=1,
            nullable=True,
        ),
        "free_health_checks": Setting("bool", True, "Free yearly health checks (fewer serious illnesses)"),
    }

    def init(self, model) -> None:
        super().init(model)
        model.medical_cover = self

    def review(self, model) -> None:
        """Cover this year's registered (and not withdrawn exited) households, paying their premiums."""
        hh, params = model.households, model.params
        premium = params.value("health.individual_premium", model.year)
        if self.settings["critical_illness_insurance"]:
            premium += params.value("health.critical_illness_premium")
        eligible = hh.ever_registered() & (hh.registered_2015 | (hh.entry_year > 0)) & ~self.withdrawn(model)
        self.note_eligible(eligible)
        ordered = self.in_targeting_order(model, np.flatnonzero(eligible))
        cost = premium * hh.size[ordered]
        covered = self.affordable(model, ordered, cost)
        self.post(model, covered, premium * hh.size[covered])
        self.enrolled[:] = False
        self.enrolled[covered] = True
        hh.insured[covered] = True

    def serious_illness_factor(self, model, rows: np.ndarray) -> np.ndarray:
        """Multiplier of the serious-illness share for ``rows`` (free checks for covered households)."""
        if not self.settings["free_health_checks"]:
            return np.ones(rows.size)
        reduction = model.params.value("health.health_check_severity_reduction")
        return np.where(self.enrolled[rows], 1.0 - reduction, 1.0)

    def cover(self, model, rows: np.ndarray, cost_cny: np.ndarray, out_of_pocket_cny: np.ndarray) -> np.ndarray:
        """Out-of-pocket cost of stays after the programme's extra cover; posts what the programme pays.

        Args:
            model: the model.
            rows: households with a stay this month.
            cost_cny: total cost of each stay.
            out_of_pocket_cny: what each household pays after ordinary insurance.
        """
        covered = self.enrolled[rows] & model.households.insured[rows]
        if not covered.any():
            return out_of_pocket_cny
        reimbursed = (
            model.params.value("health.inpatient_reimbursement_share") + self.settings["extra_reimbursement_share"]
        )
        reduced = cost_cny * (1.0 - min(reimbursed, 1.0))
        if self.settings["oop_cap_share"] is not None:
            reduced = np.minimum(reduced, cost_cny * self.settings["oop_cap_share"])
        relief = np.where(covered, np.maximum(out_of_pocket_cny - reduced, 0.0), 0.0)
        within_budget = np.cumsum(relief) <= self.budget_left_cny(model) + 1e-9
        relief = np.where(within_budget, relief, 0.0)
        self.post(model, rows, relief)
        return out_of_pocket_cny - relief
