"""The reference clocks time the step's work with their own wait, not the suite's."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from mpsbench.backends import get_backend
from mpsbench.selfcheck import reference_clock as reference
from mpsbench.timing import TimedStep


def test_blocked_times_cover_at_least_three_blocks():
    calls = []
    times = reference.blocked_times(lambda: calls.append(1), min_run_time=0.0)
    assert len(times) >= 3 and all(t >= 0 for t in times)
    assert len(calls) >= 3


def test_torch_sync_is_the_devices_own():
    fake = SimpleNamespace(cuda=SimpleNamespace(synchronize="cuda-sync"),
                           mps=SimpleNamespace(synchronize="mps-sync"))
    assert reference.torch_sync(fake, "cuda") == "cuda-sync"
    assert reference.torch_sync(fake, "mps") == "mps-sync"
    assert reference.torch_sync(fake, "cpu")() is None


def test_torch_reference_times_the_work_and_not_the_suites_synchronize(sync_calls):
    backend = get_backend("torch", "cpu")
    x = backend.asarray(np.ones((8, 8), dtype=np.float32))
    step = TimedStep(backend, lambda: x @ x)
    sync_calls.clear()
    found = reference.torch_reference(step, min_run_time=0.01)
    assert found["times"] and "events" not in found
    assert sync_calls == []  # the reference waits with its own synchronize


def test_cuda_events_bracket_each_call():
    log = []

    class Event:
        def __init__(self, enable_timing):
            assert enable_timing

        def record(self):
            log.append("record")

        def synchronize(self):
            log.append("sync")

        def elapsed_time(self, end):
            return 2.0  # milliseconds

    fake = SimpleNamespace(cuda=SimpleNamespace(Event=Event))
    times = reference.cuda_event_times(fake, lambda: log.append("work"), min_run_time=0.0)
    assert times == [pytest.approx(0.002)] * 3
    assert log[:4] == ["record", "work", "record", "sync"]


def test_mlx_reference_evaluates_every_call(monkeypatch):
    import mlx.core as mx

    backend = get_backend("mlx", "cpu")
    x = mx.ones((8, 8))
    step = TimedStep(backend, lambda: {"y": x @ x})
    evaluated = []
    real = mx.eval
    monkeypatch.setattr(mx, "eval", lambda *a: evaluated.append(1) or real(*a))
    found = reference.mlx_reference(step, min_run_time=0.0)
    assert len(found["times"]) >= 3
    assert len(evaluated) >= 2 + 3  # the warm calls, then at least one per block


def test_measure_step_picks_the_clock_by_framework():
    backend = get_backend("torch", "cpu")
    step = TimedStep(backend, lambda: backend.torch.ones(2) * 2)
    found = reference.measure_step(step, min_run_time=0.0)
    assert set(found) == {"times"} and len(found["times"]) >= 1
    assert all(0 < seconds < 0.1 for seconds in found["times"])  # seconds per call


def test_measure_step_hands_the_step_and_time_to_its_frameworks_clock(monkeypatch):
    monkeypatch.setattr(reference, "torch_reference", lambda step, t: {"torch": [t]})
    monkeypatch.setattr(reference, "mlx_reference", lambda step, t: {"mlx": [t]})
    for framework in ("torch", "mlx"):
        step = SimpleNamespace(backend=SimpleNamespace(framework=framework))
        assert reference.measure_step(step, min_run_time=0.5) == {framework: [0.5]}
