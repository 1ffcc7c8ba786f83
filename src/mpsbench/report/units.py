"""Numbers as people read them: 12.3 ms, 1.5 GiB, 42.0 GFLOP/s, and 'missing'."""

from __future__ import annotations

import math

MISSING = "missing"
_SECONDS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))
_BYTES = ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"), (1, "B"))
_DECIMAL = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""))


def is_missing(value: float | None) -> bool:
    """True for None and NaN: a value that was not recorded (never shown as zero)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _scaled(value: float, steps: tuple[tuple[float, str], ...]) -> tuple[float, str]:
    for size, name in steps:
        if abs(value) >= size:
            return value / size, name
    size, name = steps[-1]
    return value / size, name


def format_value(value: float | None, unit: str) -> str:
    """``value`` in ``unit`` ('seconds', 'bytes', 'FLOP/s', anything else) with 3-4 digits."""
    if is_missing(value):
        return MISSING
    if unit == "seconds":
        number, name = _scaled(value, _SECONDS)
    elif unit == "bytes":
        number, name = _scaled(value, _BYTES)
    else:
        number, prefix = _scaled(value, _DECIMAL)
        name = f"{prefix}{unit}".strip() if unit else prefix
    return f"{number:.3g} {name}".strip()


def seconds(value: float | None) -> str:
    """Seconds as people read them, '12.3 ms', '4.56 s'; 'missing' for none: the suite's one
    seconds formatter (tables, the report, the self-check's and the history's pages)."""
    return format_value(value, "seconds")


def format_ratio(value: float | None) -> str:
    """A speed ratio as '2.31×', or 'missing'."""
    return MISSING if is_missing(value) else f"{value:.2f}×"
