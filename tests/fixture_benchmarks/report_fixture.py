"""A tiny operator for the report's tests, named as the suite's operator benchmarks are.

Real torch and MLX matmuls (MLX eager and compiled) over a small batch x seq grid, with
MLX's peak memory and the achieved FLOP/s, so that a quick asv run records in seconds
everything the report draws. ``tests/asv_recording.py`` puts it beside the real suite.
"""

import time

import numpy as np

from mpsbench.backends import get_backend
from mpsbench.timing import TimedStep

FEATURES = 64


class _Matmul:
    """(batch, seq, FEATURES) @ (FEATURES, FEATURES); subclasses name the framework."""

    version = 1
    framework: str
    number = 1
    repeat = (1, 3, 5.0)
    warmup_time = 0.0
    params = (["float32"], ["cpu"], [1, 2], [8, 16])
    param_names = ["dtype", "device", "batch", "seq"]

    def setup(self, dtype: str, device: str, batch: int, seq: int, mode: str = "eager") -> None:
        backend = get_backend(self.framework, device)
        rng = np.random.default_rng(0)
        x = backend.asarray(rng.standard_normal((batch, seq, FEATURES)), dtype)
        w = backend.asarray(rng.standard_normal((FEATURES, FEATURES)), dtype)
        matmul = backend.mx.compile(lambda a, b: a @ b) if mode == "compiled" else \
            (lambda a, b: a @ b)
        backend.reset_peak_memory()
        self.step = TimedStep(backend, lambda: matmul(x, w))
        self.flops = 2 * batch * seq * FEATURES * FEATURES

    def time_step(self, *params: object) -> None:
        self.step()

    def track_flops(self, *params: object) -> float:
        start = time.perf_counter()
        self.step()
        return self.flops / (time.perf_counter() - start)

    track_flops.unit = "FLOP/s"


class TorchMatmul(_Matmul):
    framework = "torch"


class MLXMatmul(_Matmul):
    framework = "mlx"
    params = (*_Matmul.params, ["eager", "compiled"])
    param_names = [*_Matmul.param_names, "mode"]

    def track_peak_memory(self, *params: object) -> int:
        return self.step.backend.peak_memory()

    track_peak_memory.unit = "bytes"
