"""Whether a GPU can exist here, decided without importing a framework.

asv starts a fresh process for every benchmark; importing torch costs seconds. When a
machine plainly has no GPU, a benchmark can say so before paying for that import.
"""

from __future__ import annotations

import glob
import platform
import sys

NO_GPU_HARDWARE = (
    "no GPU hardware on this machine: not an Apple-silicon Mac (for MPS/Metal) and no "
    "NVIDIA device under /dev (for CUDA); 'gpu' benchmarks run only on such machines"
)


def apple_silicon() -> bool:
    """True on an arm64 Mac, where MPS and Metal may be present."""
    return sys.platform == "darwin" and platform.machine() == "arm64"


def nvidia_device_present() -> bool:
    """True when the NVIDIA driver exposes a device node."""
    return bool(glob.glob("/dev/nvidia[0-9]*"))


def gpu_hardware_present() -> bool:
    """Could any framework find a GPU here? False means certainly not."""
    return apple_silicon() or nvidia_device_present()
