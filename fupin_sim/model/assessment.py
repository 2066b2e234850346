"""The annual verification in December: 一超六有 for households, 一低五有 for villages.

Order within the review: returns of previously exited households (income below
the return bar, :func:`return_bar_cny`, or a have lost, when the review identifies
them: ``assessment.return_detection_prob``), exits of registered households (income above the
line by ``assessment.exit_margin_share``, all six haves), then identification of
new poor among the rest (income below the line), then village delisting. A
household exactly on the line neither exits nor returns. Every status change is an event row with the household's
per-capita income, its margin over the line and its transfer share, so exits on
paper (carried by transfers, just over the line) can be told from real ones:

- an exit's ``pathway`` is the income source that rose most since the household
  entered the registry (``haves`` when no source rose: a have was fixed);
- an exit is ``transfer_dependent`` (输血 rather than 造血) when, without the
  transfers it gained since entry, its income would not clear the line;
- a return's ``reason`` is ``illness`` when the household would be above the line
  but for its medical bills, ``haves`` when it lost a have, else ``income``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numba import njit

from fupin_sim.model.columns import dot, group_sum
from fupin_sim.model.households import CAUSES, COMPULSORY_SCHOOL_AGES, EXITED, NON_POOR, POOR
from fupin_sim.model.income import INCOME_SOURCES, income_by_source

if TYPE_CHECKING:
    from fupin_sim.model.simulation import FupinModel

PATHWAYS = (*INCOME_SOURCES, "haves")
RETURN_REASONS = ("illness", "income", "haves")
EVENT_COLUMNS = [
    "year",
    "event",
    "household",
    "village",
    "people",
    "cause",
    "registered_2015",
    "income_pc_cny",
    "line_cny",
    "margin_share",
    "transfer_share",
]


def record_verified_income(model: FupinModel) -> None:
    """Set this year's per-capita incomes and transfer share of every household.

    Gross income is wages + farming/business + broiler + property + transfers; the
    verified (net) income deducts the deductible share of out-of-pocket medical
    spending. Both are per person. The income they replace is kept as
    ``previous_income_pc_cny`` (for the monitoring rule's sharp-drop test).
    """
    hh = model.households
    _record_incomes(
        hh.size,
        hh.ytd_wage_cny,
        hh.ytd_farm_cny,
        hh.ytd_industry_cny,
        hh.ytd_property_cny,
        hh.ytd_transfer_cny,
        hh.ytd_programme_transfer_cny,
        hh.ytd_medical_oop_cny,
        model.params.value("assessment.medical_deduction_share"),
        hh.previous_income_pc_cny,
        hh.income_pc_cny,
        hh.gross_income_pc_cny,
        hh.earned_income_pc_cny,
        hh.programme_transfer_pc_cny,
        hh.transfer_share,
    )


@njit(cache=True)
def _record_incomes(
    size,
    wage,
    farm,
    industry,
    property_income,
    transfer,
    programme_transfer,
    medical_oop,
    medical_deduction_share,
    previous_income_pc,
    income_pc,
    gross_income_pc,
    earned_income_pc,
    programme_transfer_pc,
    transfer_share,
):
    """Kernel of :func:`record_verified_income`, one pass over the households, with the
    operations in the order NumPy ran them (so the incomes are bit-identical)."""
    for row in range(size.size):
        earned = wage[row] + farm[row] + industry[row] + property_income[row]
        gross = earned + transfer[row]
        net = gross - medical_deduction_share * medical_oop[row]
        previous_income_pc[row] = income_pc[row]
        earned_income_pc[row] = earned / size[row]
        programme_transfer_pc[row] = programme_transfer[row] / size[row]
        gross_income_pc[row] = gross / size[row]
        income_pc[row] = net / size[row]
        transfer_share[row] = transfer[row] / gross if gross > 0 else 0.0


def exit_bar_cny(model: FupinModel) -> float:
    """Per-capita income a registered household must exceed to exit this year: the exit
    line raised by ``assessment.exit_margin_share``."""
    line = model.params.value("poverty_line.exit_line", model.year)
    return line * (1.0 + model.params.value("assessment.exit_margin_share"))


def return_bar_cny(model: FupinModel) -> float:
    """Per-capita income below which an exited household is recorded as returned this year.

    The line returns are judged against (``assessment.return_line_national_weight`` between
    the exit line, 0, and the national line, 1), lowered by ``assessment.return_margin_share``:
    the review records a stable fall, not every December dip.
    """
    p, year = model.params, model.year
    weight = p.value("assessment.return_line_national_weight")
    line = (1.0 - weight) * p.value("poverty_line.exit_line", year) + weight * p.value(
        "poverty_line.national_line", year
    )
    return line * (1.0 - p.value("assessment.return_margin_share"))


def transfer_dependent(model: FupinModel, rows: np.ndarray) -> np.ndarray:
    """Whether each household in ``rows`` is transfer-dependent (输血 rather than 造血): without
    the transfers it gained since it entered the registry, its verified income would not
    clear this year's exit bar (:func:`exit_bar_cny`).

    Args:
        model: the model, after this year's incomes were recorded (:func:`record_verified_income`).
        rows: household rows.
    """
    hh = model.households
    transfer = INCOME_SOURCES.index("transfer")
    gained_cny = np.maximum(hh.ytd_transfer_cny[rows] - model.entry_income_by_source[transfer, rows], 0.0)
    return hh.income_pc_cny[rows] - gained_cny / hh.size[rows] <= exit_bar_cny(model)


def monitoring_flags(model: FupinModel, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The 2020 monitoring rule (防止返贫监测, DOMAIN.md section 5) for households ``rows``.

    Read after a December verification: ``monitoring_income`` (per-capita income below
    ``assessment.monitoring_income_multiple`` × the national line), ``monitoring_spending``
    (medical spending this year above gross income) and ``monitoring_drop`` (income fell by
    more than ``assessment.monitoring_income_drop_share`` since last year). A household
    with any of them is monitored.
    """
    hh, p, year = model.households, model.params, model.year
    income_pc, previous_pc = hh.income_pc_cny[rows], hh.previous_income_pc_cny[rows]
    return {
        "monitoring_income": income_pc
        < p.value("assessment.monitoring_income_multiple") * p.value("poverty_line.national_line", year),
        "monitoring_spending": hh.ytd_medical_oop_cny[rows] > hh.gross_income_pc_cny[rows] * hh.size[rows],
        "monitoring_drop": (previous_pc > 0)
        & (income_pc < (1.0 - p.value("assessment.monitoring_income_drop_share")) * previous_pc),
    }


def verify_year(model: FupinModel, with_events: bool = True) -> tuple[dict, pd.DataFrame | None]:
    """Run December's verification; update statuses and villages.

    Args:
        model: the model, in December after the month's income.
        with_events: also build the year's event rows (``False``: the counts alone, for
            a run that keeps only the yearly table).

    Returns:
        The year's counts (a row of the yearly table, without targets and money)
        and the year's household events (``None`` without them).
    """
    hh, villages, p, year = model.households, model.villages, model.params, model.year
    record_verified_income(model)
    income_pc = hh.income_pc_cny
    line = p.value("poverty_line.exit_line", year)
    haves = hh.six_haves()

    reviewed = model.streams["return_review"].random(len(hh)) < p.value("assessment.return_detection_prob")
    returns = (hh.status == EXITED) & ((income_pc < return_bar_cny(model)) | ~haves) & reviewed
    re_exits_before = hh.exit_year > 0
    exit_bar = exit_bar_cny(model)
    exits = (hh.status == POOR) & (income_pc > exit_bar) & haves
    detected = model.streams["identification"].random(len(hh)) < p.value("assessment.new_poor_detection_prob")
    new_poor = (hh.status == NON_POOR) & (income_pc < line) & detected

    hh.status[returns] = POOR
    hh.times_returned[returns] += 1
    hh.status[exits] = EXITED
    hh.exit_year[exits] = year
    hh.status[new_poor] = POOR
    hh.entry_year[new_poor] = year
    model.entry_income_by_source[:, new_poor] = income_by_source(hh, new_poor)

    pathways = _pathways(income_by_source(hh, exits) - model.entry_income_by_source[:, exits])
    dependent = transfer_dependent(model, np.flatnonzero(exits))
    reasons = _return_reasons(model, returns, return_bar_cny(model))
    exit_margins = hh.income_pc_cny[exits] / line - 1.0
    events = _events(model, line, returns, exits, new_poor, reasons, pathways, dependent) if with_events else None

    delisted_now = delist_villages(model)
    registered = hh.registered_2015
    poor = hh.status == POOR
    registered_people = int(hh.size[registered].sum())
    exited_people = int(hh.size[registered & (hh.status == EXITED)].sum())
    counts = {
        "exit_line_cny": line,
        "exits_households": int(exits.sum()),
        "exits_people": int(hh.size[exits].sum()),
        "re_exits_households": int((exits & re_exits_before).sum()),
        "exits_transfer_dependent": int(dependent.sum()),
        "exits_own_earnings": int((~dependent).sum()),
        "exits_thin_margin": int((exit_margins < p.value("assessment.thin_margin_share")).sum()),
        "exit_margin_median": float(np.median(exit_margins)) if exit_margins.size else None,
        **{f"exits_via_{name}": int((pathways == name).sum()) for name in PATHWAYS},
        "registered_2015_people": registered_people,
        "exited_2015_people": exited_people,
        "exit_share_cum": exited_people / registered_people,
        "returns_households": int(returns.sum()),
        "returns_people": int(hh.size[returns].sum()),
        **{f"returns_{reason}": int((reasons == reason).sum()) for reason in RETURN_REASONS},
        "new_poor_households": int(new_poor.sum()),
        "new_poor_people": int(hh.size[new_poor].sum()),
        "registered_poor_households_end": int(poor.sum()),
        "registered_poor_people_end": int(hh.size[poor].sum()),
        "incidence": float(hh.size[poor].sum() / hh.size.sum()),
        "poverty_gap_cny": poverty_gap_cny(model, poor),
        "villages_delisted": int(delisted_now.sum()),
        "villages_delisted_cum": int((villages.delisted_year > 0).sum()),
        **guarantees(model),
    }
    return counts, events


def poverty_gap_cny(model: FupinModel, rows: np.ndarray) -> float:
    """Yuan a year that would lift every household in ``rows`` to this year's exit bar.

    The sum over the households below :func:`exit_bar_cny` of the per-person
    shortfall times household size: what transfers alone would have to pay to
    take them over the income test (a household above the bar that fails a have
    adds nothing: money does not give it the have this year).

    Args:
        model: the model, after this year's incomes were recorded.
        rows: household rows or a boolean mask (the registered poor, for the yearly table).
    """
    hh = model.households
    shortfall_pc = np.maximum(exit_bar_cny(model) - hh.income_pc_cny[rows], 0.0)
    return dot(shortfall_pc, hh.size[rows])


def employed(model: FupinModel) -> np.ndarray:
    """Households with at least one employed person.

    Employed: a labour unit working away (migrant), a local wage per labour unit of
    at least ``employment.steady_job_wage_cny_per_year`` (a steady job, not
    occasional day labour), or a job a programme brought (a placement after
    training, a public-welfare post: any programme ``wage`` stream).
    """
    hh = model.households
    steady_wage_cny = model.params.value("employment.steady_job_wage_cny_per_year")
    result = ((hh.labour_units > 0) & (hh.wage_per_unit_cny_per_year >= steady_wage_cny)) | (hh.migrant_units > 0)
    for programme in model.programmes:
        for stream in programme.streams.values():
            if stream.source == "wage":
                result |= stream.rate_cny_per_year > 0
    return result


def employed_share(model: FupinModel) -> float:
    """The decision's goal: share of registered households with labour that have an employed person.

    Registered: currently poor or exited (ever registered); ``nan`` when there are none.
    """
    hh = model.households
    group = hh.ever_registered() & (hh.labour_units > 0)
    return float(employed(model)[group].mean()) if group.any() else float("nan")


def guarantees(model: FupinModel) -> dict[str, float]:
    """The 两不愁三保障 checks among households ever registered (poor or exited), as shares.

    ``employed_share``: see :func:`employed_share`; ``no_dropout_share``: households
    with compulsory-age children, none out of school; ``safe_housing_share`` and
    ``insured_share``: all of them.
    """
    hh = model.households
    ever = hh.ever_registered()
    persons = model.persons
    low, high = COMPULSORY_SCHOOL_AGES
    school_age = persons.per_household((persons.age >= low) & (persons.age <= high), len(hh)) > 0
    with_children = ever & school_age

    def share(have: np.ndarray, among: np.ndarray) -> float:
        return float(have[among].mean()) if among.any() else float("nan")

    return {
        "employed_share": employed_share(model),
        "no_dropout_share": share(hh.dropouts == 0, with_children),
        "safe_housing_share": share(hh.safe_housing, ever),
        "insured_share": share(hh.insured, ever),
    }


def _pathways(gains: np.ndarray) -> np.ndarray:
    """The income source that rose most since entry for each exit; ``haves`` if none rose."""
    best = np.argmax(gains, axis=0) if gains.size else np.zeros(0, dtype=int)
    names = np.asarray(INCOME_SOURCES)[best]
    return np.where(gains.max(axis=0, initial=0.0) > 0, names, "haves")


def _return_reasons(model: FupinModel, returns: np.ndarray, bar: float) -> np.ndarray:
    """Why each returner failed: ``haves`` (income still above the return bar ``bar``), ``illness``
    (above it but for its medical bills) or ``income``."""
    hh = model.households
    rows = np.flatnonzero(returns)
    income = hh.income_pc_cny[rows]
    medical = model.params.value("assessment.medical_deduction_share") * hh.ytd_medical_oop_cny[rows] / hh.size[rows]
    return np.where(income >= bar, "haves", np.where(income + medical >= bar, "illness", "income"))


def village_incidence(model: FupinModel) -> np.ndarray:
    """Share of each village's people in registered poor households."""
    hh, n = model.households, len(model.villages)
    poor_people = group_sum(hh.village, hh.size * (hh.status == POOR), n)
    people = group_sum(hh.village, hh.size, n)
    return np.divide(poor_people, people, out=np.zeros(n), where=people > 0)


def delist_villages(model: FupinModel) -> np.ndarray:
    """Delist poor villages below the incidence threshold with all five haves (一低五有)."""
    villages = model.villages
    below = village_incidence(model) < model.params.value("assessment.village_incidence_max")
    delist = villages.poor_village & (villages.delisted_year == 0) & below & villages.five_haves()
    villages.delisted_year[delist] = model.year
    return delist


def _events(
    model: FupinModel,
    line: float,
    returns: np.ndarray,
    exits: np.ndarray,
    new_poor: np.ndarray,
    reasons: np.ndarray,
    pathways: np.ndarray,
    dependent: np.ndarray,
) -> pd.DataFrame:
    """The year's event rows: returns (with ``reason``), exits (with ``pathway`` and
    ``transfer_dependent``), then new poor, each in row order; a column that does not
    apply to an event is missing (NaN, or NA for ``transfer_dependent``)."""
    hh = model.households
    groups = {"return": np.flatnonzero(returns), "exit": np.flatnonzero(exits), "new_poor": np.flatnonzero(new_poor)}
    rows = np.concatenate(list(groups.values()))
    event_code = np.repeat(np.arange(len(groups)), [group.size for group in groups.values()])
    event = _strings(list(groups)).take(event_code)  # a take, not thousands of strings converted
    income = hh.income_pc_cny[rows]
    is_return, is_exit = event_code == 0, event_code == 1
    reason = np.full(rows.size, np.nan, dtype=object)
    reason[is_return] = reasons
    pathway = np.full(rows.size, np.nan, dtype=object)
    pathway[is_exit] = pathways
    exit_dependent = np.zeros(rows.size, dtype=bool)
    exit_dependent[is_exit] = dependent
    return pd.DataFrame(
        {
            "year": np.full(rows.size, model.year, dtype=np.int64),
            "event": event,
            "household": rows,
            "village": hh.village[rows],
            "people": hh.size[rows],
            "cause": _strings(CAUSES).take(hh.cause[rows].astype(np.intp)),
            "registered_2015": hh.registered_2015[rows],
            "income_pc_cny": income,
            "line_cny": np.full(rows.size, line, dtype=np.float64),
            "margin_share": income / line - 1.0,
            "transfer_share": hh.transfer_share[rows],
            "reason": pd.array(reason, dtype="str"),
            "pathway": pd.array(pathway, dtype="str"),
            "transfer_dependent": pd.arrays.BooleanArray(exit_dependent, ~is_exit),
        },
        columns=[*EVENT_COLUMNS, "reason", "pathway", "transfer_dependent"],
    )


def _strings(values) -> pd.api.extensions.ExtensionArray:
    """A few labels as a pandas ``str`` array, for :func:`_events` to ``take`` its columns from."""
    return pd.array(np.asarray(values, dtype=object), dtype="str")
