"""Import of a registry export (建档立卡 贫困户登记表) into a population file, privately.

::

    from fupin_sim.registry import import_registry
    report = import_registry("export.xlsx", out="registry/", key_file="~/.config/fupin/registry.key")

The steps, one module each: :mod:`~fupin_sim.registry.reading` (format and encoding detection),
:mod:`~fupin_sim.registry.headers` (title rows, two-row merged headers, the alias table of
:mod:`~fupin_sim.registry.aliases`), :mod:`~fupin_sim.registry.cleaning` (the mess of real exports),
:mod:`~fupin_sim.registry.validation` (ID check digits, codes, heads),
:mod:`~fupin_sim.registry.privacy` (keyed household keys), :mod:`~fupin_sim.registry.building`
(households and members in the model's columns) and :mod:`~fupin_sim.registry.importer`, which
writes the population folder and the import report. :mod:`~fupin_sim.registry.example` writes a
fake export in the real layout from the synthetic population.
"""

from __future__ import annotations

from fupin_sim.registry.importer import import_registry

__all__ = ["import_registry"]
