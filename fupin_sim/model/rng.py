"""Named random streams for common random numbers.

Each kind of draw (illness, job loss, disasters …) has its own generator derived
from the run's seed and the stream's name, and draws the same vector shapes
whatever the scenario does. So two scenarios run with one seed face the same
shocks, and their difference is the policy, not noise.
"""

from __future__ import annotations

import zlib

import numpy as np


class RandomStreams:
    """Independent generators keyed by name, all derived from one seed.

    Args:
        seed: an integer seed or a :class:`numpy.random.SeedSequence` (a
            replication's spawned child, for instance).
    """

    def __init__(self, seed: int | np.random.SeedSequence):
        self.seed_sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        """The generator of stream ``name`` (created on first use, stable across runs)."""
        if name not in self._generators:
            base = self.seed_sequence
            child = np.random.SeedSequence(base.entropy, spawn_key=(*base.spawn_key, zlib.crc32(name.encode())))
            self._generators[name] = np.random.default_rng(child)
        return self._generators[name]
