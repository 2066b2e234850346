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
from fupin_sim.model.villages import VILLAGE_HAVES
from fupin_sim.programmes import REGISTRY
from fupin_sim.programmes.base import TARGETING_ORDERS
from fupin_sim.workbench import charts
from fupin_sim.workbench.labels import LABELS
from fupin_sim.workbench.risk import FLAGS

SCALE = 0.05
CHARTS = (
    charts.exit_progress,
    charts.villages_delisted,
    charts.returns_and_new_poor,
    charts.spending_by_programme,
    charts.exits_by_pathway,
)


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


PATHWAYS = ("wage", "farm", "industry", "property", "haves", "transfer")


def village_table() -> pd.DataFrame:
    """Three poor villages and a non-poor one over three years (the form of RunResult.villages)."""
    rows = []
    for village, delisted, lacking in (
        (0, 2016, ()),
        (1, 2017, ("road",)),
        (2, 0, ("clinic", "broadband")),
        (3, 0, ()),
    ):
        for offset, year in enumerate((2016, 2017, 2018)):
            haves = {have: have not in lacking for have in VILLAGE_HAVES}
            rows.append(
                {
                    "village": village,
                    "year": year,
                    "poor_village": village < 3,
                    "incidence": 0.2 - 0.05 * offset + 0.01 * village,
                    "delisted_year": delisted,
                    **haves,
                }
            )
    return pd.DataFrame(rows)


def test_exits_by_pathway_stack_to_the_exits_with_transfers_on_top(run):
    ax = charts.exits_by_pathway(run).axes[0]
    by_year: dict[int, list] = {}
    for bar in ax.patches:
        by_year.setdefault(round(bar.get_x() + bar.get_width() / 2), []).append(bar)
    yearly = run.yearly.set_index("year")
    expected = yearly[[f"exits_via_{p}" for p in PATHWAYS]].sum(axis=1) / SCALE
    assert {year: sum(b.get_height() for b in bars) for year, bars in by_year.items()} == pytest.approx(
        expected.to_dict()
    )
    for year, bars in by_year.items():
        top = bars[-1]  # drawn last, from the highest base
        assert top.get_y() == max(bar.get_y() for bar in bars)
        assert top.get_height() == pytest.approx(yearly.at[year, "exits_via_transfer"] / SCALE)
    legend = [text.get_text() for text in ax.figure.legends[0].get_texts()]
    assert legend == [LABELS["en"]["pathway_names"][p] for p in PATHWAYS]


def test_calibration_rows_are_figures_relative_to_the_published_value_in_both_table_forms():
    current = pd.DataFrame(
        {
            "figure": ["a", "b"],
            "unit": ["households", "share"],
            "published": [100.0, 0.2],
            "model": [50.0, 0.4],
        }
    )
    ax = charts.calibration(current).axes[0]
    rows = dict(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True))
    assert [rows[position] for position in sorted(rows, reverse=True)] == ["a", "b"]  # first figure on top
    dots = ax.collections[0].get_offsets()
    assert sorted(map(tuple, dots.tolist())) == [(0.5, 1.0), (2.0, 0.0)]
    extended = current.assign(
        p05=[40.0, 0.3], p95=[60.0, 0.5], low=[90.0, 0.18], high=[110.0, 0.22], within=False, held_out=[False, True]
    )
    ax = charts.calibration(extended, "zh" if charts.find_cjk_font() else "en").axes[0]
    text = LABELS["zh" if charts.find_cjk_font() else "en"]
    assert f"b ({text['held_out']})" in [t.get_text() for t in ax.get_yticklabels()]
    intervals = [c for c in ax.collections if c.get_label() == text["model_interval"]][0]
    assert [segment[:, 0].tolist() for segment in intervals.get_segments()] == [
        pytest.approx([0.4, 0.6]),
        pytest.approx([1.5, 2.5]),
    ]
    notes = [t.get_text() for t in ax.texts]
    assert any("50" in note and "100" in note for note in notes) and any("40.0%" in note for note in notes)


def test_calibration_draws_the_model_before_calibration_beside_the_model_after():
    after = pd.DataFrame(
        {
            "figure": ["a", "b"],
            "unit": ["households", "share"],
            "published": [100.0, 0.2],
            "model": [90.0, 0.25],
        }
    )
    before = after.assign(model=[40.0, 0.6]).iloc[::-1]  # matched by figure, not by row
    ax = charts.calibration(after, before=before).axes[0]
    text = LABELS["en"]
    rings = [c for c in ax.collections if c.get_label() == text["model_before"]][0]
    assert sorted(map(tuple, rings.get_offsets().tolist())) == [pytest.approx((0.4, 1.0)), pytest.approx((3.0, 0.0))]
    assert ax.get_xlim()[1] >= 3.0 * 1.5 - 1e-9  # the ring far from 100 % is inside the axis
    notes = [t.get_text() for t in ax.texts]
    assert any("90" in note and f"{text['before']} 40" in note for note in notes)
    assert any(f"{text['before']} 60.0%" in note for note in notes)
    with pytest.raises(ValueError, match="lacks the figures b"):
        charts.calibration(after, before=before[before.figure == "a"])


def test_the_village_grid_outlines_the_delisting_year_and_names_the_missing_haves():
    figure = charts.village_grid(village_table())
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Village 0", "Village 1", "Village 2"]  # poor only
    outlined = sorted((round(p.get_x() + 0.5), round(p.get_y() + 0.5)) for p in ax.patches if not p.get_fill())
    assert outlined == [(0, 0), (1, 1)]  # village 0 in 2016, village 1 in 2017; village 2 not delisted
    notes = [t.get_text() for t in ax.texts]
    assert LABELS["en"]["all_haves"] in notes
    assert "missing: Hardened road" in notes and "missing: Clinic, Broadband" in notes
    assert "20.0%" in notes  # each cell labelled with its incidence
    assert len(charts.village_grid(village_table(), poor_only=False).axes[0].get_yticklabels()) == 4
    named = village_table().assign(village_name=lambda t: "V" + t.village.astype(str))
    assert [t.get_text() for t in charts.village_grid(named).axes[0].get_yticklabels()] == ["V0", "V1", "V2"]


def test_at_risk_bars_are_sorted_with_the_most_households_on_top():
    households = pd.DataFrame(
        {
            "household": range(6),
            "village": [1, 1, 1, 2, 2, 3],
            "cause": ["illness", "illness", "disability", "illness", "other", "other"],
            "people": [2, 3, 1, 4, 2, 1],
            "at_risk": [True, True, False, True, False, False],
            "monitored": [True, False, False, False, False, False],
            **{flag: [False] * 6 for flag in FLAGS},
        }
    )
    ax = charts.at_risk_bars(households, "village").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Village 3", "Village 2", "Village 1"]
    assert [bar.get_width() for bar in ax.patches] == [0, 1, 2]
    ax = charts.at_risk_bars(households, "cause", top=2).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Disability", "Illness"]


def test_every_new_chart_draws_in_chinese_and_saves_as_png_and_svg(run, tmp_path):
    if charts.find_cjk_font() is None:
        pytest.skip("no CJK font installed")
    table = pd.DataFrame({"figure": ["a"], "unit": ["share"], "published": [0.2], "model": [0.3]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures = {
            "pathways": charts.exits_by_pathway(run, "zh"),
            "calibration": charts.calibration(table, "zh"),
            "villages": charts.village_grid(village_table(), "zh"),
        }
        for key, figure in figures.items():
            assert charts.save(figure, tmp_path / f"{key}.png").stat().st_size > 0
            assert "<svg" in charts.save(figure, tmp_path / f"{key}.svg").read_text(encoding="utf-8")
    assert figures["villages"].axes[0].get_yticklabels()[0].get_text() == "0号村"
