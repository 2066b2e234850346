"""The budget panel's replications give the same outcomes in this process and on its worker pool."""

import pytest

from fupin_sim.errors import UserError
from fupin_sim.workbench import widgets

SMALL = {"population_scale": 0.02, "reps": 3}


def test_the_worker_pool_gives_the_serial_outcomes():
    budgets = {**widgets.default_budgets(), "industry": 3e6}
    serial = widgets.budget_outcomes(budgets, workers=1, **SMALL)
    pooled = widgets.budget_outcomes(budgets, workers=2, **SMALL)
    assert pooled == serial
    assert widgets.panel_pool(2) is widgets.panel_pool(2)  # one warm pool for the session


def test_the_panel_defaults_to_the_full_district():
    assert widgets.PANEL_POPULATION_SCALE == 1.0 and widgets.PANEL_REPS >= 8
    assert widgets.budget_scenario({}).population_scale == 1.0


def test_no_workers_is_refused():
    with pytest.raises(UserError, match="workers must be at least 1, got 0"):
        widgets.budget_outcomes(widgets.default_budgets(), workers=0, **SMALL)
