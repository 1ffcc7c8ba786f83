"""The torch -> MLX ResNet converter: layouts, BatchNorm statistics, key errors.

The state dicts here are built from an MLX model (conv weights turned back to OIHW),
so these tests need no torch.
"""

from __future__ import annotations

import numpy as np
import pytest

mx = pytest.importorskip("mlx.core")

from mlx.utils import tree_flatten  # noqa: E402

from mpsbench.models.convert import (  # noqa: E402
    WeightMismatch,
    convert_state_dict,
    load_torch_state_dict,
)
from mpsbench.models.resnet_mlx import ResNet  # noqa: E402


def tiny_resnet() -> ResNet:
    return ResNet((1, 1, 1, 1), num_classes=10)


def torch_layout_state(seed: int = 0) -> dict[str, np.ndarray]:
    """A torchvision-style state dict (OIHW, num_batches_tracked) with random values."""
    rng = np.random.default_rng(seed)
    state = {}
    for key, array in tree_flatten(tiny_resnet().parameters()):
        value = rng.standard_normal(array.shape).astype(np.float32)
        state[key] = value.transpose(0, 3, 1, 2) if value.ndim == 4 else value
        if key.endswith(".running_var"):
            state[key.replace("running_var", "num_batches_tracked")] = np.array(3)
    return state


def test_conversion_transposes_convs_and_keeps_batchnorm_statistics():
    state = torch_layout_state()
    model = load_torch_state_dict(tiny_resnet(), state)
    weights = dict(tree_flatten(model.parameters()))
    conv = "layer2.0.conv2.weight"
    np.testing.assert_array_equal(np.array(weights[conv]), state[conv].transpose(0, 2, 3, 1))
    for key in ("layer3.0.bn2.running_mean", "layer3.0.bn2.running_var", "fc.weight"):
        np.testing.assert_array_equal(np.array(weights[key]), state[key])
    assert not any("num_batches_tracked" in key for key in weights)


def test_missing_key_is_named():
    state = torch_layout_state()
    del state["layer1.0.bn2.running_mean"]
    with pytest.raises(WeightMismatch, match=r"missing key .*'layer1\.0\.bn2\.running_mean'"):
        convert_state_dict(state, tiny_resnet())


def test_extra_key_is_named():
    state = torch_layout_state()
    state["layer1.0.conv4.weight"] = np.zeros((4, 4, 1, 1), np.float32)
    with pytest.raises(WeightMismatch, match=r"extra key .*'layer1\.0\.conv4\.weight'"):
        convert_state_dict(state, tiny_resnet())


def test_num_batches_tracked_outside_a_batchnorm_is_extra():
    state = torch_layout_state()
    state["fc.num_batches_tracked"] = np.array(3)
    with pytest.raises(WeightMismatch, match=r"extra key .*'fc\.num_batches_tracked'"):
        convert_state_dict(state, tiny_resnet())


def test_shape_mismatch_is_named():
    state = torch_layout_state()
    state["fc.bias"] = np.zeros(11, np.float32)
    with pytest.raises(WeightMismatch, match=r"shape mismatch for 'fc\.bias'"):
        convert_state_dict(state, tiny_resnet())
