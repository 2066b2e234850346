"""Village delisting by 一低五有: incidence below 3 % and all five haves."""

from __future__ import annotations

import numpy as np
import pytest

from fupin_sim import FupinModel
from fupin_sim.model.assessment import delist_villages, village_incidence
from fupin_sim.model.households import NON_POOR, POOR
from fupin_sim.model.villages import VILLAGE_HAVES


@pytest.fixture
def model_with_village_at(request, small_scenario):
    """A model whose poor village 0 has the given incidence and all five haves."""
    model = FupinModel(small_scenario(0.2))
    model.month_index = 11  # December 2016
    hh = model.households
    members = np.flatnonzero(hh.village == 0)
    hh.status[members] = NON_POOR
    people = hh.size[members].sum()
    poor_people = 0
    for row in members:  # make households poor until the incidence is reached
        if (poor_people + hh.size[row]) / people > request.param:
            continue
        hh.status[row] = POOR
        poor_people += hh.size[row]
    for have in VILLAGE_HAVES:
        getattr(model.villages, have)[0] = True
    return model


@pytest.mark.parametrize("model_with_village_at", [0.02], indirect=True)
def test_village_at_2_percent_without_a_clinic_is_not_delisted(model_with_village_at):
    model = model_with_village_at
    assert 0.01 < village_incidence(model)[0] < 0.03
    model.villages.clinic[0] = False
    assert not delist_villages(model)[0]
    assert model.villages.delisted_year[0] == 0
    model.villages.clinic[0] = True
    assert delist_villages(model)[0]
    assert model.villages.delisted_year[0] == 2016


@pytest.mark.parametrize("model_with_village_at", [0.05], indirect=True)
def test_village_at_5_percent_with_all_haves_is_not_delisted(model_with_village_at):
    model = model_with_village_at
    assert village_incidence(model)[0] >= 0.03
    assert not delist_villages(model)[0]


@pytest.mark.parametrize("model_with_village_at", [0.0], indirect=True)
def test_a_delisted_village_is_delisted_once(model_with_village_at):
    model = model_with_village_at
    assert delist_villages(model)[0]
    model.month_index = 23
    assert not delist_villages(model)[0]
    assert model.villages.delisted_year[0] == 2016


@pytest.mark.parametrize("model_with_village_at", [0.0], indirect=True)
def test_non_poor_villages_are_never_delisted(model_with_village_at):
    model = model_with_village_at
    non_poor = ~model.villages.poor_village
    for have in VILLAGE_HAVES:
        getattr(model.villages, have)[:] = True
    delisted = delist_villages(model)
    assert not delisted[non_poor].any()
