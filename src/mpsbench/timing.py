"""Steps that wait for their device, warmed up before anyone times them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mpsbench import probe
from mpsbench.backends.base import Backend


class TimedStep:
    """One unit of work that ends by waiting for the device.

    ``run`` is the work; it returns every array it produced, and the backend waits on
    them (torch: device synchronize; MLX: ``mx.eval`` of all of them). It stays
    available as ``work`` for references that time it with their own clock. ``prepare``,
    when given, is per-sample work that must happen before ``run`` but outside the
    timed region (e.g. the forward pass before a backward-only step).

    Construction performs the first call (timed, as ``first_call_seconds``) and then
    ``warmup`` more, so steady-state samples never include pipeline builds or compiles.
    Every call records its own duration, run and wait, as ``last_seconds``.
    """

    def __init__(
        self,
        backend: Backend,
        run: Callable[[], Any],
        prepare: Callable[[], Any] | None = None,
        warmup: int = 1,
    ) -> None:
        self.backend = backend
        self.work = run
        self._prepare = prepare
        self.last_seconds = 0.0
        with probe.span("warmup"):
            self.prepare()
            self()
            self.first_call_seconds = self.last_seconds
            for _ in range(warmup):
                self.prepare()
                self()

    def prepare(self) -> None:
        """Per-sample set-up outside the timed region; waits for the device too."""
        if self._prepare is not None:
            self.backend.synchronize(self._prepare())

    def __call__(self) -> Any:
        start = time.perf_counter()
        outputs = self.work()
        self.backend.synchronize(outputs)
        self.last_seconds = time.perf_counter() - start
        return outputs
