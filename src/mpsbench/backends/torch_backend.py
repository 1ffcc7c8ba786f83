"""torch on cpu, mps or cuda."""

from __future__ import annotations

from typing import Any

import numpy as np

from mpsbench.backends.base import Backend, check_device_param
from mpsbench.catalogue import TORCH
from mpsbench.errors import Unavailable
from mpsbench.frameworks import require
from mpsbench.threads import torch_cpu_threads

NO_TORCH_GPU = (
    "no GPU for torch on this machine: torch.backends.mps.is_available() and "
    "torch.cuda.is_available() are both False (an Apple-silicon Mac with macOS 12.3+ "
    "gives 'mps'; an NVIDIA GPU with a CUDA build of torch gives 'cuda')"
)


def resolve_torch_device(param: str, mps_available: bool, cuda_available: bool) -> str:
    """Map the param 'cpu' or 'gpu' to torch's device: gpu means mps, else cuda."""
    check_device_param(param)
    if param == "cpu":
        return "cpu"
    if mps_available:
        return "mps"
    if cuda_available:
        return "cuda"
    raise Unavailable(NO_TORCH_GPU)


class TorchBackend(Backend):
    """torch on the device that ``param`` resolves to."""

    framework = TORCH.id

    def __init__(self, param: str) -> None:
        super().__init__()
        self.torch = require("torch")
        self.device = resolve_torch_device(
            param, self.torch.backends.mps.is_available(), self.torch.cuda.is_available()
        )
        self.cpu_threads = torch_cpu_threads(self.torch)
        self.torch.set_num_threads(self.cpu_threads)

    def wait(self, outputs: Any = None) -> None:
        if self.device == "mps":
            self.torch.mps.synchronize()
        elif self.device == "cuda":
            self.torch.cuda.synchronize()

    def native_dtype(self, name: str) -> Any:
        return getattr(self.torch, name)

    def _probe_dtype(self, name: str) -> None:
        x = self.torch.ones((4, 4), dtype=self.native_dtype(name), device=self.device)
        self.to_numpy(x @ x + 1)
        self.synchronize()

    def asarray(self, data: np.ndarray, dtype: str = "float32") -> Any:
        return self.torch.from_numpy(data).to(device=self.device, dtype=self.dtype(dtype))

    def to_numpy(self, array: Any) -> np.ndarray:
        return array.detach().to("cpu", self.torch.float32).numpy()

    def seed(self, seed: int) -> None:
        self.torch.manual_seed(seed)

    def reset_peak_memory(self) -> None:
        if self.device == "cuda":
            self.torch.cuda.reset_peak_memory_stats()

    def peak_memory(self) -> int:
        """CUDA: the allocator's peak. MPS: the driver's allocation now.

        MPS has no peak counter; its caching allocator keeps freed blocks, so the
        driver's allocation after a step bounds the step's peak from above.
        """
        if self.device == "cuda":
            return int(self.torch.cuda.max_memory_allocated())
        if self.device == "mps":
            return int(self.torch.mps.driver_allocated_memory())
        raise Unavailable(
            "torch keeps no device-memory counter on the CPU; see the process's RSS instead"
        )
