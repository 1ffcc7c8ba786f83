"""Where a benchmark process spends its time: spans and records for the self-check's probe.

With ``MPSBENCH_PROBE=<file>`` in the environment, ``span`` records the wall time of a
block (a framework import, a warm-up) and ``write`` appends one JSON line per process to
that file; without it ``span`` costs one dictionary lookup. No span ever sits inside a
timed region. The core (``timing``, ``frameworks``, ``launch``) records here; the probe
that hooks asv and writes each benchmark's record is ``mpsbench.selfcheck.probe``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ENV = "MPSBENCH_PROBE"
FORKSERVER = "<forkserver>"

_spans: list[dict[str, Any]] = []


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
    """When this process began (its fork), on the clock of ``time.time()``.

    On Linux the process's start tick and the boot-time clock are read together:
    psutil's create_time adds them to the boot time in whole seconds, which on a VM whose
    wall clock has drifted since boot is off by a good part of a second.
    """
    if sys.platform.startswith("linux"):
        with open("/proc/self/stat") as stream:
            start_ticks = int(stream.read().rsplit(")", 1)[1].split()[19])
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - age
    import psutil

    return psutil.Process().create_time()


def write(record: dict[str, Any]) -> None:
    """Append ``record`` to the probe file, with this process's creation and spans."""
    pid = os.getpid()
    record = {"pid": pid, "created": _created(), **record,
              "spans": [s for s in _spans if s["pid"] == pid]}
    with open(os.environ[ENV], "a") as stream:
        stream.write(json.dumps(record) + "\n")


def record_forkserver() -> None:
    """Record asv's forkserver once it has imported the suite (and preimported torch)."""
    if enabled():
        write({"benchmark": FORKSERVER, "ready": time.time()})
