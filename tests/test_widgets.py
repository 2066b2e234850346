"""Dashboard functions and widget callbacks (fupin_sim.workbench.widgets), without a browser."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
import yaml

from fupin_sim import UserError, load_scenario
from fupin_sim.config.scenario import SCENARIO_DIR
from fupin_sim.experiments.replications import run_replication
from fupin_sim.workbench import widgets
from fupin_sim.workbench.formatting import MISSING
from fupin_sim.workbench.labels import LABELS
from fupin_sim.workbench.widgets import (
    BudgetDashboard,
    ComparisonDashboard,
    budget_outcomes,
    budget_scenario,
    default_budgets,
    format_outcomes,
    target_probabilities,
)

OUTCOME_KEYS = {
    "p_exit_2016",
    "p_exit_2017",
    "p_villages_2016",
    "p_villages_2017",
    "exit_share_2017",
    "returns_by_2020",
    "cost_per_sustained_exit_cny",
    "transfer_dependent_share",
    "spending_cny",
}
QUICK = {"population_scale": 0.05, "reps": 2}


def test_a_panel_replication_gives_the_yearly_table_and_sustained_exits_of_a_full_run():
    scenario = budget_scenario(default_budgets(), population_scale=0.05)
    number, yearly, sustained = widgets._panel_replication(scenario, 3)
    full = run_replication(scenario, 3)
    pd.testing.assert_frame_equal(yearly, full.yearly)
    changes = full.events[full.events.event.isin(("exit", "return"))]
    last_change_is_exit = changes.groupby("household").event.last() == "exit"
    assert number == 3
    assert sustained == int(last_change_is_exit.sum())
    assert 0 < sustained < len(last_change_is_exit)  # some exits were lost again


def test_default_budgets_are_the_budgeted_programmes_2016_money():
    written = yaml.safe_load((SCENARIO_DIR / "decision_2016.yaml").read_text(encoding="utf-8"))["programmes"]
    expected = {key: float(s["budget_cny"][2016]) for key, s in written.items() if "budget_cny" in s}
    assert default_budgets() == expected
    assert set(expected) == {"infrastructure", "industry", "employment", "relocation", "microcredit"}
    assert expected["industry"] == 20e6  # entitlements (低保, health, education) have no budget and no slider


def test_budget_scenario_sets_each_years_budget_and_every_targeting_order():
    scenario = budget_scenario({"industry": 7e6}, "poorest_first", population_scale=0.1, seed=5)
    assert scenario.programmes["industry"]["budget_cny"] == dict.fromkeys(range(2016, 2021), 7e6)
    assert scenario.programmes["relocation"]["budget_cny"][2016] == 80e6  # not named: as in the scenario
    assert {settings["targeting"] for settings in scenario.programmes.values()} == {"poorest_first"}
    assert (scenario.population_scale, scenario.seed) == (0.1, 5)
    with pytest.raises(UserError, match="no programme 'industri'"):
        budget_scenario({"industri": 1.0})


def test_without_money_the_exit_targets_are_less_likely_than_with_the_decisions_budgets():
    budgets = default_budgets()
    funded = budget_outcomes(budgets, **QUICK)
    unfunded = budget_outcomes(dict.fromkeys(budgets, 0.0), **QUICK)
    assert set(funded) == set(unfunded) == OUTCOME_KEYS
    assert unfunded["p_exit_2016"] < funded["p_exit_2016"]
    assert unfunded["exit_share_2017"] < funded["exit_share_2017"]
    assert unfunded["spending_cny"] < funded["spending_cny"]
    assert all(0 <= funded[key] <= 1 for key in OUTCOME_KEYS if key.startswith("p_") or key.endswith("_share_2017"))
    assert budget_outcomes(budgets, **QUICK) == funded  # same seed, same replications


def test_the_outcome_panel_formats_every_outcome():
    outcomes = dict.fromkeys(OUTCOME_KEYS, 0.5) | {"spending_cny": 1_234_567.0, "p_villages_2017": math.nan}
    panel = format_outcomes(outcomes, "zh")
    assert LABELS["zh"]["outcomes"]["spending_cny"] in panel and "1,234,567" in panel and "50%" in panel
    assert MISSING in panel  # no target: no probability
    assert "returns" not in panel  # every key has its label
    assert format_outcomes({"returns_by_2020": 12.6, "exit_share_2017": 0.61492}, "en").count("13") == 1
    assert "61.5%" in format_outcomes({"exit_share_2017": 0.61492}, "en")


def test_a_slider_change_reruns_the_outcomes_and_updates_the_panel(monkeypatch):
    calls = []

    def fake_outcomes(budgets_cny, targeting, **options):
        calls.append((dict(budgets_cny), targeting, options))
        return dict.fromkeys(OUTCOME_KEYS, budgets_cny["industry"] / 1e8)

    monkeypatch.setattr(widgets, "budget_outcomes", fake_outcomes)
    dashboard = BudgetDashboard(population_scale=0.02, reps=3)
    assert "fupin-outcomes" in dashboard.outcomes._dom_classes
    assert "20%" in dashboard.outcomes.value  # 20 M of industry money, drawn on build
    dashboard.sliders["industry"].value = 30.0
    assert "30%" in dashboard.outcomes.value
    dashboard.targeting.value = "random"
    budgets, targeting, options = calls[-1]
    assert budgets["industry"] == 30e6 and budgets["relocation"] == 80e6 and targeting == "random"
    assert options == {"scenario": "decision_2016", "population_scale": 0.02, "reps": 3, "seed": 20160806}
    assert all(not slider.continuous_update for slider in dashboard.sliders.values())


def test_the_budget_dashboard_runs_the_model():
    dashboard = BudgetDashboard(population_scale=0.02, reps=1)
    before = dashboard.outcomes.value
    assert LABELS["en"]["outcomes"]["p_exit_2016"] in before
    outcomes = dashboard.refresh()
    assert set(outcomes) == OUTCOME_KEYS and dashboard.outcomes.value == before


def test_target_probabilities_one_column_per_target_and_year():
    rows = [
        ("a", 2016, "exit_target_cum", 0.6),
        ("a", 2016, "exit_target_met", 0.25),
        ("a", 2017, "exit_target_cum", 1.0),
        ("a", 2017, "exit_target_met", 0.0),
        ("a", 2016, "village_target_cum", 13.0),
        ("a", 2016, "village_target_met", 1.0),
        ("baseline", 2016, "exit_target_cum", 0.6),
        ("baseline", 2016, "exit_target_met", 0.75),
    ]
    summary = pd.DataFrame(rows, columns=["scenario", "year", "outcome", "mean"])
    table = target_probabilities(summary)
    assert list(table.columns) == ["Exit target 2016 (60%)", "Exit target 2017 (100%)", "Village target 2016 (13)"]
    assert list(table.index) == ["a", "Baseline (no decision)"]
    assert table.loc["a", "Exit target 2016 (60%)"] == 0.25
    assert table.loc["Baseline (no decision)", "Exit target 2016 (60%)"] == 0.75
    assert math.isnan(table.loc["Baseline (no decision)", "Exit target 2017 (100%)"])
    assert target_probabilities(summary, "zh").columns[0] == "2016年脱贫目标（60%）"


def test_the_comparison_dashboard_runs_charts_and_follows_the_selection():
    dashboard = ComparisonDashboard(["decision_2016", "baseline", "transfers_only"], reps=1, population_scale=0.02)
    assert "fupin-target-table" in dashboard.table._dom_classes
    assert "Decision of 2016" in dashboard.table.value and "Baseline (no decision)" in dashboard.table.value
    assert len(dashboard.figures) == 5
    assert not re.search(r"\d\.\d{3}|e[+-]\d", dashboard.table.value)  # probabilities as percentages
    assert "%" in dashboard.table.value
    assert dashboard.result.experiment.reference == "decision_2016"

    dashboard.scenarios.value = ("baseline", "transfers_only")
    assert dashboard.reference.value == "baseline"
    dashboard.reference.value = "transfers_only"
    result = dashboard.run()
    assert result.experiment.reference == "transfers_only"
    assert "Decision of 2016" not in dashboard.table.value

    dashboard.scenarios.value = ()
    assert dashboard.button.disabled and dashboard.run() is None


def test_without_a_targeting_order_each_programme_keeps_the_scenarios():
    scenario = budget_scenario({"industry": 7e6}, population_scale=0.1)
    decision = load_scenario("decision_2016")
    assert {key: s.get("targeting") for key, s in scenario.programmes.items()} == {
        key: s.get("targeting") for key, s in decision.programmes.items()
    }


def test_the_comparison_dashboard_starts_with_the_reference_asked_for():
    dashboard = ComparisonDashboard(
        ["decision_2016", "baseline"],
        selected=("decision_2016", "baseline"),
        reference="baseline",
        reps=1,
        population_scale=0.02,
    )
    assert dashboard.reference.value == "baseline"
    assert dashboard.result.experiment.reference == "baseline"


def test_the_targeting_dropdown_opens_on_the_scenarios_own_targeting_by_name(monkeypatch):
    monkeypatch.setattr(widgets, "budget_outcomes", lambda budgets_cny, targeting, **options: {"targeting": targeting})
    monkeypatch.setattr(widgets, "format_outcomes", lambda outcomes, lang: str(outcomes["targeting"]))
    dashboard = BudgetDashboard(lang="zh")
    assert dashboard.targeting.value == widgets.AS_SCENARIO
    assert dashboard.targeting.label == "按情景设定：最贫困户优先、因户施策、计划摘帽村优先"
    assert dashboard.outcomes.value == "None"  # each programme keeps the scenario's order
    dashboard.targeting.value = "random"
    assert dashboard.outcomes.value == "random"
    assert widgets.scenario_targeting("decision_2016") == ["poorest_first", "cause_matched", "village_plan"]
    assert widgets.as_scenario_label("decision_2016", "en").startswith("As in the scenario: Poorest first, ")


def test_the_front_page_links_every_page_there_in_the_chosen_language(tmp_path):
    from fupin_sim.workbench import dashboard

    (tmp_path / dashboard.PAGES["compare"]).write_text("{}", encoding="utf-8")
    page = dashboard.front_page_html("zh", tmp_path)
    assert f"href='{dashboard.PAGES['compare']}?lang=zh'" in page
    assert LABELS["zh"]["pages"]["compare"][1] in page  # what the page answers
    assert f"href='{dashboard.PAGES['budgets']}" not in page  # no notebook, no link
    assert LABELS["zh"]["unavailable"] in page
    assert f"href='{dashboard.FRONT_PAGE}?lang=en'" in page  # the language switch
    assert all(LABELS["en"]["pages"][key][0] in dashboard.front_page_html("en") for key in dashboard.PAGES)
    assert set(dashboard.available_pages()) >= {"compare", "budgets", "risk", "calibration"}


def test_the_dashboard_stops_idle_kernels_of_closed_pages_unless_told_otherwise():
    from fupin_sim.workbench.dashboard import KERNEL_CULLING, with_kernel_culling

    argv = with_kernel_culling(["notebooks", "--port=9000"])
    assert argv[-2:] == ["notebooks", "--port=9000"]  # Voila's own arguments, unchanged, last
    assert {f"{option}={value}" for option, value in KERNEL_CULLING.items()} == set(argv[:-2])
    given = "--MappingKernelManager.cull_idle_timeout=30"
    argv = with_kernel_culling([given])
    assert given in argv and sum(arg.startswith("--MappingKernelManager.cull_idle_timeout=") for arg in argv) == 1
