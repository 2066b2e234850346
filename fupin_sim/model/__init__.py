"""The simulation: household and village columns, the synthetic population, income, shocks,
the annual verification (一超六有, 一低五有), the ledger, random streams and :class:`FupinModel`.

Nothing here imports :mod:`fupin_sim.experiments` or :mod:`fupin_sim.workbench`. The package
itself imports nothing eagerly, so that :mod:`fupin_sim.programmes` can use the household columns
while :class:`~fupin_sim.model.simulation.FupinModel` builds programmes.
"""

from __future__ import annotations

__all__ = ["FupinModel"]


def __getattr__(name: str):
    """``FupinModel`` on first use (``from fupin_sim.model import FupinModel``)."""
    if name == "FupinModel":
        from fupin_sim.model.simulation import FupinModel

        return FupinModel
    raise AttributeError(f"module 'fupin_sim.model' has no attribute {name!r}")
