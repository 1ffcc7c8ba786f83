"""One interface to torch and MLX: devices, synchronization, dtypes, memory, seeding."""

from __future__ import annotations

from mpsbench.backends.base import DEVICE_PARAMS, DTYPES, Backend, check_device_param
from mpsbench.catalogue import FRAMEWORK_IDS, MLX, TORCH


def get_backend(framework: str, device: str) -> Backend:
    """The backend for ``framework`` ('torch' or 'mlx') on ``device`` ('cpu' or 'gpu').

    Raises ``ValueError`` for an unknown name and ``Unavailable`` (a NotImplementedError,
    which asv shows as n/a) when the framework or the device is missing here.
    """
    check_device_param(device)
    if framework == TORCH.id:
        from mpsbench.backends.torch_backend import TorchBackend

        return TorchBackend(device)
    if framework == MLX.id:
        from mpsbench.backends.mlx_backend import MLXBackend

        return MLXBackend(device)
    raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORK_IDS}")


__all__ = ["DEVICE_PARAMS", "DTYPES", "Backend", "get_backend"]
