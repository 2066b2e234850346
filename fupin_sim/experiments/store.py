"""The result store: every replication's tables as Parquet, with a manifest, in one folder.

Layout of a store folder::

    DIR/experiment.json                 the plan of the latest command: variants, replications, base seed
    DIR/runs/<variant key>/scenario.resolved.yaml   the variant's resolved scenario (loads back as is)
    DIR/runs/<variant key>/r0003/       one replication of one variant
        yearly.parquet events.parquet ledger.parquet shocks.parquet [panel.parquet]
        manifest.json                   written last, atomically: status (ok / failed), resolved scenario,
                                        base seed and replication, package version, git commit,
                                        start and finish time, traceback of a failure

A variant's key is a hash of its resolved scenario, so a run's folder depends only on
what it computes: re-running a command finds the runs that finished (a manifest with
status ``ok``) and skips them, whatever the order they finished in or whichever
command produced them. A run killed while writing has no manifest and is run again;
a failed run is retried.

:func:`load_results` reads one table of every finished run of the plan into one tidy
DataFrame; :func:`load_manifest` lists every planned run with its status.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from fupin_sim.errors import UserError

PLAN_FILE = "experiment.json"
MANIFEST_FILE = "manifest.json"
SCENARIO_FILE = "scenario.resolved.yaml"
RUNS_DIR = "runs"
TABLES = ("yearly", "events", "ledger", "shocks", "panel")
STATUS_OK, STATUS_FAILED, STATUS_MISSING = "ok", "failed", "missing"


def run_id(variant_key: str, replication: int) -> str:
    """The identifier (and folder below ``runs/``) of one replication of one variant."""
    return f"{variant_key}/r{replication:04d}"


def encode_table(table: pd.DataFrame) -> bytes:
    """One table as Parquet bytes (what workers send back to be written)."""
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), sink)
    return sink.getvalue()


class ResultStore:
    """A store folder (created on first write).

    Args:
        directory: the folder.
    """

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)

    def run_dir(self, run: str) -> Path:
        """The folder of run ``run``."""
        return self.directory / RUNS_DIR / run

    def write_plan(self, plan: Mapping[str, Any]) -> None:
        """Record what the latest command asked for (variants, replications, seed).

        Raises:
            UserError: the folder cannot be written.
        """
        try:
            _write_json_atomic(self.directory / PLAN_FILE, plan)
        except OSError as err:
            raise UserError(f"cannot write the result store {self.directory}: {err.strerror}") from None

    def read_plan(self) -> dict[str, Any]:
        """The recorded plan.

        Raises:
            UserError: the folder holds no plan (it is not a result store).
        """
        path = self.directory / PLAN_FILE
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"{self.directory} is not a result store: it has no {PLAN_FILE}") from None

    def manifest(self, run: str) -> dict[str, Any] | None:
        """The manifest of run ``run``, or None if it never finished writing."""
        try:
            return json.loads((self.run_dir(run) / MANIFEST_FILE).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def is_finished(self, run: str) -> bool:
        """Whether run ``run`` finished successfully (so a rerun skips it)."""
        manifest = self.manifest(run)
        return manifest is not None and manifest.get("status") == STATUS_OK

    def save(self, run: str, tables: Mapping[str, bytes], manifest: Mapping[str, Any]) -> None:
        """Write a run's Parquet tables, then its manifest (which marks it finished).

        The first run of a variant also writes the variant's ``scenario.resolved.yaml``
        (JSON cannot keep the scenario's year keys as numbers; the YAML loads back as is).

        Args:
            run: the run's identifier.
            tables: table name → Parquet bytes (empty for a failed run).
            manifest: the run's record; must contain ``status`` and ``scenario``.
        """
        folder = self.run_dir(run)
        folder.mkdir(parents=True, exist_ok=True)
        resolved = folder.parent / SCENARIO_FILE
        if not resolved.exists():
            _write_text_atomic(resolved, yaml.safe_dump(manifest["scenario"], allow_unicode=True, sort_keys=False))
        for name, data in tables.items():
            (folder / f"{name}.parquet").write_bytes(data)
        _write_json_atomic(folder / MANIFEST_FILE, manifest)

    def read_table(self, run: str, table: str) -> pa.Table:
        """One table of one finished run, as Arrow."""
        return pq.read_table(self.run_dir(run) / f"{table}.parquet")


def planned_runs(plan: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], int, str]]:
    """``(variant, replication, run id)`` of every run of a plan, variant by variant."""
    for variant in plan["variants"]:
        for replication in range(plan["reps"]):
            yield variant, replication, run_id(variant["key"], replication)


def load_manifest(directory: Path | str) -> pd.DataFrame:
    """One row per planned run: variant, replication, status (ok / failed / missing) and timing.

    Args:
        directory: a store folder.

    Returns:
        Columns ``scenario``, ``point`` (sweeps), the sweep inputs, ``replication``,
        ``run_id``, ``status``, ``started_at``, ``finished_at``, ``duration_s``, ``cpu_s``,
        ``error`` (last line of the traceback) and ``traceback``.
    """
    store = ResultStore(directory)
    plan = store.read_plan()
    rows = []
    for variant, replication, run in planned_runs(plan):
        manifest = store.manifest(run) or {"status": STATUS_MISSING}
        trace = manifest.get("traceback")
        rows.append(
            {
                **_identity(plan, variant, replication, run),
                "status": manifest["status"],
                "started_at": manifest.get("started_at"),
                "finished_at": manifest.get("finished_at"),
                "duration_s": manifest.get("duration_s"),
                "cpu_s": manifest.get("cpu_s"),
                "error": trace.strip().splitlines()[-1] if trace else None,
                "traceback": trace,
            }
        )
    return pd.DataFrame(rows)


def load_results(directory: Path | str, table: str = "yearly") -> pd.DataFrame:
    """One table of every finished run of a store's plan, as one tidy DataFrame.

    Rows come variant by variant (in the plan's order), replication by replication,
    each prefixed with ``scenario``, ``point`` and the inputs (sweeps),
    ``replication`` and ``run_id``. Runs that failed or never finished are left out
    (see :func:`load_manifest`). Columns a variant lacks (a programme's spending
    in a scenario without it) are missing values.

    Args:
        directory: a store folder.
        table: ``yearly`` (default), ``events``, ``ledger``, ``shocks`` or ``panel``.

    Raises:
        UserError: the folder is not a store or the table name is unknown.
    """
    if table not in TABLES:
        raise UserError(f"unknown table '{table}'; choose one of {', '.join(TABLES)}")
    store = ResultStore(directory)
    plan = store.read_plan()
    pieces = []
    for variant, replication, run in planned_runs(plan):
        if not store.is_finished(run) or not (store.run_dir(run) / f"{table}.parquet").exists():
            continue
        data = store.read_table(run, table)
        for position, (name, value) in enumerate(_identity(plan, variant, replication, run).items()):
            data = data.add_column(position, name, pa.array([value] * data.num_rows))
        pieces.append(data)
    if not pieces:
        return pd.DataFrame(columns=list(_identity(plan, plan["variants"][0], 0, "")))
    return pa.concat_tables(pieces, promote_options="permissive").to_pandas()


def _identity(plan: Mapping[str, Any], variant: Mapping[str, Any], replication: int, run: str) -> dict[str, Any]:
    """The columns that say which run a row belongs to."""
    identity: dict[str, Any] = {"scenario": variant["name"]}
    if plan.get("kind") == "sweep":
        identity["point"] = variant["point"]
        identity.update(variant["inputs"])
    identity.update(replication=replication, run_id=run)
    return identity


def _write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    _write_text_atomic(path, json.dumps(data, indent=1, ensure_ascii=False, default=str))


def _write_text_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old one or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
