"""A real suite step made slower on purpose by ``MPSBENCH_TEST_SLOWDOWN`` (e.g. 0.25).

The suite's own ResNet-50 forward (inference), at batch 1 on the CPU only. Each timed call
runs it and then spins for the given fraction of the step's own median time, measured
once per process in setup. Spins, not sleeps: a sleeping process is not waiting for a
CPU, so the canary's run-queue share would read its host as less busy than A's.
"""

import os
import statistics
import time

from benchmarks import resnet50
from mpsbench.selfcheck import SLOWDOWN_ENV


class TorchForwardInference(resnet50.TorchForwardInference):
    version = 1
    params = (["cpu"], [1])
    delay: float | None = None

    def setup(self, device: str, batch: int) -> None:
        super().setup(device, batch)
        if TorchForwardInference.delay is None:
            times = []
            for _ in range(5):
                start = time.perf_counter()
                self.step()
                times.append(time.perf_counter() - start)
            fraction = float(os.environ.get(SLOWDOWN_ENV, "0"))
            TorchForwardInference.delay = fraction * statistics.median(times)

    def time_step(self, device: str, batch: int) -> None:
        super().time_step(device, batch)
        if self.delay:
            deadline = time.perf_counter() + self.delay
            while time.perf_counter() < deadline:
                pass
