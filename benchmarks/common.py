"""Params and helpers shared by every benchmark class; asv settings from the library."""

from mpsbench.asv_settings import MLX_OP_ROUNDS, ColdStartTiming, StepTiming
from mpsbench.errors import Unavailable
from mpsbench.hardware import NO_GPU_HARDWARE, gpu_hardware_present

__all__ = ["DEVICES", "MLX_OP_ROUNDS", "ColdStartTiming", "StepTiming", "skip_for",
           "skip_if_no_gpu_hardware"]

DEVICES = ["cpu", "gpu"]


def skip_for(reason: str | None) -> None:
    """Skip the combination with ``reason``, if there is one."""
    if reason:
        raise Unavailable(reason)


def skip_if_no_gpu_hardware(device: str) -> None:
    """Skip a 'gpu' combination before importing any framework when no GPU can exist."""
    if device == "gpu" and not gpu_hardware_present():
        raise Unavailable(NO_GPU_HARDWARE)
