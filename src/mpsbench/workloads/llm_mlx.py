"""Small-LLM inference in MLX through mlx-lm's own model classes and KV cache.

``mlx_lm.models.llama`` and ``mlx_lm.models.qwen2`` are built from ``ModelArgs`` of the
same configuration as the torch side, with the same seeded weights
(``mpsbench.models.llm_convert``). A ``Generation`` runs generation as mlx-lm's
``generate_step`` does, in two steps the benchmarks time apart:

- **prefill**: all of the prompt but its last token into a fresh cache
  (``make_prompt_cache``), evaluated; then the last token, whose logits give the greedy
  first token (the first pass's logits are never computed: MLX is lazy, and
  ``generate_step`` relies on it in the same way);
- **decode**: ``new_tokens`` greedy tokens, one token per forward against the cache.
  As in ``generate_step``, token t+1's graph is queued (``mx.async_eval``) before token
  t is waited for (``mx.eval``); every token is evaluated, and the step ends with
  ``mx.eval`` of the tokens and the cache.

mlx-lm has no compiled generation, so MLX runs eager only. Between samples the cache is
trimmed back to the prompt (``KVCache.trim``). This module never imports torch, and
imports mlx-lm's model modules without its package ``__init__`` (which would).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from mpsbench.backends import get_backend
from mpsbench.backends.base import Backend
from mpsbench.catalogue import MLX
from mpsbench.inputs import DEFAULT_SEED
from mpsbench.models.llm_configs import LLMConfig, get_config
from mpsbench.models.llm_convert import load_into_mlx
from mpsbench.models.llm_stack import mlx_lm_model_module
from mpsbench.workloads import llm_common


def build_model(config: LLMConfig, backend: Backend, dtype: str,
                seed: int = DEFAULT_SEED) -> Any:
    """mlx-lm's model of ``config`` with the seeded weights in ``dtype``."""
    native = backend.dtype(dtype)
    module = mlx_lm_model_module(config.architecture)
    args = module.ModelArgs.from_dict(config.shared_fields())
    model = module.Model(args)
    load_into_mlx(model, config, native, seed)
    model.eval()
    backend.synchronize(model.parameters())
    return model


@cache
def model_on(device: str, model: str, dtype: str) -> tuple[Backend, Any]:
    """(backend, model), built once per process after the memory check."""
    backend = get_backend("mlx", device)
    mlx_lm_model_module(get_config(model).architecture)
    backend.reset_peak_memory()
    return backend, build_model(get_config(model), backend, dtype)


class Generation:
    """A prompt of ``batch`` x ``prompt`` seeded tokens, its KV cache and greedy decoding."""

    def __init__(self, backend: Backend, model: Any, config: LLMConfig, batch: int,
                 prompt: int, new_tokens: int) -> None:
        mx = backend.mx
        self.backend, self.model, self.config = backend, model, config
        self.prompt, self.new_tokens = prompt, new_tokens
        self.ids = mx.array(llm_common.prompt_tokens(config, batch, prompt))
        self.cache: list[Any] | None = None
        self.first: Any = None
        self.recorded: list[Any] | None = None  # a list: decode keeps each step's logits
        from mlx_lm.models.cache import make_prompt_cache

        self.make_cache = make_prompt_cache

    def states(self) -> list[Any]:
        return [layer.state for layer in self.cache or []]

    def prefill(self) -> tuple[Any, list[Any]]:
        """The prompt into a fresh cache; returns the first token (batch, 1) and the cache."""
        mx = self.backend.mx
        self.cache = None
        self.cache = self.make_cache(self.model)
        if self.prompt > 1:
            self.model(self.ids[:, :-1], cache=self.cache)
            mx.eval(self.states())
        logits = self.model(self.ids[:, -1:], cache=self.cache)
        self.first = mx.argmax(logits[:, -1, :], axis=-1, keepdims=True)
        return self.first, self.states()

    def rewind(self) -> tuple[Any, list[Any]]:
        """Back to the state right after the prefill (the cache holds the prompt only);
        prefills first when nothing has. Returns the first token and the cache."""
        if self.cache is None:
            return self.prefill()
        for layer in self.cache:
            layer.trim(layer.offset - self.prompt)
        return self.first, self.states()

    def _next(self, y: Any) -> Any:
        mx = self.backend.mx
        logits = self.model(y, cache=self.cache)
        if self.recorded is not None:
            self.recorded.append(logits[:, -1, :].astype(mx.float32))
        return mx.argmax(logits[:, -1, :], axis=-1, keepdims=True)

    def decode(self, tokens: int | None = None) -> tuple[list[Any], list[Any]]:
        """``tokens`` (default ``new_tokens``) greedy tokens after the first, each evaluated."""
        mx, wait = self.backend.mx, self.backend.wait
        count = self.new_tokens if tokens is None else tokens
        out: list[Any] = []
        if count == 0:
            return out, self.states()
        pending = self._next(self.first)
        mx.async_eval(pending)
        for index in range(count):
            y = pending
            if index + 1 < count:
                pending = self._next(y)
                mx.async_eval(pending)
            wait(y)  # mx.eval
            out.append(y)
        return out, self.states()

    def generate(self) -> tuple[list[Any], list[Any]]:
        """A whole generation: the prefill and ``new_tokens`` more tokens."""
        first, _ = self.prefill()
        tokens, states = self.decode()
        return [first, *tokens], states

    def logits(self, ids: Any = None) -> Any:
        """Float32 logits of every position of ``ids`` (default: the prompt), no cache."""
        mx = self.backend.mx
        return self.model(self.ids if ids is None else ids).astype(mx.float32)


def generation(device: str, model: str, dtype: str, mode: str, batch: int, prompt: int,
               new_tokens: int) -> Generation:
    """A new Generation on the process's model, after the memory check."""
    if mode != "eager":
        raise ValueError("mlx-lm generation runs eager only (see llm_common.compile_reason)")
    llm_common.check_memory(model, dtype, batch, prompt + new_tokens)
    backend, built = model_on(device, model, dtype)
    return Generation(backend, built, get_config(model), batch, prompt, new_tokens)


phase_step, cached_step = llm_common.phase_steps(MLX.label, generation)
