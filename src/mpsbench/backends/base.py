"""The backend interface shared by torch and MLX."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from mpsbench.catalogue import DEVICE_PARAMS, DTYPES
from mpsbench.errors import Unavailable

__all__ = ["DEVICE_PARAMS", "DTYPES", "Backend", "check_device_param", "check_dtype_name"]


def check_device_param(param: str) -> None:
    """Reject a device param other than 'cpu' and 'gpu'."""
    if param not in DEVICE_PARAMS:
        raise ValueError(f"unknown device {param!r}; expected one of {DEVICE_PARAMS}")


def check_dtype_name(name: str) -> None:
    """Reject a dtype name the suite does not know, listing the ones it does."""
    if name not in DTYPES:
        raise ValueError(f"unknown dtype {name!r}; expected one of {DTYPES}")


class Backend(ABC):
    """A framework on one device.

    ``device`` is the device actually used (cpu, mps, cuda, metal), which is what
    gets recorded beside the results.
    """

    framework: str
    device: str

    def __init__(self) -> None:
        self._dtype_support: dict[str, str] = {}

    def synchronize(self, outputs: Any = None) -> None:
        """Wait until ``outputs`` (and all queued work) are computed, after checking that
        they can be waited on (``check_outputs``)."""
        self.check_outputs(outputs)
        self.wait(outputs)

    def check_outputs(self, outputs: Any) -> None:  # noqa: B027 (optional hook)
        """Raise ``ValueError`` for outputs that cannot be waited on; any will do here."""

    @abstractmethod
    def wait(self, outputs: Any = None) -> None:
        """Wait until ``outputs`` (and all queued work) are computed, checking nothing:
        the cheapest wait, for back-to-back calls of a step whose outputs were checked."""

    @abstractmethod
    def native_dtype(self, name: str) -> Any:
        """The framework's dtype object for ``name``, without probing support."""

    @abstractmethod
    def _probe_dtype(self, name: str) -> None:
        """Run a tiny computation in ``name`` on this device; raise if unsupported."""

    @abstractmethod
    def asarray(self, data: np.ndarray, dtype: str = "float32") -> Any:
        """``data`` as a framework array on this device, in ``dtype``."""

    @abstractmethod
    def to_numpy(self, array: Any) -> np.ndarray:
        """A float32 numpy copy of ``array``."""

    @abstractmethod
    def seed(self, seed: int) -> None:
        """Seed the framework's own random generator (weights, dropout)."""

    @abstractmethod
    def reset_peak_memory(self) -> None:
        """Start a fresh peak-memory window."""

    @abstractmethod
    def peak_memory(self) -> int:
        """Peak device memory in bytes since the last reset; ``Unavailable`` if unknown."""

    def dtype(self, name: str) -> Any:
        """The native dtype for ``name`` after probing it on a tiny tensor.

        Raises ``ValueError`` for an unknown name and ``Unavailable`` when this device
        cannot compute in it (e.g. bfloat16 on MPS before macOS 14).
        """
        check_dtype_name(name)
        if name not in self._dtype_support:
            try:
                self._probe_dtype(name)
                self._dtype_support[name] = ""
            except Exception as error:  # the framework's own error type varies by release
                self._dtype_support[name] = (
                    f"{self.framework} {self.device} cannot compute in {name}: "
                    f"{type(error).__name__}: {error}"
                )
        reason = self._dtype_support[name]
        if reason:
            raise Unavailable(reason)
        return self.native_dtype(name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(device={self.device!r})"
