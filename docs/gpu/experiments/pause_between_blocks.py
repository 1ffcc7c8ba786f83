"""Does a pause between asv's samples make microsecond GPU steps read slow?

For the default grid's float16 eager forward step of four operators on the GPU, one
process times: the self-check's reference, blocks back to back, blocks after a sleep,
blocks through ``timeit`` with a per-sample setup and the per-call clock (as asv samples
them), blocks primed by one untimed call, and the reference again. Prints microseconds
per call. Usage: ``PYTHONPATH=$PWD/src python3 docs/gpu/experiments/pause_between_blocks.py
mlx`` (or ``torch``, or ``torch,mlx``).
"""

from __future__ import annotations

import statistics
import sys
import time
import timeit

from mpsbench.ops import steps
from mpsbench.selfcheck.reference_clock import measure_step
from mpsbench.timing import PerCallClock, TimedStep

OPS = {"linear": (), "softmax": (), "layer_norm": (), "sdpa": (8, "causal")}
BLOCKS = 60


def microseconds(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1e6


def blocks(step: TimedStep, pause: float = 0.0, primed: bool = False) -> float:
    """Median per-call time of ``BLOCKS`` blocks, each after ``pause`` seconds."""
    times = []
    for _ in range(BLOCKS):
        if pause:
            time.sleep(pause)
        if primed:
            step.backend.wait(step.work())
        start = time.perf_counter()
        step.block()
        times.append((time.perf_counter() - start) / step.calls_per_block)
    return microseconds(times)


def asv_like(step: TimedStep, point: steps.Point) -> float:
    """Blocks as asv samples them: setup (a cached lookup) before each, per-call clock."""
    timer = timeit.Timer(stmt=step.block, setup=lambda: steps.cached_step(point),
                         timer=PerCallClock(step.calls_per_block))
    return microseconds([timer.timeit(1) for _ in range(BLOCKS)])


def main(frameworks: list[str]) -> None:
    for framework in frameworks:
        for op, extra in OPS.items():
            point = steps.point_from_params(framework, op, "gpu", "float16", "eager",
                                            "forward", 1, 128, *extra)
            step = steps.cached_step(point)
            found = {"reference": microseconds(measure_step(step, 1.0)["times"])}
            for pause in (0.0, 0.0005, 0.002, 0.01):
                found[f"after {pause * 1e3:g} ms"] = blocks(step, pause)
            found["asv-like"] = asv_like(step, point)
            found["primed, after 2 ms"] = blocks(step, 0.002, primed=True)
            found["reference again"] = microseconds(measure_step(step, 1.0)["times"])
            shown = ", ".join(f"{name} {value:.1f}" for name, value in found.items())
            print(f"{framework} {op} ({step.calls_per_block} calls a block): {shown}",
                  flush=True)


if __name__ == "__main__":
    main(sys.argv[1].split(","))
