"""Errors a user can fix: the CLI prints them without a traceback."""

from __future__ import annotations


class UserError(Exception):
    """An error caused by input the user controls (a scenario, a path, a flag)."""


class ScenarioError(UserError):
    """A scenario file is invalid.

    Args:
        file: the scenario file (or ``<dict>`` for in-memory scenarios).
        key: the dotted key at fault.
        problem: what is wrong.
        fix: how to fix it.
    """

    def __init__(self, file: str, key: str, problem: str, fix: str = ""):
        self.file, self.key, self.problem, self.fix = file, key, problem, fix
        message = f"{file}: {key}: {problem}"
        super().__init__(f"{message}. Fix: {fix}" if fix else message)
