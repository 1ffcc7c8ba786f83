"""The per-release wait check: a wait that waits passes, one that returns early skips the
release's GPU points with its figures; the figures are kept once per commit. The device is
faked here, in the tests only."""

from __future__ import annotations

import json
import time

import pytest

from mpsbench import waitcheck
from mpsbench.backends import get_backend


class FakeDevice:
    """Work that takes 0.5 ms a step after it is enqueued; ``waits`` says whether its
    wait blocks until the work is done (reading back always does)."""

    def __init__(self, waits: bool) -> None:
        self.waits = waits
        self.done_at = 0.0

    def chain(self, steps: int) -> int:
        self.done_at = time.perf_counter() + steps * 0.0005
        return steps

    def read_back(self, out: object) -> None:
        time.sleep(max(0.0, self.done_at - time.perf_counter()))

    def wait(self, out: object) -> None:
        if self.waits:
            self.read_back(out)


def figures(device: FakeDevice) -> waitcheck.WaitFigures:
    steps, wait_s, after_s, read_s = waitcheck.measure(device.chain, device.wait,
                                                       device.read_back)
    return waitcheck.WaitFigures("torch", "2.5.1", "mps", steps, wait_s, after_s, read_s)


def test_a_wait_that_waits_passes():
    found = figures(FakeDevice(waits=True))
    assert found.read_back_seconds >= waitcheck.TARGET_SECONDS
    assert found.waits and found.ratio > 0.8 and found.reason() is None
    assert found.after_wait_read_seconds < 0.2 * found.read_back_seconds


def test_a_wait_that_returns_early_skips_with_its_figures():
    found = figures(FakeDevice(waits=False))
    assert not found.waits and found.ratio < 0.2
    assert found.after_wait_read_seconds > 0.5 * found.read_back_seconds
    reason = found.reason()
    assert reason.startswith("torch 2.5.1's wait returns before the work is done on mps")
    assert "enqueue times" in reason


@pytest.mark.parametrize("waits", [True, False])
def test_the_figures_are_measured_once_per_commit_and_kept(tmp_path, monkeypatch, waits):
    kept = tmp_path / "m" / waitcheck.FILE_NAME
    monkeypatch.setenv(waitcheck.WAITCHECK_ENV, str(kept))
    monkeypatch.setenv("ASV_COMMIT", "abc123")
    measured = []

    def check(backend, version):
        measured.append(version)
        return figures(FakeDevice(waits))

    monkeypatch.setattr(waitcheck, "check", check)
    monkeypatch.setattr("mpsbench.backends.get_backend", lambda framework, device: None)
    for _ in range(2):  # two benchmark processes of one commit
        waitcheck.gpu_reason.cache_clear()
        reason = waitcheck.gpu_reason("torch")
        assert (reason is None) == waits
    assert len(measured) == 1
    entry = json.loads(kept.read_text())["torch abc123"]
    assert entry["waits"] is waits and entry["steps"] >= 4 and entry["read_back_seconds"] > 0
    assert not list(kept.parent.glob(f".{kept.name}.*"))  # no scratch file left
    monkeypatch.setenv("ASV_COMMIT", "def456")  # another release measures again
    waitcheck.gpu_reason.cache_clear()
    waitcheck.gpu_reason("torch")
    assert len(measured) == 2 and len(json.loads(kept.read_text())) == 2
    waitcheck.gpu_reason.cache_clear()


def test_a_broken_figures_file_is_measured_over(tmp_path, monkeypatch):
    kept = tmp_path / waitcheck.FILE_NAME
    kept.write_text("{not json")
    assert waitcheck.stored(kept, "torch") is None
    waitcheck.store(kept, "torch", figures(FakeDevice(True)))
    assert waitcheck.stored(kept, "torch")["waits"] is True


@pytest.mark.parametrize("framework", ["torch", "mlx"])
def test_the_real_chain_runs_on_each_framework(framework):
    """The CPU is synchronous, so the suite's wait there always 'waits' (small matrices:
    MLX's reference BLAS on Linux takes seconds a 2048 matmul)."""
    backend = get_backend(framework, "cpu")
    found = waitcheck.check(backend, "this", size=128)
    assert found.steps >= 4 and found.waits, found


def test_a_gpu_benchmark_skips_where_its_release_wait_returns_early(monkeypatch):
    """The benchmarks' setup asks the check before building anything on the GPU (the
    Mac's MPS rehearsed: the hardware and the check are patched, here only)."""
    from benchmarks import common, resnet50, transformer

    monkeypatch.setattr(common, "gpu_hardware_present", lambda: True)
    early = "torch 2.5.1's wait returns before the work is done on mps: ..."
    monkeypatch.setattr(common, "gpu_reason", lambda framework: early)
    bench = transformer.TorchLinear()
    with pytest.raises(NotImplementedError, match="wait returns before"):
        bench.setup("gpu", "float16", "eager", "forward", 1, 128)
    with pytest.raises(NotImplementedError, match="wait returns before"):
        resnet50.TorchForwardInference().setup("gpu", 1)
    asked = []
    monkeypatch.setattr(common, "gpu_reason", lambda framework: asked.append(framework))
    with pytest.raises(NotImplementedError):  # the CPU is never checked; here: a grid skip
        bench.setup("cpu", "float16", "compiled", "forward", 1, 128)
    assert asked == []
