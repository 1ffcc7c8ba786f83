"""synccheck: the unsynced clock stops before the wait, the suite clock after it."""

from __future__ import annotations

from mpsbench.errors import Unavailable
from mpsbench.selfcheck import synccheck
from mpsbench.timing import TimedStep


class SlowWaitBackend:
    """A device whose work is queued at once and whose wait takes the time."""

    device = "cpu"

    def __init__(self) -> None:
        self.events: list[str] = []

    def synchronize(self, outputs=None) -> None:
        self.events.append("wait")

    wait = synchronize


def test_unsynced_clock_stops_before_the_wait(monkeypatch):
    backend = SlowWaitBackend()
    step = TimedStep(backend, lambda: backend.events.append("work") or "out")
    backend.events.clear()
    order: list[str] = []
    real = synccheck.time.perf_counter

    def clock() -> float:
        order.append(backend.events[-1] if backend.events else "start")
        return real()

    monkeypatch.setattr(synccheck.time, "perf_counter", clock)
    synccheck.unsynced_seconds(step)
    assert order == ["start", "work"]  # the clock stopped right after the work
    assert backend.events == ["work", "wait"]  # and the wait still happened, afterwards


def test_rows_report_both_ratios():
    row = synccheck.SyncRow("torch", "cuda", "train_step", 64, suite=0.060, unsynced=0.015,
                            events=0.058)
    assert row.suite_over_unsynced == 4.0
    assert abs(row.suite_over_events - 0.060 / 0.058) < 1e-12
    table = synccheck.to_markdown([row])
    [row_line] = [line for line in table.splitlines() if line.startswith("| torch")]
    cells = [cell.strip() for cell in row_line.strip("|").split("|")]
    assert cells == ["torch", "cuda", "train_step", "64", "60.00 ms", "58.00 ms", "1.034",
                     "15.00 ms", "4.0x", "1.034"]


def test_a_launch_bound_step_is_judged_against_its_launch_time():
    """The CPU launched for 55 ms while the GPU worked 40: the wait added 5 ms."""
    row = synccheck.SyncRow("torch", "cuda", "train_step", 64, suite=0.060, unsynced=0.055,
                            events=0.040)
    assert row.suite_over_events == 1.5
    assert abs(row.suite_over_bound - 0.060 / 0.055) < 1e-12


def test_a_cpu_case_measures_every_clock_but_events():
    step = synccheck.WORKLOADS["torch"].phase_step("forward_inference", "cpu", 1)
    row = synccheck.measure(step, "torch", "forward_inference", 1, repeats=2)
    assert row.events is None and row.suite_over_events is None
    assert 0.5 < row.suite_over_unsynced < 2.0  # the CPU has nothing to wait for


def test_the_command_writes_the_table_of_the_cases_that_ran(monkeypatch, tmp_path, capsys):
    from mpsbench.cli import main

    row = synccheck.SyncRow("torch", "cuda", "train_step", 64, suite=0.06, unsynced=0.015)

    def run_cases(device, cases):
        if cases[0] != synccheck.CASES[0]:
            raise Unavailable("no GPU here")
        return [row]

    monkeypatch.setattr(synccheck, "run_cases", run_cases)
    out = tmp_path / "sync.md"
    assert main(["synccheck", "--output", str(out)]) == 0
    assert out.read_text() == synccheck.to_markdown([row])
    captured = capsys.readouterr()
    assert "60.00 ms" in captured.out and f"skipped {synccheck.CASES[1]}: no GPU" in captured.err
    monkeypatch.setattr(synccheck, "run_cases", lambda device, cases: [])
    assert main(["synccheck", "--device", "cpu"]) == 2
    assert "no case could run on 'cpu'" in capsys.readouterr().err
