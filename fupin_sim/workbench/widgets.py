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

import atexit
import functools
import html
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import ipywidgets
import pandas as pd
import yaml
from IPython.display import display

from fupin_sim.config.scenario import SCENARIO_DIR, Scenario, load_scenario
from fupin_sim.errors import UserError
from fupin_sim.experiments.executors import ProcessExecutor, default_workers
from fupin_sim.experiments.replications import ExperimentResult, compare, replication_seed
from fupin_sim.model.results import sustained_exits
from fupin_sim.model.simulation import FupinModel
from fupin_sim.programmes import REGISTRY
from fupin_sim.programmes.base import TARGETING_ORDERS
from fupin_sim.workbench import charts
from fupin_sim.workbench.formatting import format_count, format_money, format_share
from fupin_sim.workbench.labels import labels, name

OUTCOMES_CLASS = "fupin-outcomes"
TARGET_TABLE_CLASS = "fupin-target-table"
FINAL_YEAR = 2020  # the decision's horizon: returns and spending are summed up to it
MILLION_CNY = 1e6
PANEL_POPULATION_SCALE = 1.0  # the budget panel simulates the whole district (village targets mean something)
PANEL_REPS = 8  # replications per refresh (benchmarks/bench_budget_panel.py times a refresh)
SLIDER_STEP_MILLION_CNY = 0.5
CHARTS = (
    charts.exit_progress,
    charts.villages_delisted,
    charts.exits_by_pathway,
    charts.returns_and_new_poor,
    charts.spending_by_programme,
)
TARGETS = {  # met outcome → (target outcome, column label template)
    "exit_target_met": ("exit_target_cum", "exit_target_column"),
    "village_target_met": ("village_target_cum", "village_target_column"),
}
AS_SCENARIO = "as_scenario"  # the targeting dropdown's choice that keeps each programme's own order
COUNT_OUTCOMES = ("returns_by_2020",)


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
    population_scale: float = PANEL_POPULATION_SCALE,
    seed: int = 20160806,
) -> Scenario:
    """``scenario`` with each named programme's yearly budget and every programme's targeting replaced.

    Args:
        budgets_cny: programme key → yearly budget in CNY for the full district, the same
            every year of the horizon (scaled with ``population_scale`` like any budget).
        targeting: the targeting order of every programme (one of ``TARGETING_ORDERS``);
            ``None`` keeps each programme's order from the scenario.
        scenario: a shipped scenario name or a scenario file.
        population_scale: the share of the district simulated (an imported registry runs whole).
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
    return load_scenario({**data, "population_scale": _scale(base, population_scale), "seed": seed})


def save_budget_scenario(
    path: str | Path,
    budgets_cny: Mapping[str, float],
    targeting: str | None = None,
    *,
    scenario: str = "decision_2016",
) -> Path:
    """Write the budgets as a scenario file: ``extends`` the scenario, only the changed settings.

    ``fupin run`` and ``fupin compare`` run the file as :func:`budget_scenario` builds it.

    Args:
        path: the file to write (``….yaml``; its folder must exist).
        budgets_cny: programme key → yearly budget in CNY for the full district (every year alike).
        targeting: the targeting order of every programme; ``None`` keeps the scenario's.
        scenario: a shipped scenario name or a scenario file.

    Raises:
        UserError: a path that is not a YAML file in an existing folder, or an unknown programme.
        ScenarioError: a negative budget or an unknown targeting order.
    """
    path = Path(path)
    if path.suffix not in (".yaml", ".yml") or not path.parent.is_dir():
        raise UserError(f"cannot save the scenario as {path}: give a .yaml file in an existing folder")
    built = budget_scenario(budgets_cny, targeting, scenario=scenario)  # validates before anything is written
    base = load_scenario(scenario)
    shipped = Path(base.file).parent.resolve() == SCENARIO_DIR.resolve()
    extends = base.name if shipped else os.path.relpath(Path(base.file).resolve(), path.parent.resolve())
    before = base.to_dict()["programmes"]
    changed = {
        key: {k: v for k, v in settings.items() if before[key].get(k) != v}
        for key, settings in built.to_dict()["programmes"].items()
    }
    content = {"extends": extends, "programmes": {key: given for key, given in changed.items() if given}}
    path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def budget_outcomes(
    budgets_cny: Mapping[str, float],
    targeting: str | None = None,
    *,
    scenario: str = "decision_2016",
    population_scale: float = PANEL_POPULATION_SCALE,
    reps: int = PANEL_REPS,
    seed: int = 20160806,
    workers: int | None = None,
) -> dict[str, float]:
    """What a budget buys: target probabilities, returns, cost per sustained exit, transfer dependence.

    Runs :func:`budget_scenario` for ``reps`` replications, seeded as every experiment is
    (:func:`fupin_sim.experiments.replications.replication_seed`), so a change of budget
    meets the same illnesses and disasters. With more than one worker they run on a pool
    of worker processes that stays warm between calls (:func:`panel_pool`), so a refresh
    pays no start-up; the outcomes are the same whichever runs them. A full-district
    replication takes about 0.3-0.5 s of one core (docs/speed.md).

    Args:
        budgets_cny: programme key → yearly budget in CNY for the full district.
        targeting: the targeting order of every programme; ``None`` keeps the scenario's.
        scenario: a shipped scenario name or a scenario file.
        population_scale: the share of the district simulated (an imported registry runs whole).
        reps: replications.
        seed: the base seed.
        workers: worker processes (default: the available cores, at most ``reps``); 1 runs
            the replications in this process.

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
    workers = min(reps, default_workers()) if workers is None else workers
    if workers < 1:
        raise UserError(f"workers must be at least 1, got {workers}")
    run = functools.partial(_panel_replication, built)
    if workers == 1:
        runs = [run(replication) for replication in range(reps)]
    else:
        runs = sorted(panel_pool(workers).imap_unordered(run, range(reps)), key=lambda done: done[0])
    yearly = pd.concat([run_yearly for _, run_yearly, _ in runs], ignore_index=True)
    horizon = yearly[yearly.year <= FINAL_YEAR]
    spending_cny = horizon.spending_cny.sum()
    sustained_exits = sum(sustained for _, _, sustained in runs)
    return {
        "p_exit_2016": _share_met(yearly, "exit_target_met", 2016),
        "p_exit_2017": _share_met(yearly, "exit_target_met", 2017),
        "p_villages_2016": _share_met(yearly, "village_target_met", 2016),
        "p_villages_2017": _share_met(yearly, "village_target_met", 2017),
        "exit_share_2017": float(yearly.exit_share_cum[yearly.year == 2017].mean()),
        "returns_by_2020": float(horizon.returns.sum() / reps / built.population_scale),
        "cost_per_sustained_exit_cny": _ratio(spending_cny, sustained_exits),
        "transfer_dependent_share": _ratio(horizon.exits_transfer_dependent.sum(), horizon.exits_households.sum()),
        "spending_cny": float(spending_cny / reps / built.population_scale),
    }


def _panel_replication(scenario: Scenario, replication: int) -> tuple[int, pd.DataFrame, int]:
    """One replication of the budget panel: its number, yearly table and sustained exits (small to send back).

    The panel reads nothing else, so the run keeps no event table (``outputs.events``
    off: the same yearly counts) and builds none of the other result tables.
    """
    model = FupinModel(
        scenario.replace(outputs={**scenario.outputs, "events": False}),
        seed=replication_seed(scenario.seed, replication),
    )
    model.run_model()
    return replication, model.yearly_table(), int(sustained_exits(model).sum())


@functools.cache
def panel_pool(workers: int) -> ProcessExecutor:
    """The budget panel's pool of ``workers`` processes, started on first use and kept for the session.

    Its workers have imported the model and loaded its compiled kernels after the first
    refresh, so later refreshes only simulate. They exit with this process.
    """
    pool = ProcessExecutor(workers).__enter__()
    atexit.register(pool.__exit__, None, None, None)
    return pool


def format_outcomes(outcomes: Mapping[str, float], lang: str = "en") -> str:
    """The outcome panel's HTML: one row per outcome of :func:`budget_outcomes`.

    Args:
        outcomes: the result of :func:`budget_outcomes`.
        lang: ``en`` or ``zh``.
    """
    text = labels(lang)
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(text['outcomes'][key])}</th>"
        f"<td style='text-align:right'>{outcome_text(key, value)}</td></tr>"
        for key, value in outcomes.items()
    )
    return f"<table>{rows}</table>"


def outcome_text(key: str, value: float) -> str:
    """One outcome of :func:`budget_outcomes` for reading: probabilities as whole percentages,
    shares with a decimal, households as integers, money in yuan; ``—`` when missing.

    Args:
        key: the outcome.
        value: its value.
    """
    if key.startswith("p_"):
        return format_share(value, decimals=0)
    if key.endswith("_share") or key.startswith("exit_share"):
        return format_share(value)
    if key in COUNT_OUTCOMES:
        return format_count(value)
    return format_money(value)


def scenario_targeting(scenario: str = "decision_2016") -> list[str]:
    """The targeting orders a scenario's programmes use, each once, in the programmes' order.

    Args:
        scenario: a shipped scenario name or a scenario file.
    """
    orders = (settings.get("targeting") for settings in load_scenario(scenario).programmes.values())
    return list(dict.fromkeys(order for order in orders if order))


def as_scenario_label(scenario: str = "decision_2016", lang: str = "en") -> str:
    """The targeting dropdown's first choice, naming the scenario's own orders ("As in the scenario: …").

    Args:
        scenario: a shipped scenario name or a scenario file.
        lang: ``en`` or ``zh``.
    """
    names = [name("targeting_names", order, lang) for order in scenario_targeting(scenario)]
    if not names:
        return name("targeting_names", AS_SCENARIO, lang)
    return labels(lang)["as_scenario_named"].format(orders=("、" if lang == "zh" else ", ").join(names))


class BudgetDashboard:
    """Sliders for the programme budgets, a targeting order, and the outcome panel.

    Every change re-runs :func:`budget_outcomes` (sliders report on release) and
    rewrites the panel; :meth:`refresh` is the callback.

    Args:
        scenario: the scenario whose budgets are varied (its budgeted programmes get sliders).
        population_scale: the share of the district simulated per replication (an imported registry runs whole).
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
        population_scale: float = PANEL_POPULATION_SCALE,
        reps: int = PANEL_REPS,
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
            options=[(as_scenario_label(scenario, lang), AS_SCENARIO)]
            + [(name("targeting_names", key, lang), key) for key in TARGETING_ORDERS],
            value=AS_SCENARIO,
            description=text["targeting"],
            style={"description_width": "20em"},
            layout=ipywidgets.Layout(width="44em"),
        )
        self.outcomes = ipywidgets.HTML()
        self.outcomes.add_class(OUTCOMES_CLASS)
        for control in (*self.sliders.values(), self.targeting):
            control.observe(self.refresh, names="value")
        self.save_path = ipywidgets.Text(value="my_budgets.yaml", description=text["save_file"])
        self.save_button = ipywidgets.Button(description=text["save_button"], layout=ipywidgets.Layout(width="28em"))
        self.save_message = ipywidgets.HTML()
        self.save_button.on_click(self.save)
        controls = [*self.sliders.values(), self.targeting, self.save_path, self.save_button, self.save_message]
        self.widget = ipywidgets.HBox([ipywidgets.VBox(controls), self.outcomes])
        self.refresh()

    def save(self, button: Any = None) -> Path | None:
        """Save the current budgets and targeting as a scenario file (the path in ``save_path``).

        Args:
            button: the button that was clicked (unused).

        Returns:
            The file written, or None when the path was refused (the reason is shown under the button).
        """
        text = labels(self.lang)
        try:
            path = save_budget_scenario(
                self.save_path.value, self.budgets_cny(), self.selected_targeting(), scenario=self.scenario
            )
        except UserError as err:
            self.save_message.value = html.escape(str(err))
            return None
        self.save_message.value = html.escape(text["saved_to"].format(path=path))
        return path

    def selected_targeting(self) -> str | None:
        """The dropdown's targeting order, or None for each programme's own order (as in the scenario)."""
        return None if self.targeting.value == AS_SCENARIO else self.targeting.value

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
            self.selected_targeting(),
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
    population_scale: float = PANEL_POPULATION_SCALE,
    reps: int = PANEL_REPS,
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
        population_scale: the share of the district simulated (an imported registry runs whole).
        executor: ``serial`` (in this process, the default) or ``processes``.

    Raises:
        UserError: no scenario, an unknown reference, fewer than one replication.
    """
    loaded = [load_scenario(scenario) for scenario in scenarios]
    loaded = [scenario.replace(population_scale=_scale(scenario, population_scale)) for scenario in loaded]
    given = list(scenarios)
    reference = loaded[given.index(reference)].name if reference in given else reference  # a file: its name
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
        population_scale: the share of the district simulated (an imported registry runs whole).
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
        shown = table.map(lambda chance: format_share(chance, decimals=0)).reset_index()
        self.table.value = shown.to_html(index=False)
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


def _scale(scenario: Scenario, population_scale: float) -> float:
    """The scale a panel runs ``scenario`` at: ``population_scale``, but an imported registry runs whole (1)."""
    return 1.0 if scenario.population.get("registry") else population_scale


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole else math.nan
