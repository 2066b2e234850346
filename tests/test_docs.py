"""The documentation works as written: README.md and every page under docs/.

Every ``fupin …`` command line in a shell block is parsed by the real argument parser
(``fupin_sim.cli._parser()``, so commands that other modules register are checked as they are now);
the shipped files it names (``scenarios/…``, ``sweeps/…``) exist, and the cheap ones (those that
simulate nothing) are run where every file they name exists (``my.yaml`` is the reader's own).
Inline ``fupin …`` mentions must name a real sub-command and real options. Every ``make`` target
named exists in the Makefile. Python blocks compile and their imports resolve; YAML blocks parse
with the strict loader, and those that are scenarios or sweep files load as such. The generated API
reference covers every module.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import glob
import importlib
import importlib.util
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from fupin_sim.cli import _parser, main
from fupin_sim.config.scenario import load_scenario
from fupin_sim.config.yamlfile import safe_load
from fupin_sim.experiments.sweeps import load_sweep

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SHELL = {"sh", "bash", "shell", "console"}
CHEAP = {"validate", "params"}  # sub-commands that read files and print, simulating nothing
SHIPPED = ("scenarios/", "sweeps/", "data/", "notebooks/", "benchmarks/", "docs/")  # paths that must exist
OPERATORS = {"&&", "||", ";", "|", "&"}
REDIRECTS = {">", ">>", "<", "2>", "&>"}
FENCE = re.compile(r"^(\s*)```\s*([\w+-]*)")
INLINE = re.compile(r"`([^`\n]+)`")


def _load(name: str):
    """A module of docs/ (MkDocs loads them by path; docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"docs_{name}", ROOT / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load("hooks")  # generates the API reference
griffe_roles = _load("griffe_roles")  # shows Sphinx roles in docstrings as code


@dataclass(frozen=True)
class Block:
    """A fenced code block: where it is, its language and its text."""

    where: str
    lang: str
    text: str


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def fenced_blocks(path: Path) -> list[Block]:
    """Every fenced code block of a Markdown file (``where`` is ``file:line`` of its fence)."""
    blocks, lines, start, lang, indent = [], [], None, "", ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = FENCE.match(line)
        if start is None and match:
            start, indent, lang, lines = number, match.group(1), match.group(2).lower(), []
        elif start is not None and line.strip().startswith("```"):
            blocks.append(Block(f"{_relative(path)}:{start}", lang, "\n".join(lines)))
            start = None
        elif start is not None:
            lines.append(line.removeprefix(indent))
    return blocks


def prose_spans(path: Path) -> list[tuple[str, str]]:
    """Inline code spans outside fenced blocks, as (``file:line``, text)."""
    spans, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            spans += [(f"{_relative(path)}:{number}", span) for span in INLINE.findall(line)]
    return spans


def shell_commands(text: str) -> list[list[str]]:
    """The simple commands of a shell block: continuations joined, comments, redirections and
    operators (``&&``, ``;``, ``|``) taken apart."""
    commands = []
    for line in text.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current: list[str] = []
        tokens = iter(lexer)
        for token in tokens:
            if token in OPERATORS:
                commands.append(current)
                current = []
            elif token in REDIRECTS:
                next(tokens, None)  # the redirection's target
            else:
                current.append(token)
        commands.append(current)
    return [command for command in commands if command]


def is_fupin(command: list[str]) -> bool:
    """Whether a command runs the ``fupin`` entry point."""
    return Path(command[0]).name == "fupin"


def is_path(argument: str) -> bool:
    """Whether an argument names a file or folder (an example's own file, such as ``my.yaml``, may not exist)."""
    return not argument.startswith("-") and (
        "/" in argument or Path(argument).suffix in {".yaml", ".yml", ".csv", ".xlsx"}
    )


def arguments(command: list[str]) -> list[str]:
    """A ``fupin`` command's arguments, placeholders (``<scenario>``) filled and globs expanded
    from the repository root as a shell there would."""
    argv = []
    for token in command[1:]:
        token = re.sub(r"<[^<>]+>", "x", token)
        matches = sorted(glob.glob(token, root_dir=ROOT)) if any(c in token for c in "*?[") else []
        argv += matches or [token]
    return argv


SHELL_COMMANDS = [
    (block.where, command)
    for page in PAGES
    for block in fenced_blocks(page)
    if block.lang in SHELL
    for command in shell_commands(block.text)
]
FUPIN_COMMANDS = [(where, command) for where, command in SHELL_COMMANDS if is_fupin(command)]
MAKE_COMMANDS = [(where, command) for where, command in SHELL_COMMANDS if command[0] == "make"]
CODE_BLOCKS = [block for page in PAGES for block in fenced_blocks(page)]


def runnable(command: list[str]) -> bool:
    """Whether a ``fupin`` command is cheap and every file it names exists, so the test runs it."""
    argv = arguments(command)
    return bool(argv) and argv[0] in CHEAP and all((ROOT / arg).exists() for arg in argv if is_path(arg))


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse with the real parser; an error fails the test with argparse's own message."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            return _parser().parse_args(argv)
    except SystemExit as stop:
        if stop.code:
            pytest.fail(f"`fupin {' '.join(argv)}` does not parse: {errors.getvalue().strip()}")
        return argparse.Namespace(command=None)  # --help / --version


def test_the_pages_show_fupin_commands():
    """The collection finds the commands (a broken extractor would make every check vacuous)."""
    assert len(FUPIN_COMMANDS) >= 20
    assert {"run", "compare", "sweep", "validate", "params"} <= {command[1] for _, command in FUPIN_COMMANDS}


@pytest.mark.parametrize(("where", "command"), FUPIN_COMMANDS, ids=[f"{w} {shlex.join(c)}" for w, c in FUPIN_COMMANDS])
def test_fupin_command_parses(where, command):
    """Every ``fupin`` command in a shell block is accepted by the parser as it is now."""
    argv = arguments(command)
    missing = [arg for arg in argv if arg.startswith(SHIPPED) and not (ROOT / arg).exists()]
    assert not missing, f"{where}: `{shlex.join(command)}` names files the repository lacks: {missing}"
    parse(argv)
    if runnable(command):
        output = io.StringIO()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()) as errors:
            status = main(argv)
        assert status == 0, f"{where}: `{shlex.join(command)}` exited {status}: {errors.getvalue().strip()}"
        assert output.getvalue().strip(), f"{where}: `{shlex.join(command)}` printed nothing"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_inline_fupin_mentions_name_real_commands_and_options():
    """A prose mention such as `fupin compare --reps N` names a sub-command and options that exist."""
    commands = _subcommands()
    wrong = []
    for page in PAGES:
        for where, span in prose_spans(page):
            tokens = span.split()
            if tokens[0] != "fupin" or len(tokens) < 2 or tokens[1].startswith(("-", "…", "...")):
                continue
            sub = commands.get(tokens[1])
            if sub is None:
                wrong.append(f"{where}: `{span}`: no sub-command {tokens[1]!r}")
                continue
            known = set(sub._option_string_actions)
            wrong += [
                f"{where}: `{span}`: `fupin {tokens[1]}` has no option {t.split('=')[0]}"
                for t in tokens[2:]
                if t.startswith("-") and t.split("=")[0] not in known
            ]
    assert not wrong, "\n".join(wrong)


def makefile_targets() -> set[str]:
    """The targets the Makefile defines."""
    targets = set()
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.$() -]+):(?![=])", line)
        if match and not line.startswith("\t"):
            targets |= set(match.group(1).split())
    return targets


def test_scripts_named_exist():
    """Every Python script a shell block runs (``python benchmarks/bench_model.py …``) is in the repository."""
    scripts = [(where, token) for where, command in SHELL_COMMANDS for token in command if token.endswith(".py")]
    missing = [f"{where}: {script}" for where, script in scripts if not (ROOT / script).is_file()]
    assert not missing, "no such script:\n" + "\n".join(missing)


def test_make_targets_exist():
    """Every ``make X`` in a shell block and every inline `make X` names a Makefile target."""
    targets = makefile_targets()
    named = [
        (where, [t for t in command[1:] if "=" not in t and not t.startswith("-")]) for where, command in MAKE_COMMANDS
    ]
    for page in PAGES:
        named += [(where, span.split()[1:2]) for where, span in prose_spans(page) if span.startswith("make ")]
    assert len(named) >= 5
    wrong = [f"{where}: make {name}" for where, names in named for name in names if name not in targets]
    assert not wrong, "no such Makefile target:\n" + "\n".join(wrong)


@pytest.mark.parametrize("block", [b for b in CODE_BLOCKS if b.lang == "python"], ids=lambda b: b.where)
def test_python_block_compiles_and_its_imports_resolve(block):
    """A Python block compiles, and every name it imports exists where it imports it from."""
    tree = ast.parse(compile(block.text, block.where, "exec", flags=ast.PyCF_ONLY_AST))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            for alias in node.names:
                if not hasattr(module, alias.name):
                    importlib.import_module(f"{node.module}.{alias.name}")  # a submodule, or fails


YAML_BLOCKS = [b for b in CODE_BLOCKS if b.lang in {"yaml", "yml"}]


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=lambda b: b.where)
def test_yaml_block_loads(block, tmp_path):
    """A YAML block parses (duplicate keys refused); a scenario loads, a sweep file validates."""
    data = safe_load(block.text)
    if not isinstance(data, dict):
        return
    path = tmp_path / "example.yaml"
    path.write_text(block.text, encoding="utf-8")
    if "vary" in data:
        assert load_sweep(path).points
    elif "extends" in data or "programmes" in data:
        load_scenario(path)


def test_examples_of_both_yaml_kinds_are_checked():
    """The scenario and sweep examples are found (so their checks above are not vacuous)."""
    kinds = {
        ("vary" in d)
        for b in YAML_BLOCKS
        if isinstance(d := safe_load(b.text), dict) and ("vary" in d or "extends" in d)
    }
    assert kinds == {True, False}


def test_reference_covers_every_module():
    """The hook gives every module of the package a place on its package's reference page."""
    found = hooks.packages()
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "fupin_sim").rglob("*.py")
        if not path.stem.startswith("_")
    }
    listed = {module for members in found.values() for module in members}
    assert modules == listed
    for package, members in found.items():
        directives = set(hooks.page_text(package, members).splitlines())
        assert {f"::: {module}" for module in members} <= directives


def test_reference_picks_up_a_new_package(tmp_path):
    """A package added to the tree gets its own page with its modules, without editing a list."""
    (tmp_path / "fupin_sim" / "registry").mkdir(parents=True)
    for name in ("__init__.py", "registry/__init__.py", "registry/importer.py", "registry/_private.py"):
        (tmp_path / "fupin_sim" / name).write_text('"""A module."""\n')
    assert hooks.packages(tmp_path) == {"fupin_sim": [], "fupin_sim.registry": ["fupin_sim.registry.importer"]}
    assert "[`fupin_sim.registry`](fupin_sim.registry.md)" in hooks.index_text(hooks.packages(tmp_path))


def test_a_wrong_command_fails_the_check():
    """The parser check can fail: a misspelt option is caught."""
    with pytest.raises(pytest.fail.Exception, match="does not parse"):
        parse(arguments(["fupin", "compare", "baseline", "--repss", "3"]))
    assert shell_commands("fupin run a \\\n  --seed 7 > out.txt  # note\nmake run && fupin validate x.yaml") == [
        ["fupin", "run", "a", "--seed", "7"],
        ["make", "run"],
        ["fupin", "validate", "x.yaml"],
    ]


def test_cheap_commands_are_run():
    """Some commands are run, not only parsed (so the run check is not vacuous)."""
    assert sum(runnable(command) for _, command in FUPIN_COMMANDS) >= 2


def test_sphinx_roles_in_docstrings_become_code():
    """`:class:` and friends would print literally in Markdown; ``~`` keeps the last name, as in Sphinx."""
    text = "Runs :func:`~fupin_sim.experiments.calibration.calibration_table` on a :class:`FupinModel` (:mod:`x.y`)."
    assert griffe_roles.plain(text) == "Runs `calibration_table` on a `FupinModel` (`x.y`)."
