"""Generic fixtures shared by the test modules (keep this file small and generic)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from fupin_sim import Scenario, load_scenario


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
