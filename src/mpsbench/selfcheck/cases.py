"""The fidelity cases: which suite benchmarks, at which grid point, to check.

Each case names an asv ``time_`` benchmark and its params (``DEVICE`` stands for the
device param). The self-check runs that grid point through asv with the reference
clock on (``probe.REFERENCE_ENV``): the benchmark's own setup builds the step, and the
reference times the ``TimedStep`` that setup keeps in ``self.step``, so a case needs
nothing but this line, as long as the benchmark follows that convention.

ResNet-50 is checked in torch at batch 1 and 4; the operators at the default grid's
point (its first value on every axis: eager, forward), in torch and in MLX. Another case
is one more entry, with the benchmark's params in its ``param_names`` order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mpsbench.ops.grid import GRIDS, op_params
from mpsbench.ops.spec import get_op

DEVICE = "<device>"


@dataclass(frozen=True)
class FidelityCase:
    """One suite benchmark at one grid point."""

    key: str
    title: str
    framework: str
    benchmark: str
    params: tuple[Any, ...]

    def asv_params(self, device: str) -> tuple[Any, ...]:
        """The benchmark's params with the device filled in."""
        return tuple(device if p == DEVICE else p for p in self.params)

    def bench_regex(self, device: str) -> str:
        """An ``asv run --bench`` regex selecting exactly this benchmark and grid point."""
        shown = ", ".join(repr(p) for p in self.asv_params(device))
        return f"^{re.escape(self.benchmark)}\\({re.escape(shown)}\\)$"


CASES: list[FidelityCase] = [
    FidelityCase(f"resnet50-{slug}-b{batch}-torch", f"ResNet-50 {title}, batch {batch}, torch",
                 "torch", f"resnet50.{cls}.time_step", (DEVICE, batch))
    for slug, title, cls in [("forward-inference", "forward (inference)",
                              "TorchForwardInference"),
                             ("train-step", "train step", "TorchTrainStep")]
    for batch in (1, 4)
]
FIDELITY_OPS = {"linear": "Linear", "softmax": "Softmax", "layer_norm": "LayerNorm",
                "sdpa": "SDPA"}


def default_point(op: str) -> tuple[Any, ...]:
    """The op's params at the default grid's point: the first value of each axis."""
    names, values = op_params(get_op(op), GRIDS["default"])
    return tuple(DEVICE if name == "device" else axis[0]
                 for name, axis in zip(names, values, strict=True))


CASES += [
    FidelityCase(f"{op}-{framework}", f"{title}, {label}", framework,
                 f"transformer.{prefix}{title}.time_step", default_point(op))
    for op, title in FIDELITY_OPS.items()
    for framework, label, prefix in (("torch", "torch", "Torch"), ("mlx", "MLX", "MLX"))
]


def find_case(key: str) -> FidelityCase:
    """The case called ``key``; ValueError naming the known ones otherwise."""
    for case in CASES:
        if case.key == key:
            return case
    raise ValueError(f"unknown fidelity case {key!r}; known: {[c.key for c in CASES]}")
