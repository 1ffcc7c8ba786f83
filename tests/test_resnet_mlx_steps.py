"""The MLX ResNet steps hand back everything they compute, so ``mx.eval`` covers it.

A tiny ResNet (one bottleneck per stage, 32x32 images) keeps these fast; the steps are
the same functions the ResNet-50 benchmarks time.
"""

from __future__ import annotations

import numpy as np
import pytest

mx = pytest.importorskip("mlx.core")

from mlx.utils import tree_flatten  # noqa: E402

from mpsbench.backends import get_backend  # noqa: E402
from mpsbench.backends.mlx_backend import arrays_in  # noqa: E402
from mpsbench.models.resnet_mlx import ResNet  # noqa: E402
from mpsbench.timing import TimedStep  # noqa: E402
from mpsbench.workloads import resnet_mlx  # noqa: E402

TRAINING_PHASES = ("forward_training", "forward_backward", "train_step", "compiled_train_step")


@pytest.fixture(scope="module")
def backend():
    return get_backend("mlx", "cpu")


def tiny_setup(backend, seed: int = 0):
    """A seeded tiny ResNet and a batch of two 32x32 images (torch's, in NHWC)."""
    backend.seed(seed)
    model = ResNet((1, 1, 1, 1), num_classes=10)
    x = backend.asarray(resnet_mlx.images_nhwc(2)[:, :32, :32])
    return model, x


@pytest.mark.parametrize("phase", TRAINING_PHASES)
def test_training_steps_return_every_updated_array(backend, phase):
    """Parameters, BatchNorm statistics and optimizer state all come back to be evaluated."""
    model, x = tiny_setup(backend)
    timed = resnet_mlx.make_step(phase, backend, model, x)
    returned = {id(array) for array in arrays_in(timed())}
    left_out = [key for key, array in tree_flatten(model.parameters()) if id(array) not in returned]
    assert not left_out, f"{phase} does not return {left_out[:3]}"


def test_compiled_train_step_matches_eager(backend):
    """Two SGD steps (first call and warm-up) give the same parameters and statistics."""
    eager_model, x = tiny_setup(backend)
    compiled_model, _ = tiny_setup(backend)
    resnet_mlx.make_step("train_step", backend, eager_model, x).warmed_up(calls=2)
    resnet_mlx.make_step("compiled_train_step", backend, compiled_model, x).warmed_up(calls=2)
    compiled = dict(tree_flatten(compiled_model.parameters()))
    for key, array in tree_flatten(eager_model.parameters()):
        np.testing.assert_allclose(np.array(compiled[key]), np.array(array), rtol=1e-5,
                                   atol=1e-6, err_msg=key)


def test_a_step_that_returns_nothing_is_refused(backend):
    """MLX is lazy: a step that forgets to hand back its arrays would time nothing."""
    model, x = tiny_setup(backend)

    def forgetful() -> None:
        model(x)  # builds the graph and drops it: nothing would be computed

    with pytest.raises(ValueError, match="returned no arrays"):
        TimedStep(backend, forgetful)()
    with pytest.raises(ValueError, match="returned no arrays"):
        TimedStep(backend, lambda: {"loss": 0.0, "logits": None})()


def test_unknown_phase_is_refused_before_building_anything():
    with pytest.raises(ValueError, match="unknown phase 'backward_training'"):
        resnet_mlx.phase_step("backward_training", "cpu", 1)


def test_large_batches_on_the_linux_reference_cpu_wait_for_the_full_grid(monkeypatch):
    import sys

    from benchmarks import resnet50

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("MPSBENCH_GRID", raising=False)
    with pytest.raises(NotImplementedError, match="MPSBENCH_GRID=full"):
        resnet50.MLXTrainStep().setup("cpu", 16)
    with pytest.raises(NotImplementedError, match="reference BLAS"):
        resnet50.MLXPeakMemory().setup("train_step", "cpu", 4)
    monkeypatch.setenv("MPSBENCH_GRID", "full")
    assert resnet50.resnet_reference_cpu_reason("cpu", 16) is None
    assert resnet50.resnet_reference_cpu_reason("gpu", 16) is None


def test_the_compiled_train_step_is_skipped_on_cuda_with_the_measured_reason(monkeypatch):
    from types import SimpleNamespace

    from mpsbench.errors import Unavailable
    from mpsbench.workloads import resnet_mlx

    monkeypatch.setattr(resnet_mlx, "backend_on", lambda device: SimpleNamespace(device="cuda"))
    with pytest.raises(Unavailable, match="did not finish its first call in 90 s"):
        resnet_mlx.phase_step("compiled_train_step", "gpu", 1)
