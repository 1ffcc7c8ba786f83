"""What every outside reference process shares, and how the self-check starts one.

A reference (``resnet_table``, ``layer_harness``) runs as ``python -m
mpsbench.selfcheck.references.<name> ...`` in a fresh interpreter and prints one JSON object on
stdout. Like every benchmark process it pins the C allocator first
(``mpsbench.allocator``) and gives torch the suite's CPU thread count
(``mpsbench.threads``), so the suite and the references differ in their procedure
only, not in the process state they set on purpose; where the suite's processes are
pinned to one CPU, the reference is too, from its start (``mpsbench.selfcheck.affinity``). A
reference that cannot run here (no GPU) prints ``{"unavailable": reason}`` and exits 0.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mpsbench import allocator
from mpsbench.errors import Unavailable, UserError
from mpsbench.selfcheck import affinity


def start() -> dict[str, Any]:
    """Pin the allocator (first, before any framework allocates); say how it is set,
    and on which CPUs the process may run."""
    record = {"allocator": allocator.configure().label(), "pid": os.getpid()}
    cpus = affinity.allowed()
    if cpus is not None:
        record["cpus"] = sorted(cpus)
    return record


def torch_threads(torch: Any) -> int:
    """Set and return the suite's CPU thread count for torch."""
    from mpsbench.threads import torch_cpu_threads

    threads = torch_cpu_threads(torch)
    torch.set_num_threads(threads)
    return threads


def summary(times: Sequence[float]) -> dict[str, Any]:
    """Mean and median seconds of ``times``, with the times themselves."""
    return {"mean": statistics.fmean(times), "median": statistics.median(times),
            "n": len(times), "times": list(times)}


def main(measure: Callable[[], dict[str, Any]]) -> int:
    """Run ``measure`` after ``start`` and print its record as JSON on stdout."""
    record = start()
    try:
        record |= measure()
    except Unavailable as reason:
        record["unavailable"] = str(reason)
    print(json.dumps(record))
    return 0


def run(module: str, args: Sequence[str], cpu: int | None = None,
        env: dict[str, str] | None = None, timeout: float = 1800.0) -> dict[str, Any]:
    """``python -m mpsbench.selfcheck.references.<module> ARGS`` in a fresh interpreter, pinned to
    ``cpu`` from its start when given, with ``env`` added: its JSON.

    The child imports this same ``mpsbench`` (its source folder goes first on
    ``PYTHONPATH``), whatever the interpreter has installed.
    """
    source = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])])
    command = [sys.executable, "-m", f"mpsbench.selfcheck.references.{module}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {}), "PYTHONPATH": path},
                          preexec_fn=affinity.pin_at_start(cpu))
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise UserError(f"reference {' '.join(command[2:])} failed (exit {done.returncode}):"
                        f"\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(lines[-1])
