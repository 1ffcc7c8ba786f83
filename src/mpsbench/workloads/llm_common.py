"""What the torch and MLX LLM workloads share: the grid, the prompt, the memory check.

The benchmarks' params (``llm_params``) come from the grid ``MPSBENCH_GRID`` selects,
as the operators' do (``mpsbench.ops.grid``): every default value is also a full-grid
value, so both grids feed the same series.

- ``default``: the tiny model in float32 and Qwen2.5-0.5B in bfloat16, batch 1, a
  128-token prompt and 32 new tokens, eager and compiled (where it exists), on cpu and
  gpu: about five minutes on a 2-core CPU. MLX on Linux's CPU runs the tiny model only
  (``reference_cpu_reason``), and first calls on the CPU are in the full grid only;
- ``dtypes``: the default points in float32 and float16 too (the GPU question);
- ``full``: both real shapes and the tiny one, float32/float16/bfloat16, batch 1 and 8,
  prompts of 128 and 512 tokens, 32 and 128 new tokens.

The tiny model runs in float32 only outside the full grid. Every skip is decided here,
before any framework is imported.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from mpsbench.catalogue import DEVICE_PARAMS, DTYPES
from mpsbench.inputs import DEFAULT_SEED
from mpsbench.models.llm_configs import BENCHMARK_MODELS, DTYPE_BYTES, LLMConfig, get_config
from mpsbench.ops.grid import GRID_ENV
from mpsbench.timing import TimedStep

MODES = ("eager", "compiled")
PHASES = ("prefill", "decode")
TINY = "tiny"
PROMPT_SEED_OFFSET = 1  # prompts and weights draw from different generators
MEMORY_HEADROOM = 0.8  # of the memory available now that a model may need


@dataclass(frozen=True)
class LLMGrid:
    """The values of each axis; real shapes and the tiny model keep their own dtypes."""

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


GRIDS = {
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
    return GRIDS.get(name, GRIDS["default"])


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


def compile_reason(framework: str, phase: str, device: str, grid: LLMGrid) -> str | None:
    """Why a compiled combination does not run, or None. Decided without any import.

    transformers compiles generation's decoding step only (``GenerationMixin`` runs the
    prefill through the uncompiled model, and compiles the forward for a static cache),
    and mlx-lm has no compiled generation at all.
    """
    if framework == "mlx":
        return ("mlx-lm has no compiled generation: generate_step runs the model eagerly "
                "(mx.compile only wraps its samplers), and its KVCache writes at a Python "
                "offset that changes every token, which mx.compile would trace anew each "
                "step; MLX runs eager only")
    if phase == "prefill":
        return ("transformers compiles decoding only: generate() runs the prefill through "
                "the uncompiled model even with a compiled static cache; see the decode "
                "benchmark for compiled torch")
    if device == "cpu" and not grid.torch_compile_cpu:
        return (f"torch.compile on the CPU is not in the {grid.name} grid: it builds C++ for "
                f"the model (minutes on 2 cores); {GRID_ENV}=full runs it")
    return None


def prompt_tokens(config: LLMConfig, batch: int, length: int,
                  seed: int = DEFAULT_SEED) -> np.ndarray:
    """Seeded token ids (batch, length) in the model's vocabulary, as int32 numpy."""
    rng = np.random.default_rng([seed, PROMPT_SEED_OFFSET])
    return rng.integers(0, config.vocab_size, size=(batch, length), dtype=np.int64) \
        .astype(np.int32)


def footprint_bytes(config: LLMConfig, dtype: str, batch: int, context: int) -> int:
    """What a generation of ``context`` positions needs, with margin: weights, the KV
    cache, the prefill's widest activations, the float32 logits and the float32 source
    tensor being converted."""
    width = DTYPE_BYTES[dtype]
    activations = 4 * batch * context * max(config.intermediate_size, config.hidden_size) \
        * width
    logits = batch * config.vocab_size * 4 * 2
    source = 4 * max(config.vocab_size * config.hidden_size,
                     config.intermediate_size * config.hidden_size)
    return (config.parameter_count() * width + config.kv_cache_bytes(dtype, batch, context)
            + activations + logits + source)


def memory_reason(model: str, dtype: str, batch: int, context: int,
                  available: int | None = None) -> str | None:
    """Why this machine cannot hold the model now (checked before building), or None.

    It checks the host's available memory (psutil): the model is built there, and on a
    Mac it is also the GPU's. On a discrete GPU the device holds far more than these
    models need (an H200: 141 GB).
    """
    if available is None:
        import psutil

        available = psutil.virtual_memory().available
    need = footprint_bytes(get_config(model), dtype, batch, context)
    if need > MEMORY_HEADROOM * available:
        return (f"{model} in {dtype} at batch {batch} x {context} positions needs about "
                f"{need / 2**30:.1f} GiB; {available / 2**30:.1f} GiB of memory is available "
                f"(at most {MEMORY_HEADROOM:.0%} of it is used)")
    return None


def reference_cpu_reason(framework: str, device: str, model: str, dtype: str,
                         grid: LLMGrid) -> str | None:
    """Why MLX on Linux's CPU leaves the real shapes to the full grid, or None.

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


def skip_reason(framework: str, phase: str, grid: LLMGrid, device: str, model: str,
                dtype: str, mode: str) -> str | None:
    """Every reason decided from the params alone, before any import."""
    if device not in DEVICE_PARAMS:
        raise ValueError(f"unknown device {device!r}")
    reason = grid.point_reason(model, dtype) \
        or reference_cpu_reason(framework, device, model, dtype, grid)
    if reason is None and mode == "compiled":
        reason = compile_reason(framework, phase, device, grid)
    return reason


def check_memory(model: str, dtype: str, batch: int, context: int) -> None:
    """Raise ``Unavailable`` when ``memory_reason`` finds the model too big for here."""
    from mpsbench.errors import Unavailable

    reason = memory_reason(model, dtype, batch, context)
    if reason:
        raise Unavailable(reason)


def generation_step(gen: Any, phase: str) -> TimedStep:
    """A cold step of either framework's ``Generation``: ``prefill`` (time to first token),
    ``decode`` (its new tokens, after a prefill in ``prepare``) or ``generate`` (both, for
    peak memory)."""
    if phase == "prefill":
        return TimedStep(gen.backend, gen.prefill)
    if phase == "decode":
        return TimedStep(gen.backend, gen.decode, prepare=gen.rewind)
    if phase == "generate":
        return TimedStep(gen.backend, gen.generate)
    raise ValueError(f"unknown phase {phase!r}; expected prefill, decode or generate")


StepMaker = Callable[..., TimedStep]  # (phase, device, model, dtype, mode, batch, prompt, ...)


def phase_steps(generation: Callable[..., Any]) -> tuple[StepMaker, StepMaker]:
    """A framework's ``phase_step`` and ``cached_step`` from its ``generation`` (device,
    model, dtype, mode, batch, prompt, new_tokens -> a new Generation)."""

    def phase_step(phase: str, device: str, model: str, dtype: str, mode: str, batch: int,
                   prompt: int, new_tokens: int = 1) -> TimedStep:
        """A cold step: ``prefill`` (time to first token) or ``decode`` (``new_tokens``
        tokens, after a prefill in ``prepare``), or ``generate`` (both, for peak memory)."""
        return generation_step(
            generation(device, model, dtype, mode, batch, prompt, new_tokens), phase)

    @cache
    def cached_step(phase: str, device: str, model: str, dtype: str, mode: str, batch: int,
                    prompt: int, new_tokens: int = 1) -> TimedStep:
        """``phase_step`` built and warmed up once per process: asv re-runs setup per
        sample."""
        return phase_step(phase, device, model, dtype, mode, batch, prompt,
                          new_tokens).warmed_up()

    return phase_step, cached_step
