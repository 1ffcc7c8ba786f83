"""An optional rest between benchmark steps, so a laptop's GPU does not heat up and throttle.

Set ``MPSBENCH_COOLDOWN`` to a fraction (e.g. ``0.1``): before each sample, the
benchmark sleeps that fraction of the previous step's time, so the device rests a
tenth as long as it works. Unset or ``0`` (the default) means no rest.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping

COOLDOWN_ENV = "MPSBENCH_COOLDOWN"
# At most ten times the work as rest: more would outlast asv's own timeouts and orphan
# the benchmark process when one kills asv.
MAX_FRACTION = 10.0


def cooldown_fraction(environ: Mapping[str, str] = os.environ) -> float:
    """The fraction ``MPSBENCH_COOLDOWN`` asks for; a bad value warns and means 0."""
    text = environ.get(COOLDOWN_ENV, "").strip()
    if not text:
        return 0.0
    try:
        fraction = float(text)
    except ValueError:
        fraction = -1.0
    if not 0.0 <= fraction <= MAX_FRACTION:
        print(f"mpsbench: {COOLDOWN_ENV}={text[:40]!r} is not a fraction from 0 to "
              f"{MAX_FRACTION:g}; no cool-down", file=sys.stderr)
        return 0.0
    return fraction


def cool_down(busy_seconds: float, environ: Mapping[str, str] = os.environ) -> float:
    """Sleep the configured fraction of ``busy_seconds``; returns the seconds slept."""
    rest = cooldown_fraction(environ) * busy_seconds
    if rest > 0:
        time.sleep(rest)
    return rest
