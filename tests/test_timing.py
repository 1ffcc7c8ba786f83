"""TimedStep: waits for the device on every call, prepares outside the timing."""

from __future__ import annotations

from mpsbench.timing import TimedStep


class RecordingBackend:
    def __init__(self) -> None:
        self.events: list[str] = []

    def synchronize(self, outputs=None) -> None:
        self.events.append(f"sync:{outputs}")


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
