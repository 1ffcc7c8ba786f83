"""A first call of a release that has no wheel here is skipped in setup, not failed."""

from __future__ import annotations

import pytest

from benchmarks.resnet50 import MLXFirstCall
from benchmarks.transformer import MLXLinearFirstCall
from mpsbench import firstcall
from mpsbench.errors import Unavailable

NO_WHEEL = "mlx 0.19.3, pinned at history commit mlx-0.19.3, has no wheel for linux-x86_64"


@pytest.fixture(autouse=True)
def fresh_step_caches():
    """The monkeypatched failures must not stay in the per-process caches."""
    from mpsbench.ops import steps

    yield
    steps.eager_reason.cache_clear()
    steps.cached_step.cache_clear()


@pytest.fixture
def no_mlx_wheel(monkeypatch):
    monkeypatch.setattr(firstcall, "unavailable_reason",
                        lambda dist: NO_WHEEL if dist == "mlx" else "")


def test_the_reason_comes_from_the_installed_stack(no_mlx_wheel):
    assert firstcall.release_reason("mlx") == NO_WHEEL
    assert firstcall.release_reason("torch", "torchvision") is None


def test_both_workloads_first_calls_skip_with_it(no_mlx_wheel, monkeypatch):
    monkeypatch.setenv("MPSBENCH_GRID", "full")  # ResNet-50's CPU first call is full-grid
    with pytest.raises(Unavailable, match="has no wheel"):
        MLXLinearFirstCall().setup("cpu", "float16", "compiled", "forward", 1, 128)
    with pytest.raises(Unavailable, match="has no wheel"):
        MLXFirstCall().setup("compiled_train_step", "cpu", 1)


def test_a_kernel_an_old_release_lacks_is_a_skip_with_the_frameworks_words(monkeypatch):
    """mlx 0.26's CPU backend: '[AddMM::eval_cpu] Currently only supports float32.'"""
    from mpsbench.ops import steps

    def old_release(point):
        raise RuntimeError("[AddMM::eval_cpu] Currently only supports float32.")

    monkeypatch.setattr(steps, "build_op", old_release)
    point = steps.point_from_params("mlx", "linear", "cpu", "float16", "eager", "forward", 1, 128)
    with pytest.raises(Unavailable, match="cannot run mlx linear .*only supports float32"):
        steps.cached_step(point)
    assert "only supports float32" in steps.eager_reason(point)
    with pytest.raises(Unavailable, match="only supports float32"):
        MLXLinearFirstCall().setup("cpu", "float16", "compiled", "forward", 1, 128)


def test_any_other_error_still_fails(monkeypatch):
    from mpsbench.ops import steps

    def broken(point):
        raise RuntimeError("shape mismatch: a bug of ours")

    monkeypatch.setattr(steps, "build_op", broken)
    point = steps.point_from_params("mlx", "softmax", "cpu", "float16", "eager", "forward", 1, 128)
    with pytest.raises(RuntimeError, match="a bug of ours"):
        steps.cached_step(point)
