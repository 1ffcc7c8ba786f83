"""The spec's operators in torch, as modules whose ``forward`` takes the spec's inputs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mpsbench.backends.torch_backend import TorchBackend
from mpsbench.errors import Unavailable
from mpsbench.ops.built import BuiltOp
from mpsbench.ops.spec import (
    EPS,
    MLP_RATIO,
    ROPE_BASE,
    OpSpec,
    Setting,
    causal_mask,
    cotangent,
    input_arrays,
    weight_arrays,
)

# Tests swap in "aot_eager" to check the compiled path without a C++ build.
COMPILE_BACKEND = "inductor"


def sdpa(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool) -> torch.Tensor:
    """``F.scaled_dot_product_attention`` with the spec's lower-right causal mask.

    ``is_causal`` is aligned upper-left, so it is used only when the query and key
    lengths match; otherwise the mask is explicit (True = may attend).
    """
    q_len, k_len = q.shape[-2], k.shape[-2]
    if not causal or q_len == k_len:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    allowed = torch.from_numpy(causal_mask(q_len, k_len)).to(q.device)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)


def rope_tables(seq: int, head_dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of position x frequency, (seq, head_dim / 2), in float32."""
    half = head_dim // 2
    inv_freq = ROPE_BASE ** (-torch.arange(half, dtype=torch.float32) / half)
    angles = torch.arange(seq, dtype=torch.float32)[:, None] * inv_freq[None, :]
    return angles.cos(), angles.sin()


class Function(nn.Module):
    """A stateless operator as a module, so every op compiles and moves the same way."""

    def __init__(self, fn: Callable[..., torch.Tensor]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.fn(*inputs)


class RoPE(nn.Module):
    """Rotary embedding over (batch, heads, seq, head_dim), halves rotated (not interleaved).

    The same as ``mx.fast.rope(x, head_dim, traditional=False, base=10000)``; the cos
    and sin tables are built once, as model code caches them.
    """

    def __init__(self, seq: int, head_dim: int) -> None:
        super().__init__()
        cos, sin = rope_tables(seq, head_dim)
        self.register_buffer("cos", cos)
        self.register_buffer("sin", sin)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x.chunk(2, dim=-1)
        return torch.cat([x1 * self.cos - x2 * self.sin, x1 * self.sin + x2 * self.cos], -1)


def _blocked(setting: Setting) -> torch.Tensor | None:
    """nn.MultiheadAttention's boolean mask (True = may NOT attend), or None."""
    if not setting.causal:
        return None
    return torch.from_numpy(~causal_mask(setting.seq, setting.seq))


class SelfAttention(nn.MultiheadAttention):
    """``nn.MultiheadAttention`` (batch_first) of ``x`` with itself, mask applied."""

    def __init__(self, setting: Setting) -> None:
        super().__init__(setting.dim, setting.heads, batch_first=True)
        self.causal = setting.causal
        self.register_buffer("blocked", _blocked(setting))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(x, x, x, attn_mask=self.blocked, need_weights=False,
                               is_causal=self.causal)[0]


def _layer_options(setting: Setting) -> dict[str, Any]:
    """Pre-norm, no dropout, GELU MLP of width 4 x dim: what the MLX layers compute."""
    return {"d_model": setting.dim, "nhead": setting.heads,
            "dim_feedforward": MLP_RATIO * setting.dim, "dropout": 0.0, "activation": "gelu",
            "layer_norm_eps": EPS, "batch_first": True, "norm_first": True}


class EncoderLayer(nn.TransformerEncoderLayer):
    """``nn.TransformerEncoderLayer`` over ``x``, the causal mask passed with its hint."""

    def __init__(self, setting: Setting) -> None:
        super().__init__(**_layer_options(setting))
        self.causal = setting.causal
        self.register_buffer("blocked", _blocked(setting))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(x, src_mask=self.blocked, is_causal=self.causal)


class DecoderLayer(nn.TransformerDecoderLayer):
    """``nn.TransformerDecoderLayer``; the mask applies to self-attention only."""

    def __init__(self, setting: Setting) -> None:
        super().__init__(**_layer_options(setting))
        self.causal = setting.causal
        self.register_buffer("blocked", _blocked(setting))

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(x, memory, tgt_mask=self.blocked, tgt_is_causal=self.causal)


def _rms_norm(setting: Setting) -> nn.Module:
    if not hasattr(nn, "RMSNorm"):
        raise Unavailable(f"torch {torch.__version__} has no nn.RMSNorm (added in 2.4)")
    return nn.RMSNorm(setting.dim, eps=EPS)


MODULES: dict[str, Callable[[Setting], nn.Module]] = {
    "linear": lambda s: nn.Linear(s.dim, s.dim),
    "matmul": lambda s: Function(torch.matmul),
    "softmax": lambda s: Function(lambda x: torch.softmax(x, dim=-1)),
    "layer_norm": lambda s: nn.LayerNorm(s.dim, eps=EPS),
    "rms_norm": _rms_norm,
    "gelu": lambda s: Function(F.gelu),
    "gelu_tanh": lambda s: Function(lambda x: F.gelu(x, approximate="tanh")),
    "rope": lambda s: RoPE(s.seq, s.head_dim),
    "sdpa": lambda s: Function(lambda q, k, v: sdpa(q, k, v, s.causal)),
    "mha": SelfAttention,
    "encoder_layer": EncoderLayer,
    "decoder_layer": DecoderLayer,
}

# The spec names weights as MLX does; these map them onto torch's module tree.
_RENAMES = (("attention.", "self_attn."), ("self_attention.", "self_attn."),
            ("cross_attention.", "multihead_attn."),
            ("ln1.", "norm1."), ("ln2.", "norm2."), ("ln3.", "norm3."))
_PROJECTION = re.compile(r"^(.*)(query|key|value)_proj\.(weight|bias)$")


def torch_location(name: str, dim: int) -> tuple[str, slice | None]:
    """Where the spec's weight ``name`` lives in torch: parameter name and row slice.

    torch packs the query, key and value projections into ``in_proj_weight`` and
    ``in_proj_bias``, rows ``[0, dim)``, ``[dim, 2 dim)`` and ``[2 dim, 3 dim)``.
    """
    for old, new in _RENAMES:
        if name.startswith(old):
            name = new + name[len(old):]
            break
    match = _PROJECTION.match(name)
    if match is None:
        return name, None
    index = ("query", "key", "value").index(match[2])
    return f"{match[1]}in_proj_{match[3]}", slice(index * dim, (index + 1) * dim)


def _weight(module: nn.Module, name: str, dim: int, grad: bool = False) -> torch.Tensor:
    torch_name, rows = torch_location(name, dim)
    tensor = module.get_parameter(torch_name)
    if grad:
        tensor = tensor.grad
    return tensor if rows is None else tensor[rows]


def load_weights(module: nn.Module, arrays: dict[str, np.ndarray], dim: int) -> None:
    """Copy the spec's weights in; every torch parameter must be covered exactly once."""
    filled = dict.fromkeys((name for name, _ in module.named_parameters()), 0)
    with torch.no_grad():
        for name, value in arrays.items():
            _weight(module, name, dim).copy_(torch.from_numpy(value))
            filled[torch_location(name, dim)[0]] += value.size
    wrong = [name for name, count in filled.items()
             if count != module.get_parameter(name).numel()]
    if wrong:
        raise ValueError(f"spec weights do not fill torch parameters {wrong}")


def loaded(spec: OpSpec, backend: TorchBackend, setting: Setting, dtype: str
           ) -> tuple[nn.Module, dict[str, np.ndarray], dict[str, torch.Tensor]]:
    """The op's module on the backend's device with the spec's weights, those weights,
    and the spec's inputs: what every step of the op (and the self-check's outside
    references) runs on."""
    module = MODULES[spec.name](setting)
    module.to(device=backend.device, dtype=backend.dtype(dtype))
    weights = weight_arrays(spec, setting)
    load_weights(module, weights, setting.dim)
    inputs = {name: backend.asarray(array, dtype)
              for name, array in input_arrays(spec, setting).items()}
    return module, weights, inputs


def build(spec: OpSpec, backend: TorchBackend, setting: Setting, dtype: str, mode: str,
          phase: str) -> BuiltOp:
    """``spec`` at ``setting`` on the backend's device, eager or ``torch.compile``d."""
    module, weights, inputs = loaded(spec, backend, setting, dtype)
    fn = torch.compile(module, backend=COMPILE_BACKEND) if mode == "compiled" else module

    if phase == "forward":
        module.eval()

        def forward() -> torch.Tensor:
            with torch.inference_mode():
                return fn(*inputs.values())

        return BuiltOp(forward, lambda out: {"output": backend.to_numpy(out)})

    module.train()
    grad_out = backend.asarray(cotangent(spec, setting), dtype)
    leaves = [x.requires_grad_(True) for x in inputs.values()]
    params = list(module.parameters())

    def forward_backward() -> torch.Tensor:
        for tensor in (*leaves, *params):
            tensor.grad = None
        out = fn(*leaves)
        out.backward(grad_out)
        return out

    def results(out: torch.Tensor) -> dict[str, np.ndarray]:
        named = {"output": backend.to_numpy(out)}
        named |= {f"input.{n}": backend.to_numpy(x.grad) for n, x in inputs.items()}
        named |= {f"weight.{n}": backend.to_numpy(_weight(module, n, setting.dim, grad=True))
                  for n in weights}
        return named

    return BuiltOp(forward_backward, results)
