"""FupinModel: the district as a Mesa model over columnar household state.

The model builds the population and the programmes from a scenario and runs
the monthly schedule; the policy logic lives in the programmes, the shocks, the
income accounts and the annual verification.

Monthly schedule:
    January    reset accounts, grow incomes, age persons, schedule disasters, migrate
    every month  job loss, illness, disasters, broiler price, programmes, income accrual
    December   verification (exits, returns, new poor, village delisting), yearly row
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from fupin_sim.config.scenario import Scenario, load_scenario
from fupin_sim.config.settings import Month
from fupin_sim.model import income, shocks
from fupin_sim.model.assessment import EVENT_COLUMNS, verify_year, village_incidence
from fupin_sim.model.households import POOR, Household
from fupin_sim.model.ledger import Ledger
from fupin_sim.model.population import synthetic_keys
from fupin_sim.model.population_file import build_population
from fupin_sim.model.results import RunResult, programme_summary, village_rows, yearly_row
from fupin_sim.model.rng import RandomStreams
from fupin_sim.model.villages import Village, plan_delisting
from fupin_sim.programmes import build_programmes

PANEL_COLUMNS = ["village", "size", "cause", "status", "income_pc_cny", "transfer_share", "safe_housing", "insured"]


class FupinModel(mesa.Model):
    """Rural households of Da'an under a scenario's programmes, month by month.

    Args:
        scenario: a :class:`~fupin_sim.config.scenario.Scenario`, a shipped scenario name,
            a path to a scenario file, or a mapping (default: ``baseline``).
        seed: override the scenario's seed (a replication's ``SeedSequence`` works too).
        population_seed: draw the households from this seed instead (the same households under
            every replication, as the plans of :mod:`fupin_sim.workbench.plans` need).

    Attributes:
        households, persons, villages: the columnar state.
        programmes: the active programmes, in registry order.
        ledger: spending by programme, year and household.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | dict | None = None,
        *,
        seed: int | np.random.SeedSequence | None = None,
        population_seed: int | None = None,
    ):
        scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario or "baseline")
        seed = scenario.seed if seed is None else seed
        mesa_seed = seed if isinstance(seed, int) else int(seed.generate_state(1)[0])
        super().__init__(rng=mesa_seed)
        self.scenario = scenario
        self.seed = seed
        self.params = scenario.params
        self.horizon = scenario.horizon
        self.streams = RandomStreams(seed)

        registry = scenario.population.get("registry")
        population_rng = (
            self.streams["population"] if population_seed is None else RandomStreams(population_seed)["population"]
        )
        population = build_population(self.params, population_rng, scenario.population_scale, registry)
        self.households, self.persons, self.villages = population.households, population.persons, population.villages
        self._household_keys, self.village_names = population.keys, population.village_names
        self.first_person = (np.cumsum(self.households.size) - self.households.size).astype(np.int64)
        self.entry_income_by_source = income.rates_by_source(self.households)
        plan_delisting(self.villages, village_incidence(self), scenario.targets.get("villages_delisted_cum"))
        self._handles_created = False

        self.ledger = Ledger(len(self.households), len(self.villages))
        self.medical_cover = None  # set by the health programme, read by shocks.illness
        self.school_support = None  # set by the education programme, read by shocks.yearly_person_events
        self.population_scale = scenario.population_scale
        self.programmes = build_programmes(scenario.programmes, scenario.population_scale)
        self.broiler_price_log = 0.0
        self.wage_index = 1.0  # wage level relative to 2015, grown each January
        self.month_index = -1
        self._month_cache: tuple[int, Month | None] = (-2, None)
        self._year_start: dict[str, int] = {}
        self._yearly: list[dict[str, Any]] = []
        self._events: list[pd.DataFrame] = []
        self._villages: list[pd.DataFrame] = []
        self._panel: list[pd.DataFrame] = []
        self._tallies: Counter = Counter()
        for programme in self.programmes:
            programme.init(self)
        self.running = True

    def _create_handles(self) -> None:
        """Create the Household and Village agents (once, on first use of the agent API).

        The monthly step never needs them, so a run that nobody inspects does not
        pay for 80,000 Python objects; anything that reads ``agents`` sees them all.
        """
        if not self._handles_created:
            self._handles_created = True
            for row in range(len(self.households)):
                Household(self, row)
            for row in range(len(self.villages)):
                Village(self, row)

    @property
    def agents(self):
        """All agents (Mesa's AgentSet), households and villages."""
        self._create_handles()
        return super().agents

    @property
    def agents_by_type(self):
        """Agents by class (Mesa's mapping): ``model.agents_by_type[Household]``."""
        self._create_handles()
        return super().agents_by_type

    @property
    def household_keys(self) -> np.ndarray:
        """Each household's key: an imported registry's pseudonymous key (``D`` and the row number for
        the households drawn beside them), ``S000001`` … by row in the synthetic district (made on first use)."""
        if self._household_keys is None:
            self._household_keys = synthetic_keys(len(self.households))
        return self._household_keys

    def programme(self, key: str):
        """The active programme with scenario key ``key``.

        Raises:
            KeyError: if the scenario has no such programme.
        """
        for programme in self.programmes:
            if programme.key == key:
                return programme
        raise KeyError(f"scenario {self.scenario.name} has no programme '{key}'")

    def household(self, row: int) -> Household:
        """The agent handle of household ``row``."""
        return self.agents_by_type[Household][row]

    @property
    def current_month(self) -> Month:
        """The month being simulated (the first month before any step)."""
        index, month = self._month_cache
        if index != self.month_index:  # read hundreds of times a month: built once per month_index
            ordinal = self.horizon.start.ordinal + max(self.month_index, 0)
            month = Month(ordinal // 12, ordinal % 12 + 1)
            self._month_cache = (self.month_index, month)
        return month

    @property
    def year(self) -> int:
        """Calendar year of the current month."""
        return self.current_month.year

    @property
    def month(self) -> int:
        """Calendar month (1-12) of the current month."""
        return self.current_month.month

    def tally(self, shock: str, rows: np.ndarray) -> None:
        """Count households hit by a shock this year, split by registered-poor status."""
        poor = int(np.count_nonzero(self.households.status[rows] == POOR))
        self._tallies[(self.year, shock, "registered_poor")] += poor
        self._tallies[(self.year, shock, "other")] += len(rows) - poor

    def step(self) -> None:
        """Simulate one month."""
        self.month_index += 1
        if self.month == 1:
            self._start_year()
        shocks.job_loss(self)
        shocks.illness(self)
        shocks.disaster(self)
        shocks.broiler_price(self)
        for programme in self.programmes:
            programme.step(self)
        income.accrue_month(self)
        if self.month == 12:
            for programme in self.programmes:
                programme.settle_year(self)
            self._verify()
        if self.month_index == self.horizon.months - 1:
            self.running = False

    def run(self) -> RunResult:
        """Run to the end of the horizon and return the result tables."""
        while self.running:
            self.step()
        return self.results()

    def _start_year(self) -> None:
        hh = self.households
        poor = hh.status == POOR
        self._year_start = {
            "registered_poor_households_start": int(poor.sum()),
            "registered_poor_people_start": int(hh.size[poor].sum()),
        }
        income.start_year(self)
        shocks.yearly_person_events(self)
        shocks.schedule_disasters(self)
        income.migration(self)

    def _verify(self) -> None:
        counts, events = verify_year(self, with_events=self.scenario.outputs["events"])
        money = {p.key: (self.ledger.spent(p.key, self.year), p.budget_cny(self.year)) for p in self.programmes}
        self._yearly.append(yearly_row(self.year, self._year_start, counts, money, self.scenario.targets))
        if events is not None:
            self._events.append(events)
        self._villages.append(village_rows(self, village_incidence(self)))
        if self.scenario.outputs["household_panel"]:
            panel = self.households.to_frame(PANEL_COLUMNS)
            panel.insert(0, "household", np.arange(len(panel)))
            panel.insert(0, "year", self.year)
            self._panel.append(panel)

    def yearly_table(self) -> pd.DataFrame:
        """The yearly table of the years verified so far (what :meth:`results` gives as ``yearly``)."""
        return pd.DataFrame(self._yearly)

    def results(self) -> RunResult:
        """The result tables for the years verified so far."""
        tallies = pd.DataFrame(
            [(y, s, g, n) for (y, s, g), n in sorted(self._tallies.items())],
            columns=["year", "shock", "group", "households"],
        )
        return RunResult(
            scenario=self.scenario,
            seed=self.seed if isinstance(self.seed, int) else None,
            yearly=self.yearly_table(),
            events=pd.concat(self._events, ignore_index=True) if self._events else pd.DataFrame(columns=EVENT_COLUMNS),
            ledger=self.ledger.to_frame(self.households.village),
            programmes=programme_summary(self),
            shocks=tallies,
            panel=pd.concat(self._panel, ignore_index=True) if self._panel else None,
            villages=pd.concat(self._villages, ignore_index=True) if self._villages else None,
        )
