"""``import_registry``: an export (and an optional village file) to a population folder and its report.

The folder (``--out DIR``), which a scenario names as ``population: {registry: DIR}``:

``households.parquet``   one row per registered household, by key, in the model's columns
``persons.parquet``      one row per member: household row, age, sex, chronic illness, disability,
                         schooling, work away
``villages.parquet``     one row per village: name, poor village, total households, the five haves
``population.yaml``      what the folder holds (format, reference year, counts)
``import_report.md``     the report; ``refused_rows.csv`` and ``income_disagreements.csv`` beside it

Everything is written to a temporary folder first and moved into place at the end, so a failed
import leaves nothing half-written.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import yaml

from fupin_sim.errors import UserError
from fupin_sim.model.population_file import FORMAT, HOUSEHOLDS_FILE, MANIFEST_FILE, PERSONS_FILE, VILLAGES_FILE
from fupin_sim.registry.aliases import load_aliases
from fupin_sim.registry.building import REFERENCE_YEAR, parse_households
from fupin_sim.registry.cleaning import Problem
from fupin_sim.registry.headers import locate_header
from fupin_sim.registry.privacy import (
    default_key_file,
    household_keys,
    load_or_create_secret,
    refuse_inside,
    write_reidentification,
)
from fupin_sim.registry.reading import read_sheet
from fupin_sim.registry.report import MAX_LISTED, ImportReport
from fupin_sim.registry.villages import merge_villages, read_village_file, village_labels, villages_from_households

HOUSEHOLD_OUTPUT_COLUMNS = [
    "household_key",
    "village",
    "size",
    "cause",
    "attribute",
    "wage_cny_per_year",
    "farm_cny_per_year",
    "transfer_cny_per_year",
    "property_cny_per_year",
    "safe_housing",
    "safe_water",
    "electricity",
    "radio_tv",
    "insured",
    "registry_exit_year",
    "stated_income_pc_cny",
]
PERSON_OUTPUT_COLUMNS = ["household", "age", "female", "chronic", "disabled", "enrolled", "away"]


def import_registry(
    file: Path | str,
    village_file: Path | str | None = None,
    *,
    out: Path | str,
    key_file: Path | str | None = None,
    keys_file: Path | str | None = None,
    aliases: Path | str | None = None,
    allow_refused: bool = False,
) -> ImportReport:
    """Import a registry export into the population folder ``out``.

    Args:
        file: the export (XLSX, XLS or CSV), one row per member.
        village_file: the optional village file (贫困村 with the five haves).
        out: the population folder to write (replaced if it holds an earlier import).
        key_file: the secret behind the household keys (default: :func:`~fupin_sim.registry.privacy.default_key_file`),
            created when missing; never inside ``out``.
        keys_file: write the re-identification table (key → head's name and ID) here; only when given.
        aliases: an extra alias file extending ``data/registry_aliases.yaml``.
        allow_refused: import the good households when some rows are refused (they are listed in
            the report); by default any refused row stops the import and nothing is written.

    Raises:
        UserError: an unreadable file, a missing column, refused rows (unless ``allow_refused``) …
    """
    out = Path(out)
    key_file = Path(key_file).expanduser() if key_file else default_key_file()
    refuse_inside(key_file, out, "key file")
    if keys_file is not None:
        refuse_inside(Path(keys_file), out, "keys file (names and IDs)")
    _check_replaceable(out)
    table = load_aliases(aliases)
    sheet = read_sheet(file)
    header = locate_header(sheet.rows, table.fields, file, sheet.source)
    parsed = parse_households(sheet.rows, header, table)
    problems = list(parsed.problems)
    households = parsed.households
    villages = villages_from_households(households)
    estimated: list[str] = list(villages.village_name)
    if village_file is not None:
        from_file, village_problems = read_village_file(village_file, table)
        problems += [Problem(p.row, f"{Path(village_file).name}: {p.column}", p.reason) for p in village_problems]
        villages, estimated = merge_villages(villages, from_file)
    if problems and not allow_refused:
        raise UserError(_refusal_message(file, problems))
    if households.empty:
        raise UserError(f"{file}: no household could be imported (every row was refused)")

    secret, created = load_or_create_secret(key_file)
    households = households.assign(household_key=household_keys(secret, households.head_id))
    names = village_labels(households.township, households.village_name)
    households["village"] = names.map({name: index for index, name in enumerate(villages.village_name)}).astype("int32")
    disagreements = households.loc[
        households.income_disagrees, ["household_key", "first_row", "stated_income_pc_cny", "parts_income_pc_cny"]
    ].rename(columns={"first_row": "row"})
    report = ImportReport(
        file=Path(file).name,
        source=sheet.source,
        out=out,
        rows_read=parsed.rows_read,
        households=len(households),
        members=len(parsed.members),
        villages=len(villages),
        problems=problems,
        duplicates=parsed.duplicates,
        defaulted=parsed.defaulted,
        disagreements=disagreements,
        villages_estimated=estimated,
        village_file=None if village_file is None else Path(village_file).name,
        key_file_created=created,
        keys_file=None if keys_file is None else Path(keys_file),
    )
    _write(out, households[HOUSEHOLD_OUTPUT_COLUMNS], parsed.members[PERSON_OUTPUT_COLUMNS], villages, report)
    if keys_file is not None:
        reidentification = pd.DataFrame({"household_key": households.household_key, "head_id": households.head_id})
        if parsed.head_names is not None:
            reidentification.insert(1, "head_name", parsed.head_names.to_numpy())
        write_reidentification(Path(keys_file), reidentification)
    return report


def _check_replaceable(out: Path) -> None:
    """``out`` may be new, empty, or an earlier import; anything else is refused."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST_FILE).exists())):
        raise UserError(f"{out} exists and is not a registry folder; choose a new --out folder")


def _refusal_message(file: Path | str, problems: list[Problem]) -> str:
    listed = "; ".join(str(problem) for problem in problems[:MAX_LISTED])
    more = f"; … and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    return (
        f"{file}: {len(problems)} row(s) refused, nothing written: {listed}{more}. "
        "Fix the export, or pass --allow-refused to import the other households and list these in the report"
    )


def _write(out: Path, households: pd.DataFrame, persons: pd.DataFrame, villages: pd.DataFrame, report: ImportReport):
    """Write the folder atomically: into a temporary sibling, then moved into place."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as err:
        raise UserError(f"cannot write to {out.parent}: {err.strerror}") from None
    try:
        households.to_parquet(temporary / HOUSEHOLDS_FILE, index=False)
        persons.to_parquet(temporary / PERSONS_FILE, index=False)
        villages.to_parquet(temporary / VILLAGES_FILE, index=False)
        manifest = {
            "format": FORMAT,
            "reference_year": REFERENCE_YEAR,
            "source": report.file,
            "households": report.households,
            "members": report.members,
            "villages": report.villages,
        }
        (temporary / MANIFEST_FILE).write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
        (temporary / "import_report.md").write_text(report.to_markdown(), encoding="utf-8")
        pd.DataFrame([vars(p) for p in report.problems], columns=["row", "column", "reason"]).to_csv(
            temporary / "refused_rows.csv", index=False, encoding="utf-8-sig"
        )
        report.disagreements.to_csv(temporary / "income_disagreements.csv", index=False, encoding="utf-8-sig")
        if out.exists():
            shutil.rmtree(out)
        temporary.rename(out)
    except OSError as err:
        shutil.rmtree(temporary, ignore_errors=True)
        raise UserError(f"cannot write the population folder {out}: {err.strerror}") from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
