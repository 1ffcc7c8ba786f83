"""MLX on the CPU or on its GPU (Metal on a Mac, CUDA on NVIDIA)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mpsbench.backends.base import Backend, check_device_param
from mpsbench.catalogue import MLX
from mpsbench.errors import Unavailable

NO_MLX_GPU = (
    "no GPU for MLX on this machine: mx.is_available(mx.gpu) is False (MLX uses Metal on "
    "an Apple-silicon Mac, and CUDA on NVIDIA with mlx[cuda12] or mlx[cuda13]; mlx[cpu] "
    "on Linux has no GPU)"
)


def resolve_mlx_device(param: str, gpu_available: bool, metal_available: bool) -> str:
    """Map 'cpu' or 'gpu' to the device MLX will use: cpu, metal or cuda."""
    check_device_param(param)
    if param == "cpu":
        return "cpu"
    if not gpu_available:
        raise Unavailable(NO_MLX_GPU)
    return "metal" if metal_available else "cuda"


def arrays_in(tree: Any) -> list[Any]:
    """Every mx.array in a nested structure of lists, tuples and dicts."""
    import mlx.core as mx
    from mlx.utils import tree_flatten

    if isinstance(tree, mx.array):
        return [tree]
    return [leaf for _, leaf in tree_flatten(tree) if isinstance(leaf, mx.array)]


class MLXBackend(Backend):
    """MLX with its default device set to what ``param`` resolves to."""

    framework = MLX.id

    def __init__(self, param: str) -> None:
        super().__init__()
        from mpsbench.frameworks import require

        mx = require("mlx")
        self.mx = mx
        metal = mx.metal.is_available()
        # mx.is_available arrived with the CUDA backend (0.26); before it, a GPU was Metal
        gpu = mx.is_available(mx.gpu) if hasattr(mx, "is_available") else metal
        self.device = resolve_mlx_device(param, gpu, metal)
        mx.set_default_device(mx.cpu if self.device == "cpu" else mx.gpu)

    def check_outputs(self, outputs: Any) -> None:
        """MLX is lazy: a step whose outputs are not evaluated measures nothing, so a
        step that hands back no arrays is refused rather than timed."""
        if not arrays_in(outputs):
            raise ValueError(
                "an MLX step returned no arrays to evaluate; MLX is lazy, so the step "
                "must return every array it produced (outputs, gradients, parameters)"
            )

    def wait(self, outputs: Any = None) -> None:
        """``mx.eval`` of ``outputs``, a tree whose every array it evaluates (MLX walks
        it in C++: docs/decisions.md, "MLX's wait")."""
        self.mx.eval(outputs)

    def native_dtype(self, name: str) -> Any:
        return getattr(self.mx, name)

    def _probe_dtype(self, name: str) -> None:
        x = self.mx.ones((4, 4), dtype=self.native_dtype(name))
        self.mx.eval(x @ x + 1)

    def asarray(self, data: np.ndarray, dtype: str = "float32") -> Any:
        return self.mx.array(data).astype(self.dtype(dtype))

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.array(array.astype(self.mx.float32))

    def seed(self, seed: int) -> None:
        self.mx.random.seed(seed)

    def _memory_api(self) -> Any:
        """``mx`` itself, ``mx.metal`` before 0.22 moved the memory counters up, or None
        in the first releases, which had none."""
        for api in (self.mx, getattr(self.mx, "metal", None)):
            if hasattr(api, "reset_peak_memory"):
                return api
        return None

    def reset_peak_memory(self) -> None:
        api = self._memory_api()
        if api is not None:
            api.reset_peak_memory()

    def peak_memory(self) -> int:
        api = self._memory_api()
        if api is None:
            raise Unavailable(f"mlx {self.mx.__version__} has no peak-memory counter")
        return int(api.get_peak_memory())
