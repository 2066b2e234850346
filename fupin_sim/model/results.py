"""Tidy result tables of one run, their targets, and how they are written and shown.

Tables:
    yearly  one row per verified year: registry at start, exits (by pathway,
            transfer-dependent, thin margin), cumulative exit share vs target,
            the people short of the exit target and the share of reported exits
            that would be on paper if the target were declared met, villages
            delisted vs target, returns (by reason), new poor, incidence, the
            poverty gap (yuan a year to lift the registered poor to the exit
            bar), the 两不愁三保障 checks, and per programme spending, budget and
            unspent money (``spending_<programme>_cny`` …)
    programmes  one row per programme: spending, households served, exits and
            sustained exits among them, cost per exit
    events  one row per status change (exit, return, new_poor) with the
            household's income, margin over the line and transfer share
    ledger  spending by programme, year and village
    shocks  households hit by each shock per year, registered poor vs other
    villages  one row per village and verified year (一村一案): poor village, incidence,
            delisting year and the five haves at that December
    panel   optional household-year panel
"""

from __future__ import annotations

import json
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from fupin_sim.model.households import EXITED
from fupin_sim.model.villages import VILLAGE_HAVES

if TYPE_CHECKING:
    from fupin_sim.config.scenario import Scenario
    from fupin_sim.model.simulation import FupinModel

PROGRAMME_SUMMARY_COLUMNS = [
    "programme",
    "label",
    "spending_cny",
    "budget_cny",
    "unspent_cny",
    "households_served",
    "exits_served",
    "sustained_exits_served",
    "cost_per_exit_cny",
    "cost_per_sustained_exit_cny",
]
MISSING = "—"  # a missing value in every table shown (text output, notebooks, dashboards)
JSON_YEAR_KEYS = (
    "exit_share_cum",
    "exit_target_cum",
    "exit_target_met",
    "exit_shortfall_people",
    "paper_exit_share",
    "villages_delisted_cum",
    "village_target_cum",
    "village_target_met",
    "exits_households",
    "returns",
    "new_poor",
    "incidence",
    "poverty_gap_cny",
    "spending_cny",
)


def yearly_row(
    year: int,
    year_start: dict[str, int],
    counts: dict[str, Any],
    money_by_programme: dict[str, tuple[float, float | None]],
    targets: dict[str, dict[int, float] | None],
) -> dict[str, Any]:
    """Assemble one row of the yearly table, with targets and whether they were met.

    Args:
        year: the verified year.
        year_start: registry counts at the start of the year.
        counts: the verification's counts.
        money_by_programme: programme key → (spent, budget or ``None`` for an entitlement).
        targets: the scenario's targets.
    """
    exit_target = (targets.get("exit_share_cum") or {}).get(year)
    village_target = (targets.get("villages_delisted_cum") or {}).get(year)
    row = {"year": year, **year_start, **counts}
    shortfall = None if exit_target is None else exit_shortfall_people(counts, exit_target)
    row.update(
        exit_target_cum=exit_target,
        exit_target_met=None if exit_target is None else shortfall == 0,
        exit_shortfall_people=shortfall,
        paper_exit_share=None if shortfall is None else paper_exit_share(shortfall, counts["exited_2015_people"]),
        village_target_cum=village_target,
        village_target_met=None if village_target is None else bool(counts["villages_delisted_cum"] >= village_target),
        returns=counts["returns_households"],
        new_poor=counts["new_poor_households"],
    )
    for key, (spent, budget) in money_by_programme.items():
        row[f"spending_{key}_cny"] = spent
        row[f"budget_{key}_cny"] = budget
        row[f"unspent_{key}_cny"] = None if budget is None else budget - spent
    row["spending_cny"] = float(sum(spent for spent, _ in money_by_programme.values()))
    return row


VILLAGE_COLUMNS = ["village", "village_name", "year", "poor_village", "incidence", "delisted_year", *VILLAGE_HAVES]


def village_rows(model: FupinModel, incidence: np.ndarray) -> pd.DataFrame:
    """The villages at this December: poor village, incidence, delisting year (0 if not) and the five haves.

    Args:
        model: the model, just verified.
        incidence: each village's poverty incidence (:func:`fupin_sim.model.assessment.village_incidence`).
    """
    villages = model.villages
    table = {
        "village": np.arange(len(villages)),
        "village_name": model.village_names,
        "year": model.year,
        "poor_village": villages.poor_village.copy(),
        "incidence": incidence,
        "delisted_year": villages.delisted_year.copy(),
    }
    table.update({have: getattr(villages, have).copy() for have in VILLAGE_HAVES})
    return pd.DataFrame(table, columns=VILLAGE_COLUMNS)


def exit_shortfall_people(counts: dict[str, Any], target_share: float) -> int:
    """Registered (2015) people still to exit for the cumulative exit target to be met (0 when met).

    ``paper_exit_share`` in the yearly table is this shortfall over the exits the
    year would then report: the share of reported exits below the standard if the
    target were declared met anyway (数字脱贫), the quantity the national exit check
    caps at 2 % (wrongly-exited rate, DOMAIN.md section 3).
    """
    needed = math.ceil(target_share * counts["registered_2015_people"] - 1e-9)
    return max(needed - counts["exited_2015_people"], 0)


def paper_exit_share(shortfall_people: int, exited_people: int) -> float:
    """Share of reported exits that would be on paper if ``shortfall_people`` more were declared exited."""
    reported = exited_people + shortfall_people
    return shortfall_people / reported if reported else 0.0


def households_served(model: FupinModel, programme: str) -> np.ndarray:
    """Households a programme paid for, or whose village got one of its projects, over the run."""
    ledger, village = model.ledger, model.households.village
    return (ledger.by_household(programme) > 0) | (ledger.by_village(programme)[village] > 0)


def sustained_exits(model: FupinModel) -> np.ndarray:
    """Households that exited during the run and are out at its end: an exit was their last change
    of status (a boolean mask; imported households start with no exit, whatever the registry says)."""
    hh = model.households
    return (hh.exit_year > 0) & (hh.status == EXITED)


def programme_summary(model: FupinModel) -> pd.DataFrame:
    """One row per programme over the whole run: spending, budget, households served,
    exits among them, and cost per exit and per sustained exit (still out at the end).

    A household is served by a programme if the programme paid for it, or built a
    project in its village.
    """
    hh, ledger = model.households, model.ledger
    ever_exited = hh.exit_year > 0
    sustained = sustained_exits(model)
    rows = []
    for programme in model.programmes:
        served = households_served(model, programme.key)
        spent = ledger.spent(programme.key)
        budgets = programme.settings["budget_cny"]
        budget = None if budgets is None else float(sum(budgets.get(y, 0.0) for y in model.horizon.years))
        exits, kept = int((served & ever_exited).sum()), int((served & sustained).sum())
        rows.append(
            {
                "programme": programme.key,
                "label": programme.label,
                "spending_cny": spent,
                "budget_cny": budget,
                "unspent_cny": None if budget is None else budget - spent,
                "households_served": int(served.sum()),
                "exits_served": exits,
                "sustained_exits_served": kept,
                "cost_per_exit_cny": spent / exits if exits else None,
                "cost_per_sustained_exit_cny": spent / kept if kept else None,
            }
        )
    return pd.DataFrame(rows, columns=PROGRAMME_SUMMARY_COLUMNS)


@dataclass
class RunResult:
    """The tables of one run and the scenario that produced them."""

    scenario: Scenario
    seed: int | None
    yearly: pd.DataFrame
    events: pd.DataFrame
    ledger: pd.DataFrame
    programmes: pd.DataFrame
    shocks: pd.DataFrame
    panel: pd.DataFrame | None = None
    villages: pd.DataFrame | None = None

    @property
    def exits(self) -> pd.DataFrame:
        """The exit events (one row per household exit)."""
        return self.events[self.events.event == "exit"].reset_index(drop=True)

    def to_json_dict(self) -> dict[str, Any]:
        """``{"scenario", "seed", "years": {"2016": {...}, ...}}`` with plain JSON values."""
        years = {}
        for row in self.yearly.to_dict("records"):
            years[str(row["year"])] = {key: _plain(row[key]) for key in JSON_YEAR_KEYS}
        return {"scenario": self.scenario.name, "seed": self.seed, "years": years}

    def write(self, directory: Path | str) -> list[Path]:
        """Write every table as CSV plus the resolved scenario; returns the paths written."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        tables = {
            "yearly": self.yearly,
            "events": self.events,
            "ledger": self.ledger,
            "programmes": self.programmes,
            "shocks": self.shocks,
        }
        if self.panel is not None:
            tables["panel"] = self.panel
        if self.villages is not None:
            tables["villages"] = self.villages
        written = []
        for name, table in tables.items():
            path = directory / f"{name}.csv"
            table.to_csv(path, index=False)
            written.append(path)
        resolved = {**self.scenario.to_dict(), "seed": self.seed if self.seed is not None else self.scenario.seed}
        path = directory / "scenario.resolved.yaml"
        path.write_text(yaml.safe_dump(resolved, allow_unicode=True, sort_keys=False), encoding="utf-8")
        written.append(path)
        path = directory / "summary.json"
        path.write_text(json.dumps(self.to_json_dict(), indent=2), encoding="utf-8")
        written.append(path)
        return written

    def format_table(self) -> str:
        """A readable yearly table with targets met / missed.

        ``short (paper)``: people short of a missed exit target, and the share of the
        year's reported exits that would be on paper if it were declared met.
        """
        title = f"Scenario {self.scenario.name} (seed {self.seed})"
        if self.scenario.description:
            title += ": " + textwrap.shorten(self.scenario.description, width=110, placeholder=" …")
        lines = [
            title,
            f"{'year':>4}  {'poor@start':>10}  {'exits':>6}  {'exited(cum)':>11}  {'target':>13}  {'short (paper)':>15}  "
            f"{'villages':>8}  {'target':>11}  {'returns':>7}  {'new poor':>8}  {'incidence':>9}  {'spending (CNY)':>14}",
        ]
        for row in self.yearly.to_dict("records"):
            lines.append(
                f"{row['year']:>4}  {row['registered_poor_households_start']:>10,}  {row['exits_households']:>6,}  "
                f"{row['exit_share_cum']:>10.1%}  {_target(row['exit_target_cum'], row['exit_target_met'], '{:.0%}'):>13}  "
                f"{_shortfall(row['exit_shortfall_people'], row['paper_exit_share']):>15}  "
                f"{row['villages_delisted_cum']:>8}  {_target(row['village_target_cum'], row['village_target_met'], '{:.0f}'):>11}  "
                f"{row['returns']:>7,}  {row['new_poor']:>8,}  {row['incidence']:>9.2%}  {row['spending_cny']:>14,.0f}"
            )
        return "\n".join(lines)


def _target(target: float | None, met: bool | None, fmt: str) -> str:
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return MISSING
    return f"{fmt.format(target)} {'met' if met else 'MISSED'}"


def _shortfall(people: float | None, paper_share: float | None) -> str:
    """People short of the exit target and the paper share declaring it met would imply; ``—`` when none
    (no target that year, or met; the table holds missing counts as NaN)."""
    if people is None or math.isnan(people) or people == 0:
        return MISSING
    return f"{int(people):,} ({paper_share:.1%})"


def _plain(value: Any) -> Any:
    """NumPy and pandas scalars to JSON values (NaN → None)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def side_by_side(results: list[RunResult]) -> str:
    """One line per run: exits and villages against the targets, the paper share declaring the
    last exit target met would imply, returns and spending over the horizon."""
    target_years = sorted(
        {year for result in results for year in (result.scenario.targets.get("exit_share_cum") or {})}
    )
    header = f"{'scenario':<20}" + "".join(f"{f'exited {y}':>13}{f'villages {y}':>15}" for y in target_years)
    paper_year = target_years[-1] if target_years else None
    header += f"{f'on paper {paper_year}':>15}" if paper_year else ""
    header += f"{'exited (end)':>14}{'returns':>9}{'spending (M CNY)':>18}"
    lines = ["Side by side (targets: " + _targets_text(results[0]) + ")", header]
    for result in results:
        yearly = result.yearly.set_index("year")
        cells = "".join(
            f"{yearly.exit_share_cum.get(y, math.nan):>13.1%}{yearly.villages_delisted_cum.get(y, math.nan):>15.0f}"
            for y in target_years
        )
        if paper_year:
            cells += f"{yearly.paper_exit_share.get(paper_year, math.nan):>15.1%}"
        lines.append(
            f"{result.scenario.name:<20}{cells}{yearly.exit_share_cum.iloc[-1]:>14.1%}"
            f"{int(yearly.returns.sum()):>9,}{yearly.spending_cny.sum() / 1e6:>18,.1f}"
        )
    return "\n".join(lines)


def _targets_text(result: RunResult) -> str:
    targets = result.scenario.targets
    exits = ", ".join(f"{share:.0%} by {year}" for year, share in sorted((targets.get("exit_share_cum") or {}).items()))
    villages = ", ".join(
        f"{n:.0f} by {year}" for year, n in sorted((targets.get("villages_delisted_cum") or {}).items())
    )
    return f"exits {exits or 'none'}; villages {villages or 'none'}"
