"""A real suite step made slower on purpose by ``MPSBENCH_TEST_SLOWDOWN`` (e.g. 0.25).

The step is the suite's ResNet-50 forward (inference) at batch 1 on the CPU, built as
``benchmarks.resnet50`` builds it. Each timed call runs it and then sleeps for the given
fraction of the step's own median time, measured once per process in setup.
"""

import os
import statistics
import time

from benchmarks.common import StepTiming
from mpsbench.selfcheck import SLOWDOWN_ENV
from mpsbench.workloads import resnet_torch


class TorchForwardInference(StepTiming):
    version = 1
    params = (["cpu"], [1])
    param_names = ["device", "batch"]
    delay: float | None = None

    def setup(self, device: str, batch: int) -> None:
        self.step = resnet_torch.cached_step("forward_inference", device, batch)
        if TorchForwardInference.delay is None:
            times = []
            for _ in range(5):
                start = time.perf_counter()
                self.step()
                times.append(time.perf_counter() - start)
            fraction = float(os.environ.get(SLOWDOWN_ENV, "0"))
            TorchForwardInference.delay = fraction * statistics.median(times)

    def time_step(self, device: str, batch: int) -> None:
        self.step()
        if self.delay:
            time.sleep(self.delay)
