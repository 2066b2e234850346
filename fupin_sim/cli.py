"""Command line: ``fupin run``, ``fupin validate``, ``fupin params``.

User errors (a bad scenario, a missing file) print one clear message and exit
with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pandas as pd

from fupin_sim import __version__
from fupin_sim.errors import UserError
from fupin_sim.model import FupinModel
from fupin_sim.scenario import default_parameters, load_scenario

EXIT_USER_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``fupin`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fupin", description="Da'an targeted poverty alleviation simulator (精准扶贫)")
    parser.add_argument("--version", action="version", version=f"fupin-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run one scenario and print its yearly table")
    run.add_argument("scenario", help="scenario name in scenarios/ (e.g. baseline) or a path to a YAML file")
    run.add_argument("--seed", type=_non_negative_int, help="override the scenario's seed")
    run.add_argument("--out", type=Path, help="write the result tables and the resolved scenario here")
    run.add_argument("--format", choices=("table", "csv", "json"), default="table", help="what to print (default: table)")
    run.add_argument("--panel", action="store_true", help="also produce the household-year panel")
    run.set_defaults(handler=_run)

    validate = commands.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("scenarios", nargs="+", help="scenario names or paths")
    validate.set_defaults(handler=_validate)

    params = commands.add_parser("params", help="list the parameters with unit, confidence, range and source")
    params.add_argument("--grep", default="", help="only paths containing this text")
    params.add_argument("--format", choices=("table", "csv"), default="table")
    params.set_defaults(handler=_params)
    return parser


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed cannot be negative, got {value}")
    return value


def _run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    if args.panel:
        scenario = scenario.replace(outputs={**scenario.outputs, "household_panel": True})
    if args.seed is not None:
        scenario = scenario.replace(seed=args.seed)
    result = FupinModel(scenario).run()
    if args.out is not None:
        try:
            result.write(args.out)
        except OSError as err:
            raise UserError(f"cannot write results to {args.out}: {err.strerror}") from None
    if args.format == "json":
        print(json.dumps(result.to_json_dict()))
    elif args.format == "csv":
        print(result.yearly.to_csv(index=False), end="")
    else:
        print(result.format_table())
        if args.out is not None:
            print(f"results written to {args.out}/")
    return 0


def _validate(args: argparse.Namespace) -> int:
    for name in args.scenarios:
        scenario = load_scenario(name)
        print(f"ok: {scenario.file} ({scenario.name}, {scenario.horizon.start}..{scenario.horizon.end}, "
              f"programmes: {', '.join(scenario.programmes) or 'none'})")
    return 0


def _params(args: argparse.Namespace) -> int:
    table = default_parameters().to_frame()
    table = table[table.path.str.contains(args.grep, regex=False)]
    if args.format == "csv":
        print(table.to_csv(index=False), end="")
    else:
        with pd.option_context("display.max_rows", None, "display.max_colwidth", 40, "display.width", 200):
            columns = ["path", "values", "unit", "confidence", "range"]
            print(table[columns].to_string(index=False, justify="left", formatters={"path": "{:<50}".format}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
