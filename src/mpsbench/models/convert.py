"""torchvision ResNet state dict -> MLX ``ResNet`` weights.

The MLX model uses torchvision's parameter paths, so conversion is a check of the key
sets, a layout change for convolution weights (OIHW -> OHWI) and a copy of everything
else, BatchNorm running statistics included.

``num_batches_tracked`` is dropped on purpose: torch uses it only for BatchNorm with
``momentum=None`` (a cumulative average); torchvision's BatchNorm uses momentum 0.1, as
MLX's does, so the count never enters the computation. It is dropped only where it
belongs to a BatchNorm of the MLX model; anywhere else it is an extra key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mlx.core as mx
import mlx.nn as nn
import numpy as np
from mlx.utils import tree_flatten, tree_unflatten

NUM_BATCHES_TRACKED = ".num_batches_tracked"


class WeightMismatch(ValueError):
    """The state dict does not fit the model: a key is missing or extra, or a shape differs."""


def _as_numpy(value: Any) -> np.ndarray:
    """A numpy copy of a torch tensor or array-like, without importing torch."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _batchnorm_paths(model: nn.Module) -> set[str]:
    return {
        path for path, module in model.named_modules() if isinstance(module, nn.BatchNorm)
    }


def convert_state_dict(
    state_dict: Mapping[str, Any], model: nn.Module
) -> list[tuple[str, mx.array]]:
    """MLX weights for ``model`` from a torch state dict, checked key by key.

    Raises ``WeightMismatch`` naming the first missing key, extra key or shape mismatch.
    """
    expected = dict(tree_flatten(model.parameters()))
    batchnorms = _batchnorm_paths(model)
    weights = []
    for key, value in state_dict.items():
        if key.endswith(NUM_BATCHES_TRACKED) and key[: -len(NUM_BATCHES_TRACKED)] in batchnorms:
            continue
        if key not in expected:
            raise WeightMismatch(f"extra key in the torch state dict: {key!r}")
        array = _as_numpy(value)
        if array.ndim == 4:
            array = array.transpose(0, 2, 3, 1)  # conv weight OIHW -> OHWI
        if array.shape != tuple(expected[key].shape):
            raise WeightMismatch(
                f"shape mismatch for {key!r}: torch gives {array.shape} after layout "
                f"conversion, the MLX model has {tuple(expected[key].shape)}"
            )
        weights.append((key, mx.array(np.ascontiguousarray(array))))
    missing = sorted(expected.keys() - {key for key, _ in weights})
    if missing:
        raise WeightMismatch(
            f"missing key in the torch state dict: {missing[0]!r} ({len(missing)} missing in all)"
        )
    return weights


def load_torch_state_dict(model: nn.Module, state_dict: Mapping[str, Any]) -> nn.Module:
    """Load a torch state dict into ``model`` in place (see ``convert_state_dict``)."""
    model.update(tree_unflatten(convert_state_dict(state_dict, model)))
    mx.eval(model.parameters())
    return model
