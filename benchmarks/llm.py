"""Small-LLM inference: prompt and generation speed, torch (transformers) against MLX (mlx-lm).

The models are the classes users run (transformers' ``LlamaForCausalLM`` and
``Qwen2ForCausalLM``, mlx-lm's ``llama`` and ``qwen2``), built from configurations in
code at real shapes (Qwen2.5-0.5B, Llama-3.2-1B) and a tiny one, with the same seeded
random weights in both; nothing is downloaded. Greedy decoding with a KV cache.

- ``<Framework>Prefill.time_step``: seconds to first token for a prompt of ``prompt``
  tokens (the report divides batch x prompt by it: prompt tokens per second);
- ``<Framework>Decode.time_step``: seconds per generated token, ``new_tokens`` of them
  a sample after the prompt (batch / it: generated tokens per second);
- ``<Framework>GenerationMemory.track_peak_memory``: peak device memory of a whole
  generation (prefill and ``new_tokens`` tokens), weights included, in bytes;
- ``<Framework>FirstCall.timeraw_first_call``: a phase's first call in a fresh
  interpreter (``torch.compile``'s compilation included for compiled torch).

Params: device, model, dtype, mode (eager; compiled: torch's static cache under
``torch.compile``, as ``generate`` compiles it; mlx-lm has none), batch, prompt and
new_tokens. The grid is ``mpsbench.grids``'s (``MPSBENCH_GRID``). Every
combination that cannot run says why (not installed, too big for the memory available,
a release older than the pinned transformers or mlx-lm supports) and shows as n/a.
"""

from types import ModuleType
from typing import Any

from mpsbench.catalogue import MLX, TORCH
from mpsbench.errors import Unavailable
from mpsbench.firstcall import first_call_source
from mpsbench.grids import GRID_ENV, llm_params, selected_llm_grid
from mpsbench.models.llm_stack import library_reason
from mpsbench.timing import PerCallClock
from mpsbench.workloads import llm_common, llm_mlx, llm_torch

from .common import (
    ColdStartTiming,
    StepTiming,
    skip_for,
    skip_if_no_gpu_hardware,
    skip_torch_cpu_memory,
    skip_unless_gpu_ready,
)

GRID = selected_llm_grid()
LIBRARIES = {TORCH.id: "transformers", MLX.id: "mlx-lm"}


class _LLM:
    """The skips every LLM benchmark makes before importing anything."""

    version = 1
    framework: str
    workload: ModuleType
    phase: str

    def skip(self, device: str, model: str, dtype: str, mode: str) -> None:
        skip_if_no_gpu_hardware(device)
        skip_for(llm_common.skip_reason(self.framework, self.phase, GRID, device, model,
                                        dtype, mode))
        skip_for(library_reason(LIBRARIES[self.framework]))
        skip_unless_gpu_ready(self.framework, device)


class _Torch:
    framework = TORCH.id
    workload = llm_torch


class _MLX:
    framework = MLX.id
    workload = llm_mlx


class _Prefill(_LLM, StepTiming):
    """Seconds from a prompt to its first token: the prompt into a new KV cache, the last
    position's logits and the greedy token, synchronized."""

    phase = "prefill"
    param_names, params = llm_params(GRID, with_new_tokens=False)

    def setup(self, device: str, model: str, dtype: str, mode: str, batch: int,
              prompt: int) -> None:
        self.skip(device, model, dtype, mode)
        self.step = self.workload.cached_step("prefill", device, model, dtype, mode, batch,
                                              prompt)

    def time_step(self, *params: Any) -> None:
        """Seconds to first token (prompt tokens per second: batch x prompt / this)."""
        self.step()


class _Decode(_LLM, StepTiming):
    """Seconds per generated token: ``new_tokens`` greedy tokens against the prompt's KV
    cache, each waited for; the cache is cut back to the prompt before every sample."""

    phase = "decode"
    param_names, params = llm_params(GRID, with_new_tokens=True)

    def setup(self, device: str, model: str, dtype: str, mode: str, batch: int,
              prompt: int, new_tokens: int) -> None:
        self.skip(device, model, dtype, mode)
        self.step = self.workload.cached_step("decode", device, model, dtype, mode, batch,
                                              prompt, new_tokens)
        self.step.prepare()
        self.timer = PerCallClock(new_tokens)

    def time_step(self, *params: Any) -> None:
        """Seconds per generated token (tokens per second: batch / this)."""
        self.step()


class _GenerationMemory(_LLM):
    """Peak device memory of a whole generation, weights, KV cache and activations."""

    phase = "generate"
    timeout = 900
    param_names, params = llm_params(GRID, with_new_tokens=True)

    def skip(self, device: str, model: str, dtype: str, mode: str) -> None:
        skip_torch_cpu_memory(self.framework, device)
        super().skip(device, model, dtype, mode)

    def setup(self, device: str, model: str, dtype: str, mode: str, batch: int,
              prompt: int, new_tokens: int) -> None:
        self.skip(device, model, dtype, mode)
        self.step = self.workload.cached_step("generate", device, model, dtype, mode, batch,
                                              prompt, new_tokens)

    def track_peak_memory(self, *params: Any) -> int:
        """Bytes at the peak of one more prefill and decode, from a fresh window."""
        return self.step.peak_memory()

    track_peak_memory.unit = "bytes"


class _FirstCall(_LLM, ColdStartTiming):
    """A phase's first call in a fresh interpreter that built the model untimed: the
    prefill, or the first generated token after an untimed prefill (compiling included
    for compiled torch). On the CPU they are in the full grid only."""

    param_names = ["phase", *llm_params(GRID, with_new_tokens=False)[0]]
    params = [list(llm_common.PHASES), *llm_params(GRID, with_new_tokens=False)[1]]

    def setup(self, phase: str, device: str, model: str, dtype: str, mode: str,
              batch: int, prompt: int) -> None:
        self.phase = phase
        if device == "cpu" and GRID.name != "full":
            raise Unavailable("LLM first calls on the CPU are in the full grid only: each "
                              "sample imports the framework and transformers or mlx-lm "
                              f"and builds the model (seconds); {GRID_ENV}=full runs them")
        self.skip(device, model, dtype, mode)

    def timeraw_first_call(self, phase: str, *params: Any) -> tuple[str, str]:
        """Seconds of the phase's first call after a fresh interpreter has built the model."""
        return first_call_source(f"{self.workload.__name__}:phase_step", phase, *params)


class TorchPrefill(_Torch, _Prefill):
    pass


class MLXPrefill(_MLX, _Prefill):
    pass


class TorchDecode(_Torch, _Decode):
    pass


class MLXDecode(_MLX, _Decode):
    pass


class TorchGenerationMemory(_Torch, _GenerationMemory):
    pass


class MLXGenerationMemory(_MLX, _GenerationMemory):
    pass


class TorchFirstCall(_Torch, _FirstCall):
    pass


class MLXFirstCall(_MLX, _FirstCall):
    pass
