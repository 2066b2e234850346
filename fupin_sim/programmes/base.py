"""The programme interface: eligibility, delivery and effect, plus budgets.

A programme is built from its scenario settings when the model is built (never
switched on mid-run), then ``init(model)`` once and ``step(model)`` every month.
``step`` runs the yearly ``review`` in the programme's first active month of each
year (enrolment: eligibility, take-up, targeting order, capacity and budget),
applies effects that fall due (lags), and pays the programme's income streams.

Money: one-off costs are posted to the ledger when committed; a paid income
stream (低保, public-welfare wages, subsidies) is committed for the rest of the
year at the review and posted month by month. With a yearly budget a programme
never commits more than is left, so spending never exceeds the budget.

Income streams: a programme adds income to households through named streams,
each feeding one income source (``wage``, ``farm``, ``industry``, ``property``,
``transfer``). Paid streams are direct support, which ``withdraw_from_exited``
removes from exited households; investment returns (sheds, shares, skills) stay.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numba import njit

from fupin_sim.config.settings import Month, Setting
from fupin_sim.model.households import CAUSE_INDEX, EXITED
from fupin_sim.model.income import INCOME_SOURCES

if TYPE_CHECKING:
    from fupin_sim.model.simulation import FupinModel

TARGETING_ORDERS = ("nearest_to_line", "poorest_first", "cause_matched", "village_plan", "random")

COMMON_SETTINGS = {
    "start": Setting("month", None, "First month of delivery (default: the first simulated month)", nullable=True),
    "budget_cny": Setting(
        "by_year",
        None,
        "Yearly budget in yuan; a year not listed has no money; null means an entitlement without a cap",
        unit="CNY",
        minimum=0,
        nullable=True,
        scales=True,
    ),
    "withdraw_from_exited": Setting(
        "integer",
        None,
        "From this year on, exited households lose the programme's direct support (paid streams); null: never",
        minimum=2014,
        nullable=True,
    ),
}


def enrolment_settings(default_targeting: str) -> dict[str, Setting]:
    """Settings of programmes that enrol households: targeting order and yearly capacity."""
    return {
        "targeting": Setting(
            "choice", default_targeting, "Order in which eligible households are served", choices=TARGETING_ORDERS
        ),
        "capacity_per_year": Setting(
            "integer",
            None,
            "Most households enrolled per year; null: no limit but the budget",
            minimum=0,
            nullable=True,
            scales=True,
        ),
    }


class IncomeStream:
    """A programme's contribution to one income source, CNY per household per year.

    Attributes:
        source: the income source it feeds (one of ``INCOME_SOURCES``).
        rate_cny_per_year: per-household annual rate (write into it freely: see :meth:`rows`).
        paid: whether the programme pays it (posted monthly to the ledger, and
            withdrawn from exited households under ``withdraw_from_exited``).
    """

    def __init__(self, source: str, rate_cny_per_year: np.ndarray, paid: bool):
        self.source = source
        self.paid = paid
        self._rate = rate_cny_per_year
        self._rows: np.ndarray | None = None

    @property
    def rate_cny_per_year(self) -> np.ndarray:
        """The rates; whoever reads them may change them, so every read drops the cached :meth:`rows`."""
        self._rows = None
        return self._rate

    @rate_cny_per_year.setter
    def rate_cny_per_year(self, rates: np.ndarray) -> None:
        self._rows = None
        self._rate = rates

    def rows(self) -> np.ndarray:
        """The households with a rate, in row order.

        Paying and accruing the stream every month touch only these rows. They are
        found on a boolean mask (15x faster than on the floats) and kept until the
        rates are next read through :attr:`rate_cny_per_year` (reviews and lagged
        effects write them a few times a year), so a month without changes finds
        them for free. Write the rates through that attribute, not through a
        reference to the array kept from before the last call here.
        """
        if self._rows is None:
            self._rows = np.flatnonzero(self._rate != 0.0)
        return self._rows

    def rates(self) -> np.ndarray:
        """The rates, for reading only (keeps :meth:`rows`): the monthly payment and accrual."""
        return self._rate

    def __repr__(self) -> str:
        return f"IncomeStream(source={self.source!r}, paid={self.paid}, households={self.rows().size})"


class Programme:
    """Base class of the intervention programmes.

    Subclasses set ``key`` (the scenario key), ``label`` (with the Chinese name),
    ``SETTINGS`` (their own keys), ``MATCHED_CAUSES`` (for ``cause_matched``
    targeting) and implement ``review`` (yearly) and, where needed, ``apply_due``
    (lagged effects) and ``monthly``.

    Args:
        settings: validated settings (see :meth:`specs`).
    """

    key: ClassVar[str]
    label: ClassVar[str]
    SETTINGS: ClassVar[dict[str, Setting]] = {}
    MATCHED_CAUSES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings
        self.streams: dict[str, IncomeStream] = {}
        self.enrolled: np.ndarray | None = None
        self.ever_eligible: np.ndarray | None = None
        self._committed_cny = 0.0
        self._enrolled_this_year = 0
        self._due: dict[int, list[np.ndarray]] = defaultdict(list)
        self._take_up_draws: dict[str, np.ndarray] = {}

    @classmethod
    def specs(cls) -> dict[str, Setting]:
        """All accepted settings: the common ones and the programme's own."""
        return {**COMMON_SETTINGS, **cls.SETTINGS}

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data (months as text)."""
        return {k: str(v) if isinstance(v, Month) else v for k, v in self.settings.items()}

    # --- life cycle ------------------------------------------------------------

    def init(self, model: FupinModel) -> None:
        """Prepare per-household state before the first month."""
        self.enrolled = np.zeros(len(model.households), dtype=bool)
        self.ever_eligible = np.zeros(len(model.households), dtype=bool)

    def step(self, model: FupinModel) -> None:
        """One month: the yearly review when due, lagged effects, paid streams."""
        if not self.is_active(model):
            return
        if self.is_review_month(model):
            self._enrolled_this_year = 0
            self._committed_cny = 0.0
            self._withdraw(model)
            self.review(model)
        due = self._due.pop(model.current_month.ordinal, [])
        if due:
            self.apply_due(model, np.concatenate(due))
        self.monthly(model)
        self._pay_streams(model)

    def review(self, model: FupinModel) -> None:
        """Yearly enrolment and re-assessment (first active month of each year)."""

    def apply_due(self, model: FupinModel, rows: np.ndarray) -> None:
        """Apply effects scheduled with :meth:`schedule` that fall due this month."""

    def monthly(self, model: FupinModel) -> None:
        """Monthly delivery beyond paying the streams."""

    def settle_year(self, model: FupinModel) -> None:
        """December, after the month's income and before the verification: year-end settlements."""

    # --- timing ----------------------------------------------------------------

    def is_active(self, model: FupinModel) -> bool:
        """Whether delivery has started by the model's current month."""
        start = self.settings["start"]
        return start is None or model.current_month.ordinal >= start.ordinal

    def is_review_month(self, model: FupinModel) -> bool:
        """The first active month of a year: when yearly enrolment is decided."""
        if not self.is_active(model):
            return False
        first = Month(model.year, 1).ordinal  # compared as ordinals: no Month objects every month
        for later_start in (self.settings["start"], model.horizon.start):
            if later_start is not None and later_start.ordinal > first:
                first = later_start.ordinal
        return model.current_month.ordinal == first

    def schedule(self, model: FupinModel, rows: np.ndarray, lag_months: int) -> None:
        """Have :meth:`apply_due` called for ``rows`` ``lag_months`` from now (0: this month)."""
        if rows.size:
            self._due[model.current_month.ordinal + int(lag_months)].append(rows)

    def months_left_in_year(self, model: FupinModel) -> int:
        """Months from the current one to December, inclusive."""
        return 13 - model.month

    # --- money -----------------------------------------------------------------

    def budget_left_cny(self, model: FupinModel) -> float:
        """Money left this year after what was spent and committed (``inf`` without a budget)."""
        budget = self.settings["budget_cny"]
        if budget is None:
            return math.inf
        return budget.get(model.year, 0.0) - model.ledger.spent(self.key, model.year) - self._committed_cny

    def budget_cny(self, year: int) -> float | None:
        """The budget of ``year`` (``None`` for an entitlement)."""
        budget = self.settings["budget_cny"]
        return None if budget is None else budget.get(year, 0.0)

    def post(self, model: FupinModel, rows: np.ndarray, amounts_cny: np.ndarray | float) -> None:
        """Record a one-off payment for ``rows`` in the ledger."""
        model.ledger.post(self.key, model.year, rows, amounts_cny)

    def stream(self, model: FupinModel, name: str, source: str, paid: bool) -> IncomeStream:
        """The programme's income stream ``name`` (created on first use)."""
        if name not in self.streams:
            if source not in INCOME_SOURCES:
                raise ValueError(f"unknown income source {source}")
            self.streams[name] = IncomeStream(source, np.zeros(len(model.households)), paid)
        return self.streams[name]

    def commit_stream(self, model: FupinModel, name: str, rows: np.ndarray, rate_cny_per_year: np.ndarray) -> None:
        """Set ``rows``' rate of stream ``name`` from this month on.

        For a paid stream the rest of the year is committed against the budget;
        callers check :meth:`budget_left_cny` first (see :meth:`affordable`).
        """
        stream = self.streams[name]
        stream.rate_cny_per_year[rows] = rate_cny_per_year
        if stream.paid:
            committed = np.broadcast_to(np.asarray(rate_cny_per_year, dtype=float), rows.shape)
            self._committed_cny += float(committed.sum() * self.months_left_in_year(model) / 12)

    def _pay_streams(self, model: FupinModel) -> None:
        for stream in self.streams.values():
            if stream.paid:
                paid = stream.rows()
                if paid.size:
                    amounts = stream.rates()[paid] / 12
                    model.ledger.post(self.key, model.year, paid, amounts)
                    self._committed_cny = max(self._committed_cny - float(amounts.sum()), 0.0)

    def _withdraw(self, model: FupinModel) -> None:
        """Stop paid support to exited households once ``withdraw_from_exited`` applies."""
        year = self.settings["withdraw_from_exited"]
        if year is None or model.year < year:
            return
        exited = model.households.status == EXITED
        for stream in self.streams.values():
            if stream.paid:
                stream.rate_cny_per_year[exited] = 0.0

    def withdrawn(self, model: FupinModel) -> np.ndarray:
        """Households that no longer get direct support (exited, after ``withdraw_from_exited``)."""
        year = self.settings["withdraw_from_exited"]
        if year is None or model.year < year:
            return np.zeros(len(model.households), dtype=bool)
        return model.households.status == EXITED

    # --- enrolment ---------------------------------------------------------------

    def note_eligible(self, eligible: np.ndarray) -> None:
        """Record that the households ``eligible`` (a boolean mask or rows) were offered the programme this year.

        Every review calls it with the households it offers the programme to (before take-up,
        targeting, capacity and budget), so ``ever_eligible`` says who the programme was for,
        not only who it reached: the 一户一策 plans list both.
        """
        self.ever_eligible[eligible] = True

    def take_up(self, model: FupinModel, rows: np.ndarray, base_prob: float, offer: str = "") -> np.ndarray:
        """The ``rows`` that accept the offer.

        The probability rises with the household's motivation and with how many of
        the village's earlier participants are now above the line (what neighbours
        who joined earned), around ``base_prob``. Each household keeps one draw per
        offer for the whole run, so one that declines declines again next year unless
        its motivation or its neighbours' success changes.

        Args:
            model: the model.
            rows: households offered.
            base_prob: take-up probability of an average household.
            offer: the instrument offered, when a programme has several.
        """
        params, hh = model.params, model.households
        prob = (
            base_prob
            + params.value("takeup.motivation_weight") * (hh.motivation[rows] - 0.5)
            + params.value("takeup.neighbour_weight") * self._neighbour_success(model)[hh.village[rows]]
        )
        if offer not in self._take_up_draws:
            self._take_up_draws[offer] = model.streams[f"{self.key}.take_up.{offer}"].random(len(hh))
        return rows[self._take_up_draws[offer][rows] < np.clip(prob, 0.0, 1.0)]

    def _neighbour_success(self, model: FupinModel) -> np.ndarray:
        """Per village: share of this programme's participants now above the line."""
        hh, n = model.households, len(model.villages)
        line = model.params.value("poverty_line.exit_line", model.year - 1)
        joined, above = _participants_by_village(hh.village, self.enrolled, hh.income_pc_cny, line, n)
        return np.divide(above, joined, out=np.zeros(n), where=joined > 0)

    def in_targeting_order(self, model: FupinModel, rows: np.ndarray) -> np.ndarray:
        """``rows`` sorted by the programme's targeting order, poorest first among equals (ties by row).

        ``village_plan`` serves first the households of poor villages planned for
        delisting by this year and not yet delisted (see :func:`fupin_sim.model.villages.plan_delisting`).
        """
        hh = model.households
        income = hh.income_pc_cny[rows]
        how = self.settings.get("targeting", "poorest_first")
        if how == "poorest_first":
            primary = income
        elif how == "nearest_to_line":
            gap = model.params.value("poverty_line.exit_line", model.year) - income
            primary = np.where(gap > 0, gap, np.inf)  # already above the line: last
        elif how == "cause_matched":
            matched = np.isin(hh.cause[rows], [CAUSE_INDEX[c] for c in self.MATCHED_CAUSES])
            primary = np.where(matched, 0.0, 1.0)
        elif how == "village_plan":
            planned = model.villages.planned_year[hh.village[rows]]
            due = (planned > 0) & (planned <= model.year) & (model.villages.delisted_year[hh.village[rows]] == 0)
            primary = np.where(due, 0.0, 1.0)
        else:
            primary = model.streams[f"{self.key}.targeting"].random(len(hh))[rows]
        return rows[np.lexsort((rows, income, primary))]

    def affordable(
        self, model: FupinModel, rows_in_order: np.ndarray, cost_cny: np.ndarray | float, capacity: int | None = None
    ) -> np.ndarray:
        """The longest prefix of ``rows_in_order`` within capacity and the budget left.

        Args:
            model: the model.
            rows_in_order: candidate rows, in the order they are served.
            cost_cny: what each costs (per row or a scalar).
            capacity: places for this offer, on top of what is left of
                ``capacity_per_year`` this year (where the programme has one).
        """
        cost = np.broadcast_to(np.asarray(cost_cny, dtype=float), rows_in_order.shape)
        limits = [] if capacity is None else [capacity]
        if self.settings.get("capacity_per_year") is not None:
            limits.append(self.settings["capacity_per_year"] - self._enrolled_this_year)
        if limits:
            keep = max(min(limits), 0)
            rows_in_order, cost = rows_in_order[:keep], cost[:keep]
        within = np.cumsum(cost) <= self.budget_left_cny(model) + 1e-9
        return rows_in_order[within]

    def enrol(
        self,
        model: FupinModel,
        eligible: np.ndarray,
        base_take_up: float,
        cost_cny: np.ndarray | float = 0.0,
        capacity: int | None = None,
        exclude_enrolled: bool = True,
        offer: str = "",
    ) -> np.ndarray:
        """Offer the programme (or one of its instruments) to ``eligible`` households not withdrawn.

        Take-up, then targeting order, then capacity and budget decide who joins.

        Args:
            model: the model.
            eligible: boolean mask over households.
            base_take_up: take-up probability of an average household.
            cost_cny: what each household costs this year if it joins (one-off cost
                plus the rest of the year of any paid stream), per household or a scalar.
            capacity: places for this offer (see :meth:`affordable`).
            exclude_enrolled: leave out households already enrolled in the programme.
            offer: the instrument offered, when a programme has several (see :meth:`take_up`).

        Returns:
            The rows enrolled, in targeting order; the caller posts their costs and
            starts their streams.
        """
        offered = eligible & ~self.withdrawn(model)
        self.note_eligible(offered)
        if exclude_enrolled:
            offered &= ~self.enrolled
        accepted = self.take_up(model, np.flatnonzero(offered), base_take_up, offer)
        ordered = self.in_targeting_order(model, accepted)
        cost = np.broadcast_to(np.asarray(cost_cny, dtype=float), (len(model.households),))[ordered]
        joined = self.affordable(model, ordered, cost, capacity)
        self.enrolled[joined] = True
        self._enrolled_this_year += joined.size
        return joined


@njit(cache=True)
def _participants_by_village(village, enrolled, income_pc_cny, line_cny, n_villages):
    """Kernel of :meth:`Programme._neighbour_success`: per village, the participants and those of
    them above ``line_cny``, counted in one pass over the participants (the same float counts
    as ``group_sum`` of ``enrolled`` and of ``enrolled & (income > line)``)."""
    joined = np.zeros(n_villages)
    above = np.zeros(n_villages)
    for row in range(village.size):
        if enrolled[row]:
            joined[village[row]] += 1.0
            if income_pc_cny[row] > line_cny:
                above[village[row]] += 1.0
    return joined, above
