"""The transformers and mlx-lm models compute the same function from the same weights, and
the benchmarks' generation uses its KV cache right; each known bug makes the check fail.

Everything runs offline: HF_HUB_OFFLINE is set and every socket connection raises, so a
model, a config or a tokenizer that tried to come from a hub would fail these tests.
"""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("mlx_lm")
pytest.importorskip("mlx.core")

from mpsbench.models import llm_parity  # noqa: E402
from mpsbench.models.llm_configs import CONFIGS, get_config  # noqa: E402


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No hub and no network: a download attempt fails the test."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("model", sorted(CONFIGS))
def test_both_libraries_hold_exactly_the_configured_weights(model):
    """transformers' and mlx-lm's own parameter names and shapes are the configuration's
    (real shapes checked too: torch on the meta device, MLX arrays never evaluated)."""
    import torch
    from mlx.utils import tree_flatten

    from mpsbench.models.llm_stack import mlx_lm_model_module
    from mpsbench.workloads.llm_torch import model_classes

    config = get_config(model)
    config_class, model_class = model_classes(config.architecture)
    with torch.device("meta"):
        torch_model = model_class(config_class(**config.hf_config_dict()))
    torch_shapes = {name: tuple(p.shape) for name, p in torch_model.named_parameters()}
    module = mlx_lm_model_module(config.architecture)
    mlx_model = module.Model(module.ModelArgs.from_dict(config.shared_fields()))
    mlx_shapes = {name: tuple(a.shape) for name, a in tree_flatten(mlx_model.parameters())}
    assert torch_shapes == config.weight_shapes()
    assert mlx_shapes == config.weight_shapes()


@pytest.mark.parametrize("model", ["tiny", "tiny-qwen2"])
@pytest.mark.parametrize("batch", [1, 2])
def test_torch_and_mlx_agree_on_logits_and_16_greedy_tokens(model, batch):
    result = llm_parity.check(model, batch=batch, steps=16)
    assert result.ok, result.problems
    assert result.torch.tokens.shape == (batch, 17)
    assert result.differences["logits torch-mlx"] <= llm_parity.TOLERANCE
    # the tokens are not degenerate: the greedy sequence moves through the vocabulary
    assert len(set(result.torch.tokens[0].tolist())) > 4


def test_the_seeded_weights_do_not_depend_on_the_order_they_are_made_in():
    from mpsbench.models.llm_convert import random_tensor, random_weights

    config = get_config("tiny")
    made = dict(random_weights(config))
    name = "model.layers.1.mlp.up_proj.weight"
    assert np.array_equal(made[name], random_tensor(name, made[name].shape, config.init_std))
    assert not np.array_equal(made[name], random_tensor(name, made[name].shape,
                                                        config.init_std, seed=1))


# Each bug below once shipped in a suite like this one; the check must catch each, in
# either framework.


def _mlx_cache_drops_history(monkeypatch):
    from mlx_lm.models.cache import KVCache

    real = KVCache.update_and_fetch

    def broken(self, keys, values):
        real(self, keys, values)
        return keys, values  # attends to the new positions only

    monkeypatch.setattr(KVCache, "update_and_fetch", broken)


def _torch_cache_drops_history(monkeypatch):
    from transformers.cache_utils import DynamicLayer

    real = DynamicLayer.update

    def broken(self, key_states, value_states, *args, **kwargs):
        real(self, key_states, value_states, *args, **kwargs)
        return key_states, value_states

    monkeypatch.setattr(DynamicLayer, "update", broken)


def _mlx_mask_never_applied(monkeypatch):
    import mlx_lm.models.llama as llama

    monkeypatch.setattr(llama, "create_attention_mask", lambda *args, **kwargs: None)


def _torch_mask_never_applied(monkeypatch):
    import torch
    import transformers.models.llama.modeling_llama as llama

    def attend_everywhere(**kwargs):
        embeds, cache = kwargs["inputs_embeds"], kwargs.get("cache")
        past = int(cache.get_seq_length()) if cache is not None else 0
        batch, length = embeds.shape[:2]
        return torch.ones(batch, 1, length, past + length, dtype=torch.bool)

    monkeypatch.setattr(llama, "create_causal_mask", attend_everywhere)


def _mlx_rope_offset_never_passed(monkeypatch):
    import mlx.nn as nn
    from mlx_lm.models.rope_utils import Llama3RoPE

    for cls in (nn.RoPE, Llama3RoPE):
        real = cls.__call__
        monkeypatch.setattr(cls, "__call__",
                            lambda self, x, offset=0, _real=real: _real(self, x))


def _torch_rope_offset_never_passed(monkeypatch):
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

    real = LlamaRotaryEmbedding.forward

    def from_zero(self, x, position_ids):
        return real(self, x, position_ids - position_ids[:, :1])

    monkeypatch.setattr(LlamaRotaryEmbedding, "forward", from_zero)


MUTATIONS = {
    "mlx KV cache drops its history": (_mlx_cache_drops_history, "mlx: decode logits"),
    "torch KV cache drops its history": (_torch_cache_drops_history, "torch: decode logits"),
    "mlx causal mask never applied": (_mlx_mask_never_applied, "uncached logits differ"),
    "torch causal mask never applied": (_torch_mask_never_applied, "uncached logits differ"),
    "mlx RoPE offset never passed": (_mlx_rope_offset_never_passed, "mlx: decode logits"),
    "torch RoPE offset never passed": (_torch_rope_offset_never_passed, "torch: decode logits"),
}


@pytest.mark.parametrize("bug", sorted(MUTATIONS))
def test_the_parity_check_catches(bug, monkeypatch):
    mutate, expected = MUTATIONS[bug]
    mutate(monkeypatch)
    result = llm_parity.check("tiny", steps=16)
    assert not result.ok
    assert any(expected in problem for problem in result.problems), result.problems


def test_a_mask_never_applied_in_both_frameworks_is_still_caught(monkeypatch):
    """Both uncached passes then agree with each other; the cache check still differs."""
    _mlx_mask_never_applied(monkeypatch)
    _torch_mask_never_applied(monkeypatch)
    result = llm_parity.check("tiny", steps=16)
    assert not result.ok
    assert any("cached" in problem for problem in result.problems), result.problems


@pytest.mark.parametrize("framework", ["torch", "mlx"])
def test_a_rewound_cache_decodes_what_a_fresh_prefill_does(framework):
    """Samples after the first decode from a cache cut back to the prompt."""
    from mpsbench.workloads import llm_mlx, llm_torch

    workload = llm_torch if framework == "torch" else llm_mlx
    gen = workload.generation("cpu", "tiny", "float32", "eager", 2, 16, 8)

    def tokens(out):
        out = out[0] if framework == "mlx" else out
        return np.concatenate([np.array(gen.backend.to_numpy(t)) for t in out], axis=1)

    gen.backend.synchronize(gen.rewind())  # prefills: no cache yet
    first = tokens(gen.decode())
    gen.backend.synchronize(gen.rewind())
    again = tokens(gen.decode())
    gen.backend.synchronize(gen.prefill())
    fresh = tokens(gen.decode())
    assert np.array_equal(first, again) and np.array_equal(first, fresh)


@pytest.mark.skipif(not os.environ.get("MPSBENCH_TEST_COMPILE"),
                    reason="torch.compile of the decode step builds C++ on the CPU for "
                    "minutes (466 s on one busy core here); MPSBENCH_TEST_COMPILE=1 runs it")
def test_compiled_torch_decodes_the_eager_tokens():
    """The static cache under torch.compile, after a rewind and after a new prefill too."""
    from mpsbench.workloads import llm_torch

    def tokens(gen):
        first = gen.first
        return [int(first[0, 0])] + [int(t[0, 0]) for t in gen.decode()]

    eager = llm_torch.generation("cpu", "tiny", "float32", "eager", 1, 16, 8)
    compiled = llm_torch.generation("cpu", "tiny", "float32", "compiled", 1, 16, 8)
    eager.rewind()
    compiled.rewind()
    expected = tokens(eager)
    assert tokens(compiled) == expected
    compiled.rewind()
    assert tokens(compiled) == expected
    compiled.prefill()
    assert tokens(compiled) == expected
