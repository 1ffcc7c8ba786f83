"""Does this release's wait wait? Checked on the GPU before its points are recorded.

``torch.mps.synchronize()`` did not reliably wait for all queued work before
pytorch/pytorch#140725 (November 2024): a release whose wait returns early times the
enqueueing, not the work. So each GPU benchmark's setup times a device-bound chain of
matmuls ended by the suite's wait (``Backend.wait``), against the same chain forced to
completion by reading its result back to the host. A wait that waits takes about as long
as the read-back; one that returns early takes a fraction of it, and that release's GPU
combinations skip with the figures as the reason.

The check runs once per benchmark process, or once per history commit and framework
where ``MPSBENCH_WAITCHECK`` names a JSON file (``history record`` sets it to
``results/<machine>/waitcheck.facts``): the figures are kept there, per commit.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mpsbench.files import locked, write_whole

WAITCHECK_ENV = "MPSBENCH_WAITCHECK"
FILE_NAME = "waitcheck.facts"
MIN_RATIO = 0.5  # a waiting wait takes about as long as the read-back (ratio ~1)
TARGET_SECONDS = 0.02  # the chain grows until its read-back takes this long
MAX_STEPS = 4096
REPEATS = 3
SIZE = 2048


@dataclass(frozen=True)
class WaitFigures:
    """Medians of ``REPEATS``: the chain ended by the wait, the rest read back after that
    wait, and the chain forced by reading its result back; ``steps`` matmuls of SIZE."""

    framework: str
    version: str
    device: str
    steps: int
    wait_seconds: float
    after_wait_read_seconds: float
    read_back_seconds: float

    @property
    def ratio(self) -> float:
        return self.wait_seconds / self.read_back_seconds

    @property
    def waits(self) -> bool:
        return self.ratio >= MIN_RATIO

    def reason(self) -> str | None:
        """Why this release's GPU points skip, or None when its wait waits."""
        if self.waits:
            return None
        return (f"{self.framework} {self.version}'s wait returns before the work is done on "
                f"{self.device}: {self.steps} matmuls took {self.wait_seconds:.4f} s to "
                f"the wait against {self.read_back_seconds:.4f} s read back (ratio "
                f"{self.ratio:.2f} < {MIN_RATIO}), so its GPU times would be enqueue times")

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": round(self.ratio, 4), "waits": self.waits,
                "reason": self.reason()}


def _median_seconds(action: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(chain: Callable[[int], Any], wait: Callable[[Any], None],
            read_back: Callable[[Any], Any]) -> tuple[int, float, float, float]:
    """(steps, wait, read after the wait, read-back) seconds for ``chain(steps)``, which
    enqueues ``steps`` units of device work and returns the last result."""
    def forced(steps: int) -> float:
        return _median_seconds(lambda: read_back(chain(steps)))

    steps = 4
    read_back(chain(steps))  # warm: kernels built, memory allocated
    while steps < MAX_STEPS and forced(steps) < TARGET_SECONDS:
        steps *= 2
    waits, after = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        out = chain(steps)
        wait(out)
        waited = time.perf_counter()
        read_back(out)
        waits.append(waited - started)
        after.append(time.perf_counter() - waited)
    wait_seconds = statistics.median(waits)
    return steps, wait_seconds, statistics.median(after), forced(steps)


def matmul_chain(backend: Any, size: int = SIZE) -> Callable[[int], Any]:
    """``steps`` chained ``tanh(y @ x)`` of size x size float32 on the backend's device."""
    import numpy as np

    module = backend.torch if backend.framework == "torch" else backend.mx
    x = backend.asarray((np.random.default_rng(0).standard_normal((size, size))
                         / np.sqrt(size)).astype(np.float32))

    def chain(steps: int) -> Any:
        y = x
        for _ in range(steps):
            y = module.tanh(y @ x)
        return y
    return chain


def check(backend: Any, version: str, size: int = SIZE) -> WaitFigures:
    """The wait check of ``backend`` (a GPU backend of the installed release)."""
    steps, wait_s, after_s, read_s = measure(matmul_chain(backend, size), backend.wait,
                                             backend.to_numpy)
    return WaitFigures(backend.framework, version, backend.device, steps, wait_s, after_s,
                       read_s)


def _key(framework: str) -> str:
    return f"{framework} {os.environ.get('ASV_COMMIT', 'unknown commit')}"


def stored(path: Path, framework: str) -> dict[str, Any] | None:
    """This commit's figures for ``framework`` in ``path``, if measured already."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8")).get(_key(framework))
    except (OSError, ValueError, AttributeError):
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("waits"), bool) else None


def store(path: Path, framework: str, figures: WaitFigures) -> None:
    """Add this commit's figures to ``path``, whole, under a lock beside it."""
    with locked(path):
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            kept = {}
        kept = kept if isinstance(kept, dict) else {}
        kept[_key(framework)] = figures.as_json()
        write_whole(path, json.dumps(kept, indent=1, sort_keys=True) + "\n",
                    f"unset {WAITCHECK_ENV} to keep the figures in memory only")


@cache
def gpu_reason(framework: str) -> str | None:
    """Why this release's GPU points skip (its wait returns early), or None."""
    from mpsbench.backends import get_backend
    from mpsbench.history.stack import installed_version

    target = os.environ.get(WAITCHECK_ENV)
    path = Path(target) if target else None
    if path is not None and (entry := stored(path, framework)) is not None:
        return None if entry["waits"] else str(entry.get("reason"))
    figures = check(get_backend(framework, "gpu"), installed_version(framework) or "?")
    if path is not None:
        store(path, framework, figures)
    return figures.reason()
