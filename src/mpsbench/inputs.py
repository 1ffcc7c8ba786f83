"""Seeded inputs shared by every framework, so torch and MLX see the same numbers."""

from __future__ import annotations

import numpy as np

DEFAULT_SEED = 0


def normal(shape: tuple[int, ...], seed: int = DEFAULT_SEED) -> np.ndarray:
    """Standard-normal float32 data from a seeded generator; same seed, same array."""
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)
