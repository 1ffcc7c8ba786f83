"""Why the compiled MLX ResNet-50 train step's first call takes minutes on CUDA.

Builds the suite's step (``mpsbench.workloads.resnet_mlx``), then times its first call
(tracing, compiling, the first run) and its next calls, printing as it goes. Should the
first call outlast ``LIMIT`` seconds, every thread's Python stack is dumped, to show
whether it is still tracing in Python or waiting in MLX's C++ (kernel builds).
Run: PYTHONPATH=src python3 docs/gpu/experiments/mlx_compiled_train_step.py [batch] [limit]
"""

import faulthandler
import sys
import time

from mpsbench.workloads import resnet_mlx


def main(batch: int, limit: float) -> None:
    began = time.perf_counter()
    step = resnet_mlx.phase_step("compiled_train_step", "gpu", batch)
    step.prepare()
    print(f"built in {time.perf_counter() - began:.1f} s", flush=True)
    faulthandler.dump_traceback_later(limit, repeat=True)
    for call in range(4):
        start = time.perf_counter()
        step()
        print(f"call {call + 1}: {time.perf_counter() - start:.3f} s", flush=True)
    faulthandler.cancel_dump_traceback_later()
    eager = resnet_mlx.phase_step("train_step", "gpu", batch).warmed_up()
    start = time.perf_counter()
    for _ in range(5):
        eager()
    print(f"eager train step: {(time.perf_counter() - start) / 5:.3f} s", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1,
         float(sys.argv[2]) if len(sys.argv) > 2 else 120.0)
