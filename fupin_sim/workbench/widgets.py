"""Dashboard pieces: plain functions that compute, and thin ipywidgets views over them.

The budget view (notebook 03)::

    from fupin_sim.workbench.widgets import budget_dashboard, budget_outcomes, default_budgets
    budget_outcomes({**default_budgets(), "industry": 0.0})    # a dict of outcomes, no widgets
    budget_dashboard()                                         # sliders and the outcome panel

The comparison view (notebook 02)::

    from fupin_sim.workbench.widgets import ComparisonDashboard, comparison_data, target_probabilities
    result = comparison_data(["decision_2016", "baseline"], reps=10, reference="baseline")
    target_probabilities(result.summary)
    ComparisonDashboard().widget

Each widget callback is a method of :class:`BudgetDashboard` or
:class:`ComparisonDashboard`, callable without a browser. The outcome panel's DOM
element has the CSS class ``fupin-outcomes`` and the target table's
``fupin-target-table``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets
import pandas as pd
from IPython.display import display

from fupin_sim.config.scenario import SCENARIO_DIR, Scenario, load_scenario
from fupin_sim.errors import UserError
from fupin_sim.experiments.replications import ExperimentResult, compare, run_replication
from fupin_sim.model.results import RunResult
from fupin_sim.programmes import REGISTRY
from fupin_sim.programmes.base import TARGETING_ORDERS
from fupin_sim.workbench import charts
from fupin_sim.workbench.charts import labels, name

OUTCOMES_CLASS = "fupin-outcomes"
TARGET_TABLE_CLASS = "fupin-target-table"
FINAL_YEAR = 2020  # the decision's horizon: returns and spending are summed up to it
MILLION_CNY = 1e6
SLIDER_STEP_MILLION_CNY = 0.5
CHARTS = (charts.exit_progress, charts.villages_delisted, charts.returns_and_new_poor, charts.spending_by_programme)
TARGETS = {  # met outcome → (target outcome, column label template)
    "exit_target_met": ("exit_target_cum", "exit_target_column"),
    "village_target_met": ("village_target_cum", "village_target_column"),
}
PERCENT_OUTCOMES = (
    "p_exit_2016",
    "p_exit_2017",
    "p_villages_2016",
    "p_villages_2017",
    "exit_share_2017",
    "transfer_dependent_share",
)


# --- budgets ---------------------------------------------------------------------------


def default_budgets(scenario: str = "decision_2016") -> dict[str, float]:
    """Each budgeted programme's budget in the scenario's first year (2016), CNY (full district).

    Entitlements without a cap (低保, health cover, education) have no budget and are left out.

    Args:
        scenario: a shipped scenario name or a scenario file.
    """
    loaded = load_scenario(scenario)
    first_year = loaded.horizon.start.year
    return {
        key: float(settings["budget_cny"].get(first_year, 0.0))
        for key, settings in loaded.programmes.items()
        if settings.get("budget_cny") is not None
    }


def budget_scenario(
    budgets_cny: Mapping[str, float],
    targeting: str | None = None,
    *,
    scenario: str = "decision_2016",
    population_scale: float = 0.05,
    seed: int = 20160806,
) -> Scenario:
    """``scenario`` with each named programme's yearly budget and every programme's targeting replaced.

    Args:
        budgets_cny: programme key → yearly budget in CNY for the full district, the same
            every year of the horizon (scaled with ``population_scale`` like any budget).
        targeting: the targeting order of every programme (one of ``TARGETING_ORDERS``);
            ``None`` keeps each programme's order from the scenario.
        scenario: a shipped scenario name or a scenario file.
        population_scale: the share of the district simulated.
        seed: the base seed of the replications.

    Raises:
        UserError: a key that is not a programme of the scenario.
        ScenarioError: a negative budget or an unknown targeting order.
    """
    base = load_scenario(scenario)
    data = base.to_dict()
    programmes = data["programmes"]
    unknown = sorted(set(budgets_cny) - set(programmes))
    if unknown:
        raise UserError(f"scenario {base.name} has no programme {unknown[0]!r}; it has: {', '.join(programmes)}")
    for key, settings in programmes.items():
        if targeting is not None and "targeting" in REGISTRY[key].specs():
            settings["targeting"] = targeting
        if key in budgets_cny:
            settings["budget_cny"] = dict.fromkeys(base.horizon.years, float(budgets_cny[key]))
    return load_scenario({**data, "population_scale": population_scale, "seed": seed})


def budget_outcomes(
    budgets_cny: Mapping[str, float],
    targeting: str | None = None,
    *,
    scenario: str = "decision_2016",
    population_scale: float = 0.05,
    reps: int = 4,
    seed: int = 20160806,
) -> dict[str, float]:
    """What a budget buys: target probabilities, returns, cost per sustained exit, transfer dependence.

    Runs :func:`budget_scenario` for ``reps`` replications, serially in this process,
    seeded as every experiment is (:func:`fupin_sim.experiments.replications.replication_seed`), so a
    change of budget meets the same illnesses and disasters. About 0.1 s per replication
    at the defaults.

    Args:
        budgets_cny: programme key → yearly budget in CNY for the full district.
        targeting: the targeting order of every programme; ``None`` keeps the scenario's.
        scenario: a shipped scenario name or a scenario file.
        population_scale: the share of the district simulated.
        reps: replications.
        seed: the base seed.

    Returns:
        ``p_exit_2016``, ``p_exit_2017``, ``p_villages_2016``, ``p_villages_2017``: the
        share of replications meeting each target (NaN without a target that year);
        ``exit_share_2017``: mean cumulative exit share in 2017; ``returns_by_2020``:
        mean households returning 2016–2020, full district; ``cost_per_sustained_exit_cny``:
        spending 2016–2020 per household exited and still out at the end (pooled over
        replications); ``transfer_dependent_share``: share of the exits 2016–2020 that
        depend on transfers; ``spending_cny``: mean spending 2016–2020, full district.
    """
    if reps < 1:
        raise UserError(f"replications must be at least 1, got {reps}")
    built = budget_scenario(budgets_cny, targeting, scenario=scenario, population_scale=population_scale, seed=seed)
    runs = [run_replication(built, replication) for replication in range(reps)]
    yearly = pd.concat([run.yearly for run in runs], ignore_index=True)
    horizon = yearly[yearly.year <= FINAL_YEAR]
    spending_cny = horizon.spending_cny.sum()
    sustained_exits = sum(_sustained_exits(run) for run in runs)
    return {
        "p_exit_2016": _share_met(yearly, "exit_target_met", 2016),
        "p_exit_2017": _share_met(yearly, "exit_target_met", 2017),
        "p_villages_2016": _share_met(yearly, "village_target_met", 2016),
        "p_villages_2017": _share_met(yearly, "village_target_met", 2017),
        "exit_share_2017": float(yearly.exit_share_cum[yearly.year == 2017].mean()),
        "returns_by_2020": float(horizon.returns.sum() / reps / population_scale),
        "cost_per_sustained_exit_cny": _ratio(spending_cny, sustained_exits),
        "transfer_dependent_share": _ratio(horizon.exits_transfer_dependent.sum(), horizon.exits_households.sum()),
        "spending_cny": float(spending_cny / reps / population_scale),
    }


def format_outcomes(outcomes: Mapping[str, float], lang: str = "en") -> str:
    """The outcome panel's HTML: one row per outcome of :func:`budget_outcomes`.

    Args:
        outcomes: the result of :func:`budget_outcomes`.
        lang: ``en`` or ``zh``.
    """
    text = labels(lang)
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(text['outcomes'][key])}</th>"
        f"<td style='text-align:right'>{_format_value(key, value)}</td></tr>"
        for key, value in outcomes.items()
    )
    return f"<table>{rows}</table>"


class BudgetDashboard:
    """Sliders for the programme budgets, a targeting order, and the outcome panel.

    Every change re-runs :func:`budget_outcomes` (sliders report on release) and
    rewrites the panel; :meth:`refresh` is the callback.

    Args:
        scenario: the scenario whose budgets are varied (its budgeted programmes get sliders).
        population_scale: the share of the district simulated per replication.
        reps: replications per refresh.
        seed: the base seed.
        lang: ``en`` or ``zh``.

    Attributes:
        sliders: programme key → slider (million yuan per year).
        targeting: the targeting-order dropdown.
        outcomes: the outcome panel (CSS class ``fupin-outcomes``).
        widget: the whole dashboard.
    """

    def __init__(
        self,
        scenario: str = "decision_2016",
        *,
        population_scale: float = 0.05,
        reps: int = 4,
        seed: int = 20160806,
        lang: str = "en",
    ):
        text = labels(lang)
        self.scenario, self.population_scale, self.reps, self.seed = scenario, population_scale, reps, seed
        self.lang = lang
        self.sliders = {
            key: ipywidgets.FloatSlider(
                value=budget_cny / MILLION_CNY,
                min=0.0,
                max=max(2 * budget_cny / MILLION_CNY, 10.0),
                step=SLIDER_STEP_MILLION_CNY,
                description=text["budget_slider"].format(programme=name("programme_names", key, lang)),
                continuous_update=False,
                readout_format=".1f",
                style={"description_width": "20em"},
                layout=ipywidgets.Layout(width="44em"),
            )
            for key, budget_cny in default_budgets(scenario).items()
        }
        self.targeting = ipywidgets.Dropdown(
            options=[(name("targeting_names", "as_scenario", lang), None)]
            + [(name("targeting_names", key, lang), key) for key in TARGETING_ORDERS],
            value=None,
            description=text["targeting"],
            style={"description_width": "20em"},
            layout=ipywidgets.Layout(width="44em"),
        )
        self.outcomes = ipywidgets.HTML()
        self.outcomes.add_class(OUTCOMES_CLASS)
        for control in (*self.sliders.values(), self.targeting):
            control.observe(self.refresh, names="value")
        self.widget = ipywidgets.HBox([ipywidgets.VBox([*self.sliders.values(), self.targeting]), self.outcomes])
        self.refresh()

    def budgets_cny(self) -> dict[str, float]:
        """The sliders' budgets in CNY per year (full district)."""
        return {key: slider.value * MILLION_CNY for key, slider in self.sliders.items()}

    def refresh(self, change: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Re-run the outcomes for the current controls and show them; returns the outcomes.

        Args:
            change: the traitlets change that triggered the call (unused).
        """
        outcomes = budget_outcomes(
            self.budgets_cny(),
            self.targeting.value,
            scenario=self.scenario,
            population_scale=self.population_scale,
            reps=self.reps,
            seed=self.seed,
        )
        self.outcomes.value = format_outcomes(outcomes, self.lang)
        return outcomes


def budget_dashboard(
    scenario: str = "decision_2016",
    *,
    population_scale: float = 0.05,
    reps: int = 4,
    seed: int = 20160806,
    lang: str = "en",
) -> ipywidgets.Widget:
    """The budget-tuning dashboard as a widget (see :class:`BudgetDashboard` for the arguments)."""
    return BudgetDashboard(scenario, population_scale=population_scale, reps=reps, seed=seed, lang=lang).widget


# --- comparisons -------------------------------------------------------------------------


def comparison_data(
    scenarios: Sequence[str],
    reps: int,
    reference: str,
    population_scale: float = 0.1,
    *,
    executor: str = "serial",
) -> ExperimentResult:
    """Compare shipped scenarios on a scaled district, paired by replication.

    Args:
        scenarios: scenario names (or files).
        reps: replications per scenario.
        reference: the scenario differences are taken against.
        population_scale: the share of the district simulated.
        executor: ``serial`` (in this process, the default) or ``processes``.

    Raises:
        UserError: no scenario, an unknown reference, fewer than one replication.
    """
    loaded = [load_scenario(scenario).replace(population_scale=population_scale) for scenario in scenarios]
    return compare(loaded, reps=reps, reference=reference, executor=executor, progress=False)


def target_probabilities(summary: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Probability of meeting each target, one row per scenario, one column per target and year.

    Args:
        summary: a comparison's summary (``ExperimentResult.summary``).
        lang: ``en`` or ``zh`` (column labels and scenario names).
    """
    text = labels(lang)
    columns = {}
    for met, (target, template) in TARGETS.items():
        goals = summary[summary.outcome == target].groupby("year")["mean"].first()
        for year, goal in goals.items():
            chances = summary[(summary.outcome == met) & (summary.year == year)]
            columns[text[template].format(year=year, target=goal)] = chances.set_index("scenario")["mean"]
    table = pd.DataFrame(columns).reindex(summary.scenario.unique())
    table.index = pd.Index([name("scenario_names", s, lang) for s in table.index], name=text["scenario"])
    return table


class ComparisonDashboard:
    """Pick scenarios, replications and a reference; run; see the four charts and the target table.

    Runs once when built. :meth:`sync_reference` (on a change of selection) and
    :meth:`run` (the button) are the callbacks.

    Args:
        scenarios: the scenarios offered (default: every shipped scenario).
        selected: the scenarios selected at first.
        reference: the reference scenario at first (default: the first selected).
        reps: replications at first.
        population_scale: the share of the district simulated.
        lang: ``en`` or ``zh``.
        executor: ``serial`` or ``processes`` (see :func:`comparison_data`).

    Attributes:
        scenarios, reps, reference, button: the controls.
        table: the target probabilities (CSS class ``fupin-target-table``).
        output: the charts.
        result: the latest comparison; figures: its charts.
        widget: the whole dashboard.
    """

    def __init__(
        self,
        scenarios: Sequence[str] | None = None,
        *,
        selected: Sequence[str] = ("decision_2016", "baseline"),
        reference: str | None = None,
        reps: int = 5,
        population_scale: float = 0.1,
        lang: str = "en",
        executor: str = "serial",
    ):
        text = labels(lang)
        offered = list(scenarios) if scenarios is not None else sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
        self.population_scale, self.lang, self.executor = population_scale, lang, executor
        self.scenarios = ipywidgets.SelectMultiple(
            options=[(name("scenario_names", key, lang), key) for key in offered],
            value=[key for key in selected if key in offered],
            description=text["scenarios"],
            rows=min(len(offered), 9),
        )
        self.reps = ipywidgets.IntSlider(
            value=reps, min=1, max=50, description=text["replications"], continuous_update=False
        )
        self.reference = ipywidgets.Dropdown(description=text["reference"])
        self.button = ipywidgets.Button(description=text["run"], button_style="primary")
        self.table = ipywidgets.HTML()
        self.table.add_class(TARGET_TABLE_CLASS)
        self.output = ipywidgets.Output()
        self.result: ExperimentResult | None = None
        self.figures: list = []
        self.scenarios.observe(self.sync_reference, names="value")
        self.button.on_click(self.run)
        controls = ipywidgets.HBox([self.scenarios, ipywidgets.VBox([self.reps, self.reference, self.button])])
        self.widget = ipywidgets.VBox([controls, self.table, self.output])
        self.sync_reference()
        if reference in self.scenarios.value:
            self.reference.value = reference
        self.run()

    def sync_reference(self, change: Mapping[str, Any] | None = None) -> None:
        """Offer the selected scenarios as references, keeping the current one if still selected.

        Args:
            change: the traitlets change that triggered the call (unused).
        """
        current = self.reference.value
        selected = list(self.scenarios.value)
        self.reference.options = [(name("scenario_names", key, self.lang), key) for key in selected]
        self.reference.value = current if current in selected else (selected[0] if selected else None)
        self.button.disabled = not selected

    def run(self, button: ipywidgets.Button | None = None) -> ExperimentResult | None:
        """Run the comparison of the selected scenarios; show the target table and the charts.

        Args:
            button: the button that was clicked (unused).

        Returns:
            The comparison, or None when no scenario is selected.
        """
        if not self.scenarios.value:
            return None
        self.button.disabled = True
        try:
            self.result = comparison_data(
                list(self.scenarios.value),
                self.reps.value,
                self.reference.value,
                self.population_scale,
                executor=self.executor,
            )
        finally:
            self.button.disabled = False
        table = target_probabilities(self.result.summary, self.lang)
        self.table.value = table.reset_index().to_html(index=False, float_format=lambda p: f"{p:.0%}", na_rep="–")
        self.figures = [chart(self.result, lang=self.lang) for chart in CHARTS]
        self.output.clear_output(wait=True)
        with self.output:
            for figure in self.figures:
                display(figure)
        return self.result


# --- helpers -------------------------------------------------------------------------------


def _share_met(yearly: pd.DataFrame, column: str, year: int) -> float:
    """Share of replications meeting a target in ``year`` (NaN without a target)."""
    met = yearly.loc[yearly.year == year, column].dropna()
    return float(met.astype(bool).mean()) if len(met) else math.nan


def _sustained_exits(run: RunResult) -> int:
    """Households that exited during the run and are still out at its end (their last change is an exit)."""
    changes = run.events[run.events.event.isin(("exit", "return"))]
    return int((changes.groupby("household").event.last() == "exit").sum())


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole else math.nan


def _format_value(key: str, value: float) -> str:
    if value is None or math.isnan(value):
        return "–"
    if key in PERCENT_OUTCOMES:
        return f"{value:.0%}" if key.startswith("p_") else f"{value:.1%}"
    return f"{value:,.0f}"
