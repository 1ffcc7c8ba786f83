"""Gathers this machine's facts (hardware, OS, packages, settings) from this process.

asv keeps five of them per machine (os, arch, cpu, num_cpu, ram) and shows them on
its site; ``asv_machine_info`` folds the GPU into the cpu field so it shows there too,
and adds the allocator and torch's CPU thread count, which asv then stores in every
result's params: each number carries the settings it was measured under.
The full set is written as JSON beside the results by ``mpsbench machine`` (the file:
``mpsbench.facts``).
"""

from __future__ import annotations

import contextlib
import platform
import socket
import subprocess
from typing import Any

import cpuinfo
import psutil

from mpsbench.allocator import AllocatorState, expected_state
from mpsbench.errors import Unavailable
from mpsbench.frameworks import availability
from mpsbench.hardware import apple_silicon, gpu_hardware_present, nvidia_device_present
from mpsbench.history.stack import installed_version
from mpsbench.threads import torch_cpu_threads

PACKAGES = ("torch", "torchvision", "mlx", "mlx-metal", "mlx-cpu", "mlx-cuda-12", "mlx-cuda-13")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the frameworks, read from metadata (nothing is imported)."""
    return {name: installed_version(name) for name in PACKAGES}


def os_description() -> str:
    """'macOS 14.5' on a Mac, else the platform string (e.g. 'Linux-6.1...-x86_64')."""
    mac_version = platform.mac_ver()[0]
    return f"macOS {mac_version}" if mac_version else platform.platform()


def gpu_name() -> str | None:
    """The accelerator's name, asked of the frameworks only when hardware exists."""
    if nvidia_device_present():
        try:
            out = subprocess.run(
                ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                capture_output=True, text=True, timeout=30, check=True,
            )
            return out.stdout.strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            pass
        if availability("torch").ok:
            import torch

            if torch.cuda.is_available():
                return torch.cuda.get_device_name(0)
    if apple_silicon() and availability("mlx").ok:
        import mlx.core as mx

        return str(mx.device_info().get("device_name"))
    return None


def gpu_devices() -> dict[str, str | None]:
    """The device each framework's 'gpu' param resolves to here (None: no GPU for it)."""
    from mpsbench.backends import get_backend
    from mpsbench.catalogue import FRAMEWORK_IDS

    devices: dict[str, str | None] = dict.fromkeys(FRAMEWORK_IDS)
    if not gpu_hardware_present():
        return devices
    for framework in FRAMEWORK_IDS:
        with contextlib.suppress(Unavailable):
            devices[framework] = get_backend(framework, "gpu").device
    return devices


def machine_facts() -> dict[str, Any]:
    """Chip, GPU, memory, OS and framework versions of this machine."""
    info = cpuinfo.get_cpu_info()
    return {
        "hostname": socket.gethostname(),
        "cpu": info.get("brand_raw") or platform.processor() or "unknown",
        "arch": platform.machine(),
        "num_cpu": psutil.cpu_count(logical=True),
        "ram_bytes": psutil.virtual_memory().total,
        "os": os_description(),
        "gpu": gpu_name(),
        "gpu_devices": gpu_devices(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "allocator": expected_state().as_dict(),
        "torch_cpu_threads": torch_threads(),
    }


def torch_threads() -> int | None:
    """The thread count the suite gives torch's CPU kernels here (None: no torch)."""
    if not availability("torch").ok:
        return None
    import torch

    return torch_cpu_threads(torch)


def asv_machine_info(facts: dict[str, Any], name: str) -> dict[str, str]:
    """asv's machine fields for ``name``, the GPU folded into ``cpu`` so asv's site shows it."""
    cpu = facts["cpu"] + (f"; GPU: {facts['gpu']}" if facts["gpu"] else "; no GPU")
    return {
        "machine": name,
        "os": facts["os"],
        "arch": facts["arch"],
        "cpu": cpu,
        "num_cpu": str(facts["num_cpu"]),
        "ram": f"{facts['ram_bytes'] / 2**30:.0f}GB",
        "allocator": AllocatorState(**facts["allocator"]).label(),
        "torch_threads": str(facts["torch_cpu_threads"]),
    }
