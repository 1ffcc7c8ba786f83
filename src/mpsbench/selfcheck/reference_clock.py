"""Independent reference times for a step: its work, timed with another clock and wait.

The references never go through the suite's ``TimedStep.__call__``, its backend
synchronize or asv's timer:

- torch: ``torch.utils.benchmark.Timer("work(); sync()").blocked_autorange()``, with
  ``sync`` the device's own synchronize (nothing on the CPU) and the thread count the
  suite runs with (Timer's default is one thread);
- torch on CUDA, in addition: CUDA events around each call (GPU time only);
- MLX: a warm loop of calls, each ending in ``mx.eval`` of what it returned, timed in
  blocks like ``blocked_autorange``.

Each returns ``times`` (seconds per call, one figure per block) and, on CUDA, ``events``
(seconds per call). The probe runs them inside the benchmark process, around asv's
sampling, so the two clocks see the same process, step and moment; the self-check's
outside references use its clocks and waits too. It sits below ``timing`` and
``probe`` and imports neither: a step here is anything with ``work`` and ``backend``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any, Protocol

from mpsbench.backends.base import Backend

BLOCK_SECONDS = 0.01


class Step(Protocol):
    """What a reference times: a step's bare ``work`` on its ``backend``'s device
    (``timing.TimedStep`` is one)."""

    backend: Backend
    work: Callable[[], Any]


def blocked_times(call: Callable[[], Any], min_run_time: float) -> list[float]:
    """Seconds per call, one figure per block of calls, each block at least ~10 ms.

    The block size doubles until one block takes ``BLOCK_SECONDS``; blocks are then
    timed until ``min_run_time`` has passed, and at least 3 of them. The garbage
    collector is off meanwhile, as it is in asv's samples and torch's Timer (timeit).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _blocked_times(call, min_run_time)
    finally:
        if enabled:
            gc.enable()


def _blocked_times(call: Callable[[], Any], min_run_time: float) -> list[float]:
    size = 1
    while True:
        start = time.perf_counter()
        for _ in range(size):
            call()
        if time.perf_counter() - start >= BLOCK_SECONDS:
            break
        size *= 2
    per_call: list[float] = []
    began = time.perf_counter()
    while len(per_call) < 3 or time.perf_counter() - began < min_run_time:
        start = time.perf_counter()
        for _ in range(size):
            call()
        per_call.append((time.perf_counter() - start) / size)
    return per_call


def torch_sync(torch: Any, device: str) -> Callable[[], None]:
    """The device's own synchronize, looked up here rather than through the backend."""
    if device == "cuda":
        return torch.cuda.synchronize
    if device == "mps":
        return torch.mps.synchronize
    return lambda: None


def torch_reference(step: Step, min_run_time: float) -> dict[str, list[float]]:
    """``blocked_autorange`` of work + synchronize; CUDA events too on CUDA."""
    import torch
    from torch.utils import benchmark

    device = step.backend.device
    sync = torch_sync(torch, device)
    timer = benchmark.Timer(stmt="work(); sync()", globals={"work": step.work, "sync": sync},
                            num_threads=torch.get_num_threads())
    measured = timer.blocked_autorange(min_run_time=min_run_time)
    found = {"times": list(measured.times)}
    if device == "cuda":
        found["events"] = cuda_event_times(torch, step.work, min_run_time)
    return found


def cuda_event_times(torch: Any, work: Callable[[], Any], min_run_time: float) -> list[float]:
    """Seconds between CUDA events recorded around single calls (at least 3 calls)."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times: list[float] = []
    began = time.perf_counter()
    while len(times) < 3 or time.perf_counter() - began < min_run_time:
        start.record()
        work()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1000.0)
    return times


def mlx_reference(step: Step, min_run_time: float) -> dict[str, list[float]]:
    """A warm loop of calls, each ending in ``mx.eval`` of its outputs."""
    import mlx.core as mx

    def call() -> None:
        mx.eval(step.work())

    for _ in range(2):
        call()
    return {"times": blocked_times(call, min_run_time)}


def measure_step(step: Step, min_run_time: float) -> dict[str, list[float]]:
    """The reference times for ``step``, by its framework (and CUDA events on CUDA)."""
    timer = torch_reference if step.backend.framework == "torch" else mlx_reference
    return timer(step, min_run_time)
