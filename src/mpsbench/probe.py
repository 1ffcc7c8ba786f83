"""Where a benchmark process spends its time, recorded only when ``mpsbench selfcheck`` asks.

With ``MPSBENCH_PROBE=<file>`` in the environment, every asv benchmark process appends
one JSON line to that file: when the process was created, when asv's first ``setup``
began and ended, the framework-import and warm-up spans inside it, when asv's sampling
began and ended, and the sum of the timed samples. Without the variable nothing is
patched and ``span`` costs one dictionary lookup. No span ever sits inside a timed
region: imports and warm-ups happen in ``setup``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ENV = "MPSBENCH_PROBE"
FORKSERVER = "<forkserver>"

_spans: list[dict[str, Any]] = []
_process: dict[str, Any] = {}


def enabled() -> bool:
    """True when this process was asked to record where its time goes."""
    return bool(os.environ.get(ENV))


@contextmanager
def span(kind: str) -> Iterator[None]:
    """Record the wall time of the block as ``kind`` (e.g. 'import', 'warmup')."""
    if not enabled():
        yield
        return
    start = time.time()
    try:
        yield
    finally:
        _spans.append({"pid": os.getpid(), "kind": kind, "start": start,
                       "seconds": time.time() - start})


def _created() -> float:
    """When this process began: its fork for a forkserver child, its exec for a spawn."""
    import psutil

    return psutil.Process().create_time()


def _write(record: dict[str, Any]) -> None:
    pid = os.getpid()
    record = {"pid": pid, "created": _created(), **record,
              "spans": [s for s in _spans if s["pid"] == pid]}
    with open(os.environ[ENV], "a") as stream:
        stream.write(json.dumps(record) + "\n")


def _flush(benchmark: Any, result: Any = None) -> None:
    """Append this benchmark process's record to the probe file, once."""
    if _process.get("written"):
        return
    _process["written"] = True
    _write({"benchmark": benchmark.name,
            "params": [str(p) for p in getattr(benchmark, "_current_params", ())],
            **{k: v for k, v in _process.items() if k != "written"},
            "timed": timed_seconds(result)})


def record_forkserver() -> None:
    """Record asv's forkserver once it has imported the suite (and preimported torch)."""
    if enabled():
        _write({"benchmark": FORKSERVER, "ready": time.time()})


def timed_seconds(result: Any) -> float | None:
    """Seconds inside asv's timed regions for a time benchmark's result, else None."""
    if isinstance(result, dict) and "samples" in result and "number" in result:
        return float(sum(result["samples"]) * result["number"])
    return None


def install_if_requested() -> bool:
    """Hook asv_runner's setup and run when ``MPSBENCH_PROBE`` is set; True if hooked."""
    if not enabled():
        return False
    from asv_runner.benchmarks._base import Benchmark

    if getattr(Benchmark, "_mpsbench_probe", False):
        return True
    real_setup, real_run = Benchmark.do_setup, Benchmark.do_run

    def do_setup(self: Any) -> bool:
        if "setup_start" in _process:  # asv re-runs setup before every sample
            return real_setup(self)
        _process["setup_start"] = time.time()
        skipped = real_setup(self)
        _process["setup_end"] = time.time()
        _process["skipped"] = bool(skipped)
        if skipped:
            _flush(self)
        return skipped

    def do_run(self: Any) -> Any:
        _process["run_start"] = time.time()
        result = None
        try:
            result = real_run(self)
            return result
        finally:
            _process["run_end"] = time.time()
            _flush(self, result)

    Benchmark.do_setup, Benchmark.do_run = do_setup, do_run
    Benchmark._mpsbench_probe = True
    return True
