"""One interface to torch and MLX: devices, synchronization, dtypes, memory, seeding."""

from __future__ import annotations

from mpsbench.backends.base import DEVICE_PARAMS, DTYPES, FRAMEWORKS, Backend


def get_backend(framework: str, device: str) -> Backend:
    """The backend for ``framework`` ('torch' or 'mlx') on ``device`` ('cpu' or 'gpu').

    Raises ``ValueError`` for an unknown name and ``Unavailable`` (a NotImplementedError,
    which asv shows as n/a) when the framework or the device is missing here.
    """
    if device not in DEVICE_PARAMS:
        raise ValueError(f"unknown device {device!r}; expected one of {DEVICE_PARAMS}")
    if framework == "torch":
        from mpsbench.backends.torch_backend import TorchBackend

        return TorchBackend(device)
    if framework == "mlx":
        from mpsbench.backends.mlx_backend import MLXBackend

        return MLXBackend(device)
    raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORKS}")


__all__ = ["DEVICE_PARAMS", "DTYPES", "FRAMEWORKS", "Backend", "get_backend"]
