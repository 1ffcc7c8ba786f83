"""TimedStep: waits for the device on every call, prepares outside the timing."""

from __future__ import annotations

from mpsbench.timing import TimedStep


class RecordingBackend:
    def __init__(self) -> None:
        self.events: list[str] = []

    def synchronize(self, outputs=None) -> None:
        self.events.append(f"sync:{outputs}")

    def wait(self, outputs=None) -> None:
        self.events.append(f"wait:{outputs}")

    def reset_peak_memory(self) -> None:
        self.events.append("reset")

    def peak_memory(self) -> int:
        self.events.append("peak")
        return 42


def test_a_new_step_is_cold_and_every_call_ends_with_a_synchronize():
    backend = RecordingBackend()
    step = TimedStep(backend, lambda: backend.events.append("run") or "out")
    assert backend.events == []
    assert step.warmed_up(calls=3) is step
    assert backend.events == ["run", "sync:out"] * 3
    backend.events.clear()
    step()
    assert backend.events == ["run", "sync:out"]
    assert step.last_seconds > 0


def test_prepare_runs_and_waits_before_each_warm_call():
    backend = RecordingBackend()
    step = TimedStep(backend, lambda: backend.events.append("run") or "out",
                     prepare=lambda: backend.events.append("prep") or "fwd").warmed_up()
    assert backend.events == ["prep", "sync:fwd", "run", "sync:out"] * 2
    backend.events.clear()
    step.prepare()
    assert backend.events == ["prep", "sync:fwd"]


def test_peak_memory_is_one_prepared_call_in_a_fresh_window():
    backend = RecordingBackend()
    step = TimedStep(backend, lambda: backend.events.append("run") or "out",
                     prepare=lambda: backend.events.append("prep") or "fwd").warmed_up()
    backend.events.clear()
    assert step.peak_memory() == 42
    assert backend.events == ["prep", "sync:fwd", "reset", "run", "sync:out", "peak"]


def test_a_block_lasts_about_ten_milliseconds_of_back_to_back_calls(monkeypatch):
    from mpsbench import timing

    clock = [0.0]
    monkeypatch.setattr(timing.time, "perf_counter", lambda: clock[0])
    backend = RecordingBackend()
    step = TimedStep(backend, lambda: clock.__setitem__(0, clock[0] + 0.001) or "out")
    step.last_seconds = 0.004  # the warm-up's last call, slower than the steady state
    assert step.calls_per_block == 10  # counted: ten 1 ms calls fill 10 ms
    backend.events.clear()
    step.block()
    assert backend.events == ["wait:out"] * 10  # checked by the warm-up, not per call


def test_a_cold_step_makes_one_checked_call_before_its_unchecked_blocks():
    backend = RecordingBackend()
    step = TimedStep(backend, lambda: "out")
    step.block()
    assert backend.events[0] == "sync:out"  # synchronize checks; wait does not
    assert set(backend.events[1:]) == {"wait:out"}


def test_a_slow_step_or_one_that_prepares_is_timed_a_call_at_a_time():
    slow = TimedStep(RecordingBackend(), lambda: "out")
    slow.last_seconds = 0.5
    prepared = TimedStep(RecordingBackend(), lambda: "out", prepare=lambda: "fwd")
    prepared.last_seconds = 0.0001
    assert slow.calls_per_block == prepared.calls_per_block == 1


def test_the_per_call_clock_divides_by_the_block(monkeypatch):
    from mpsbench import timing

    monkeypatch.setattr(timing.time, "perf_counter", lambda: 8.0)
    clock = timing.PerCallClock(4)
    assert clock() == 2.0 and clock.calls == 4
