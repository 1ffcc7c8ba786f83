"""Small-LLM configurations written in code: real published shapes and tiny ones for CI.

Nothing is downloaded. Each configuration holds the fields that Hugging Face's config
(``LlamaConfig``, ``Qwen2Config``) and mlx-lm's ``ModelArgs`` (``mlx_lm.models.llama``,
``mlx_lm.models.qwen2``) share, so both frameworks build the same architecture from it;
``weight_shapes`` lists every tensor either model holds, under the names both use.

Published dimensions, from each model's ``config.json`` on the Hugging Face hub:

- ``qwen2.5-0.5b``: Qwen/Qwen2.5-0.5B (494M parameters, 24 layers, 896 wide, GQA 14/2,
  q/k/v biases, tied embeddings, vocabulary 151936, RoPE theta 1e6);
- ``llama-3.2-1b``: meta-llama/Llama-3.2-1B (1.24B parameters, 16 layers, 2048 wide,
  GQA 32/8, tied embeddings, vocabulary 128256, RoPE theta 5e5 with llama3 scaling).

The tiny configurations keep each architecture's features (GQA, biases, llama3 RoPE
scaling, tied embeddings) at a few hundred thousand parameters, for parity tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}


@dataclass(frozen=True)
class LLMConfig:
    """One decoder-only model: its architecture and every dimension that shapes it."""

    name: str
    architecture: str  # "llama" or "qwen2": the transformers and mlx-lm module
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    rms_norm_eps: float
    rope_theta: float
    max_position_embeddings: int
    tie_word_embeddings: bool = True
    rope_scaling: tuple[tuple[str, Any], ...] | None = None
    init_std: float = 0.02  # std of the seeded weights (HF's initializer_range)
    source: str = field(default="", compare=False)

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @property
    def attention_bias(self) -> bool:
        """Qwen2 has q, k and v biases; Llama none."""
        return self.architecture == "qwen2"

    def shared_fields(self) -> dict[str, Any]:
        """The fields both HF's config and mlx-lm's ModelArgs take, by the same names."""
        fields = {
            "model_type": self.architecture,
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "vocab_size": self.vocab_size,
            "rms_norm_eps": self.rms_norm_eps,
            "rope_theta": self.rope_theta,
            "max_position_embeddings": self.max_position_embeddings,
            "tie_word_embeddings": self.tie_word_embeddings,
            "rope_scaling": dict(self.rope_scaling) if self.rope_scaling else None,
        }
        if self.architecture == "llama":
            fields.update(head_dim=self.head_dim, attention_bias=False, mlp_bias=False)
        return fields

    def hf_config_dict(self) -> dict[str, Any]:
        """Keyword arguments for transformers' ``LlamaConfig`` / ``Qwen2Config``."""
        fields = self.shared_fields()
        fields.pop("model_type")
        scaling = fields.pop("rope_scaling")
        # transformers 5 reads RoPE from rope_parameters (theta and scaling in one dict).
        fields["rope_parameters"] = {"rope_type": "default", **(scaling or {}),
                                     "rope_theta": fields.pop("rope_theta")}
        fields.update(hidden_act="silu", attention_dropout=0.0, use_cache=True,
                      initializer_range=self.init_std)
        if self.architecture == "qwen2":
            fields.update(use_sliding_window=False, sliding_window=None)
        return fields

    def weight_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every parameter, under the names HF and mlx-lm both use (tied: no lm_head)."""
        h, i, v = self.hidden_size, self.intermediate_size, self.vocab_size
        q, kv = self.num_attention_heads * self.head_dim, self.num_key_value_heads * self.head_dim
        shapes: dict[str, tuple[int, ...]] = {"model.embed_tokens.weight": (v, h)}
        for layer in range(self.num_hidden_layers):
            p = f"model.layers.{layer}."
            shapes.update({
                p + "self_attn.q_proj.weight": (q, h),
                p + "self_attn.k_proj.weight": (kv, h),
                p + "self_attn.v_proj.weight": (kv, h),
                p + "self_attn.o_proj.weight": (h, q),
                p + "mlp.gate_proj.weight": (i, h),
                p + "mlp.up_proj.weight": (i, h),
                p + "mlp.down_proj.weight": (h, i),
                p + "input_layernorm.weight": (h,),
                p + "post_attention_layernorm.weight": (h,),
            })
            if self.attention_bias:
                shapes.update({p + "self_attn.q_proj.bias": (q,),
                               p + "self_attn.k_proj.bias": (kv,),
                               p + "self_attn.v_proj.bias": (kv,)})
        shapes["model.norm.weight"] = (h,)
        if not self.tie_word_embeddings:
            shapes["lm_head.weight"] = (v, h)
        return shapes

    def parameter_count(self) -> int:
        total = 0
        for shape in self.weight_shapes().values():
            count = 1
            for size in shape:
                count *= size
            total += count
        return total

    def kv_cache_bytes(self, dtype: str, batch: int, tokens: int) -> int:
        """Keys and values of every layer for ``tokens`` positions."""
        return (2 * self.num_hidden_layers * batch * self.num_key_value_heads * self.head_dim
                * tokens * DTYPE_BYTES[dtype])


LLAMA3_SCALING = (("rope_type", "llama3"), ("factor", 32.0), ("low_freq_factor", 1.0),
                  ("high_freq_factor", 4.0), ("original_max_position_embeddings", 8192))

CONFIGS: dict[str, LLMConfig] = {
    config.name: config for config in (
        LLMConfig(
            "tiny", "llama", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, vocab_size=256, rms_norm_eps=1e-5,
            rope_theta=500000.0, max_position_embeddings=2048,
            # llama3 scaling with a short original context, so that it changes frequencies
            rope_scaling=(("rope_type", "llama3"), ("factor", 4.0), ("low_freq_factor", 1.0),
                          ("high_freq_factor", 4.0), ("original_max_position_embeddings", 64)),
            init_std=0.15, source="a tiny Llama for CI (GQA 4/2, llama3 RoPE scaling)"),
        LLMConfig(
            "tiny-qwen2", "qwen2", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, vocab_size=256, rms_norm_eps=1e-6,
            rope_theta=1000000.0, max_position_embeddings=2048, init_std=0.15,
            source="a tiny Qwen2 for the parity tests (q/k/v biases)"),
        LLMConfig(
            "qwen2.5-0.5b", "qwen2", hidden_size=896, intermediate_size=4864,
            num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
            vocab_size=151936, rms_norm_eps=1e-6, rope_theta=1000000.0,
            max_position_embeddings=32768, source="Qwen/Qwen2.5-0.5B config.json"),
        LLMConfig(
            "llama-3.2-1b", "llama", hidden_size=2048, intermediate_size=8192,
            num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
            vocab_size=128256, rms_norm_eps=1e-5, rope_theta=500000.0,
            max_position_embeddings=131072, rope_scaling=LLAMA3_SCALING,
            source="meta-llama/Llama-3.2-1B config.json"),
    )
}
BENCHMARK_MODELS = ("tiny", "qwen2.5-0.5b", "llama-3.2-1b")  # tiny-qwen2 is for tests only


def get_config(name: str) -> LLMConfig:
    """The configuration called ``name``; a ``ValueError`` lists the known ones."""
    try:
        return CONFIGS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(CONFIGS)}") from None
