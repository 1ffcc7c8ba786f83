"""The benchmark grid: which params each operator's benchmarks run over.

Two grids, picked with the environment variable ``MPSBENCH_GRID``:

- ``default`` (unset): one representative shape, small enough for a laptop run;
- ``full``: the seed's sweep, batch 1-64 x sequence 64-512 x heads 1, 8 x mask.

Every default value is also a full value, under the same param names and types, and
the benchmark ``version`` does not depend on the grid. asv stores a result under its
param values, so a point measured with either grid is the same series in the history;
a run of the default grid just leaves the full grid's other points unmeasured.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from mpsbench.backends.base import DEVICE_PARAMS, DTYPES
from mpsbench.ops.spec import PHASES, OpSpec

GRID_ENV = "MPSBENCH_GRID"
DIM = 768
MODES = ("eager", "compiled")
MASKS = ("none", "causal")


@dataclass(frozen=True)
class Grid:
    """Values of the shape axes; the variant axes (device, dtype, mode, phase) are fixed."""

    batch: tuple[int, ...]
    seq: tuple[int, ...]
    heads: tuple[int, ...]
    mask: tuple[str, ...]


GRIDS = {
    "default": Grid(batch=(8,), seq=(128,), heads=(8,), mask=MASKS),
    "full": Grid(batch=(1, 8, 16, 32, 64), seq=(64, 128, 256, 512), heads=(1, 8), mask=MASKS),
}


def selected_grid(environ: Mapping[str, str] = os.environ) -> Grid:
    """The grid ``MPSBENCH_GRID`` names; an unknown name warns and falls back to default.

    Discovery must never fail, so a typo costs a warning, not the whole suite.
    """
    name = environ.get(GRID_ENV, "default").strip().lower() or "default"
    if name not in GRIDS:
        print(f"mpsbench: {GRID_ENV}={name!r} is not one of {sorted(GRIDS)}; "
              "using the default grid", file=sys.stderr)
        name = "default"
    return GRIDS[name]


def op_params(spec: OpSpec, grid: Grid) -> tuple[list[str], list[list]]:
    """asv ``param_names`` and ``params`` for ``spec``: only the axes it uses."""
    axes: dict[str, tuple] = {
        "device": DEVICE_PARAMS,
        "dtype": DTYPES,
        "mode": MODES,
        "phase": PHASES,
        "batch": grid.batch,
        "seq": grid.seq,
    }
    if spec.uses_heads:
        axes["heads"] = grid.heads
    if spec.uses_mask:
        axes["mask"] = grid.mask
    return list(axes), [list(values) for values in axes.values()]
