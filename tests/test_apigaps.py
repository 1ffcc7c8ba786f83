"""Old releases' API gaps: decided from the installed version before any import, and a
framework's own refusal told from the suite's bugs."""

from __future__ import annotations

import pytest

from mpsbench import apigaps
from mpsbench.ops import steps


def installed(monkeypatch, **versions: str) -> None:
    monkeypatch.setattr(apigaps, "installed_version", lambda dist: versions.get(dist))


@pytest.mark.parametrize(("version", "op", "gap"), [
    ("0.2.0", "rope", "mx.fast"), ("0.5.1", "sdpa", "mx.fast.scaled_dot_product_attention"),
    ("0.8.1", "softmax", "precise="), ("0.2.0", "resnet50", "nn.MaxPool2d")])
def test_a_release_before_a_gap_closes_skips_with_its_reason(monkeypatch, version, op, gap):
    installed(monkeypatch, mlx=version)
    reason = apigaps.reason("mlx", op, "gpu")
    assert reason.startswith(f"mlx {version} has no {gap}") and "unavailable in this release" \
        in reason
    installed(monkeypatch, mlx="0.24.2")
    assert apigaps.reason("mlx", op, "gpu") is None


def test_old_mlx_cpu_half_precision_is_skipped_before_it_aborts(monkeypatch):
    installed(monkeypatch, mlx="0.21.1")
    assert "aborts the process" in apigaps.reason("mlx", "linear", "cpu", "float16")
    assert apigaps.reason("mlx", "linear", "cpu", "float32") is None
    assert apigaps.reason("mlx", "linear", "gpu", "float16") is None
    installed(monkeypatch, mlx="0.27.1")
    assert "crash the process" in apigaps.reason("mlx", "linear", "cpu", "bfloat16")
    installed(monkeypatch, mlx="0.29.4")
    assert apigaps.reason("mlx", "linear", "cpu", "bfloat16") is None


def test_the_string_mask_is_used_from_0_24(monkeypatch):
    installed(monkeypatch, mlx="0.23.2")
    assert not apigaps.mlx_takes_string_mask()
    installed(monkeypatch, mlx="0.24.2")
    assert apigaps.mlx_takes_string_mask()


@pytest.mark.parametrize(("version", "skips"), [("2.6.0", True), ("2.7.0", False)])
def test_compiled_torch_on_mps_needs_inductor_mps(monkeypatch, version, skips):
    installed(monkeypatch, torch=version)
    monkeypatch.setattr(apigaps, "apple_silicon", lambda: True)
    reason = apigaps.reason("torch", "linear", "gpu", "float16", "compiled")
    assert (reason is not None) == skips
    assert apigaps.reason("torch", "linear", "gpu", "float16", "eager") is None
    monkeypatch.setattr(apigaps, "apple_silicon", lambda: False)  # CUDA compiles
    assert apigaps.reason("torch", "linear", "gpu", "float16", "compiled") is None


def caught(action) -> BaseException:
    try:
        action()
    except Exception as error:
        return error
    raise AssertionError("nothing raised")


def test_a_frameworks_refusal_reads_as_unavailable_and_our_bugs_do_not():
    mx = pytest.importorskip("mlx.core")
    missing = caught(lambda: mx.no_such_function)
    rejected = caught(lambda: mx.softmax(mx.ones((2,)), axis=-1, no_such_keyword=True))
    assert apigaps.lacks_api(missing) and steps.unsupported(missing)
    assert apigaps.lacks_api(rejected) and steps.unsupported(rejected)
    ours = caught(lambda: object().no_such_attribute)
    our_call = caught(lambda: len(1, 2))
    assert not apigaps.lacks_api(ours) and not steps.unsupported(ours)
    assert not apigaps.lacks_api(our_call) and not steps.unsupported(our_call)
