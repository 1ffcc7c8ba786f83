"""Device resolution, dtype probing and synchronization of the backend layer."""

from __future__ import annotations

import numpy as np
import pytest

from mpsbench.backends import get_backend
from mpsbench.backends.mlx_backend import resolve_mlx_device
from mpsbench.backends.torch_backend import TorchBackend, resolve_torch_device
from mpsbench.errors import Unavailable


@pytest.mark.parametrize(
    ("param", "mps", "cuda", "expected"),
    [("cpu", True, True, "cpu"), ("gpu", True, False, "mps"), ("gpu", False, True, "cuda"),
     ("gpu", True, True, "mps")],
)
def test_torch_gpu_means_mps_then_cuda(param, mps, cuda, expected):
    assert resolve_torch_device(param, mps, cuda) == expected


def test_torch_gpu_without_one_is_unavailable_with_reason():
    with pytest.raises(Unavailable, match="no GPU for torch"):
        resolve_torch_device("gpu", False, False)


@pytest.mark.parametrize(
    ("param", "gpu", "metal", "expected"),
    [("cpu", True, True, "cpu"), ("gpu", True, True, "metal"), ("gpu", True, False, "cuda")],
)
def test_mlx_gpu_means_metal_or_cuda(param, gpu, metal, expected):
    assert resolve_mlx_device(param, gpu, metal) == expected


def test_mlx_gpu_without_one_is_unavailable_with_reason():
    with pytest.raises(Unavailable, match="no GPU for MLX"):
        resolve_mlx_device("gpu", False, False)


def test_simulated_cuda_is_what_the_torch_backend_records(monkeypatch):
    import torch

    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert TorchBackend("gpu").device == "cuda"


@pytest.mark.parametrize("bad", [("torch", "tpu"), ("jax", "cpu")])
def test_unknown_framework_or_device_names_the_choices(bad):
    with pytest.raises(ValueError, match="expected one of"):
        get_backend(*bad)


@pytest.mark.parametrize("framework", ["torch", "mlx"])
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_dtype_round_trips_through_the_device(framework, dtype):
    backend = get_backend(framework, "cpu")
    data = np.array([[1.0, -2.5], [0.5, 3.0]], dtype=np.float32)
    array = backend.asarray(data, dtype)
    assert str(array.dtype).endswith(dtype)
    np.testing.assert_array_equal(backend.to_numpy(array), data)  # exact in every dtype


def test_unknown_dtype_is_rejected_by_name():
    with pytest.raises(ValueError, match="float64"):
        get_backend("torch", "cpu").dtype("float64")


def test_failing_probe_becomes_a_skip_reason(monkeypatch):
    backend = get_backend("torch", "cpu")

    def refuse(name):
        raise TypeError("MPS BFloat16 is only supported on macOS 14 or newer")

    monkeypatch.setattr(backend, "_probe_dtype", refuse)
    with pytest.raises(Unavailable, match="cannot compute in bfloat16.*macOS 14"):
        backend.dtype("bfloat16")


def test_mlx_synchronize_refuses_a_step_with_nothing_to_evaluate():
    backend = get_backend("mlx", "cpu")
    with pytest.raises(ValueError, match="MLX is lazy"):
        backend.synchronize(None)
    with pytest.raises(ValueError, match="MLX is lazy"):
        backend.synchronize({"loss": 1.0})


def test_mlx_synchronize_hands_the_whole_output_tree_to_mx_eval(monkeypatch):
    import mlx.core as mx

    backend = get_backend("mlx", "cpu")
    outputs = {"a": mx.ones(2), "b": [mx.zeros(1), (mx.ones(3), 4)]}
    backend.synchronize(outputs)  # the real mx.eval takes nested trees with other leaves
    evaluated: list[object] = []
    monkeypatch.setattr(mx, "eval", evaluated.append)
    backend.synchronize(outputs)
    backend.wait(outputs)
    assert len(evaluated) == 2 and all(tree is outputs for tree in evaluated)


def test_seeded_inputs_are_identical_in_both_frameworks():
    from mpsbench.inputs import normal

    data = normal((3, 4), seed=7)
    torch_copy = get_backend("torch", "cpu").asarray(data)
    mlx_copy = get_backend("mlx", "cpu").asarray(data)
    np.testing.assert_array_equal(torch_copy.numpy(), np.array(mlx_copy))
    assert not np.array_equal(data, normal((3, 4), seed=8))


def test_peak_memory_on_cpu_torch_says_why_not():
    with pytest.raises(Unavailable, match="RSS"):
        get_backend("torch", "cpu").peak_memory()


def test_mlx_peak_memory_sees_an_allocation():
    import mlx.core as mx

    backend = get_backend("mlx", "cpu")
    backend.reset_peak_memory()
    mx.eval(mx.ones((1024, 1024)))
    assert backend.peak_memory() >= 4 * 1024 * 1024


def test_an_mlx_before_the_memory_counters_moved_uses_mx_metal():
    """mlx 0.21 had only mx.metal.reset_peak_memory / get_peak_memory."""
    from types import SimpleNamespace

    from mpsbench.backends.mlx_backend import MLXBackend

    calls = []
    metal = SimpleNamespace(reset_peak_memory=lambda: calls.append("reset"),
                            get_peak_memory=lambda: 123)
    backend = MLXBackend.__new__(MLXBackend)
    backend.mx = SimpleNamespace(metal=metal)
    backend.reset_peak_memory()
    assert calls == ["reset"] and backend.peak_memory() == 123
