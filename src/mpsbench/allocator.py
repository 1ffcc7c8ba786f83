"""The C allocator's state in every benchmark process: set on purpose, the same everywhere.

glibc's malloc serves a large block with mmap until a freed mmapped block raises its
"dynamic mmap threshold"; after that, blocks of that size come from the heap and are
reused without page faults. So a ResNet-50 forward on the CPU ran 1.3-1.9x slower in a
process that had not yet freed a big block than in one that had (docs/decisions.md,
"Allocator"). ``configure`` pins the threshold, and the trim threshold that returns
freed heap to the OS, with ``mallopt`` as the first thing every benchmark process does:
asv's spawned processes, its forkserver (whose forked children inherit the state),
first-call interpreters and the self-check's reference processes. ``mallopt`` is used,
not ``MALLOC_*`` environment variables, because it works under a plain ``asv run``,
whatever environment asv passes to its processes.

``MPSBENCH_MALLOC=system`` leaves the allocator as the platform has it (to measure the
effect); macOS's allocator has no such knobs and is always left alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass

MALLOC_ENV = "MPSBENCH_MALLOC"
MODES = ("pinned", "system")
# mallopt parameters (malloc.h) and the values pinned: glibc's largest mmap threshold on
# 64-bit (32 MiB) and a trim threshold so high that freed heap stays with the process.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 2**31 - 1


@dataclass(frozen=True)
class AllocatorState:
    """What this process's C allocator is and how it was set."""

    library: str
    mode: str
    mmap_threshold: int | None = None
    trim_threshold: int | None = None
    note: str = ""

    def label(self) -> str:
        """One line for tables and asv's machine fields, e.g. 'glibc 2.36, mmap 32 MiB'."""
        if self.mmap_threshold is None:
            return f"{self.library}, {self.mode}" + (f" ({self.note})" if self.note else "")
        return (f"{self.library}, pinned: mmap threshold {self.mmap_threshold // 2**20} MiB, "
                f"trim threshold {self.trim_threshold // 2**20} MiB")

    def as_dict(self) -> dict[str, object]:
        return {"library": self.library, "mode": self.mode, "mmap_threshold":
                self.mmap_threshold, "trim_threshold": self.trim_threshold, "note": self.note}


def requested_mode(environ: Mapping[str, str] = os.environ) -> str:
    """``MPSBENCH_MALLOC``'s mode; a bad value is refused with what the valid ones are."""
    mode = environ.get(MALLOC_ENV, "").strip().lower() or "pinned"
    if mode not in MODES:
        raise ValueError(f"{MALLOC_ENV}={environ[MALLOC_ENV]!r} is not one of {', '.join(MODES)}; "
                         f"unset it for the suite's default (pinned)")
    return mode


def _glibc() -> tuple[ctypes.CDLL, str] | None:
    """glibc and its version, or None where the C library is another one (macOS, musl)."""
    name, version = platform.libc_ver()
    if not sys.platform.startswith("linux") or name != "glibc":
        return None
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), version


def library_name() -> str:
    glibc = _glibc()
    if glibc:
        return f"glibc {glibc[1]}"
    return "macOS libmalloc" if sys.platform == "darwin" else f"{sys.platform} C library"


_configured: AllocatorState | None = None


def configure(environ: Mapping[str, str] = os.environ) -> AllocatorState:
    """Pin glibc's thresholds (once per process) and say what the allocator now is.

    A bad ``MPSBENCH_MALLOC`` prints why to stderr and pins anyway: benchmark discovery
    must not fail, and the stated default is what runs.
    """
    global _configured
    if _configured is not None:
        return _configured
    try:
        mode = requested_mode(environ)
    except ValueError as error:
        print(f"mpsbench: {error}", file=sys.stderr)
        mode = "pinned"
    _configured = _apply(mode)
    return _configured


def _apply(mode: str) -> AllocatorState:
    state = expected_state({MALLOC_ENV: mode})
    if state.mode != "pinned":
        return state
    mallopt = _glibc()[0].mallopt
    pinned = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD,
                                                                   TRIM_THRESHOLD)
    if not pinned:
        print(f"mpsbench: {state.library} refused mallopt; its allocator runs unpinned",
              file=sys.stderr)
        return AllocatorState(state.library, "system", note="mallopt refused")
    return state


def expected_state(environ: Mapping[str, str] = os.environ) -> AllocatorState:
    """What ``configure`` sets in a benchmark process, without touching this process."""
    mode = requested_mode(environ)
    library = library_name()
    if not library.startswith("glibc"):
        return AllocatorState(library, "system", note="no thresholds to set")
    if mode == "system":
        return AllocatorState(library, "system", note=f"dynamic thresholds, {MALLOC_ENV}=system")
    return AllocatorState(library, "pinned", MMAP_THRESHOLD, TRIM_THRESHOLD)


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def block_is_mmapped(size: int = 4 * 2**20) -> bool | None:
    """Whether a fresh ``size``-byte malloc is served by mmap here (None: not glibc 2.33+).

    With the threshold pinned at 32 MiB a 4 MiB block comes from the heap; a fresh
    process with glibc's defaults (128 KiB) mmaps it. For tests that check the setting
    reached a process; it allocates and frees, so it can move a dynamic threshold.
    """
    glibc = _glibc()
    if glibc is None or not hasattr(glibc[0], "mallinfo2"):
        return None
    libc = glibc[0]
    libc.mallinfo2.restype = _Mallinfo2
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    before = libc.mallinfo2().hblkhd
    block = libc.malloc(size)
    mapped = libc.mallinfo2().hblkhd - before >= size
    libc.free(block)
    return mapped
