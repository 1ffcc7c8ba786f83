"""The one CPU a process runs on, where the OS lets a process choose (Linux).

A launch-bound GPU step is the host CPU launching kernels: on the lent H200's virtual
machine the same step read up to 1.4x apart between two loops of one process, and less
than half that spread pinned to one CPU (docs/gpu.md, "Suite and outside procedure in one
process"). The self-check pins both sides of a GPU comparison to the same CPU, each
from its start: asv's run (so its forkserver too, which asv's own ``--cpu-affinity``
leaves unpinned) and each reference.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from mpsbench.errors import UserError

NONE = "none"
LAST = "last"


def allowed() -> set[int] | None:
    """The CPUs this process may run on; None where the OS has no affinity (macOS)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    return set(os.sched_getaffinity(0))


def resolve(spec: str, cpus: set[int] | None = None) -> int | None:
    """The CPU ``spec`` names: a number, 'last' (the highest of ``cpus``, this process's
    by default; None where the OS has none) or 'none' (None: not pinned)."""
    cpus = allowed() if cpus is None else cpus
    if spec == NONE:
        return None
    if spec == LAST:
        return max(cpus) if cpus else None
    if not spec.isdigit():
        raise UserError(f"a CPU is a number, '{LAST}' or '{NONE}', not {spec!r}")
    if cpus is None:
        raise UserError(f"this OS lets no process choose its CPU; pass '{NONE}' "
                        "instead of a CPU number")
    if int(spec) not in cpus:
        raise UserError(f"CPU {spec} is not one this process may run on "
                        f"({', '.join(map(str, sorted(cpus)))}); pick one of them")
    return int(spec)


def pin_at_start(cpu: int | None) -> Callable[[], None] | None:
    """A ``subprocess`` ``preexec_fn`` pinning the child to ``cpu`` before it runs (as
    ``taskset -c CPU`` would); None when not pinned."""
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})
