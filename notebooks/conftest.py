"""pytest set-up for re-executing the notebooks with nbval (see pyproject.toml's addopts).

The notebooks run in a kernel started from this environment (``--nbval-current-env``),
with the notebook's folder as working directory, so their ``out/`` folders land in
``notebooks/out/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path


def pytest_configure(config):
    # addopts names the sanitize file relative to the repository root: make it absolute so
    # that `cd notebooks && pytest` works too.
    path = getattr(config.option, "nbval_sanitize_with", None)
    if path and not Path(path).is_absolute() and not Path(path).exists():
        config.option.nbval_sanitize_with = str(config.rootpath / path)
