"""Generic fixtures shared by the test modules (keep this file small and generic)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from fupin_sim import Scenario, load_scenario
from fupin_sim.config.settings import Setting, scaled


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Factory: write a scenario mapping as ``<tmp_path>/<name>.yaml`` and return its path."""

    def write(content: Mapping[str, Any], name: str = "scenario") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(dict(content), allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def small_scenario() -> Callable[..., Scenario]:
    """Factory: the resolved baseline on a scaled-down district, with top-level keys changed."""

    def make(scale: float = 0.05, **changes: Any) -> Scenario:
        data = load_scenario("baseline").to_dict()
        data.update(population_scale=scale, **changes)
        return load_scenario(data)

    return make


@pytest.fixture
def small_scenario_file(write_scenario) -> Callable[..., Path]:
    """Factory: a scenario file extending ``base`` on a scaled-down district, with keys added."""

    def write(name: str, base: str = "baseline", scale: float = 0.05, **changes: Any) -> Path:
        return write_scenario({"extends": base, "population_scale": scale, **changes}, name=name)

    return write


def _full_district(value: Any, scale: float) -> Any:
    """The full-district scenario value that a run at ``population_scale`` ``scale`` turns into ``value``.

    Budgets, capacities and per-village money are written for the whole district and
    multiplied by the scale when the model is built (``fupin_sim.config.settings.scaled``);
    this is the inverse, for a test that wants an exact effective value. Integers stay
    integers; mappings (budgets by year) are converted value by value. Raises if the
    product would not give back ``value`` exactly, so a test never asserts against a
    value the model does not use.
    """
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {key: _full_district(v, scale) for key, v in value.items()}
    integer = isinstance(value, int) and not isinstance(value, bool)
    full = int(round(value / scale)) if integer else value / scale
    spec = Setting("integer" if integer else "number", None, "test value", scales=True)
    back = scaled({"value": spec}, {"value": full}, scale)["value"]
    if back != value:
        raise ValueError(f"{value!r} has no exact full-district value at scale {scale}: {full!r} gives {back!r}")
    return full


@pytest.fixture
def full_district() -> Callable[[Any, float], Any]:
    """Factory: ``full_district(value, scale)``, the scenario value (whole district) giving ``value`` at ``scale``.

    For budgets (``{year: CNY}`` or a number), capacities (integers) and per-village costs,
    which scale with ``population_scale``.
    """
    return _full_district
