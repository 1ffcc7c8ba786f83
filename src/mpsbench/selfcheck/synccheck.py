"""Does the suite's waiting hold on an asynchronous GPU? Three clocks on the same steps.

For each GPU-bound step, in one process:

- suite: the step as the benchmarks time it (``TimedStep``: the work, then the
  backend's wait: torch's device synchronize, MLX's ``mx.eval`` of every output);
- events: CUDA events recorded around the work (torch on CUDA): GPU time alone;
- unsynced: the work alone on the wall clock, waited for only after the clock stops:
  what a suite that forgot to synchronize (torch) or to evaluate (MLX) would report.

The suite agrees with the events when its waiting is right and the GPU is the limit; the
unsynced figure comes out far below both, which shows the check can tell the difference.
Where the CPU's launching outlasts the GPU's work (a train step's optimizer launches a
kernel per parameter), the wall clock rightly exceeds the events' GPU time, so the
figure that isolates waiting is suite / max(events, unsynced): the step cannot end
before the GPU's work or the CPU's launching has, and a right wait adds little more.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from types import ModuleType

from mpsbench.selfcheck.reference_clock import cuda_event_times
from mpsbench.timing import TimedStep
from mpsbench.workloads import resnet_mlx, resnet_torch

# (framework, phase, batch): large enough batches that the GPU, not Python, is the limit.
CASES = (
    ("torch", "forward_inference", 64),
    ("torch", "train_step", 64),
    ("torch", "train_step", 256),
    ("mlx", "forward_inference", 64),
    ("mlx", "train_step", 32),
)
WORKLOADS: dict[str, ModuleType] = {"torch": resnet_torch, "mlx": resnet_mlx}


@dataclass
class SyncRow:
    """Median seconds per step on each clock."""

    framework: str
    device: str
    phase: str
    batch: int
    suite: float
    unsynced: float
    events: float | None = None

    @property
    def suite_over_events(self) -> float | None:
        return None if self.events is None else self.suite / self.events

    @property
    def suite_over_unsynced(self) -> float:
        return self.suite / self.unsynced

    @property
    def suite_over_bound(self) -> float | None:
        """The suite against the longer of GPU time and launch time (see the docstring)."""
        return None if self.events is None else self.suite / max(self.events, self.unsynced)


def unsynced_seconds(step: TimedStep) -> float:
    """Wall time of the work alone; the wait happens after the clock has stopped."""
    start = time.perf_counter()
    outputs = step.work()
    elapsed = time.perf_counter() - start
    step.prepare()  # no-op for these phases; keeps a backward-only step valid
    step.backend.synchronize(outputs)
    return elapsed


def measure(step: TimedStep, framework: str, phase: str, batch: int,
            repeats: int = 20) -> SyncRow:
    """The three clocks' medians for one warmed-up step."""
    suite = statistics.median(_suite_seconds(step) for _ in range(repeats))
    unsynced = statistics.median(unsynced_seconds(step) for _ in range(repeats))
    events = None
    if framework == "torch" and step.backend.device == "cuda":
        events = statistics.median(cuda_event_times(step.backend.torch, step.work, 1.0))
    return SyncRow(framework, step.backend.device, phase, batch, suite, unsynced, events)


def _suite_seconds(step: TimedStep) -> float:
    step()
    return step.last_seconds


def run_cases(device: str = "gpu", cases=CASES) -> list[SyncRow]:
    """Measure every case on ``device``; a framework that cannot run there raises."""
    return [measure(WORKLOADS[fw].phase_step(phase, device, batch), fw, phase, batch)
            for fw, phase, batch in cases]


def to_markdown(rows: list[SyncRow]) -> str:
    """A table of the three clocks with the ratios that matter."""
    from mpsbench.selfcheck import markdown

    def ratio(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    table = [[r.framework, r.device, r.phase, r.batch, f"{r.suite * 1e3:.2f} ms",
              "-" if r.events is None else f"{r.events * 1e3:.2f} ms",
              ratio(r.suite_over_events), f"{r.unsynced * 1e3:.2f} ms",
              f"{r.suite_over_unsynced:.1f}x", ratio(r.suite_over_bound)] for r in rows]
    headers = ["framework", "device", "phase", "batch", "suite", "CUDA events",
               "suite/events", "unsynced", "suite/unsynced", "suite/max(events, unsynced)"]
    return "\n".join(markdown.table(headers, table)) + "\n"
