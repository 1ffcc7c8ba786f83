"""The same seeded random weights for the transformers model and the mlx-lm model.

The weights are made once, in numpy, from the configuration and a seed: tensor by tensor,
each from its own generator (seeded with the seed and the tensor's name), so a tensor
does not depend on the order in which the others are made. Both frameworks load them
under the same names (HF's state-dict names, which mlx-lm's models use too), so the
conversion is a dtype cast per tensor. numpy in the middle keeps a torch process free of
MLX and an MLX process free of torch, and lets a model of a billion parameters be
loaded one tensor at a time (one float32 tensor alive at once, never the whole model).

Linear weights, embeddings and biases are uniform with mean 0 and the configuration's
``init_std`` as standard deviation (uniform rather than normal: a 136M-entry embedding
draws in 2 s rather than 9 here); norm weights are 1 plus such noise of std 0.1, not
HF's ones, so a norm whose weight is never loaded changes the logits and the parity
tests see it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from mpsbench.inputs import DEFAULT_SEED
from mpsbench.models.llm_configs import LLMConfig

NORM_STD = 0.1
SQRT3 = 3**0.5


def tensor_seed(name: str, seed: int) -> list[int]:
    return [seed, zlib.crc32(name.encode())]


def random_tensor(name: str, shape: tuple[int, ...], std: float,
                  seed: int = DEFAULT_SEED) -> np.ndarray:
    """The float32 tensor ``name`` of the seeded random weights."""
    rng = np.random.default_rng(tensor_seed(name, seed))
    values = rng.random(shape, dtype=np.float32)  # uniform: 4x faster to draw than normal
    values -= np.float32(0.5)
    is_norm = name.endswith("norm.weight")
    values *= np.float32(2 * SQRT3 * (NORM_STD if is_norm else std))  # std as asked
    if is_norm:
        values += np.float32(1.0)
    return values


def random_weights(config: LLMConfig, seed: int = DEFAULT_SEED
                   ) -> Iterator[tuple[str, np.ndarray]]:
    """``(name, float32 array)`` for every parameter of ``config``, one at a time."""
    for name, shape in config.weight_shapes().items():
        yield name, random_tensor(name, shape, config.init_std, seed)


def load_into_torch(model: Any, config: LLMConfig, dtype: Any, device: str,
                    seed: int = DEFAULT_SEED) -> None:
    """Copy the seeded weights into a transformers model, checking every name.

    ``named_parameters`` lists a tied ``lm_head`` once, under the embedding's name, so
    the names must be exactly ``config.weight_shapes()``.
    """
    import torch

    params = dict(model.named_parameters())
    expected = config.weight_shapes()
    check_names("transformers", set(params), set(expected))
    with torch.no_grad():
        for name, values in random_weights(config, seed):
            target = params[name]
            if tuple(target.shape) != expected[name]:
                raise ValueError(f"transformers' {name} has shape {tuple(target.shape)}, "
                                 f"the configuration says {expected[name]}")
            target.data = torch.from_numpy(values).to(device=device, dtype=dtype)


def mlx_weights(config: LLMConfig, dtype: Any, seed: int = DEFAULT_SEED
                ) -> Iterator[tuple[str, Any]]:
    """``(name, mx.array in dtype)`` for every parameter of ``config``, one at a time."""
    import mlx.core as mx

    for name, values in random_weights(config, seed):
        array = mx.array(values).astype(dtype)
        mx.eval(array)  # the float32 source is freed before the next tensor is made
        yield name, array


def load_into_mlx(model: Any, config: LLMConfig, dtype: Any, seed: int = DEFAULT_SEED) -> None:
    """Load the seeded weights into an mlx-lm model, checking every name and shape."""
    from mlx.utils import tree_flatten

    own = dict(tree_flatten(model.parameters()))
    check_names("mlx-lm", set(own), set(config.weight_shapes()))
    model.load_weights(list(mlx_weights(config, dtype, seed)), strict=True)


def check_names(library: str, found: set[str], expected: set[str]) -> None:
    """Raise ``ValueError`` unless the model's parameter names are exactly the expected."""
    if found != expected:
        missing, extra = sorted(expected - found), sorted(found - expected)
        raise ValueError(f"{library}'s model does not hold the configuration's weights: "
                         f"missing {missing[:5]}, unexpected {extra[:5]}")
