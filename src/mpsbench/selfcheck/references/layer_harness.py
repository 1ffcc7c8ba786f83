"""aukejw/mlx_transformers_benchmark's layer procedure, run in its own process.

``python -m mpsbench.selfcheck.references.layer_harness --framework torch --op linear --params
'["cpu", "float16", "eager", "forward", 1, 128]'`` (the suite's asv params) prints JSON:
the mean seconds per call. Written from that harness's published procedure, not from
the suite's steps:

1. ``warmup`` calls, timed together to estimate one call;
2. ``max(iterations, min_ms / that estimate)`` calls back to back (500 ms by default),
   timed together: their mean is the figure.

A call is the op's forward and then the device's own wait: torch's synchronize (none
on the CPU), with the forward under ``torch.inference_mode()`` entered on every call
(the harness decorates its torch call with it), in eval mode; MLX's ``mx.eval`` of
the output. The op, its weights and inputs are the suite's (``mpsbench.ops``), so
only the procedure differs. ``repeats`` runs the whole procedure that many times in the
process, each giving one mean; on CUDA, CUDA events around each call's work time the
GPU alone, in a separate loop after the last repeat. ``cpu_share`` is the process's CPU
time over its wall time during the passes.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from mpsbench.selfcheck.references import refprocess

WARMUP = 10  # the harness script's defaults (scripts/run_layer_benchmarks.py)
ITERATIONS = 20
MIN_MS = 500.0


def iterations_for(warmup_seconds: float, warmup: int, iterations: int,
                   min_ms: float) -> int:
    """The harness's count: ``iterations``, raised so the calls last at least ``min_ms``
    at the warm-up's pace."""
    per_call_ms = max(warmup_seconds * 1e3 / warmup, 1e-9)
    if per_call_ms * iterations < min_ms:
        return max(iterations, int(min_ms / per_call_ms))
    return iterations


def mean_per_call(run_once: Callable[[], None], warmup: int = WARMUP,
                  iterations: int = ITERATIONS, min_ms: float = MIN_MS) -> tuple[float, int]:
    """One pass of the procedure: (mean seconds per call, calls timed)."""
    start = time.perf_counter()
    for _ in range(warmup):
        run_once()
    count = iterations_for(time.perf_counter() - start, warmup, iterations, min_ms)
    start = time.perf_counter()
    for _ in range(count):
        run_once()
    return (time.perf_counter() - start) / count, count


def torch_call(point: Any) -> tuple[Callable[[], Any], Callable[[], None], dict[str, Any]]:
    """(forward under inference_mode, the device's synchronize, facts) for ``point``."""
    from mpsbench.backends import get_backend
    from mpsbench.ops import torch_ops
    from mpsbench.ops.spec import get_op
    from mpsbench.selfcheck.reference_clock import torch_sync

    backend = get_backend("torch", point.device)
    torch = backend.torch
    threads = refprocess.torch_threads(torch)
    module, _, inputs = torch_ops.loaded(get_op(point.op), backend, point.setting, point.dtype)
    module.eval()
    args = tuple(inputs.values())

    @torch.inference_mode()
    def forward() -> Any:
        return module(*args)

    facts = {"used": backend.device, "threads": threads, "torch": torch.__version__}
    return forward, torch_sync(torch, backend.device), facts


def mlx_call(point: Any) -> tuple[Callable[[], Any], Callable[[Any], None], dict[str, Any]]:
    """(forward, ``mx.eval``, facts) for ``point``."""
    from mpsbench.backends import get_backend
    from mpsbench.ops import mlx_ops
    from mpsbench.ops.spec import get_op

    backend = get_backend("mlx", point.device)
    mx = backend.mx
    module, call, _, inputs = mlx_ops.loaded(get_op(point.op), backend, point.setting,
                                             point.dtype)
    args = tuple(inputs.values())
    return partial(call, module, *args), mx.eval, {"used": backend.device,
                                                   "mlx": mx.__version__}


def measure(framework: str, op: str, params: list[Any], repeats: int = 1,
            warmup: int = WARMUP, iterations: int = ITERATIONS,
            min_ms: float = MIN_MS) -> dict[str, Any]:
    """The procedure ``repeats`` times on the suite's op at the point ``params`` name."""
    from mpsbench.ops.steps import point_from_params

    point = point_from_params(framework, op, *params)
    if (point.mode, point.phase) != ("eager", "forward"):
        raise ValueError("the harness times eager forward calls only; got "
                         f"{point.mode} {point.phase}")
    if framework == "torch":
        forward, sync, facts = torch_call(point)

        def run_once() -> None:
            forward()
            sync()
    else:
        forward, evaluate, facts = mlx_call(point)

        def run_once() -> None:
            evaluate(forward())

    wall, cpu = time.perf_counter(), time.process_time()
    passes = [mean_per_call(run_once, warmup, iterations, min_ms) for _ in range(repeats)]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    record = {"procedure": "aukejw layer", "framework": framework, "op": op,
              "params": list(params), "warmup": warmup, "min_ms": min_ms,
              "calls": [count for _, count in passes], "cpu_share": cpu / wall,
              **facts, **refprocess.summary([mean for mean, _ in passes])}
    if facts["used"] == "cuda":
        import torch

        from mpsbench.selfcheck.reference_clock import cuda_event_times

        record["events"] = refprocess.summary(cuda_event_times(torch, forward, min_ms / 1e3))
    return record


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mpsbench.selfcheck.references.layer_harness",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", choices=["torch", "mlx"], required=True)
    parser.add_argument("--op", required=True, help="the suite's op name, e.g. linear, sdpa")
    parser.add_argument("--params", type=json.loads, required=True,
                        help="the benchmark's asv params, as a JSON list")
    parser.add_argument("--repeats", type=int, default=1,
                        help="passes of the whole procedure in this process (default: 1)")
    parser.add_argument("--warmup", type=int, default=WARMUP, choices=range(1, 10**6),
                        metavar="N", help=f"warm-up calls, at least 1 (default: {WARMUP})")
    parser.add_argument("--iterations", type=int, default=ITERATIONS)
    parser.add_argument("--min-ms", type=float, default=MIN_MS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    return refprocess.main(partial(measure, args.framework, args.op, args.params,
                                   args.repeats, args.warmup, args.iterations, args.min_ms))


if __name__ == "__main__":
    raise SystemExit(main())
