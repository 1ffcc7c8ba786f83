"""A first call of a release that has no wheel here is skipped in setup, not failed."""

from __future__ import annotations

import pytest

from benchmarks.resnet50 import MLXFirstCall
from benchmarks.transformer import MLXLinearFirstCall
from mpsbench import firstcall
from mpsbench.errors import Unavailable

NO_WHEEL = "mlx 0.19.3, pinned at history commit mlx-0.19.3, has no wheel for linux-x86_64"


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
