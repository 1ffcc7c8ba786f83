"""The fidelity cases: which suite benchmarks, at which grid point, to check.

Each case names an asv ``time_`` benchmark and its params (``DEVICE`` stands for the
device param). The self-check runs that grid point through asv with the reference
clock on (``probe.REFERENCE_ENV``): the benchmark's own setup builds the step, and the
reference times the ``TimedStep`` that setup keeps in ``self.step``, so a case needs
nothing but this line, as long as the benchmark follows that convention.

ResNet-50 is checked in torch at batch 1 and 4; the operators at the default grid's
point (its first value on every axis: eager, forward), in torch and in MLX. Another case
is one more entry, with the benchmark's params in its ``param_names`` order. The
external section (``selfcheck.external``) builds its cases with the same
``resnet_case`` and ``op_case``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mpsbench import catalogue
from mpsbench.grids import GRIDS, op_params
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


RESNET_PHASES = {phase.id.replace("_", "-"): phase for phase in catalogue.RESNET_PHASES}


def resnet_case(slug: str, batch: int) -> FidelityCase:
    """torch's ResNet-50 phase ``slug`` (a ``RESNET_PHASES`` key) at ``batch``."""
    phase = RESNET_PHASES[slug]
    benchmark = catalogue.find(catalogue.RESNET50, catalogue.TORCH.id, phase.id).benchmark
    title = phase.title[0].lower() + phase.title[1:]
    return FidelityCase(f"resnet50-{slug}-b{batch}-torch", f"ResNet-50 {title}, batch {batch}, "
                        f"{catalogue.TORCH.label}", catalogue.TORCH.id, benchmark, (DEVICE, batch))


def default_point(op: str) -> tuple[Any, ...]:
    """The op's params at the default grid's point: the first value of each axis."""
    names, values = op_params(get_op(op), GRIDS["default"])
    return tuple(DEVICE if name == "device" else axis[0]
                 for name, axis in zip(names, values, strict=True))


def op_case(op: str, framework: str) -> FidelityCase:
    """``op``'s ``time_step`` in ``framework`` at the default grid's point."""
    entry = catalogue.find(catalogue.TRANSFORMER, framework, op)
    return FidelityCase(f"{op}-{framework}", f"{entry.subject}, {entry.framework.label}",
                        framework, entry.benchmark, default_point(op))


CASES: list[FidelityCase] = [resnet_case(slug, batch)
                             for slug in ("forward-inference", "train-step")
                             for batch in (1, 4)]
FIDELITY_OPS = ("linear", "softmax", "layer_norm", "sdpa")
CASES += [op_case(op, framework) for op in FIDELITY_OPS for framework in catalogue.FRAMEWORK_IDS]


def find_case(key: str) -> FidelityCase:
    """The case called ``key``; ValueError naming the known ones otherwise."""
    for case in CASES:
        if case.key == key:
            return case
    raise ValueError(f"unknown fidelity case {key!r}; known: {[c.key for c in CASES]}")
