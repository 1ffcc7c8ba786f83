"""What the torch and MLX ResNet-50 workloads share beyond their data and settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from mpsbench.errors import skip_when_out_of_memory
from mpsbench.timing import TimedStep

PhaseStep = Callable[[str, str, int], TimedStep]  # (phase, device, batch) -> a step


def cached_steps(label: str, phase_step: PhaseStep) -> PhaseStep:
    """``phase_step`` built and warmed up once per process (asv re-runs setup per sample);
    running out of memory skips the combination, naming it after ``label``."""

    @cache
    def cached_step(phase: str, device: str, batch: int) -> TimedStep:
        with skip_when_out_of_memory(f"{label} {phase} on {device}, batch {batch}"):
            return phase_step(phase, device, batch).warmed_up()

    return cached_step
