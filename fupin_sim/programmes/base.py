"""The programme interface: eligibility, delivery and effect, plus budgets.

A programme is built from its scenario settings when the model is built (never
switched on mid-run), then ``init(model)`` once and ``step(model)`` every month.
What it pays goes to the model's ledger; with a yearly budget it never commits
more than the budget left.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

from fupin_sim.settings import Month, Setting

if TYPE_CHECKING:
    from fupin_sim.model import FupinModel

COMMON_SETTINGS = {
    "start": Setting("month", None, "First month of delivery (default: the first simulated month)", nullable=True),
    "budget_cny": Setting(
        "by_year",
        None,
        "Yearly budget in yuan; a year not listed has no money; null means an entitlement without a cap",
        unit="CNY",
        minimum=0,
        nullable=True,
    ),
}


class Programme:
    """Base class of the intervention programmes.

    Subclasses set ``key`` (the scenario key), ``label`` (with the Chinese name),
    ``SETTINGS`` (their own keys), and implement ``init`` and ``step``.

    Args:
        settings: validated settings (see :meth:`specs`).
    """

    key: ClassVar[str]
    label: ClassVar[str]
    SETTINGS: ClassVar[dict[str, Setting]] = {}

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings

    @classmethod
    def specs(cls) -> dict[str, Setting]:
        """All accepted settings: the common ones and the programme's own."""
        return {**COMMON_SETTINGS, **cls.SETTINGS}

    def init(self, model: FupinModel) -> None:
        """Prepare per-household state before the first month."""

    def step(self, model: FupinModel) -> None:
        """Deliver the programme for the model's current month."""

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data (months as text)."""
        return {k: str(v) if isinstance(v, Month) else v for k, v in self.settings.items()}

    def is_active(self, model: FupinModel) -> bool:
        """Whether delivery has started by the model's current month."""
        start = self.settings["start"]
        return start is None or model.current_month.ordinal >= start.ordinal

    def is_review_month(self, model: FupinModel) -> bool:
        """The first active month of a year: when yearly enrolment is decided."""
        if not self.is_active(model):
            return False
        first = Month(model.year, 1)
        for later_start in (self.settings["start"], model.horizon.start):
            if later_start is not None and later_start.ordinal > first.ordinal:
                first = later_start
        return model.current_month == first

    def budget_left_cny(self, model: FupinModel) -> float:
        """Money left this year (``inf`` for an entitlement without a budget)."""
        budget = self.settings["budget_cny"]
        if budget is None:
            return math.inf
        return budget.get(model.year, 0.0) - model.ledger.spent(self.key, model.year)
