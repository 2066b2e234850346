"""The calibration table: every check reads a published figure and a model value."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim.config.scenario import default_parameters
from fupin_sim.experiments.calibration import CHECKS, calibration_table


@pytest.fixture(scope="module")
def table():
    return calibration_table(population_scale=0.1)


def test_every_check_compares_a_documented_figure_with_a_finite_model_value(table):
    assert list(table.figure) == [check.figure for check in CHECKS]
    params = default_parameters()
    for row in table.itertuples():
        figure = params[f"district.{row.figure}"]
        assert row.published == figure.at() and row.source == figure.source and row.confidence == figure.confidence
        assert np.isfinite(row.model), row.figure
        assert row.difference == pytest.approx(row.model - row.published)


def test_the_population_checks_reproduce_the_generator_inputs(table):
    by_figure = table.set_index("figure")
    params = default_parameters()
    assert by_figure.loc["registered_poor_households", "model"] == pytest.approx(
        params.value("district.registered_poor_households"), rel=0.01
    )
    assert by_figure.loc["poor_villages", "model"] == params.value("district.poor_villages")


def test_withdrawing_support_shows_up_as_a_higher_return_risk(table):
    by_figure = table.set_index("figure")
    assert by_figure.loc["return_risk_without_support", "model"] > by_figure.loc["return_risk_with_support", "model"]
