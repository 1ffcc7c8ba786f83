"""The fidelity cases: which suite benchmark to check, and how to build the same step.

Each case names an asv ``time_`` benchmark and its params (``DEVICE`` stands for the
device param), and builds, in a fresh process, the very step that benchmark times. The
reference clock then times that step's work on its own (``selfcheck.reference``).

To add a case (the transformer ops, MLX ResNet-50), append a ``FidelityCase`` whose
``build`` returns the step the benchmark's ``setup`` builds, e.g. for an op::

    FidelityCase("linear-mlx", "Linear, MLX", "mlx", "ops.MLXLinear.time_step",
                 (DEVICE, "float32", 8, 128), partial(_op_step, "mlx", "linear", ...))

``build`` must take only the device param and must not be a lambda (the case table is
imported by the reference subprocess, which looks a case up by ``key``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from mpsbench.timing import TimedStep

DEVICE = "<device>"


@dataclass(frozen=True)
class FidelityCase:
    """One suite benchmark at one grid point, and how to build its step."""

    key: str
    title: str
    framework: str
    benchmark: str
    params: tuple[Any, ...]
    build: Callable[[str], TimedStep]

    def asv_params(self, device: str) -> tuple[Any, ...]:
        """The benchmark's params with the device filled in."""
        return tuple(device if p == DEVICE else p for p in self.params)

    def bench_regex(self, device: str) -> str:
        """An ``asv run --bench`` regex selecting exactly this benchmark and grid point."""
        shown = ", ".join(repr(p) for p in self.asv_params(device))
        return f"^{re.escape(self.benchmark)}\\({re.escape(shown)}\\)$"


def _resnet_torch(phase: str, batch: int, device: str) -> TimedStep:
    from mpsbench.workloads import resnet_torch

    return resnet_torch.phase_step(phase, device, batch)


def _resnet_case(phase: str, title: str, cls: str, batch: int) -> FidelityCase:
    return FidelityCase(
        key=f"resnet50-{phase.replace('_', '-')}-b{batch}-torch",
        title=f"ResNet-50 {title}, batch {batch}, torch",
        framework="torch",
        benchmark=f"resnet50.{cls}.time_step",
        params=(DEVICE, batch),
        build=partial(_resnet_torch, phase, batch),
    )


CASES: list[FidelityCase] = [
    _resnet_case(phase, title, cls, batch)
    for phase, title, cls in [("forward_inference", "forward (inference)", "TorchForwardInference"),
                              ("train_step", "train step", "TorchTrainStep")]
    for batch in (1, 4)
]


def find_case(key: str) -> FidelityCase:
    """The case called ``key``; ValueError naming the known ones otherwise."""
    for case in CASES:
        if case.key == key:
            return case
    raise ValueError(f"unknown fidelity case {key!r}; known: {[c.key for c in CASES]}")
