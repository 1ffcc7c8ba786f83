"""Transformer operators and layers described once, for every framework.

An ``OpSpec`` says what an operator consumes and produces: its input, output and
weight shapes at a grid point, which grid axes apply to it (heads, mask) and, for the
matmul-heavy ones, how many floating-point operations it does. Each framework module
(``torch_ops``, ``mlx_ops``) implements the computation; the numbers they compute on
(inputs, weights, output cotangents) come from here, as seeded numpy arrays, so both
frameworks see the same data and parity tests compare the same function.

Weight names are MLX's parameter paths (``attention.query_proj.weight``); torch maps
them onto its own layout (``self_attn.in_proj_weight``, rows 0..dim).

Every operator here is differentiable and appears in training, so every one has a
forward+backward phase (gradients with respect to all inputs and all weights).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mpsbench.inputs import normal

Shapes = dict[str, tuple[int, ...]]

EPS = 1e-5
ROPE_BASE = 10000.0
MLP_RATIO = 4
PHASES = ("forward", "forward_backward")


@dataclass(frozen=True)
class Setting:
    """One grid point: batch, sequence length, model width, heads and causal mask."""

    batch: int
    seq: int
    dim: int
    heads: int = 1
    causal: bool = False

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads


@dataclass(frozen=True)
class OpSpec:
    """An operator or layer, independent of framework."""

    name: str
    title: str
    inputs: Callable[[Setting], Shapes]
    output: Callable[[Setting], tuple[int, ...]]
    weights: Callable[[Setting], Shapes] = lambda s: {}
    uses_heads: bool = False
    uses_mask: bool = False
    forward_flops: Callable[[Setting], int] | None = None

    def flops(self, setting: Setting, phase: str) -> int:
        """Matmul FLOPs of one step; a backward pass counts twice its forward."""
        if self.forward_flops is None:
            raise ValueError(f"no FLOP count for {self.name}")
        if phase not in PHASES:
            raise ValueError(f"unknown phase {phase!r}; expected one of {PHASES}")
        return self.forward_flops(setting) * (3 if phase == "forward_backward" else 1)


# Shapes -----------------------------------------------------------------------------

def _tokens(s: Setting) -> tuple[int, ...]:
    return (s.batch, s.seq, s.dim)


def _heads(s: Setting) -> tuple[int, ...]:
    return (s.batch, s.heads, s.seq, s.head_dim)


def _x(s: Setting) -> Shapes:
    return {"x": _tokens(s)}


def _linear(prefix: str, n_in: int, n_out: int) -> Shapes:
    return {f"{prefix}weight": (n_out, n_in), f"{prefix}bias": (n_out,)}


def _norm(prefix: str, dim: int) -> Shapes:
    return {f"{prefix}weight": (dim,), f"{prefix}bias": (dim,)}


def _mha(prefix: str, dim: int) -> Shapes:
    shapes: Shapes = {}
    for proj in ("query_proj", "key_proj", "value_proj", "out_proj"):
        shapes |= _linear(f"{prefix}{proj}.", dim, dim)
    return shapes


def _mlp(dim: int) -> Shapes:
    return _linear("linear1.", dim, MLP_RATIO * dim) | _linear("linear2.", MLP_RATIO * dim, dim)


def _encoder_weights(s: Setting) -> Shapes:
    return _norm("ln1.", s.dim) | _mha("attention.", s.dim) | _norm("ln2.", s.dim) | _mlp(s.dim)


def _decoder_weights(s: Setting) -> Shapes:
    return (_norm("ln1.", s.dim) | _mha("self_attention.", s.dim) | _norm("ln2.", s.dim)
            | _mha("cross_attention.", s.dim) | _norm("ln3.", s.dim) | _mlp(s.dim))


# FLOPs ------------------------------------------------------------------------------

def _attention_flops(s: Setting) -> int:
    """QK^T and AV; a causal mask halves the useful work."""
    full = 4 * s.batch * s.seq * s.seq * s.dim
    return full // 2 if s.causal else full


def _projection_flops(s: Setting, count: int) -> int:
    return count * 2 * s.batch * s.seq * s.dim * s.dim


# The registry -------------------------------------------------------------------------

_ELEMENTWISE = {"inputs": _x, "output": _tokens}

OPS: dict[str, OpSpec] = {spec.name: spec for spec in (
    OpSpec("linear", "Linear", weights=lambda s: _linear("", s.dim, s.dim),
           forward_flops=lambda s: _projection_flops(s, 1), **_ELEMENTWISE),
    OpSpec("matmul", "MatMul",
           inputs=lambda s: {"a": _tokens(s), "b": (s.batch, s.dim, s.seq)},
           output=lambda s: (s.batch, s.seq, s.seq),
           forward_flops=lambda s: 2 * s.batch * s.seq * s.seq * s.dim),
    OpSpec("softmax", "Softmax", **_ELEMENTWISE),
    OpSpec("layer_norm", "LayerNorm", weights=lambda s: _norm("", s.dim), **_ELEMENTWISE),
    OpSpec("rms_norm", "RMSNorm", weights=lambda s: {"weight": (s.dim,)}, **_ELEMENTWISE),
    OpSpec("gelu", "GELU", **_ELEMENTWISE),
    OpSpec("gelu_tanh", "GELUTanh", **_ELEMENTWISE),
    OpSpec("rope", "RoPE", inputs=lambda s: {"x": _heads(s)}, output=_heads, uses_heads=True),
    OpSpec("sdpa", "SDPA", inputs=lambda s: {"q": _heads(s), "k": _heads(s), "v": _heads(s)},
           output=_heads, uses_heads=True, uses_mask=True, forward_flops=_attention_flops),
    OpSpec("mha", "MultiHeadAttention", weights=lambda s: _mha("", s.dim),
           uses_heads=True, uses_mask=True,
           forward_flops=lambda s: _projection_flops(s, 4) + _attention_flops(s),
           **_ELEMENTWISE),
    OpSpec("encoder_layer", "TransformerEncoderLayer", weights=_encoder_weights,
           uses_heads=True, uses_mask=True, **_ELEMENTWISE),
    OpSpec("decoder_layer", "TransformerDecoderLayer", weights=_decoder_weights,
           inputs=lambda s: {"x": _tokens(s), "memory": _tokens(s)}, output=_tokens,
           uses_heads=True, uses_mask=True),
)}


def get_op(name: str) -> OpSpec:
    """The spec called ``name``; ``ValueError`` lists the known ones."""
    if name not in OPS:
        raise ValueError(f"unknown op {name!r}; expected one of {sorted(OPS)}")
    return OPS[name]


# Data ---------------------------------------------------------------------------------

def _seed(role: str, name: str) -> int:
    return zlib.crc32(f"{role}:{name}".encode())


def input_arrays(spec: OpSpec, setting: Setting) -> dict[str, np.ndarray]:
    """Standard-normal inputs, one seed per input name."""
    return {name: normal(shape, _seed("input", name))
            for name, shape in spec.inputs(setting).items()}


def weight_arrays(spec: OpSpec, setting: Setting) -> dict[str, np.ndarray]:
    """Seeded weights: matrices scaled by 1/sqrt(fan-in), norm scales near 1, small biases."""
    arrays = {}
    for name, shape in spec.weights(setting).items():
        values = normal(shape, _seed("weight", name))
        if len(shape) == 2:
            values /= np.sqrt(shape[1])
        elif name.endswith("bias"):
            values *= 0.1
        else:
            values = 1.0 + 0.1 * values
        arrays[name] = values
    return arrays


def cotangent(spec: OpSpec, setting: Setting) -> np.ndarray:
    """The seeded gradient of the output that a forward+backward step propagates."""
    return normal(spec.output(setting), _seed("cotangent", spec.name))


def causal_mask(q_len: int, k_len: int) -> np.ndarray:
    """Boolean (q_len, k_len), True where a query may attend.

    Aligned lower-right, as MLX's ``"causal"``: the last query sees every key, query
    ``i`` sees keys up to ``i + k_len - q_len``. torch's ``is_causal`` is aligned
    upper-left instead; the two agree only when ``q_len == k_len``.
    """
    return np.tril(np.ones((q_len, k_len), dtype=bool), k=k_len - q_len)
