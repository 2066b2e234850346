"""``fupin registry import`` and ``fupin registry example``: your own registry, kept private."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_sim.cli.arguments import non_negative_int


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``registry`` command group."""
    registry = commands.add_parser("registry", help="import a registry export (建档立卡) or write a fake one")
    actions = registry.add_subparsers(dest="registry_command", required=True)

    imports = actions.add_parser(
        "import", help="read an export (XLSX, XLS, CSV) into a population folder that a scenario can run on"
    )
    imports.add_argument("file", type=Path, help="the export: one row per member (贫困户登记表)")
    imports.add_argument("village_file", type=Path, nargs="?", help="optional village file (贫困村, 一低五有)")
    imports.add_argument(
        "--out", type=Path, required=True, help="population folder to write (scenario: population: {registry: DIR})"
    )
    imports.add_argument(
        "--key-file",
        type=Path,
        help="secret behind the household keys (default: $FUPIN_KEY_FILE or ~/.config/fupin/registry.key)",
    )
    imports.add_argument(
        "--keys-file",
        type=Path,
        help="also write the re-identification table (key, head's name and ID) here, for the office only",
    )
    imports.add_argument("--aliases", type=Path, help="extra alias file extending data/registry_aliases.yaml")
    imports.add_argument(
        "--allow-refused",
        action="store_true",
        help="import the other households when some rows are refused (listed in the report)",
    )
    imports.set_defaults(handler=_import)

    example = actions.add_parser("example", help="write a realistic fake export from the synthetic district")
    example.add_argument("--out", type=Path, required=True, help="the export to write (.xlsx, .xls or .csv)")
    example.add_argument("--villages", type=Path, help="also write the village file here")
    example.add_argument("--scenario", default="baseline", help="scenario whose synthetic district is exported")
    example.add_argument(
        "--seed", type=non_negative_int, help="seed of the district and the fake names (default: the scenario's)"
    )
    example.add_argument("--scale", type=float, help="population scale (default: the scenario's)")
    example.add_argument("--encoding", default="gb18030", help="encoding of CSV files (default: gb18030)")
    example.set_defaults(handler=_example)


def _import(args: argparse.Namespace) -> int:
    from fupin_sim.registry import import_registry

    report = import_registry(
        args.file,
        args.village_file,
        out=args.out,
        key_file=args.key_file,
        keys_file=args.keys_file,
        aliases=args.aliases,
        allow_refused=args.allow_refused,
    )
    print(report.summary())
    return 0


def _example(args: argparse.Namespace) -> int:
    from fupin_sim.config.scenario import load_scenario
    from fupin_sim.errors import UserError
    from fupin_sim.model.population import generate_population
    from fupin_sim.model.rng import RandomStreams
    from fupin_sim.registry.example import write_example

    scenario = load_scenario(args.scenario)
    seed = scenario.seed if args.seed is None else args.seed
    scale = scenario.population_scale if args.scale is None else args.scale
    if not 0 < scale <= 25:
        raise UserError(f"--scale must be above 0 and at most 25, got {scale}")
    population = generate_population(scenario.params, RandomStreams(seed)["population"], scale)
    path, rows = write_example(population, scenario.params, seed, args.out, args.villages, args.encoding)
    print(f"wrote {rows:,} member rows of {int(population.households.registered_2015.sum()):,} households to {path}")
    if args.villages:
        print(f"wrote {len(population.villages)} villages to {args.villages}")
    return 0
