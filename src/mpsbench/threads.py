"""How many threads torch's CPU kernels use in the suite: never every core.

When an intra-op thread pool occupies every core, anything else on the machine (asv's
parent process, the OS) preempts one worker and the whole parallel kernel waits for it.
On a 2-core machine that moved a process's median ResNet-50 forward by +-17% between
processes, against +-3% with one core left free, so an A/A compare flagged runs of the
same release. ``MPSBENCH_CPU_THREADS=N`` sets the count instead; the count used is
recorded with each process's backend.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

THREADS_ENV = "MPSBENCH_CPU_THREADS"
MAX_THREADS = 4096  # more than any machine's cores: a larger count is a typing error


def cpu_threads(framework_default: int, cores: int | None,
                environ: Mapping[str, str] = os.environ) -> int:
    """``MPSBENCH_CPU_THREADS`` if an integer from 1 to ``MAX_THREADS`` in ASCII digits, else
    torch's count capped at cores - 1.

    A bad value warns and falls back to the default: benchmark discovery must not fail.
    """
    wanted = environ.get(THREADS_ENV, "").strip()
    if wanted:
        if wanted.isascii() and wanted.isdigit() and 0 < int(wanted) <= MAX_THREADS:
            return int(wanted)
        print(f"mpsbench: {THREADS_ENV}={wanted[:40]!r} is not an integer from 1 to "
              f"{MAX_THREADS}; using the default thread count", file=sys.stderr)
    return max(1, min(framework_default, (cores or 1) - 1))


def torch_cpu_threads(torch: Any) -> int:
    """``cpu_threads`` for this machine, from torch's own default count."""
    return cpu_threads(torch.get_num_threads(), os.cpu_count())
