"""``fupin registry example`` writes a fake export in the real layout; importing it gives back the
synthetic district's registered households, and a model built on it starts from the same state."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fupin_sim.cli import main
from fupin_sim.config.scenario import load_scenario
from fupin_sim.model.population import generate_population
from fupin_sim.model.rng import RandomStreams
from fupin_sim.model.simulation import FupinModel
from fupin_sim.model.villages import VILLAGE_HAVES
from fupin_sim.registry.example import village_names

SCALE = 0.02
SEED = 11


@pytest.fixture(scope="module")
def synthetic():
    scenario = load_scenario("baseline")
    return generate_population(scenario.params, RandomStreams(SEED)["population"], SCALE)


@pytest.fixture(scope="module", params=["xlsx", "csv"])
def imported(request, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp(f"example_{request.param}")
    export, villages = folder / f"export.{request.param}", folder / f"villages.{request.param}"
    example = ["registry", "example", "--out", str(export), "--villages", str(villages)]
    assert main([*example, "--seed", str(SEED), "--scale", str(SCALE)]) == 0
    out = folder / "registry"
    command = ["registry", "import", str(export), str(villages), "--out", str(out)]
    assert main([*command, "--key-file", str(folder / "k" / "registry.key")]) == 0
    return out


def test_import_gives_back_the_registered_households(synthetic, imported):
    hh = synthetic.households
    rows = np.flatnonzero(hh.registered_2015)
    households = pd.read_parquet(imported / "households.parquet")
    villages = pd.read_parquet(imported / "villages.parquet")
    assert len(households) == rows.size
    assert households["size"].tolist() == hh.size[rows].tolist()
    assert households.cause.tolist() == hh.cause[rows].tolist()
    places = village_names(len(synthetic.villages))
    assert villages.village_name[households.village].tolist() == [" ".join(places[v]) for v in hh.village[rows]]
    wage = hh.wage_per_unit_cny_per_year[rows] * hh.labour_units[rows]
    assert np.allclose(households.wage_cny_per_year, wage, atol=0.01)
    assert np.allclose(households.farm_cny_per_year, hh.farm_cny_per_year[rows], atol=0.02)
    for have in ("safe_housing", "safe_water", "electricity", "radio_tv", "insured"):
        assert households[have].tolist() == getattr(hh, have)[rows].tolist(), have


def test_import_gives_back_the_members_and_villages(synthetic, imported):
    persons = pd.read_parquet(imported / "persons.parquet")
    registered = synthetic.households.registered_2015[synthetic.persons.household]
    for column in ("age", "female", "chronic", "disabled", "enrolled"):
        expected = getattr(synthetic.persons, column)[registered]
        assert persons[column].tolist() == expected.tolist(), column
    villages = pd.read_parquet(imported / "villages.parquet")
    assert villages.poor_village.tolist() == synthetic.villages.poor_village.tolist()
    for have in VILLAGE_HAVES:
        assert villages[have].tolist() == getattr(synthetic.villages, have).tolist()
    total = np.bincount(synthetic.households.village, minlength=len(synthetic.villages))
    assert villages.households_total.tolist() == total.tolist()


def test_a_model_on_the_import_starts_where_the_synthetic_one_does(synthetic, imported):
    """Registered households: same size, labour, incomes by source; every village the same size (the
    village file's 总户数), the non-registered households drawn beside them."""
    model = FupinModel(load_scenario({"extends": "baseline", "population": {"registry": str(imported)}}))
    n = int(synthetic.households.registered_2015.sum())
    hh, expected = model.households, synthetic.households
    for column in ("size", "labour_units", "elderly", "chronic_members", "dropouts"):
        assert getattr(hh, column)[:n].tolist() == getattr(expected, column)[:n].tolist(), column
    for column in (
        "wage_per_unit_cny_per_year",
        "pension_cny_per_year",
        "other_transfer_cny_per_year",
        "income_pc_cny",
    ):
        assert np.allclose(getattr(hh, column)[:n], getattr(expected, column)[:n], atol=0.05), column
    assert np.bincount(hh.village).tolist() == np.bincount(expected.village).tolist()
    # the non-registered households are drawn from the seed: their members belong to them, in order
    assert len(model.persons) == hh.size.sum() and np.all(np.diff(model.persons.household) >= 0)
    assert (hh.registered_2015[:n]).all() and not hh.registered_2015[n:].any()


def test_example_report_lists_the_mess(imported):
    report = (imported / "import_report.md").read_text(encoding="utf-8")
    assert "repeated member rows dropped: 0" not in report
    disagreements = pd.read_csv(imported / "income_disagreements.csv", encoding="utf-8-sig")
    assert len(disagreements) >= 1 and (disagreements.stated_income_pc_cny > disagreements.parts_income_pc_cny).all()


def test_the_2015_dibao_in_the_stated_transfers_is_not_paid_twice(synthetic, imported):
    """A 低保户's 转移性收入 holds its 2015 低保: the import takes it out of the other transfers (the
    programme pays 低保 from 2016), and the programme keeps the household enrolled while eligible."""
    model = FupinModel(load_scenario({"extends": "decision_2016", "population": {"registry": str(imported)}}))
    n = int(synthetic.households.registered_2015.sum())
    hh = model.households
    stated = pd.read_parquet(imported / "households.parquet")
    on_dibao = (stated.attribute == "dibao").to_numpy()
    assert on_dibao.any() and hh.dibao_2015[:n].any()
    assert not hh.dibao_2015[:n][~on_dibao].any() and not hh.dibao_2015[n:].any()
    pension_and_other = hh.pension_cny_per_year[:n] + hh.other_transfer_cny_per_year[:n]
    taken_out = stated.transfer_cny_per_year.to_numpy() - pension_and_other
    assert (taken_out[hh.dibao_2015[:n]] > 0).all() and np.allclose(taken_out[~on_dibao], 0, atol=0.05)
    dibao = next(p for p in model.programmes if p.key == "social_assistance")
    assert np.array_equal(dibao.enrolled, hh.dibao_2015)
    model.step()  # the first review: a 2015 低保户 still below the standard stays enrolled, whatever its draw
    eligible_2015_dibao = hh.dibao_2015 & dibao.ever_eligible
    assert eligible_2015_dibao.any() and dibao.enrolled[eligible_2015_dibao].all()
