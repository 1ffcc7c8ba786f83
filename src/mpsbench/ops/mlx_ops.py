"""The spec's operators in MLX: a module (or None) and a call taking the spec's inputs."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import numpy as np
from mlx.utils import tree_unflatten

from mpsbench.apigaps import mlx_takes_string_mask
from mpsbench.backends.mlx_backend import MLXBackend
from mpsbench.ops.built import BuiltOp
from mpsbench.ops.spec import (
    EPS,
    MLP_RATIO,
    ROPE_BASE,
    OpSpec,
    Setting,
    cotangent,
    input_arrays,
    weight_arrays,
)

Call = Callable[..., mx.array]


def sdpa(q: mx.array, k: mx.array, v: mx.array, causal: bool) -> mx.array:
    """``mx.fast.scaled_dot_product_attention``; its ``"causal"`` is aligned lower-right."""
    return mx.fast.scaled_dot_product_attention(
        q, k, v, scale=q.shape[-1] ** -0.5, mask=causal_mask(q.shape[-2], q.dtype, causal)
    )


def causal_mask(seq: int, dtype: mx.Dtype, causal: bool = True) -> str | mx.array | None:
    """``"causal"`` where the release takes it (mlx 0.24 on), else the same mask as an
    additive array in ``dtype`` (upper-left, equal for the suite's square attention)."""
    if not causal:
        return None
    return "causal" if mlx_takes_string_mask() else additive_causal_mask(seq, dtype)


@cache
def additive_causal_mask(seq: int, dtype: mx.Dtype) -> mx.array:
    """0 on and below the diagonal, -inf above it; built once per shape and dtype."""
    return mx.array(np.triu(np.full((seq, seq), -np.inf, np.float32), 1)).astype(dtype)


def _mask(setting: Setting, x: mx.array) -> str | mx.array | None:
    return causal_mask(x.shape[-2], x.dtype, setting.causal)


def _attention(setting: Setting) -> nn.MultiHeadAttention:
    """MLX's attention with biases, as torch's ``nn.MultiheadAttention`` has."""
    return nn.MultiHeadAttention(setting.dim, setting.heads, bias=True)


def _encoder(setting: Setting) -> tuple[nn.Module, Call]:
    layer = nn.TransformerEncoderLayer(setting.dim, setting.heads, MLP_RATIO * setting.dim,
                                       dropout=0.0, activation=nn.gelu, norm_first=True)
    layer.attention = _attention(setting)
    return layer, lambda m, x: m(x, _mask(setting, x))


def _decoder(setting: Setting) -> tuple[nn.Module, Call]:
    layer = nn.TransformerDecoderLayer(setting.dim, setting.heads, MLP_RATIO * setting.dim,
                                       dropout=0.0, activation=nn.gelu, norm_first=True)
    layer.self_attention = _attention(setting)
    layer.cross_attention = _attention(setting)
    return layer, lambda m, x, memory: m(x, memory, _mask(setting, x), None)


def _stateless(fn: Call) -> tuple[None, Call]:
    return None, lambda _, *inputs: fn(*inputs)


MODULES: dict[str, Callable[[Setting], tuple[nn.Module | None, Call]]] = {
    "linear": lambda s: (nn.Linear(s.dim, s.dim), lambda m, x: m(x)),
    "matmul": lambda s: _stateless(mx.matmul),
    "softmax": lambda s: _stateless(lambda x: mx.softmax(x, axis=-1, precise=True)),
    "layer_norm": lambda s: (nn.LayerNorm(s.dim, eps=EPS), lambda m, x: m(x)),
    "rms_norm": lambda s: (nn.RMSNorm(s.dim, eps=EPS), lambda m, x: m(x)),
    "gelu": lambda s: _stateless(nn.gelu),
    "gelu_tanh": lambda s: _stateless(nn.gelu_approx),
    "rope": lambda s: _stateless(lambda x: mx.fast.rope(
        x, s.head_dim, traditional=False, base=ROPE_BASE, scale=1.0, offset=0)),
    "sdpa": lambda s: _stateless(lambda q, k, v: sdpa(q, k, v, s.causal)),
    "mha": lambda s: (_attention(s), lambda m, x: m(x, x, x, _mask(s, x))),
    "encoder_layer": _encoder,
    "decoder_layer": _decoder,
}


def loaded(spec: OpSpec, backend: MLXBackend, setting: Setting, dtype: str
           ) -> tuple[nn.Module | None, Call, dict[str, mx.array], dict[str, mx.array]]:
    """The op's module with the spec's weights (None for a stateless op), its call, the
    weights and the spec's inputs: what every step of the op (and the self-check's
    outside references) runs on."""
    module, call = MODULES[spec.name](setting)
    weights = {name: backend.asarray(array, dtype)
               for name, array in weight_arrays(spec, setting).items()}
    if module is not None:
        module.load_weights(list(weights.items()), strict=True)
    inputs = {name: backend.asarray(array, dtype)
              for name, array in input_arrays(spec, setting).items()}
    return module, call, weights, inputs


def build(spec: OpSpec, backend: MLXBackend, setting: Setting, dtype: str, mode: str,
          phase: str) -> BuiltOp:
    """``spec`` at ``setting`` on the backend's device, eager or ``mx.compile``d.

    The forward+backward step is ``mx.vjp`` with respect to every weight and input,
    given the spec's output cotangent: the same quantities as torch's ``backward``.
    """
    module, call, weights, inputs = loaded(spec, backend, setting, dtype)
    compile_if = mx.compile if mode == "compiled" else (lambda fn: fn)

    if phase == "forward":
        forward = compile_if(lambda *xs: call(module, *xs))
        return BuiltOp(lambda: forward(*inputs.values()),
                       lambda out: {"output": backend.to_numpy(out)})

    names = [*(f"weight.{n}" for n in weights), *(f"input.{n}" for n in inputs)]
    primals = [*weights.values(), *inputs.values()]
    cotangents = [backend.asarray(cotangent(spec, setting), dtype)]

    def forward_of(*arrays: mx.array) -> mx.array:
        if module is not None:
            module.update(tree_unflatten(list(zip(weights, arrays[:len(weights)], strict=True))))
        return call(module, *arrays[len(weights):])

    vjp = compile_if(lambda p, c: mx.vjp(forward_of, p, c))

    def results(out: Any) -> dict[str, np.ndarray]:
        (output,), grads = out
        return {"output": backend.to_numpy(output),
                **{name: backend.to_numpy(g) for name, g in zip(names, grads, strict=True)}}

    return BuiltOp(lambda: vjp(primals, cotangents), results)
