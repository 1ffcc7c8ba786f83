"""Where a GPU's own work outweighs kernel launches: the suite's Linear at several shapes.

Each shape is the suite's own step (``mpsbench.ops.steps``), warmed up, then timed over
200 back-to-back calls with one wait at the end (best of three). A launch-bound
step reads about the same whatever its size; a loaded GPU's time grows with the FLOPs.
Prints one JSON line a row.
Run: PYTHONPATH=src python3 docs/gpu/experiments/gpu_point.py [torch|mlx]
"""

import json
import sys
import time

from mpsbench.ops import steps
from mpsbench.ops.spec import get_op

SHAPES = [(1, 128), (8, 256), (16, 512), (32, 512), (64, 512)]
CALLS = 200


def per_call(step, framework: str) -> float:
    """Seconds per call with calls queued back to back and one wait at the end (MLX:
    each call's outputs handed to async_eval, or lazy MLX would compute only the last)."""
    start = time.perf_counter()
    if framework == "mlx":
        import mlx.core as mx

        for _ in range(CALLS):
            mx.async_eval(step.work())
        mx.synchronize()
    else:
        for _ in range(CALLS):
            out = step.work()
        step.backend.synchronize(out)
    return (time.perf_counter() - start) / CALLS


def main(framework: str) -> None:
    for phase in ("forward", "forward_backward"):
        for batch, seq in SHAPES:
            point = steps.point_from_params(framework, "linear", "gpu", "float16", "eager",
                                            phase, batch, seq)
            step = steps.build_step(point).warmed_up(5)
            seconds = min(per_call(step, framework) for _ in range(3))
            flops = get_op("linear").flops(point.setting, phase)
            print(json.dumps({"framework": framework, "phase": phase, "batch": batch,
                              "seq": seq, "us_per_call": round(seconds * 1e6, 2),
                              "tflops": round(flops / seconds / 1e12, 1)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "torch")
