"""Command line: ``fupin run``, ``fupin validate``, ``fupin params``, ``fupin compare``, ``fupin sweep``,
and the command groups of this package's other modules.

User errors (a bad scenario, a missing file) print one clear message and exit
with status 2, without a traceback.

A module ``fupin_sim/cli/NAME.py`` that defines ``register(commands)`` adds its own sub-commands
(``commands`` is the ``argparse`` sub-parser collection): the parser finds it, so a new command
group is one new module. Such a module imports its heavy dependencies inside its handlers, so that
``fupin run`` starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import pkgutil
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from fupin_sim import __version__
from fupin_sim.cli.arguments import add_experiment_arguments, chosen_executor, non_negative_int, positive_int
from fupin_sim.config.parameters import ParameterRangeWarning
from fupin_sim.config.scenario import default_parameters, load_scenario
from fupin_sim.errors import UserError
from fupin_sim.model.results import side_by_side
from fupin_sim.model.simulation import FupinModel

if TYPE_CHECKING:  # experiments load pyarrow, sweeps scipy.stats: imported when used, so `fupin run` starts fast
    from fupin_sim.experiments.replications import Experiment, ExperimentResult

EXIT_USER_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``fupin`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        with _warnings_as_lines():
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
    parser = argparse.ArgumentParser(
        prog="fupin", description="Da'an targeted poverty alleviation simulator (精准扶贫)"
    )
    parser.add_argument("--version", action="version", version=f"fupin-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run scenarios and print their yearly tables (several: side by side too)")
    run.add_argument(
        "scenarios",
        nargs="+",
        metavar="scenario",
        help="scenario name in scenarios/ (e.g. baseline) or a path to a YAML file",
    )
    run.add_argument("--seed", type=non_negative_int, help="override the scenarios' seed")
    run.add_argument(
        "--out",
        type=Path,
        help="write the result tables and the resolved scenario here (several scenarios: one folder each below it)",
    )
    run.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="what to print (default: table)"
    )
    run.add_argument("--panel", action="store_true", help="also produce the household-year panel")
    run.add_argument(
        "--excel", type=Path, help="also write the planner's workbook (Chinese headers); several scenarios: one each"
    )
    run.set_defaults(handler=_run)

    validate = commands.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("scenarios", nargs="+", help="scenario names or paths")
    validate.add_argument(
        "--strict",
        action="store_true",
        help="also refuse parameter values outside their documented ranges (without it they only warn)",
    )
    validate.set_defaults(handler=_validate)

    params = commands.add_parser("params", help="list the parameters with unit, confidence, range and source")
    params.add_argument("--grep", default="", help="only paths containing this text")
    params.add_argument("--format", choices=("table", "csv"), default="table")
    params.set_defaults(handler=_params)

    compare = commands.add_parser(
        "compare",
        help="replicate scenarios with common random numbers and compare them (intervals, target probabilities)",
    )
    compare.add_argument("scenarios", nargs="+", help="scenario names or paths")
    compare.add_argument("--reps", type=positive_int, default=10, help="replications per scenario (default: 10)")
    compare.add_argument("--reference", help="scenario that differences are taken against (default: the first)")
    compare.add_argument("--seed", type=non_negative_int, help="base seed (default: the reference scenario's)")
    add_experiment_arguments(compare, out_help="keep the runs here (Parquet + manifests) and resume from them")
    compare.set_defaults(handler=_compare)

    sweep = commands.add_parser("sweep", help="run a sweep file: parameters over a grid or a Latin hypercube")
    sweep.add_argument("sweep_file", type=Path, help="sweep YAML (see sweeps/)")
    sweep.add_argument("--reps", type=positive_int, help="replications per point (default: the sweep file's)")
    add_experiment_arguments(sweep, out_help="result store to write and resume from (default: results/sweeps/<sweep>)")
    sweep.set_defaults(handler=_sweep)
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        commands_module = importlib.import_module(f"{__name__}.{module.name}")
        if hasattr(commands_module, "register"):
            commands_module.register(commands)
    return parser


def _run(args: argparse.Namespace) -> int:
    scenarios = [load_scenario(name) for name in args.scenarios]  # every file is checked before anything runs
    results = []
    for scenario in scenarios:
        if args.panel:
            scenario = scenario.replace(outputs={**scenario.outputs, "household_panel": True})
        if args.seed is not None:
            scenario = scenario.replace(seed=args.seed)
        model = FupinModel(scenario)
        result = model.run()
        results.append(result)
        if args.excel is not None:
            excel = (
                args.excel if len(scenarios) == 1 else args.excel.with_name(f"{args.excel.stem}_{scenario.name}.xlsx")
            )
            _write_excel(model, result, excel)
        out = None if args.out is None else (args.out if len(scenarios) == 1 else args.out / scenario.name)
        if out is not None:
            try:
                result.write(out)
            except OSError as err:
                raise UserError(f"cannot write results to {out}: {err.strerror}") from None
        if args.format == "json":
            print(json.dumps(result.to_json_dict()))
        elif args.format == "table":
            print(result.format_table())
            print(f"results written to {out}/\n" if out is not None else "")
    if args.format == "csv":  # several scenarios: one table with a scenario column first
        tables = [result.yearly for result in results]
        if len(results) > 1:
            tables = [
                table.assign(scenario=r.scenario.name)[["scenario", *table]]
                for table, r in zip(tables, results, strict=True)
            ]
        print(pd.concat(tables, ignore_index=True).to_csv(index=False), end="")
    elif args.format == "table" and len(results) > 1:
        print(side_by_side(results))
    return 0


def _write_excel(model: FupinModel, result, path: Path) -> None:
    """The run's workbook: yearly summary, ledger, households at risk (by key), programmes, villages."""
    from fupin_sim.workbench.exports import write_sheets
    from fupin_sim.workbench.risk import at_risk_households

    tables = {
        "yearly": result.yearly,
        "ledger": result.ledger,
        "at_risk": at_risk_households(model),
        "programmes": result.programmes,
        "villages": result.villages,
    }
    try:
        write_sheets(path, tables)
    except OSError as err:
        raise UserError(f"cannot write the workbook {path}: {err.strerror}") from None
    print(f"workbook written to {path}")


@contextlib.contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Print a parameter range warning as one ``warning: ...`` line on stderr (other warnings as Python does)."""
    with warnings.catch_warnings():
        python_way = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, ParameterRangeWarning):
                print(f"warning: {message}", file=sys.stderr)
            else:
                python_way(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def _validate(args: argparse.Namespace) -> int:
    for name in args.scenarios:
        with warnings.catch_warnings():
            if args.strict:  # refused below, all in one message
                warnings.simplefilter("ignore", ParameterRangeWarning)
            scenario = load_scenario(name)
        problems = scenario.out_of_range() if args.strict else []
        if problems:
            raise UserError(
                f"{scenario.file}: {len(problems)} parameter value(s) outside the documented ranges: "
                f"{'; '.join(problems)}. Fix: use values inside the ranges, or validate without --strict "
                "to accept them with a warning"
            )
        print(
            f"ok: {scenario.file} ({scenario.name}, {scenario.horizon.start}..{scenario.horizon.end}, "
            f"programmes: {', '.join(scenario.programmes) or 'none'})"
        )
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


def _compare(args: argparse.Namespace) -> int:
    from fupin_sim.experiments.replications import comparison
    from fupin_sim.workbench.reports import format_comparison

    experiment = comparison(args.scenarios, args.reps, args.reference, args.seed)
    return _execute(args, experiment, args.out, format_comparison)


def _sweep(args: argparse.Namespace) -> int:
    from fupin_sim.experiments.sweeps import load_sweep
    from fupin_sim.workbench.reports import format_sweep

    sweep = load_sweep(args.sweep_file)
    experiment = sweep.experiment(args.reps)
    return _execute(args, experiment, args.out or Path("results") / "sweeps" / sweep.name, format_sweep)


def _execute(
    args: argparse.Namespace, experiment: Experiment, out: Path | None, format_table: Callable[[ExperimentResult], str]
) -> int:
    """Run an experiment, write its tables next to the store, print the summary; 1 if runs failed."""
    from fupin_sim.experiments.replications import execute

    executor = chosen_executor(args)
    try:
        result = execute(
            experiment,
            out,
            executor=executor,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=False if args.no_progress else None,
        )
    except KeyboardInterrupt:
        print(f"interrupted: {_kept(out)}", file=sys.stderr)
        return 130
    if out is not None:
        try:
            result.summary.to_csv(out / "summary.csv", index=False)
            result.table.to_csv(out / "replications.csv", index=False)
        except OSError as err:
            raise UserError(f"cannot write results to {out}: {err.strerror}") from None
    if args.format == "json":
        print(json.dumps(result.to_json_dict()))
    elif args.format == "csv":
        print(result.summary.to_csv(index=False), end="")
    else:
        print(format_table(result))
    if result.failed:
        first = result.runs[result.runs.status == "failed"].iloc[0]
        run = f"replication {first.replication} of {first.scenario}"
        run += f" point {first.point}" if "point" in first else ""
        where = f"tracebacks in {out}/runs/*/*/manifest.json" if out else "use --out DIR to keep the tracebacks"
        print(
            f"warning: {result.failed} of {len(result.runs)} runs failed, e.g. {run}: {first.error} ({where})",
            file=sys.stderr,
        )
        return 1
    return 0


def _kept(out: Path | None) -> str:
    """What an interrupted experiment leaves behind."""
    from fupin_sim.experiments.store import STATUS_OK, load_manifest

    if out is None:
        return "nothing kept (use --out DIR to keep finished runs and resume)"
    try:
        finished = int((load_manifest(out).status == STATUS_OK).sum())
    except UserError:  # interrupted before the store was written
        finished = 0
    return f"{finished} finished runs are kept in {out}/; run the same command again to resume"


if __name__ == "__main__":
    sys.exit(main())
