"""The self-check's probe: where a benchmark process spends its time, per benchmark.

With ``MPSBENCH_PROBE=<file>`` in the environment (``mpsbench.spans``), every asv
benchmark process appends one JSON line to that file: when the process was created, when
asv's first ``setup`` began and ended, the framework-import and warm-up spans inside it,
when asv's sampling began and ended, and the sum of the timed samples. Without the
variable nothing is patched.

With ``MPSBENCH_REFERENCE_SECONDS=S`` too, a time benchmark whose setup keeps its
``TimedStep`` in ``self.step`` is also timed by the independent reference clock
(``reference_clock``) for S/2 seconds just before asv's sampling and S/2 just after,
on the same step in the same process, and the record carries those times.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from mpsbench import spans

REFERENCE_ENV = "MPSBENCH_REFERENCE_SECONDS"

_process: dict[str, Any] = {}


def _flush(benchmark: Any, result: Any = None) -> None:
    """Append this benchmark process's record to the probe file, once."""
    if _process.get("written"):
        return
    _process["written"] = True
    spans.write({"benchmark": benchmark.name,
                 "params": [str(p) for p in getattr(benchmark, "_current_params", ())],
                 **{k: v for k, v in _process.items() if k != "written"},
                 "timed": timed_seconds(result, _calls_per_sample(benchmark))})


def timed_seconds(result: Any, calls_per_sample: int = 1) -> float | None:
    """Seconds inside asv's timed regions for a time benchmark's result, else None.

    asv records seconds per timer unit; a sample timed with a ``PerCallClock`` lasted
    ``calls_per_sample`` times that.
    """
    if isinstance(result, dict) and "samples" in result and "number" in result:
        return float(sum(result["samples"]) * result["number"] * calls_per_sample)
    return None


def _instance_attribute(benchmark: Any, name: str) -> Any:
    """What the benchmark's class instance set as ``name`` (in its setup), if anything."""
    return getattr(getattr(benchmark.func, "__self__", None), name, None)


def _calls_per_sample(benchmark: Any) -> int:
    """The calls in each of the benchmark's samples: its ``PerCallClock``'s, else 1."""
    return getattr(_instance_attribute(benchmark, "timer"), "calls", 1)


def _reference_step(benchmark: Any) -> Any:
    """The ``TimedStep`` a time benchmark's setup kept in ``self.step``, if any."""
    if not benchmark.name.rsplit(".", 1)[-1].startswith("time_"):
        return None
    return _instance_attribute(benchmark, "step")


def _reference(step: Any, seconds: float) -> dict[str, list[float]] | None:
    """The independent reference clock on ``step`` for ``seconds`` (none when 0)."""
    if step is None or seconds <= 0:
        return None
    from mpsbench.selfcheck.reference_clock import measure_step

    return measure_step(step, seconds)


KNOWN_ASV_RUNNER = ("0.3.2",)  # the versions whose private hooks the probe was written for


def install_if_requested() -> bool:
    """Hook asv_runner's setup and run when ``MPSBENCH_PROBE`` is set; True if hooked."""
    if not spans.enabled():
        return False
    from importlib.metadata import version

    found = version("asv_runner")
    if found not in KNOWN_ASV_RUNNER:
        print(f"mpsbench probe: off: it patches asv_runner's private Benchmark.do_setup and "
              f"do_run, known in asv_runner {', '.join(KNOWN_ASV_RUNNER)}, and this is "
              f"{found}; the self-check's in-process figures are left out", file=sys.stderr)
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
        step = _reference_step(self)
        seconds = float(os.environ.get(REFERENCE_ENV) or 0) / 2
        before = _reference(step, seconds)
        _process["run_start"] = time.time()
        result = None
        try:
            result = real_run(self)
            return result
        finally:
            _process["run_end"] = time.time()
            after = _reference(step, seconds)
            if before and after:
                _process["reference"] = {key: before[key] + after[key] for key in before}
                _process["device"] = step.backend.device
            _flush(self, result)

    Benchmark.do_setup, Benchmark.do_run = do_setup, do_run
    Benchmark._mpsbench_probe = True
    return True
