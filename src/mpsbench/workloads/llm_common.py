"""What the torch and MLX LLM workloads share: the prompt, the memory check, the skips.

The grid and its params are ``mpsbench.grids``'s (``LLMGrid``, ``llm_params``); every
skip is decided here or there, before any framework is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mpsbench.catalogue import DEVICE_PARAMS, LLM_PHASES
from mpsbench.grids import GRID_ENV, LLMGrid, llm_reference_cpu_reason
from mpsbench.inputs import DEFAULT_SEED
from mpsbench.models.llm_configs import DTYPE_BYTES, LLMConfig, get_config
from mpsbench.timing import TimedStep, warmed_once

PHASES = tuple(phase.id for phase in LLM_PHASES)
PROMPT_SEED_OFFSET = 1  # prompts and weights draw from different generators
MEMORY_HEADROOM = 0.8  # of the memory available now that a model may need


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


def skip_reason(framework: str, phase: str, grid: LLMGrid, device: str, model: str,
                dtype: str, mode: str) -> str | None:
    """Every reason decided from the params alone, before any import."""
    if device not in DEVICE_PARAMS:
        raise ValueError(f"unknown device {device!r}")
    reason = grid.point_reason(model, dtype) \
        or llm_reference_cpu_reason(framework, device, model, dtype, grid)
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


def phase_steps(framework: str, generation: Callable[..., Any]
                ) -> tuple[StepMaker, StepMaker]:
    """``framework``'s ``phase_step`` and ``cached_step`` (``timing.warmed_once``: built
    and warmed up once per process, out of memory skipped) from its ``generation``
    (device, model, dtype, mode, batch, prompt, new_tokens -> a new Generation)."""

    def phase_step(phase: str, device: str, model: str, dtype: str, mode: str, batch: int,
                   prompt: int, new_tokens: int = 1) -> TimedStep:
        """A cold step: ``prefill`` (time to first token) or ``decode`` (``new_tokens``
        tokens, after a prefill in ``prepare``), or ``generate`` (both, for peak memory)."""
        return generation_step(
            generation(device, model, dtype, mode, batch, prompt, new_tokens), phase)

    def label(phase: str, device: str, model: str, dtype: str, mode: str, batch: int,
              prompt: int, new_tokens: int = 1) -> str:
        return (f"{framework} {model} {phase} ({mode}) in {dtype} on {device}, batch {batch} "
                f"x prompt {prompt} + {new_tokens} new tokens")

    return phase_step, warmed_once(phase_step, label)
