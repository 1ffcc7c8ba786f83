"""Steps that wait for their device; warmed up before anyone times their samples."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache, cached_property
from typing import Any

from mpsbench import spans
from mpsbench.backends.base import Backend
from mpsbench.errors import Unavailable, skip_when_out_of_memory

BLOCK_SECONDS = 0.01


class TimedStep:
    """One unit of work that ends by waiting for the device.

    ``run`` is the work; it returns every array it produced, and the backend waits on
    them (torch: device synchronize; MLX: ``mx.eval`` of all of them). It stays
    available as ``work`` for references that time it with their own clock. ``prepare``,
    when given, is per-sample work that must happen before ``run`` but outside the
    timed region (e.g. the forward pass before a backward-only step).

    A new step is cold: nothing has run. ``warmed_up`` makes the first call (which
    builds kernels, graphs and compiled code) and more, so that steady-state samples
    never include them; the first call on its own is timed in a fresh process
    (``mpsbench.firstcall``). Every call records its duration, run and wait, as
    ``last_seconds``. A step of microseconds is timed in blocks of calls (``block``;
    docs/decisions.md, "Blocks of calls").
    """

    def __init__(
        self,
        backend: Backend,
        run: Callable[[], Any],
        prepare: Callable[[], Any] | None = None,
    ) -> None:
        self.backend = backend
        self.work = run
        self._prepare = prepare
        self.last_seconds = 0.0

    def warmed_up(self, calls: int = 2) -> TimedStep:
        """This step after ``calls`` prepared calls (the first one included)."""
        with spans.span("warmup"):
            for _ in range(calls):
                self.prepare()
                self()
        return self

    @cached_property
    def calls_per_block(self) -> int:
        """Back-to-back calls that fill ``BLOCK_SECONDS``, counted by making them when
        first asked (after the warm-up; a cold step first makes one checked call, since
        blocks wait unchecked); 1 for a step with a ``prepare`` or one whose last call
        alone filled a block. Why counted: docs/decisions.md, "Blocks of calls".
        """
        if self._prepare is not None:
            return 1
        if self.last_seconds <= 0:
            self()
        if self.last_seconds >= BLOCK_SECONDS:
            return 1
        work, wait = self.work, self.backend.wait
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < BLOCK_SECONDS:
            wait(work())
            calls += 1
        return calls

    def block(self) -> None:
        """``calls_per_block`` synchronized calls, back to back, with no clock between.

        Each waits with the backend's unchecked ``wait``: the warm-up calls checked what
        the step returns, and the block times the step, not the check.
        """
        work, wait = self.work, self.backend.wait
        for _ in range(self.calls_per_block):
            wait(work())

    def peak_memory(self) -> int:
        """Peak device memory in bytes of one more prepared call, from a fresh window.

        Resident weights, inputs and state count, as do the call's own allocations; the
        first call's (graph building, compiling) do not: with them the peak moved 10-20%
        between processes, since what the first call leaves behind depends on when
        buffers happen to be freed.
        """
        self.prepare()
        self.backend.reset_peak_memory()
        self()
        return self.backend.peak_memory()

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


class PerCallClock:
    """``perf_counter`` in units of ``calls``: a timed block of calls then reads per call.

    asv times each sample with its benchmark's ``timer``; a benchmark whose sample is a
    block of ``calls`` steps sets this one, so asv records seconds per step. ``calls``
    stays readable, so a sample's own length is ``calls`` times what asv records.
    """

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def __call__(self) -> float:
        return time.perf_counter() / self.calls


def no_reason(error: Exception, *args: Any, **kwargs: Any) -> str | None:
    """Every build error stays an error."""
    return None


def warmed_once(make: Callable[..., TimedStep], label: Callable[..., str],
                reason: Callable[..., str | None] = no_reason) -> Callable[..., TimedStep]:
    """``make``'s cold step, built and warmed up once per process for the same arguments
    (asv re-runs setup before every sample).

    Running out of memory skips the combination, named by ``label(*args)``; any other
    error that ``reason(error, *args)`` explains (a kernel the release lacks, a compiler
    that does not work here) skips it with that reason, and the rest are raised.
    """

    @cache
    def cached_step(*args: Any, **kwargs: Any) -> TimedStep:
        with skip_when_out_of_memory(label(*args, **kwargs)):
            try:
                return make(*args, **kwargs).warmed_up()
            except Unavailable:
                raise
            except Exception as error:
                why = reason(error, *args, **kwargs)
                if why is None:
                    raise
                raise Unavailable(why) from error

    return cached_step
