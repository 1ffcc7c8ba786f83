"""A step's first call, timed in a fresh interpreter: the source for asv's ``timeraw_``.

The first call of a step builds kernels, graphs and compiled code, once per process, so
a process holds one value of it, and comparing two runs needs several processes. asv's
``timeraw_`` benchmarks give exactly that: every sample is a new interpreter that runs
the setup below (imports, the model and its inputs, the step's ``prepare``) untimed,
then times one statement, the step's first synchronized call.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import mpsbench
from mpsbench.grids import GRID_ENV, selected_grid
from mpsbench.history.stack import unavailable_reason
from mpsbench.timing import TimedStep

SOURCE_DIR = str(Path(mpsbench.__file__).resolve().parents[1])


def first_call_source(builder: str, *args: Any) -> tuple[str, str]:
    """``(stmt, setup)`` timing the first call of ``builder(*args)``'s cold step.

    ``builder`` is ``"module:function"`` returning a cold ``TimedStep``; ``args`` must be
    literals (asv's params are). The fresh interpreter imports this same ``mpsbench`` and
    pins the allocator first, as every benchmark process does.
    """
    setup = (f"import sys\nsys.path.insert(0, {SOURCE_DIR!r})\n"
             "from mpsbench import allocator\nallocator.configure()\n"
             "from mpsbench.firstcall import cold_step\n"
             f"step = cold_step({builder!r}, {args!r})")
    return "step()", setup


def cold_step(builder: str, args: tuple[Any, ...]) -> TimedStep:
    """The cold step ``builder(*args)`` builds, prepared for its first call."""
    module, _, function = builder.partition(":")
    step = getattr(importlib.import_module(module), function)(*args)
    step.prepare()
    return step


def resnet_cpu_reason(device: str) -> str | None:
    """Why ResNet-50's first call on the CPU is left to the full grid, or None."""
    if device == "cpu" and selected_grid().name != "full":
        return ("ResNet-50's first call on the CPU is in the full grid only: each sample "
                "imports the framework and builds the model (seconds) to time one "
                f"call of a fraction of a second; {GRID_ENV}=full runs it")
    return None


def release_reason(*dists: str) -> str | None:
    """Why the installed history commit's release of ``dists`` cannot run here, or None.

    Decided from the stack alone, without importing: a first call's samples run in fresh
    interpreters, so a release with no wheel here must be skipped in ``setup``, where a
    failure inside the interpreter would read as a failed benchmark.
    """
    return next((reason for dist in dists if (reason := unavailable_reason(dist))), None)
