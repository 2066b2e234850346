"""The annual verification in December: 一超六有 for households, 一低五有 for villages.

Order within the review: returns of previously exited households, exits of
registered households, then identification of new poor among the rest, then
village delisting. Every status change is an event row with the household's
per-capita income, its margin over the line and its transfer share, so exits on
paper (carried by transfers, just over the line) can be told from real ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fupin_sim.households import CAUSES, EXITED, NON_POOR, POOR

if TYPE_CHECKING:
    from fupin_sim.model import FupinModel

EVENT_COLUMNS = [
    "year", "event", "household", "village", "people", "cause", "registered_2015",
    "income_pc_cny", "line_cny", "margin_share", "transfer_share",
]


def record_verified_income(model: FupinModel) -> None:
    """Set this year's per-capita incomes and transfer share of every household.

    Gross income is wages + farming/business + broiler + property + transfers; the
    verified (net) income deducts the deductible share of out-of-pocket medical
    spending. Both are per person.
    """
    hh = model.households
    gross = hh.ytd_wage_cny + hh.ytd_farm_cny + hh.ytd_industry_cny + hh.ytd_property_cny + hh.ytd_transfer_cny
    net = gross - model.params.value("assessment.medical_deduction_share") * hh.ytd_medical_oop_cny
    hh.gross_income_pc_cny[:] = gross / hh.size
    hh.income_pc_cny[:] = net / hh.size
    np.divide(hh.ytd_transfer_cny, gross, out=hh.transfer_share, where=gross > 0)
    hh.transfer_share[gross <= 0] = 0.0


def verify_year(model: FupinModel) -> tuple[dict, pd.DataFrame]:
    """Run December's verification; update statuses and villages.

    Returns:
        The year's counts (a row of the yearly table, without targets and money)
        and the year's household events.
    """
    hh, villages, p, year = model.households, model.villages, model.params, model.year
    record_verified_income(model)
    income_pc, transfer_share = hh.income_pc_cny, hh.transfer_share
    line = p.value("poverty_line.exit_line", year)
    haves = hh.six_haves()

    returns = (hh.status == EXITED) & ((income_pc <= line) | ~haves)
    re_exits_before = hh.exit_year > 0
    exits = (hh.status == POOR) & (income_pc > line * (1.0 + p.value("assessment.exit_margin_share"))) & haves
    detected = model.streams["identification"].random(len(hh)) < p.value("assessment.new_poor_detection_prob")
    new_poor = (hh.status == NON_POOR) & (income_pc <= line) & detected

    hh.status[returns] = POOR
    hh.times_returned[returns] += 1
    hh.status[exits] = EXITED
    hh.exit_year[exits] = year
    hh.status[new_poor] = POOR
    hh.entry_year[new_poor] = year

    delisted_now = delist_villages(model)
    events = pd.concat(
        [
            _events(model, "return", returns, line),
            _events(model, "exit", exits, line),
            _events(model, "new_poor", new_poor, line),
        ],
        ignore_index=True,
    )
    registered = hh.registered_2015
    dependent = exits & (transfer_share >= p.value("assessment.transfer_dependent_share"))
    counts = {
        "exit_line_cny": line,
        "exits_households": int(exits.sum()),
        "exits_people": int(hh.size[exits].sum()),
        "re_exits_households": int((exits & re_exits_before).sum()),
        "exits_transfer_dependent": int(dependent.sum()),
        "exit_share_cum": float(hh.size[registered & (hh.status == EXITED)].sum() / hh.size[registered].sum()),
        "returns_households": int(returns.sum()),
        "returns_people": int(hh.size[returns].sum()),
        "new_poor_households": int(new_poor.sum()),
        "new_poor_people": int(hh.size[new_poor].sum()),
        "registered_poor_households_end": int((hh.status == POOR).sum()),
        "registered_poor_people_end": int(hh.size[hh.status == POOR].sum()),
        "incidence": float(hh.size[hh.status == POOR].sum() / hh.size.sum()),
        "villages_delisted": int(delisted_now.sum()),
        "villages_delisted_cum": int((villages.delisted_year > 0).sum()),
    }
    return counts, events


def village_incidence(model: FupinModel) -> np.ndarray:
    """Share of each village's people in registered poor households."""
    hh, n = model.households, len(model.villages)
    poor_people = np.bincount(hh.village, weights=hh.size * (hh.status == POOR), minlength=n)
    people = np.bincount(hh.village, weights=hh.size, minlength=n)
    return np.divide(poor_people, people, out=np.zeros(n), where=people > 0)


def delist_villages(model: FupinModel) -> np.ndarray:
    """Delist poor villages below the incidence threshold with all five haves (一低五有)."""
    villages = model.villages
    below = village_incidence(model) < model.params.value("assessment.village_incidence_max")
    delist = villages.poor_village & (villages.delisted_year == 0) & below & villages.five_haves()
    villages.delisted_year[delist] = model.year
    return delist


def _events(model: FupinModel, event: str, mask: np.ndarray, line: float) -> pd.DataFrame:
    hh = model.households
    rows = np.flatnonzero(mask)
    income = hh.income_pc_cny[rows]
    return pd.DataFrame(
        {
            "year": model.year,
            "event": event,
            "household": rows,
            "village": hh.village[rows],
            "people": hh.size[rows],
            "cause": np.asarray(CAUSES)[hh.cause[rows]],
            "registered_2015": hh.registered_2015[rows],
            "income_pc_cny": income,
            "line_cny": line,
            "margin_share": income / line - 1.0,
            "transfer_share": hh.transfer_share[rows],
        },
        columns=EVENT_COLUMNS,
    )
