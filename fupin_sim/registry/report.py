"""The import report: what was read, built, refused, defaulted, disputed and drawn from the seed.

It names rows, columns and household keys, never a name, an ID number or any other personal field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from fupin_sim.registry.cleaning import Problem

DRAWN_AT_RUN_TIME = (
    "motivation (扶志; the registry has no such field): drawn per household from the seed, as for the synthetic district",
    "non-registered households of each village (size, members, income, haves): drawn from the seed and the district "
    "parameters; their number is the village file's 总户数 less the registered households, else the district's "
    "rural_households / villages_total",
    "village haves (一低五有) the village file does not give: drawn from the seed with district.poor_village_haves_share",
)
DERIVED = (
    "wage per labour unit: 工资性收入 / the household's labour units (the model's rule: age, health, schooling)",
    "labour capacity: from age, health and schooling as in the model (劳动技能 is checked, not used)",
    "basic pension: the model's pension of members aged 60 or more, taken out of 转移性收入",
    "ages: at the start of 2016, from the year of birth in the ID number",
)
MAX_LISTED = 10


@dataclass
class ImportReport:
    """What an import did (see :func:`fupin_sim.registry.import_registry`)."""

    file: str
    source: str
    out: Path
    rows_read: int
    households: int
    members: int
    villages: int
    problems: list[Problem]
    duplicates: list[int]
    defaulted: dict[str, str]
    disagreements: pd.DataFrame
    villages_estimated: list[str] = field(default_factory=list)
    village_file: str | None = None
    key_file_created: bool = False
    keys_file: Path | None = None

    def to_markdown(self) -> str:
        """The report as a Markdown page (``import_report.md``)."""
        lines = [
            "# Registry import report",
            "",
            f"- file: {self.file} (read as {self.source})"
            + (f"; villages: {self.village_file}" if self.village_file else ""),
            f"- rows read: {self.rows_read:,}",
            f"- households built: {self.households:,}; members: {self.members:,}; villages: {self.villages:,}",
            f"- rows refused: {len(self.problems):,} (listed in refused_rows.csv)",
            f"- repeated member rows dropped: {len(self.duplicates):,}"
            + (
                f" (rows {', '.join(map(str, self.duplicates[:20]))}{' …' if len(self.duplicates) > 20 else ''})"
                if self.duplicates
                else ""
            ),
            f"- stated per-capita income disagreeing with its parts: {len(self.disagreements):,} households "
            "(income_disagreements.csv; the model uses the parts)",
            "",
            "## Refused rows",
            "",
        ]
        lines += [f"- {problem}" for problem in self.problems] or ["none"]
        lines += ["", "## Fields defaulted", ""]
        lines += [f"- {name}: {what}" for name, what in self.defaulted.items()] or ["none"]
        lines += ["", "## Drawn from the seed when the model is built", ""]
        lines += [f"- {what}" for what in DRAWN_AT_RUN_TIME]
        if self.villages_estimated:
            lines.append(
                f"- villages without a row in a village file ({len(self.villages_estimated)}): haves drawn; "
                "counted as poor villages (贫困村) unless the household rows say otherwise"
            )
        lines += ["", "## Derived", ""] + [f"- {what}" for what in DERIVED]
        lines += [
            "",
            "## Privacy",
            "",
            "Households are identified by keys (keyed hashes of the head's ID). No name, ID number, phone, bank "
            "account or 户编号 is in this folder."
            + (" A re-identification table was written on request outside it." if self.keys_file else ""),
        ]
        return "\n".join(lines) + "\n"

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"read {self.rows_read:,} rows from {self.file} ({self.source}): {self.households:,} households, "
            f"{self.members:,} members, {self.villages:,} villages",
            f"refused {len(self.problems):,} rows, dropped {len(self.duplicates):,} repeated rows, "
            f"{len(self.disagreements):,} households' stated income disagrees with its parts",
        ]
        lines += [f"  {problem}" for problem in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            lines.append(f"  … and {len(self.problems) - MAX_LISTED} more in import_report.md")
        if self.key_file_created:
            lines.append("created a new key file for the household keys; keep it safe and outside shared folders")
        if self.keys_file:
            lines.append(f"re-identification table (names and IDs: for the office only) written to {self.keys_file}")
        lines.append(f"population and report written to {self.out}/")
        return "\n".join(lines)
