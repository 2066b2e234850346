"""The income-and-shock month written the conventional Mesa way, as a yardstick for the vectorised model.

Each household is a :class:`mesa.Agent` holding its state as plain Python
attributes, and the model steps them with ``self.agents.shuffle_do("step")``
(Mesa 3.5 AgentSet API); every draw is a scalar draw from the model's
``random.Random``. A household-month does the work of the vectorised hot path
in :mod:`fupin_sim.model.shocks` and :mod:`fupin_sim.model.income`:

* January: reset the year's accounts, grow the rates, update the pension, draw
  the transient wage and farm factors, and decide migration;
* every month: job loss, illness (cost, out-of-pocket share, serious illness
  turning a member chronic), the village's scheduled disaster, and income
  accrual by source (local wage with job loss and the migrant net wage, farm with the farm
  factor, broiler industry at the district price, property, transfers).

Left out, because they are not per-household monthly work: the person-level
yearly events, the programmes' monthly ledger posting, the shock tallies and
the December verification. The vectorised run does all of these, so a speed
ratio against it understates the vectorised advantage. Without person rows, a
member turning chronic only raises ``chronic_members``. The numbers follow the
same rules but not the same random streams, so they match the vectorised model
in distribution, not draw for draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa

from fupin_sim.config.parameters import ParameterSet
from fupin_sim.config.settings import Month
from fupin_sim.model.households import HouseholdColumns
from fupin_sim.model.population import BASE_YEAR, Population

# Household columns copied onto each agent as attributes of the same name.
AGENT_COLUMNS = (
    "village",
    "size",
    "elderly",
    "chronic_members",
    "insured",
    "safe_housing",
    "labour_units",
    "migrant_units",
    "wage_per_unit_cny_per_year",
    "farm_cny_per_year",
    "property_cny_per_year",
    "other_transfer_cny_per_year",
    "pension_cny_per_year",
    "wage_factor",
    "farm_factor",
    "job_loss_months_left",
)


@dataclass(frozen=True)
class Rates:
    """The parameters one household-month reads, looked up once per year."""

    wage_growth: float
    farm_growth: float
    property_growth: float
    pension_cny_per_year: float
    income_sigma: float
    migration_prob: float
    return_migration_prob: float
    migrant_net_wage_cny: float
    job_loss_prob: float
    job_loss_months: int
    job_loss_wage_share: float
    farm_loss_per_migrant_share: float
    hospitalisation_rate: float
    chronic_extra_hospitalisation_rate: float
    serious_illness_share: float
    serious_cost_mean: float
    inpatient_cost_mean: float
    inpatient_cost_sigma: float
    reimbursement_share: float
    serious_to_chronic_prob: float
    disaster_prob: float
    disaster_farm_loss_share: float
    disaster_housing_damage_prob: float
    broiler_price_sigma: float
    broiler_price_persistence: float

    @classmethod
    def from_params(cls, p: ParameterSet, year: int) -> Rates:
        """The rates in force in ``year``."""
        years_of_growth = year - BASE_YEAR
        return cls(
            wage_growth=p.value("income.wage_growth"),
            farm_growth=p.value("income.farm_growth"),
            property_growth=p.value("income.property_growth"),
            pension_cny_per_year=p.value("income.pension", year) * 12,
            income_sigma=p.value("income.yearly_income_sigma"),
            migration_prob=p.value("income.migration_prob"),
            return_migration_prob=p.value("income.return_migration_prob"),
            migrant_net_wage_cny=p.value("income.migrant_net_wage")
            * (1.0 + p.value("income.wage_growth")) ** years_of_growth,
            job_loss_prob=p.value("income.job_loss_prob"),
            job_loss_months=int(p.value("income.job_loss_months")),
            job_loss_wage_share=p.value("income.job_loss_wage_share"),
            farm_loss_per_migrant_share=p.value("income.farm_loss_per_migrant_share"),
            hospitalisation_rate=p.value("health.hospitalisation_rate"),
            chronic_extra_hospitalisation_rate=p.value("health.chronic_extra_hospitalisation_rate"),
            serious_illness_share=p.value("health.serious_illness_share"),
            serious_cost_mean=p.value("health.serious_cost_mean"),
            inpatient_cost_mean=p.value("health.inpatient_cost_mean"),
            inpatient_cost_sigma=p.value("health.inpatient_cost_sigma"),
            reimbursement_share=p.value("health.inpatient_reimbursement_share"),
            serious_to_chronic_prob=p.value("health.serious_to_chronic_prob"),
            disaster_prob=p.value("shocks.disaster_prob"),
            disaster_farm_loss_share=p.value("shocks.disaster_farm_loss_share"),
            disaster_housing_damage_prob=p.value("shocks.disaster_housing_damage_prob"),
            broiler_price_sigma=p.value("shocks.broiler_price_sigma"),
            broiler_price_persistence=p.value("shocks.broiler_price_persistence"),
        )


class PerAgentHousehold(mesa.Agent):
    """A rural household with its state in plain attributes, stepped once a month.

    Args:
        model: the :class:`PerAgentModel`.
        state: initial values of :data:`AGENT_COLUMNS`, as Python scalars.
    """

    def __init__(self, model: PerAgentModel, state: dict):
        super().__init__(model)
        for name, value in state.items():
            setattr(self, name, value)
        # Programme income streams (broiler income, 低保 top-up), accrued like the model's.
        self.industry_cny_per_year = 0.0
        self.dibao_cny_per_year = 0.0
        self.reset_accounts()

    def reset_accounts(self) -> None:
        """Zero the year-to-date income and spending accounts."""
        self.ytd_wage_cny = 0.0
        self.ytd_farm_cny = 0.0
        self.ytd_industry_cny = 0.0
        self.ytd_property_cny = 0.0
        self.ytd_transfer_cny = 0.0
        self.ytd_medical_oop_cny = 0.0

    def step(self) -> None:
        """Simulate one month of this household."""
        if self.model.month == 1:
            self.start_year()
            self.migrate()
        self.job_loss()
        self.illness()
        self.disaster()
        self.accrue_month()

    def start_year(self) -> None:
        """January: reset accounts, grow rates, update the pension, draw transient factors."""
        r = self.model.rates
        self.reset_accounts()
        self.wage_per_unit_cny_per_year *= 1.0 + r.wage_growth
        self.farm_cny_per_year *= 1.0 + r.farm_growth
        self.property_cny_per_year *= 1.0 + r.property_growth
        self.pension_cny_per_year = self.elderly * r.pension_cny_per_year
        mu = -(r.income_sigma**2) / 2
        self.wage_factor = self.random.lognormvariate(mu, r.income_sigma)
        self.farm_factor = self.random.lognormvariate(mu, r.income_sigma)

    def migrate(self) -> None:
        """January: a migrant may come home; a local full-labour unit may go away when it pays."""
        r = self.model.rates
        draw_go, draw_return = self.random.random(), self.random.random()
        if self.migrant_units > 0 and draw_return < r.return_migration_prob:
            self.migrant_units -= min(1.0, self.migrant_units)
        pays = r.migrant_net_wage_cny > self.wage_per_unit_cny_per_year
        if pays and self.labour_units - self.migrant_units >= 1.0 and draw_go < r.migration_prob:
            self.migrant_units += 1.0

    def job_loss(self) -> None:
        """A lost job lasts a few months; a working household may lose one this month."""
        r = self.model.rates
        if self.job_loss_months_left > 0:
            self.job_loss_months_left -= 1
        lost = self.random.random() < r.job_loss_prob
        if lost and self.labour_units > 0 and self.job_loss_months_left == 0:
            self.job_loss_months_left = r.job_loss_months

    def illness(self) -> None:
        """A hospital stay this month: its cost, the out-of-pocket part, maybe a new chronic member."""
        r = self.model.rates
        stays_per_year = (
            self.size * r.hospitalisation_rate + self.chronic_members * r.chronic_extra_hospitalisation_rate
        )
        if self.random.random() >= -math.expm1(-stays_per_year / 12):
            return
        serious = self.random.random() < r.serious_illness_share
        mean = r.serious_cost_mean if serious else r.inpatient_cost_mean
        sigma = r.inpatient_cost_sigma
        cost = self.random.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)
        self.ytd_medical_oop_cny += cost * (1.0 - r.reimbursement_share if self.insured else 1.0)
        if serious and self.random.random() < r.serious_to_chronic_prob and self.chronic_members < self.size:
            self.chronic_members += 1

    def disaster(self) -> None:
        """The village's disaster, if scheduled this month: farm income lost, the house maybe damaged."""
        model = self.model
        if model.disaster_month[self.village] != model.month:
            return
        self.farm_factor *= 1.0 - model.rates.disaster_farm_loss_share
        if self.random.random() < model.rates.disaster_housing_damage_prob:
            self.safe_housing = False

    def accrue_month(self) -> None:
        """Add one month of income by source to the year-to-date accounts."""
        r = self.model.rates
        kept = 1.0 - r.job_loss_wage_share if self.job_loss_months_left > 0 else 1.0
        local_wage = self.wage_per_unit_cny_per_year * (self.labour_units - self.migrant_units) * kept
        self.ytd_wage_cny += (local_wage + self.migrant_units * r.migrant_net_wage_cny) * self.wage_factor / 12
        farm_kept = max(1.0 - r.farm_loss_per_migrant_share * self.migrant_units, 0.0)
        self.ytd_farm_cny += self.farm_cny_per_year * farm_kept * self.farm_factor / 12
        self.ytd_industry_cny += self.industry_cny_per_year * self.model.broiler_price / 12
        self.ytd_property_cny += self.property_cny_per_year / 12
        transfers = self.pension_cny_per_year + self.other_transfer_cny_per_year + self.dibao_cny_per_year
        self.ytd_transfer_cny += transfers / 12


class PerAgentModel(mesa.Model):
    """The district's households as conventional Mesa agents, under the income and shock rules.

    Args:
        population: the generated district (its households and the number of villages are used).
        params: the scenario's parameters.
        start: first simulated month (a January).
        seed: seed of the model's random generators.
    """

    def __init__(self, population: Population, params: ParameterSet, start: Month, seed: int):
        super().__init__(rng=seed)
        self.params = params
        self.start = start
        self.month_index = -1
        self.year, self.month = start.year, start.month
        self.rates = Rates.from_params(params, start.year)
        self.broiler_price_log = 0.0
        self.broiler_price = 1.0
        self.disaster_month = [-1] * len(population.villages)
        for state in household_states(population.households):
            PerAgentHousehold(self, state)

    def step(self) -> None:
        """Simulate one month: district-level draws, then every household in random order."""
        self.month_index += 1
        ordinal = self.start.ordinal + self.month_index
        self.year, self.month = ordinal // 12, ordinal % 12 + 1
        if self.month == 1:
            self.rates = Rates.from_params(self.params, self.year)
            self.schedule_disasters()
        self.move_broiler_price()
        self.agents.shuffle_do("step")

    def schedule_disasters(self) -> None:
        """January: the month (or -1) of each village's disaster this year."""
        r = self.random
        self.disaster_month = [
            r.randint(1, 12) if r.random() < self.rates.disaster_prob else -1 for _ in self.disaster_month
        ]

    def move_broiler_price(self) -> None:
        """The district broiler price index: a log AR(1) around 1."""
        shock = self.random.gauss(0.0, self.rates.broiler_price_sigma)
        self.broiler_price_log = self.rates.broiler_price_persistence * self.broiler_price_log + shock
        self.broiler_price = math.exp(self.broiler_price_log)


def household_states(households: HouseholdColumns) -> list[dict]:
    """One dict of Python scalars per household, for :data:`AGENT_COLUMNS`."""
    columns = {name: getattr(households, name).tolist() for name in AGENT_COLUMNS}
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
