"""产业扶贫 (industry, "the root"): contract broiler raising, specialty farming, co-operative shares.

Eligibility: registered poor households (status POOR). The instrument follows the
household's labour (DOMAIN.md section 4 item 1: everyone with labour capacity in
an industry plan, asset income for the rest):

- **contract broiler raising** (公司+贫困户, 代养/订单养殖 with the company) for
  households with at least ``industry.broiler_min_labour_units``;
- **specialty farming and livestock** (特色种养) for households with at least
  ``industry.specialty_min_labour_units`` (including broiler-eligible households
  that declined contract raising or found no place);
- **co-operative shares** (合作社股份, 资产收益扶贫) for households with less labour.

Delivery: at the yearly review each enabled instrument is offered in that order;
take-up is ``industry.<instrument>_take_up`` moved by motivation and by how the
village's earlier participants fared (:meth:`Programme.take_up`); households are
served in targeting order (cause-matched by default: lack of funds, lack of
skills, other) within the yearly capacity and budget. Contract raising is further
capped by ``broiler_households_per_year``: the company's contracting capacity,
not money, limited participation (248 registered households in the first ≈ 19
months, April 2016 - November 2017, DOMAIN H/M), hence a default of 150 a year.
A household joins one instrument, once. Collective broiler farms of poor villages
without collective income (``collective_investment_cny_per_village`` each, in the
delisting plan's order) are funded first for the villages the plan delists this
year, and with what is left of the budget for the others.

Effect (after a lag ``industry.<instrument>_lag_months``, lasting, not paid by the
programme, so it stays with exited households):

- broiler: one household runs one shed, netting birds/shed × batches/year ×
  margin/bird × (1 − running-cost share) ≈ 50,000 yuan a year (DOMAIN: 8,400
  birds, 3-4 batches, 2.71 yuan/bird) as ``industry`` income, which moves with
  the district broiler price index. One household runs one shed: the reports
  describe a registered household with one worker raising its own 8,400-bird
  shed, and 438 sheds for 316 farmers by March 2018 (≈ 1.4 each). A shed adds
  ≈ 19,000 per person to a household of 2.6, so participants clear the
  reported jump from < 3,100 to > 10,000 yuan per person with room; a shed
  shared by two households (≈ 9,600 per person) would barely clear it, and no
  report describes shared sheds. The programme pays
  ``industry.broiler_cost_cny_per_household`` towards the shed at enrolment; the
  rest of ``industry.broiler_shed_cost_cny`` is the household's (see
  :meth:`Industry.shed_own_share_cny`; the micro-credit programme lends it);
- specialty: ``industry.specialty_cost_cny_per_household`` at enrolment, then
  ``industry.specialty_gain_cny_per_year`` as ``farm`` income, which the
  household's farm factor (harvest, disasters) scales;
- shares: ``industry.shares_cost_cny_per_household`` invested at enrolment, then
  a guaranteed dividend at ``industry.shares_dividend_rate_per_year`` as
  ``property`` income;
- village collectives: the investment is posted to the ledger as a village
  project at the review; after ``industry.broiler_lag_months`` (its first
  batch) the village has collective income, one of the five haves of delisting
  (DOMAIN: a collective earned more than 100,000 yuan from its first
  34,000-bird batch).

Parameters: ``fupin_sim/config/parameters/industry.yaml`` (sources there).
"""

from __future__ import annotations

import numpy as np

from fupin_sim.config.settings import Setting
from fupin_sim.model.assessment import village_incidence
from fupin_sim.model.households import POOR
from fupin_sim.model.villages import in_plan_order
from fupin_sim.programmes.base import Programme, enrolment_settings

INSTRUMENTS = ("broiler", "specialty", "shares")  # offered in this order; codes are the indices
NO_INSTRUMENT = -1
NOT_INVESTED = -1
INCOME_SOURCE = {"broiler": "industry", "specialty": "farm", "shares": "property"}


class Industry(Programme):
    """Contract broiler raising, specialty farming and co-operative shares for the registered poor."""

    key = "industry"
    label = "产业扶贫 industry"
    MATCHED_CAUSES = ("lack_of_funds", "lack_of_skills", "other")
    SETTINGS = {
        **enrolment_settings("cause_matched"),
        "broiler": Setting(
            "bool", True, "Offer contract broiler raising (公司+贫困户 代养) to households with enough labour"
        ),
        "broiler_households_per_year": Setting(
            "integer",
            150,
            "Most households the company contracts per year (248 registered households in the first ≈ 19 months); "
            "null: no limit but capacity and budget",
            minimum=0,
            nullable=True,
            scales=True,
        ),
        "specialty": Setting("bool", True, "Offer specialty farming (特色种养) to households with some labour"),
        "shares": Setting("bool", True, "Buy co-operative shares (合作社股份) for households with too little labour"),
        "collective_investment_cny_per_village": Setting(
            "number",
            None,
            "Investment in the collective broiler farm of each poor village without collective income; "
            "null: parameter industry.collective_investment_cny_per_village; 0: no collective investment",
            unit="CNY",
            minimum=0,
            nullable=True,
            scales=True,
        ),
    }

    def init(self, model) -> None:
        super().init(model)
        self.instrument = np.full(len(model.households), NO_INSTRUMENT, dtype=np.int8)
        self.collective_due_month = np.full(len(model.villages), NOT_INVESTED, dtype=np.int64)
        for name, source in INCOME_SOURCE.items():
            self.stream(model, name, source, paid=False)

    # --- what other programmes read ------------------------------------------------

    def in_broiler(self) -> np.ndarray:
        """Households contracted to raise broilers (boolean mask)."""
        return self.instrument == INSTRUMENTS.index("broiler")

    @staticmethod
    def shed_own_share_cny(params) -> float:
        """What a contract-raising household invests in its shed beyond the programme's subsidy."""
        own = params.value("industry.broiler_shed_cost_cny") - params.value("industry.broiler_cost_cny_per_household")
        return max(own, 0.0)

    @staticmethod
    def return_cny_per_year(params, instrument: str) -> float:
        """Yearly income an instrument adds to a household, at the reference price and a normal harvest."""
        if instrument == "broiler":
            gross = (
                params.value("industry.broiler_birds_per_shed")
                * params.value("industry.broiler_batches_per_year")
                * params.value("industry.broiler_margin_cny_per_bird")
            )
            return gross * (1.0 - params.value("industry.broiler_running_cost_share"))
        if instrument == "shares":
            shares_cny = params.value("industry.shares_cost_cny_per_household")
            return shares_cny * params.value("industry.shares_dividend_rate_per_year")
        return params.value("industry.specialty_gain_cny_per_year")

    # --- delivery ------------------------------------------------------------------

    def review(self, model) -> None:
        """Offer each enabled instrument to the registered poor it fits, then invest in village collectives."""
        hh, params = model.households, model.params
        poor = hh.status == POOR
        some_labour = hh.labour_units >= params.value("industry.specialty_min_labour_units")
        eligible = {
            "broiler": poor & (hh.labour_units >= params.value("industry.broiler_min_labour_units")),
            "specialty": poor & some_labour,
            "shares": poor & ~some_labour,
        }
        villages = model.villages
        due = (villages.planned_year > 0) & (villages.planned_year <= model.year)
        self._invest_in_collectives(model, due)  # villages the plan delists this year come first
        for name in INSTRUMENTS:
            if self.settings[name]:
                cap = self.settings["broiler_households_per_year"] if name == "broiler" else None
                self._offer(model, name, eligible[name], cap)
        self._invest_in_collectives(model, villages.poor_village)

    def _offer(self, model, name: str, eligible: np.ndarray, cap: int | None) -> None:
        """Enrol households in one instrument, pay its cost and schedule its income."""
        params = model.params
        cost_cny = params.value(f"industry.{name}_cost_cny_per_household")
        take_up = params.value(f"industry.{name}_take_up")
        joined = self.enrol(model, eligible, take_up, cost_cny, capacity=cap, offer=name)
        self.instrument[joined] = INSTRUMENTS.index(name)
        self.post(model, joined, cost_cny)
        self.schedule(model, joined, params.value(f"industry.{name}_lag_months"))

    def _invest_in_collectives(self, model, among: np.ndarray) -> None:
        """Fund collective broiler farms of poor villages (``among``) without collective income, while money lasts.

        Villages go in the delisting plan's order (least poor first where there is no plan).
        """
        villages = model.villages
        amount_cny = self.settings["collective_investment_cny_per_village"]
        if amount_cny is None:
            amount_cny = model.params.value("industry.collective_investment_cny_per_village") * model.population_scale
        if amount_cny <= 0:
            return
        lacking = (
            among & villages.poor_village & ~villages.collective_income & (self.collective_due_month == NOT_INVESTED)
        )
        candidates = in_plan_order(villages, np.flatnonzero(lacking), village_incidence(model))
        funded = candidates[np.cumsum(np.full(candidates.size, amount_cny)) <= self.budget_left_cny(model)]
        model.ledger.post_village(self.key, model.year, funded, amount_cny)
        first_batch_months = int(model.params.value("industry.broiler_lag_months"))
        self.collective_due_month[funded] = model.current_month.ordinal + first_batch_months

    # --- effects -------------------------------------------------------------------

    def apply_due(self, model, rows: np.ndarray) -> None:
        """Start the income of households whose lag has elapsed."""
        for code, name in enumerate(INSTRUMENTS):
            starting = rows[self.instrument[rows] == code]
            self.streams[name].rate_cny_per_year[starting] = self.return_cny_per_year(model.params, name)

    def monthly(self, model) -> None:
        """Villages whose collective farm sold its first batch this month have collective income."""
        model.villages.collective_income[self.collective_due_month == model.current_month.ordinal] = True
