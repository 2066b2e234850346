"""Columnar agent state: one NumPy array per attribute, one row per agent.

The model's hot path works on whole columns; Mesa agents are thin handles onto
one row (see :mod:`fupin_sim.model.households`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numba import njit


class ColumnStore:
    """Named NumPy arrays of one length.

    Subclasses declare ``SCHEMA``: column name → (dtype, description with unit).

    Args:
        n: number of rows.
        **arrays: initial values for some columns; the others start at zero.
    """

    SCHEMA: ClassVar[dict[str, tuple[Any, str]]] = {}

    def __init__(self, n: int, **arrays: Any):
        unknown = set(arrays) - set(self.SCHEMA)
        if unknown:
            raise KeyError(f"{type(self).__name__} has no column(s) {sorted(unknown)}")
        self.n = int(n)
        for name, (dtype, _doc) in self.SCHEMA.items():
            value = arrays.get(name)
            column = np.zeros(self.n, dtype=dtype) if value is None else np.asarray(value, dtype=dtype).copy()
            if column.shape != (self.n,):
                raise ValueError(f"column {name} has shape {column.shape}, expected ({self.n},)")
            setattr(self, name, column)

    def __len__(self) -> int:
        return self.n

    def row(self, index: int) -> dict[str, Any]:
        """One row as a plain dict (Python scalars)."""
        return {name: getattr(self, name)[index].item() for name in self.SCHEMA}

    def to_frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The columns as a DataFrame (all columns by default)."""
        return pd.DataFrame({name: getattr(self, name) for name in (columns or list(self.SCHEMA))})

    @classmethod
    def describe(cls) -> pd.DataFrame:
        """Documentation of every column: name, dtype, description."""
        return pd.DataFrame(
            [(name, np.dtype(dtype).name, doc) for name, (dtype, doc) in cls.SCHEMA.items()],
            columns=["column", "dtype", "description"],
        )


def add_row_properties(agent_class: type, store_name: str, schema: dict[str, tuple[Any, str]]) -> None:
    """Give an agent class one read/write property per column of a store.

    The agent must have ``model`` and ``row``; the property for column ``c`` reads
    and writes ``getattr(agent.model, store_name).c[agent.row]``.

    Args:
        agent_class: the Mesa agent class to extend.
        store_name: attribute of the model holding the :class:`ColumnStore`.
        schema: the store's ``SCHEMA``.
    """

    def make(name: str, doc: str) -> property:
        def getter(agent):
            return getattr(getattr(agent.model, store_name), name)[agent.row].item()

        def setter(agent, value) -> None:
            getattr(getattr(agent.model, store_name), name)[agent.row] = value

        return property(getter, setter, doc=doc)

    for name, (_dtype, doc) in schema.items():
        setattr(agent_class, name, make(name, doc))


def group_sum(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum ``values`` (numbers or booleans) by ``group`` index, as float64.

    The same as ``np.bincount(group, weights=values, minlength=n_groups)`` (one pass,
    in row order, so the float sums are bit-identical) without converting boolean
    values to float first. Booleans are read as bytes (0 or 1): summed as ``bool``,
    a mask of mixed values costs the compiled loop a branch per row (4x slower).

    Args:
        group: group index of each row (persons' household, households' village).
        values: per-row quantity.
        n_groups: number of groups.
    """
    return _group_sum(group, values.view(np.uint8) if values.dtype == np.bool_ else values, n_groups)


@njit(cache=True)
def _group_sum(group, values, n_groups):
    """Kernel of :func:`group_sum`."""
    total = np.zeros(n_groups)
    for row in range(group.size):
        total[group[row]] += values[row]
    return total


@njit(cache=True)
def dot(a, b):
    """The sum of ``a[i] * b[i]``, added in row order, as a float.

    In place of ``a @ b``: NumPy hands a long dot product to BLAS, whose worker
    threads go on spinning after it returns and take the second core from a
    second model process (the budget panel ran 1.4x slower beside them), and whose
    sum depends on how many threads split it. This one is single-threaded and
    adds the same way on every machine.
    """
    total = 0.0
    for row in range(a.size):
        total += a[row] * b[row]
    return total
