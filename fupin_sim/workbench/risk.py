"""Exited households at risk of returning to poverty (返贫风险), from a finished model.

Each exited household is checked against the risk flags the decision worries about
and the 2020 monitoring rule (防止返贫监测, DOMAIN.md section 5):

``thin_margin``          income within ``assessment.thin_margin_share`` of this year's exit line
``illness``              a chronically ill member, or out-of-pocket medical spending this year
                         above ``assessment.risk_medical_oop_income_share`` of gross income
``debt``                 debt above ``assessment.risk_debt_income_share`` of a year's gross income
``transfer_dependent``   without the transfers gained since entry, income would not clear the
                         exit bar (the exits' test, :func:`fupin_sim.model.assessment.transfer_dependent`)
``monitoring_income``    income below ``assessment.monitoring_income_multiple`` × the national line
``monitoring_spending``  medical spending this year above the household's gross income
``monitoring_drop``      income fell by more than ``assessment.monitoring_income_drop_share``
                         since the previous verification

A household is ``monitored`` under the 2020 rule with any monitoring flag, and
``at_risk`` when monitored or with at least two flags together (one alone, such as
a chronically ill member, describes most exited households); ``risk_score`` counts
its flags. Households are identified by their row
number only, never by a name or an ID.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fupin_sim.model.assessment import monitoring_flags, transfer_dependent
from fupin_sim.model.households import CAUSES, EXITED

if TYPE_CHECKING:
    from fupin_sim.model.simulation import FupinModel

RISK_FLAGS = ("thin_margin", "illness", "debt", "transfer_dependent")
MONITORING_FLAGS = ("monitoring_income", "monitoring_spending", "monitoring_drop")
FLAGS = (*RISK_FLAGS, *MONITORING_FLAGS)
GROUPINGS = ("village", "cause")


def at_risk_households(model: FupinModel) -> pd.DataFrame:
    """One row per exited household with its risk flags, the riskiest first.

    Read after a December verification (a finished run): incomes, medical spending and
    the lines are those of the model's current year.

    Args:
        model: a :class:`~fupin_sim.model.simulation.FupinModel` that has run.

    Returns:
        Columns ``household`` (row number), ``household_key`` (an imported registry's
        pseudonymous key), ``village``, ``village_name``, ``cause``, ``people``,
        ``income_pc_cny``, ``previous_income_pc_cny``, ``margin_share`` (over this
        year's exit line), ``transfer_share``, ``chronic_members``,
        ``medical_oop_pc_cny`` (this year), ``debt_cny``, the flags of :data:`FLAGS`,
        ``at_risk`` (monitored, or two flags or more), ``monitored`` (any of :data:`MONITORING_FLAGS`) and
        ``risk_score`` (number of flags); sorted by risk score (highest first), then
        margin (thinnest first).
    """
    hh, p, year = model.households, model.params, model.year
    rows = np.flatnonzero(hh.status == EXITED)
    size = hh.size[rows]
    income_pc = hh.income_pc_cny[rows]
    previous_pc = hh.previous_income_pc_cny[rows]
    gross_cny = hh.gross_income_pc_cny[rows] * size
    medical_cny = hh.ytd_medical_oop_cny[rows]
    debt_cny = hh.debt_cny[rows]
    margin = income_pc / p.value("poverty_line.exit_line", year) - 1.0
    flags = {
        "thin_margin": margin < p.value("assessment.thin_margin_share"),
        "illness": (hh.chronic_members[rows] > 0)
        | (medical_cny > p.value("assessment.risk_medical_oop_income_share") * gross_cny),
        "debt": debt_cny > p.value("assessment.risk_debt_income_share") * gross_cny,
        "transfer_dependent": transfer_dependent(model, rows),
        **monitoring_flags(model, rows),
    }
    score = np.sum([flags[name] for name in FLAGS], axis=0, dtype=np.int64)
    monitored = np.any([flags[name] for name in MONITORING_FLAGS], axis=0)
    table = pd.DataFrame(
        {
            "household": rows,
            "household_key": model.household_keys[rows],
            "village": hh.village[rows],
            "village_name": model.village_names[hh.village[rows]],
            "cause": np.asarray(CAUSES)[hh.cause[rows]],
            "people": size,
            "income_pc_cny": income_pc,
            "previous_income_pc_cny": previous_pc,
            "margin_share": margin,
            "transfer_share": hh.transfer_share[rows],
            "chronic_members": hh.chronic_members[rows],
            "medical_oop_pc_cny": medical_cny / size,
            "debt_cny": debt_cny,
            **flags,
            "at_risk": monitored | (score >= 2),
            "monitored": monitored,
            "risk_score": score,
        }
    )
    return table.sort_values(["risk_score", "margin_share"], ascending=[False, True], ignore_index=True)


def at_risk_by(table: pd.DataFrame, by: str = "village") -> pd.DataFrame:
    """Exited and at-risk households by village or by cause, with each flag's count.

    Args:
        table: the result of :func:`at_risk_households`.
        by: ``village`` or ``cause``.

    Returns:
        One row per village (or cause): ``exited_households``, ``at_risk_households``,
        ``at_risk_share``, ``at_risk_people``, ``monitored_households`` and one count
        per flag of :data:`FLAGS`; the most households at risk first.

    Raises:
        ValueError: ``by`` is neither ``village`` nor ``cause``.
    """
    if by not in GROUPINGS:
        raise ValueError(f"group by one of {', '.join(GROUPINGS)}, got {by!r}")
    grouped = table.assign(at_risk_people=table.people.where(table.at_risk, 0)).groupby(by)
    counts = grouped.agg(
        exited_households=("household", "size"),
        at_risk_households=("at_risk", "sum"),
        at_risk_people=("at_risk_people", "sum"),
        monitored_households=("monitored", "sum"),
    )
    counts.insert(2, "at_risk_share", counts.at_risk_households / counts.exited_households)
    counts = counts.join(grouped[list(FLAGS)].sum())
    return counts.sort_values(["at_risk_households", "at_risk_share"], ascending=False).reset_index()
