"""Intervention programmes and the registry that builds them from scenario YAML.

Each programme module holds one class with ``key``, ``SETTINGS``, ``init`` and
``step`` (see :mod:`fupin_sim.programmes.base`). The scenario's ``programmes:``
mapping names programmes by key; an unknown key is an error.
"""

from __future__ import annotations

from typing import Any

from fupin_sim.errors import ScenarioError
from fupin_sim.programmes.base import Programme
from fupin_sim.programmes.social_assistance import SocialAssistance
from fupin_sim.settings import Horizon, did_you_mean, validate_settings

REGISTRY: dict[str, type[Programme]] = {cls.key: cls for cls in (SocialAssistance,)}


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


def build_programmes(validated: dict[str, dict[str, Any]]) -> list[Programme]:
    """Instantiate programmes from validated settings, in registry order."""
    return [cls(validated[key]) for key, cls in REGISTRY.items() if key in validated]
