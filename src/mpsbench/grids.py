"""Every grid in one place: which params the operator, LLM and ResNet-50 benchmarks run over.

One environment variable, ``MPSBENCH_GRID``, picks the grid of every workload:

- ``default`` (unset): operators at one shape (batch 1, sequence 128, 8 heads, causal
  mask) in float16, eager and compiled, forward and forward+backward, on cpu and gpu:
  small enough for a laptop run. torch.compile on the CPU, which builds C++ for every
  shape, is left to the full grid, and so is the first-call cost of eager steps (each of
  its samples is a fresh interpreter; compiling is where the first call is the question).
  LLMs: the tiny model in float32 and Qwen2.5-0.5B in bfloat16, batch 1, a 128-token
  prompt and 32 new tokens, eager and compiled (where it exists): about five minutes on
  a 2-core CPU;
- ``dtypes``: the default points in float32, float16 and bfloat16 too (for a GPU, where
  the dtype is the question);
- both add one operator GPU point: Linear at batch 64 x sequence 512 (the full grid's
  largest), on ``gpu`` only. At batch 1 x 128 a large GPU mostly waits on kernel
  launches; at this point its own work dominates (docs/gpu.md, "A point that loads the
  GPU"). asv params are a product, so Linear's two mixed shapes (1 x 512, 64 x 128) are
  skipped before any import; one op keeps those skips few;
- ``full``: operators over batch 1-64 x sequence 64-512 x heads 1, 8 x mask, in float32,
  float16 and bfloat16; LLMs over both real shapes and the tiny one, float32/float16/
  bfloat16, batch 1 and 8, prompts of 128 and 512 tokens, 32 and 128 new tokens.

ResNet-50 runs batches ``RESNET_BATCHES`` in every grid. MLX on Linux's CPU, a
single-threaded reference BLAS, runs ResNet-50 at batch 1 and the tiny LLM only, outside
the full grid (``resnet_reference_cpu_reason``, ``llm_reference_cpu_reason``).

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
from mpsbench.models.llm_configs import BENCHMARK_MODELS
from mpsbench.ops.spec import PHASES, OpSpec

GRID_ENV = "MPSBENCH_GRID"
DIM = 768
MODES = ("eager", "compiled")
MASKS = ("none", "causal")
RESNET_BATCHES = (1, 4, 16)
TINY = "tiny"  # the LLM grid's tiny model


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


def resnet_reference_cpu_reason(device: str, batch: int) -> str | None:
    """Why a ResNet-50 batch above 1 on MLX's Linux CPU backend is left to the full grid,
    or None.

    That backend runs a single-threaded reference BLAS: a batch-16 train step takes
    minutes and tells nothing about MLX on a Mac, whose CPU backend uses Accelerate.
    """
    if device == "cpu" and batch > 1 and sys.platform == "linux" \
            and selected_grid().name != "full":
        return ("MLX's Linux CPU backend runs a single-threaded reference BLAS (seconds "
                f"per image); batch > 1 runs only with {GRID_ENV}=full")
    return None


@dataclass(frozen=True)
class LLMGrid:
    """The values of each LLM axis; real shapes and the tiny model keep their own dtypes."""

    name: str
    models: tuple[str, ...]
    real_dtypes: tuple[str, ...]
    tiny_dtypes: tuple[str, ...]
    batch: tuple[int, ...]
    prompt: tuple[int, ...]
    new_tokens: tuple[int, ...]
    torch_compile_cpu: bool

    @property
    def dtypes(self) -> tuple[str, ...]:
        wanted = set(self.real_dtypes) | set(self.tiny_dtypes)
        return tuple(d for d in DTYPES if d in wanted)

    def point_reason(self, model: str, dtype: str) -> str | None:
        """Why this grid leaves (model, dtype) out, or None."""
        allowed = self.tiny_dtypes if model == TINY else self.real_dtypes
        if dtype not in allowed:
            which = "the tiny model" if model == TINY else "a real shape"
            return (f"{model} in {dtype} is not a point of the {self.name} grid ({which} runs "
                    f"in {', '.join(allowed)} there; asv runs the product of the axes); "
                    f"{GRID_ENV}=full runs it")
        return None


LLM_GRIDS = {
    "default": LLMGrid("default", models=(TINY, "qwen2.5-0.5b"), real_dtypes=("bfloat16",),
                       tiny_dtypes=("float32",), batch=(1,), prompt=(128,), new_tokens=(32,),
                       torch_compile_cpu=False),
    "dtypes": LLMGrid("dtypes", models=(TINY, "qwen2.5-0.5b"),
                      real_dtypes=DTYPES, tiny_dtypes=("float32",),
                      batch=(1,), prompt=(128,), new_tokens=(32,), torch_compile_cpu=False),
    "full": LLMGrid("full", models=BENCHMARK_MODELS, real_dtypes=DTYPES,
                    tiny_dtypes=DTYPES, batch=(1, 8), prompt=(128, 512), new_tokens=(32, 128),
                    torch_compile_cpu=True),
}


def selected_llm_grid(environ: Mapping[str, str] = os.environ) -> LLMGrid:
    """The LLM grid ``MPSBENCH_GRID`` names (default for unset or unknown, as the ops')."""
    name = environ.get(GRID_ENV, "").strip().lower()
    return LLM_GRIDS.get(name, LLM_GRIDS["default"])


def llm_params(grid: LLMGrid, with_new_tokens: bool, modes: tuple[str, ...] = MODES
               ) -> tuple[list[str], list[list]]:
    """asv ``param_names`` and ``params`` of an LLM benchmark over ``grid``."""
    axes: dict[str, tuple] = {
        "device": DEVICE_PARAMS,
        "model": grid.models,
        "dtype": grid.dtypes,
        "mode": modes,
        "batch": grid.batch,
        "prompt": grid.prompt,
    }
    if with_new_tokens:
        axes["new_tokens"] = grid.new_tokens
    return list(axes), [list(values) for values in axes.values()]


def llm_reference_cpu_reason(framework: str, device: str, model: str, dtype: str,
                             grid: LLMGrid) -> str | None:
    """Why MLX on Linux's CPU leaves the real LLM shapes to the full grid, or None.

    That backend runs a single-threaded reference BLAS, and float16/bfloat16 without
    BLAS at all. Qwen2.5-0.5B (128-token prompt) took 58-102 s to first token and
    0.7-1.7 s per generated token in float32, and 79 s and 7.9 s in bfloat16, against
    0.25 s and 0.13 s for torch in bfloat16 on the same core: minutes a sample, and
    nothing it tells about MLX on a Mac (Accelerate) or a GPU.
    """
    if framework == "mlx" and device == "cpu" and sys.platform == "linux" \
            and model != TINY and grid.name != "full":
        return ("MLX's Linux CPU backend runs a single-threaded reference BLAS, and "
                f"{dtype} " + ("through it" if dtype == "float32" else "without BLAS")
                + " (Qwen2.5-0.5B: 58-102 s to first token and 0.7-1.7 s per token in "
                "float32, 79 s and 7.9 s in bfloat16, on one core); real shapes run there "
                f"only with {GRID_ENV}=full")
    return None
