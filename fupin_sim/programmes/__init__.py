"""Intervention programmes and the registry that builds them from scenario YAML.

Each module in this package holds one :class:`~fupin_sim.programmes.base.Programme`
subclass with a ``key``; the registry finds them all, so adding a programme is
adding a module. The scenario's ``programmes:`` mapping names programmes by key;
an unknown key is an error. Programmes run each month in the order of their keys.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from fupin_sim.config.settings import Horizon, did_you_mean, scaled, validate_settings
from fupin_sim.errors import ScenarioError
from fupin_sim.programmes.base import Programme


def _discover() -> dict[str, type[Programme]]:
    """Import every module of this package and map each programme's key to its class."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    found = {cls.key: cls for cls in Programme.__subclasses__() if hasattr(cls, "key")}
    return dict(sorted(found.items()))


REGISTRY: dict[str, type[Programme]] = _discover()


def validate_programmes(given: Any, file: str, horizon: Horizon) -> dict[str, dict[str, Any]]:
    """Validate the scenario's ``programmes`` mapping; returns settings with defaults filled.

    Raises:
        ScenarioError: for an unknown programme or a bad setting.
    """
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ScenarioError(file, "programmes", "expected a mapping of programme name to settings")
    validated = {}
    for key, settings in given.items():
        if key not in REGISTRY:
            raise ScenarioError(file, f"programmes.{key}", "unknown programme", did_you_mean(key, REGISTRY))
        validated[key] = validate_settings(REGISTRY[key].specs(), settings or {}, file, f"programmes.{key}", horizon)
    return validated


def build_programmes(validated: dict[str, dict[str, Any]], scale: float = 1.0) -> list[Programme]:
    """Instantiate programmes from validated settings, in registry order.

    Budgets, capacities and per-village money scale with the population (``scale``),
    so a scaled district gets the same policy intensity per household.
    """
    return [cls(scaled(cls.specs(), validated[key], scale)) for key, cls in REGISTRY.items() if key in validated]
