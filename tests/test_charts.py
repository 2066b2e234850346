"""Charts of runs and comparisons (fupin_sim.workbench.charts): lines, bands, targets, labels, fonts, files."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from fupin_sim import load_scenario, run_scenario
from fupin_sim.config.scenario import SCENARIO_DIR
from fupin_sim.experiments.replications import compare
from fupin_sim.programmes import REGISTRY
from fupin_sim.programmes.base import TARGETING_ORDERS
from fupin_sim.workbench import charts
from fupin_sim.workbench.charts import LABELS

SCALE = 0.05
CHARTS = (charts.exit_progress, charts.villages_delisted, charts.returns_and_new_poor, charts.spending_by_programme)


@pytest.fixture(scope="module")
def comparison():
    scenarios = [load_scenario(name).replace(population_scale=SCALE) for name in ("decision_2016", "baseline")]
    return compare(scenarios, reps=2, executor="serial", progress=False)


@pytest.fixture(scope="module")
def run():
    return run_scenario(load_scenario("decision_2016").replace(population_scale=SCALE))


def lines_by_label(ax) -> dict:
    return {line.get_label(): line for line in ax.get_lines()}


def bands(ax) -> list:
    """The filled 5-95 % areas (the legend's sample patch has no paths)."""
    return [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_paths() and c.get_label()[0] == "_"]


def test_exit_progress_draws_each_scenario_with_its_band_and_the_targets(comparison):
    figure = charts.exit_progress(comparison.summary)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    lines = lines_by_label(ax)
    assert set(lines) == {"Decision of 2016", "Baseline (no decision)"}
    summary = comparison.summary.set_index(["scenario", "year", "outcome"])
    np.testing.assert_allclose(
        lines["Decision of 2016"].get_ydata(), summary.xs(("decision_2016", "exit_share_cum"), level=[0, 2])["mean"]
    )
    assert len(bands(ax)) == 2
    targets = ax.collections[-1].get_offsets()
    assert sorted(map(tuple, targets.tolist())) == [(2016, 0.6), (2017, 1.0)]
    assert ax.get_title() == LABELS["en"]["exit_title"]


def test_targets_come_from_the_summary_not_the_code(comparison):
    summary = comparison.summary.copy()
    summary.loc[summary.outcome == "exit_target_cum", "mean"] = 0.5
    targets = charts.exit_progress(summary).axes[0].collections[-1].get_offsets()
    assert {y for _, y in targets.tolist()} == {0.5}


def test_a_single_run_draws_one_line_without_a_band(run):
    for data, label in ((run.yearly, LABELS["en"]["this_run"]), (run, "Decision of 2016")):
        ax = charts.exit_progress(data).axes[0]
        lines = lines_by_label(ax)
        assert list(lines) == [label]
        np.testing.assert_allclose(lines[label].get_ydata(), run.yearly.exit_share_cum)
        assert bands(ax) == []


def test_villages_delisted_against_13_and_26(comparison):
    ax = charts.villages_delisted(comparison).axes[0]
    assert sorted(map(tuple, ax.collections[-1].get_offsets().tolist())) == [(2016, 13), (2017, 26)]
    assert len(lines_by_label(ax)) == 2


def test_returns_and_new_poor_are_counted_for_the_full_district(run):
    figure = charts.returns_and_new_poor(run)
    returns_ax, new_poor_ax = figure.axes
    np.testing.assert_allclose(returns_ax.get_lines()[0].get_ydata(), run.yearly.returns / SCALE)
    np.testing.assert_allclose(new_poor_ax.get_lines()[0].get_ydata(), run.yearly.new_poor / SCALE)
    bare = charts.returns_and_new_poor(run.yearly, population_scale=SCALE).axes[0]
    np.testing.assert_allclose(bare.get_lines()[0].get_ydata(), run.yearly.returns / SCALE)
    assert [ax.get_title() for ax in figure.axes] == [LABELS["en"]["returns_title"], LABELS["en"]["new_poor_title"]]


def test_spending_bars_stack_to_the_programmes_total(run, comparison):
    ax = charts.spending_by_programme(run).axes[0]
    stacked = {}
    for bar in ax.patches:
        year = round(bar.get_x() + bar.get_width() / 2)
        stacked[year] = stacked.get(year, 0.0) + bar.get_height()
    columns = [f"spending_{key}_cny" for key in REGISTRY if f"spending_{key}_cny" in run.yearly]
    expected = run.yearly.set_index("year")[columns].sum(axis=1) / SCALE / LABELS["en"]["money_divisor"]
    assert stacked == pytest.approx(expected.to_dict())
    legend = {text.get_text() for text in ax.figure.legends[0].get_texts()}
    assert LABELS["en"]["programme_names"]["industry"] in legend
    summary = comparison.summary
    baseline_first = pd.concat([summary[summary.scenario == "baseline"], summary[summary.scenario != "baseline"]])
    figure = charts.spending_by_programme(baseline_first)
    assert [ax.get_title() for ax in figure.axes] == ["Baseline (no decision)", "Decision of 2016"]
    legend = {text.get_text() for text in figure.legends[0].get_texts()}
    assert LABELS["en"]["programme_names"]["industry"] in legend  # a programme the first panel lacks


def test_chinese_labels_render_without_missing_glyphs_when_a_cjk_font_is_installed(run, tmp_path):
    if charts.find_cjk_font() is None:
        pytest.skip("no CJK font installed")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for boxes
        for chart in CHARTS:
            figure = chart(run, lang="zh")
            charts.save(figure, tmp_path / f"{chart.__name__}.png")
    assert charts.exit_progress(run, lang="zh").axes[0].get_title() == LABELS["zh"]["exit_title"]


def test_chinese_without_a_cjk_font_falls_back_to_english_with_a_warning(run, monkeypatch):
    monkeypatch.setattr(charts, "find_cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="CJK"):
        figure = charts.villages_delisted(run, lang="zh")
    assert figure.axes[0].get_title() == LABELS["en"]["villages_title"]


def test_save_writes_png_and_svg_by_suffix(run, tmp_path):
    figure = charts.exit_progress(run)
    png = charts.save(figure, tmp_path / "out" / "exits.png")
    svg = charts.save(figure, tmp_path / "exits.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text(encoding="utf-8")
    assert figure._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        charts.save(figure, tmp_path / "exits.pdf")


def test_bad_inputs_are_refused(comparison):
    with pytest.raises(ValueError, match="lang"):
        charts.exit_progress(comparison, lang="fr")
    with pytest.raises(ValueError, match="comparison"):
        charts.exit_progress(comparison.table)  # per-replication rows: not a summary, not one run


def test_both_languages_name_every_programme_scenario_and_targeting_order():
    shipped = {path.stem for path in SCENARIO_DIR.glob("*.yaml")}
    assert LABELS["en"].keys() == LABELS["zh"].keys()
    for lang in ("en", "zh"):
        assert set(REGISTRY) <= set(LABELS[lang]["programme_names"])
        assert shipped <= set(LABELS[lang]["scenario_names"])
        assert set(TARGETING_ORDERS) <= set(LABELS[lang]["targeting_names"])
        assert LABELS[lang]["outcomes"].keys() == LABELS["en"]["outcomes"].keys()
