"""Small-LLM inference in torch through Hugging Face transformers' own model classes.

``LlamaForCausalLM`` and ``Qwen2ForCausalLM`` are built from a configuration written in
code (``mpsbench.models.llm_configs``) with seeded random weights (nothing is
downloaded), in eval mode with PyTorch's SDPA attention, as ``from_pretrained`` would.
A ``Generation`` holds a model, a seeded prompt and a KV cache, and runs generation as
``GenerationMixin.generate`` does, in two steps the benchmarks time apart:

- **prefill**: the prompt through the model into a fresh cache, logits of the last
  position only (``logits_to_keep=1``), and the greedy first token: time to first token;
- **decode**: ``new_tokens`` greedy tokens, one forward of one token each against the
  cache; every token waits for the device (``generate`` does too: its stopping check
  reads each token), and the step ends synchronized.

Eager runs with a ``DynamicCache`` (generate's default). Compiled is what
``generate(cache_implementation="static")`` does: a ``StaticCache`` and the model's
forward under ``torch.compile`` with transformers' ``CompileConfig`` settings, for
decoding (the prefill stays eager). Between samples the cache is cut back to the prompt
(``crop``), so a sample decodes from the same state without a new prefill.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache
from typing import Any

from mpsbench.backends import get_backend
from mpsbench.backends.base import Backend
from mpsbench.catalogue import TORCH
from mpsbench.inputs import DEFAULT_SEED
from mpsbench.models.llm_configs import LLMConfig, get_config
from mpsbench.models.llm_convert import load_into_torch
from mpsbench.models.llm_stack import require_library
from mpsbench.workloads import llm_common

ARCHITECTURES = {"llama": ("LlamaConfig", "LlamaForCausalLM"),
                 "qwen2": ("Qwen2Config", "Qwen2ForCausalLM")}


def model_classes(architecture: str) -> tuple[Any, Any]:
    """transformers' (config class, model class) for ``architecture``."""
    require_library("transformers")
    import transformers

    names = ARCHITECTURES[architecture]
    return getattr(transformers, names[0]), getattr(transformers, names[1])


def build_model(config: LLMConfig, backend: Backend, dtype: str,
                seed: int = DEFAULT_SEED) -> Any:
    """The transformers model of ``config`` on the backend's device, seeded weights in
    ``dtype``, in eval mode with SDPA attention."""
    torch = backend.torch
    torch_dtype = backend.dtype(dtype)
    config_class, model_class = model_classes(config.architecture)
    hf_config = config_class(**config.hf_config_dict())
    hf_config._attn_implementation = "sdpa"
    from transformers.initialization import no_init_weights

    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch_dtype)  # allocate in the target dtype: no float32 copy
    try:
        with no_init_weights(), torch.device(backend.device):
            model = model_class(hf_config)
    finally:
        torch.set_default_dtype(previous)
    if config.tie_word_embeddings:
        model.tie_weights()  # no_init_weights skips the tying that post_init would do
    load_into_torch(model, config, torch_dtype, backend.device, seed)
    return model.eval()


@cache
def model_on(device: str, model: str, dtype: str) -> tuple[Backend, Any]:
    """(backend, model), built once per process after the memory check."""
    backend = get_backend("torch", device)
    require_library("transformers")
    backend.reset_peak_memory()
    return backend, build_model(get_config(model), backend, dtype)


def cache_keyword(model: Any) -> str:
    """The forward's name for the KV cache: ``cache`` (transformers 5.2x) or
    ``past_key_values`` (before)."""
    names = inspect.signature(model.forward).parameters
    return "cache" if "cache" in names else "past_key_values"


class Generation:
    """A prompt of ``batch`` x ``prompt`` seeded tokens, its KV cache and greedy decoding."""

    def __init__(self, backend: Backend, model: Any, config: LLMConfig, batch: int,
                 prompt: int, new_tokens: int, compiled: bool) -> None:
        torch = backend.torch
        self.backend, self.model, self.config = backend, model, config
        self.prompt, self.new_tokens, self.compiled = prompt, new_tokens, compiled
        self.ids = torch.from_numpy(llm_common.prompt_tokens(config, batch, prompt)) \
            .to(device=backend.device, dtype=torch.long)
        self.cache: Any = None
        self.first: Any = None
        self.recorded: list[Any] | None = None  # a list: decode keeps each step's logits
        self.keyword = cache_keyword(model)
        self.forward = compiled_forward(model) if compiled else model.forward

    def new_cache(self) -> Any:
        """An empty cache: a new DynamicCache, or the one StaticCache, reset.

        generate() keeps its static cache between calls too: the compiled forward is
        specialized on the cache's tensors, and a new cache would recompile it.
        """
        import transformers

        if not self.compiled:
            self.cache = None  # the old cache is freed before the new one fills
            return transformers.DynamicCache(config=self.model.config)
        if self.cache is None:
            return transformers.StaticCache(config=self.model.config,
                                            max_cache_len=self.prompt + self.new_tokens)
        self.cache.reset()
        return self.cache

    def prefill(self) -> Any:
        """The prompt into a fresh cache; returns the greedy first token (batch, 1)."""
        torch = self.backend.torch
        self.cache = self.new_cache()
        with torch.no_grad():
            out = self.model(input_ids=self.ids, use_cache=True, logits_to_keep=1,
                             **{self.keyword: self.cache})
        self.first = out.logits[:, -1, :].argmax(-1, keepdim=True)
        return self.first

    def rewind(self) -> Any:
        """Back to the state right after the prefill (the cache holds the prompt only);
        prefills first when nothing has. Returns the first token."""
        if self.cache is None:
            return self.prefill()
        extra = int(self.cache.get_seq_length()) - self.prompt
        if extra > 0:
            self.cache.crop(-extra)
        return self.first

    def decode(self, tokens: int | None = None) -> list[Any]:
        """``tokens`` (default ``new_tokens``) greedy tokens after the first, each waited for."""
        torch, wait = self.backend.torch, self.backend.wait
        y, out = self.first, []
        with torch.no_grad():
            for _ in range(self.new_tokens if tokens is None else tokens):
                logits = self.forward(input_ids=y, use_cache=True,
                                      **{self.keyword: self.cache}).logits
                if self.recorded is not None:
                    self.recorded.append(logits[:, -1, :].float())
                y = logits[:, -1, :].argmax(-1, keepdim=True)
                out.append(y)
                wait()
        return out

    def generate(self) -> list[Any]:
        """A whole generation: the prefill and ``new_tokens`` more tokens."""
        return [self.prefill(), *self.decode()]

    def logits(self, ids: Any = None) -> Any:
        """Float32 logits of every position of ``ids`` (default: the prompt), no cache."""
        torch = self.backend.torch
        with torch.no_grad():
            out = self.model(input_ids=self.ids if ids is None else ids, use_cache=False)
        return out.logits.float()


def compiled_forward(model: Any) -> Callable[..., Any]:
    """The model's forward under ``torch.compile`` as transformers compiles generation."""
    import torch
    from transformers import CompileConfig

    settings = CompileConfig()
    return torch.compile(model.forward, fullgraph=settings.fullgraph, dynamic=settings.dynamic,
                         backend=settings.backend, mode=settings.mode, options=settings.options)


def generation(device: str, model: str, dtype: str, mode: str, batch: int, prompt: int,
               new_tokens: int) -> Generation:
    """A new Generation on the process's model, after the memory check."""
    llm_common.check_memory(model, dtype, batch, prompt + new_tokens)
    backend, built = model_on(device, model, dtype)
    return Generation(backend, built, get_config(model), batch, prompt, new_tokens,
                      compiled=mode == "compiled")


phase_step, cached_step = llm_common.phase_steps(TORCH.label, generation)
