"""Params and helpers shared by every benchmark class; asv settings from the library."""

from mpsbench.asv_settings import MLX_OP_ROUNDS, ColdStartTiming, StepTiming
from mpsbench.catalogue import DEVICE_PARAMS, TORCH
from mpsbench.errors import Unavailable
from mpsbench.hardware import NO_GPU_HARDWARE, gpu_hardware_present
from mpsbench.waitcheck import gpu_reason

__all__ = ["DEVICES", "MLX_OP_ROUNDS", "ColdStartTiming", "StepTiming", "skip_for",
           "skip_if_no_gpu_hardware", "skip_torch_cpu_memory", "skip_unless_gpu_ready"]

DEVICES = list(DEVICE_PARAMS)
NO_TORCH_CPU_MEMORY = ("torch keeps no device-memory counter on the CPU; see the process RSS "
                       "instead")


def skip_for(reason: str | None) -> None:
    """Skip the combination with ``reason``, if there is one."""
    if reason:
        raise Unavailable(reason)


def skip_if_no_gpu_hardware(device: str) -> None:
    """Skip a 'gpu' combination before importing any framework when no GPU can exist."""
    if device == "gpu" and not gpu_hardware_present():
        raise Unavailable(NO_GPU_HARDWARE)


def skip_unless_gpu_ready(framework: str, device: str) -> None:
    """``skip_if_no_gpu_hardware``, then skip a 'gpu' combination of a release whose wait
    returns before the work is done (``mpsbench.waitcheck``, measured once)."""
    skip_if_no_gpu_hardware(device)
    if device == "gpu":
        skip_for(gpu_reason(framework))


def skip_torch_cpu_memory(framework: str, device: str) -> None:
    """Skip a peak-memory benchmark of torch on the CPU, which has no counter for it."""
    if framework == TORCH.id and device == "cpu":
        raise Unavailable(NO_TORCH_CPU_MEMORY)
