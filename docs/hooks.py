"""MkDocs hook: the API reference, one generated page per package of ``fupin_sim``.

The pages are built from the source tree at every build, so a module that someone adds appears in
the reference (and its docstrings are checked by the strict build) without anyone editing a list.
``on_config`` adds the pages to the nav's "API reference" section; ``on_files`` supplies them.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

PACKAGE = "fupin_sim"
SECTION = "API reference"
ROOT = Path(__file__).resolve().parent.parent


def packages(root: Path = ROOT) -> dict[str, list[str]]:
    """Each package of ``fupin_sim`` with its public modules, found on disk.

    Args:
        root: The repository root (the folder holding ``fupin_sim/``).

    Returns:
        Dotted package name → dotted names of its modules (those not starting with ``_``), sorted.
    """
    found = {}
    for init in sorted((root / PACKAGE).rglob("__init__.py")):
        folder = init.parent
        name = ".".join(folder.relative_to(root).parts)
        found[name] = sorted(f"{name}.{path.stem}" for path in folder.glob("*.py") if not path.stem.startswith("_"))
    return found


def page_path(package: str) -> str:
    """Where a package's reference page lies under docs/.

    Args:
        package: A dotted package name, e.g. ``fupin_sim.model``.
    """
    return f"reference/{package}.md"


def page_text(package: str, modules: list[str]) -> str:
    """The Markdown of one package's reference page (mkdocstrings directives).

    Args:
        package: The dotted package name; its own docstring opens the page.
        modules: The dotted names of its modules, one section each.
    """
    blocks = [f"# `{package}`", f"::: {package}\n    options:\n      members: false\n      show_root_heading: false"]
    blocks += [f"::: {module}" for module in modules]
    return "\n\n".join(blocks) + "\n"


def index_text(found: dict[str, list[str]]) -> str:
    """The Markdown of the reference's front page: every package and its modules.

    Args:
        found: Package → modules, as :func:`packages` returns them.
    """
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings at every build (`docs/hooks.py`): one page per package.",
        "The public API is importable from the top: `from fupin_sim import FupinModel, run_scenario, "
        "load_scenario, compare, load_results`.",
        "",
        "| package | modules |",
        "|---|---|",
    ]
    for package, modules in found.items():
        names = ", ".join(f"`{module.rsplit('.', 1)[1]}`" for module in modules) or "-"
        lines.append(f"| [`{package}`]({package}.md) | {names} |")
    return "\n".join(lines) + "\n"


def on_config(config):
    """Put one page per package under the nav's API reference section.

    Args:
        config: The MkDocs configuration; its ``nav`` must hold an "API reference" section.
    """
    section = next(entry for entry in config.nav if isinstance(entry, dict) and SECTION in entry)
    section[SECTION] = ["reference/index.md"] + [{package: page_path(package)} for package in packages()]
    return config


def on_files(files, config):
    """Add the generated reference pages to the site's files.

    Args:
        files: The site's files, which the generated pages join.
        config: The MkDocs configuration.
    """
    found = packages()
    files.append(File.generated(config, "reference/index.md", content=index_text(found)))
    for package, modules in found.items():
        files.append(File.generated(config, page_path(package), content=page_text(package, modules)))
    return files
