"""Argument types and option groups the ``fupin`` sub-commands share."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from fupin_sim.experiments.executors import EXECUTORS


def add_execution_arguments(command: argparse.ArgumentParser) -> None:
    """Where replications run: ``--executor``, ``--workers``, ``--scheduler`` (read with :func:`chosen_executor`)."""
    command.add_argument("--executor", choices=EXECUTORS, help="where replications run (default: processes)")
    command.add_argument("--workers", type=positive_int, help="worker processes (default: one per core)")
    command.add_argument("--scheduler", help="address of a running Dask scheduler (implies --executor dask)")


def chosen_executor(args: argparse.Namespace) -> str:
    """The executor the options name: ``--executor``, else ``dask`` with ``--scheduler``, else ``processes``."""
    return args.executor or ("dask" if args.scheduler else "processes")


def add_experiment_arguments(command: argparse.ArgumentParser, out_help: str) -> None:
    """The options ``compare``, ``sweep`` and ``optimise`` share: execution, output folder, format."""
    add_execution_arguments(command)
    command.add_argument("--out", type=Path, help=out_help)
    command.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="what to print (default: table)"
    )
    command.add_argument("--no-progress", action="store_true", help="no progress bar")


def _whole_number_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}, got {value}")
        return value

    return parse


positive_int = _whole_number_at_least(1)
non_negative_int = _whole_number_at_least(0)


def positive_number(text: str) -> float:
    """An argparse type: a finite number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value
