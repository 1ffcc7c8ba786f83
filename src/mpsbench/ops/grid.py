"""The benchmark grid: which params each operator's benchmarks run over.

Two grids, picked with the environment variable ``MPSBENCH_GRID``:

- ``default`` (unset): one shape (batch 1, sequence 128, 8 heads, causal mask) in
  float16, eager and compiled, forward and forward+backward, on cpu and gpu: small
  enough for a laptop run. torch.compile on the CPU, which builds C++ for every shape,
  is left to the full grid, and so is the first-call cost of eager steps (each of its
  samples is a fresh interpreter; compiling is where the first call is the question);
- ``dtypes``: the default shape in float32, float16 and bfloat16 (for a GPU, where the
  dtype is the question);
- both add one GPU point: Linear at batch 64 x sequence 512 (the full grid's largest),
  on ``gpu`` only. At batch 1 x 128 a large GPU mostly waits on kernel launches; at this
  point its own work dominates (docs/gpu.md, "A point that loads the GPU"). asv params
  are a product, so Linear's two mixed shapes (1 x 512, 64 x 128) are skipped before any
  import; one op keeps those skips few;
- ``full``: the seed's sweep: batch 1-64 x sequence 64-512 x heads 1, 8 x mask, in
  float32, float16 and bfloat16.

Every default value is also a full value, under the same param names and types, and
the benchmark ``version`` does not depend on the grid. asv stores a result under its
param values, so a point measured with either grid is the same series in the history.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from mpsbench.catalogue import DEVICE_PARAMS, DTYPES
from mpsbench.ops.spec import PHASES, OpSpec

GRID_ENV = "MPSBENCH_GRID"
DIM = 768
MODES = ("eager", "compiled")
MASKS = ("none", "causal")


@dataclass(frozen=True)
class GpuPoint:
    """One op at one shape that a grid adds on the GPU only."""

    op: str
    batch: int
    seq: int


@dataclass(frozen=True)
class Grid:
    """The values of every axis, and whether torch.compile runs on the CPU."""

    name: str
    dtype: tuple[str, ...]
    batch: tuple[int, ...]
    seq: tuple[int, ...]
    heads: tuple[int, ...]
    mask: tuple[str, ...]
    torch_compile_cpu: bool
    first_call_modes: tuple[str, ...]
    gpu_point: GpuPoint | None = None

    def axes(self, op: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The batch and sequence axes asv runs ``op`` over: the grid's, and its GPU point."""
        point = self.gpu_point
        if point is None or point.op != op:
            return self.batch, self.seq
        return _with(self.batch, point.batch), _with(self.seq, point.seq)

    def skip_reason(self, framework: str, device: str, mode: str, op: str = "",
                    batch: int | None = None, seq: int | None = None) -> str | None:
        """Why this grid leaves a combination out, or None; decided without any import."""
        point = self.gpu_point
        if point and (op, batch, seq) == (point.op, point.batch, point.seq):
            if device != "gpu":
                return (f"batch {batch} x sequence {seq} is the {self.name} grid's GPU point; "
                        f"on the CPU it is in the full grid only ({GRID_ENV}=full)")
        elif batch is not None and (batch not in self.batch or seq not in self.seq):
            return (f"batch {batch} x sequence {seq} is not a point of the {self.name} grid "
                    f"(asv runs the product of its axes); {GRID_ENV}=full runs it")
        if framework == "torch" and device == "cpu" and mode == "compiled" \
                and not self.torch_compile_cpu:
            return (f"torch.compile on the CPU is not in the {self.name} grid: it builds "
                    f"C++ for every shape, tens of seconds a process; {GRID_ENV}=full runs it")
        return None


def _with(axis: tuple[int, ...], extra: int | None) -> tuple[int, ...]:
    return axis if extra is None or extra in axis else (*axis, extra)


GPU_POINT = GpuPoint("linear", batch=64, seq=512)
GRIDS = {
    "default": Grid("default", dtype=("float16",), batch=(1,), seq=(128,), heads=(8,),
                    mask=("causal",), torch_compile_cpu=False, first_call_modes=("compiled",),
                    gpu_point=GPU_POINT),
    "dtypes": Grid("dtypes", dtype=DTYPES, batch=(1,), seq=(128,), heads=(8,),
                   mask=("causal",), torch_compile_cpu=False, first_call_modes=("compiled",),
                   gpu_point=GPU_POINT),
    "full": Grid("full", dtype=DTYPES, batch=(1, 8, 16, 32, 64), seq=(64, 128, 256, 512),
                 heads=(1, 8), mask=MASKS, torch_compile_cpu=True, first_call_modes=MODES),
}


def selected_grid(environ: Mapping[str, str] = os.environ) -> Grid:
    """The grid ``MPSBENCH_GRID`` names; an unknown name warns and falls back to default.

    Discovery must never fail, so a typo costs a warning, not the whole suite.
    """
    name = environ.get(GRID_ENV, "").strip().lower() or "default"
    if name not in GRIDS:
        print(f"mpsbench: {GRID_ENV}={name!r} is not one of {sorted(GRIDS)}; "
              "using the default grid", file=sys.stderr)
        name = "default"
    return GRIDS[name]


def op_params(spec: OpSpec, grid: Grid, modes: tuple[str, ...] = MODES
              ) -> tuple[list[str], list[list]]:
    """asv ``param_names`` and ``params`` for ``spec``: only the axes it uses."""
    batches, seqs = grid.axes(spec.name)
    axes: dict[str, tuple] = {
        "device": DEVICE_PARAMS,
        "dtype": grid.dtype,
        "mode": modes,
        "phase": PHASES,
        "batch": batches,
        "seq": seqs,
    }
    if spec.uses_heads:
        axes["heads"] = grid.heads
    if spec.uses_mask:
        axes["mask"] = grid.mask
    return list(axes), [list(values) for values in axes.values()]
