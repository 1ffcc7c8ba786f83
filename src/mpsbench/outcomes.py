"""What asv recorded for a benchmark in one results file: a value, a skip or a failure.

asv's results JSON holds, for each benchmark, a value per param combination: NaN where
the combination was skipped (its setup raised ``NotImplementedError``) and null where
it failed. ``mpsbench.results`` reads the values and makes both NaN; this reads the
same file through asv's own ``Results`` loader and keeps them apart, for the
self-check (never asv's console output) and the history (a failure is due again).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asv import results as asv_results

from mpsbench.results import parse_param

MEASURED, SKIPPED, FAILED, MISSING = "measured", "skipped", "failed", "missing"
WHY = {
    SKIPPED: "asv skipped it here (its setup raised NotImplementedError)",
    FAILED: "it failed in asv (`asv run --show-stderr` shows why)",
    MISSING: "asv recorded nothing for it",
}


@dataclass(frozen=True)
class Outcome:
    """One param combination's record: its value (None unless measured) and status."""

    status: str
    value: float | None = None

    @property
    def why_not(self) -> str:
        """Why there is no value ('' when there is one)."""
        return WHY.get(self.status, "")


def _outcome(value: Any) -> Outcome:
    if value is None:
        return Outcome(FAILED)
    if isinstance(value, float) and math.isnan(value):
        return Outcome(SKIPPED)
    return Outcome(MEASURED, float(value))


def outcomes(result_file: Path) -> dict[str, dict[tuple[Any, ...], Outcome]]:
    """Every benchmark in ``result_file``, each param combination's outcome (keyed by
    the params as values: ``('cpu', 16)``; ``()`` for a benchmark without params)."""
    result = asv_results.Results.load(str(result_file))
    found = {}
    for name in result.get_all_result_keys():
        params = result.get_result_params(name) or []
        values = result.get_result_value(name, params)
        combos = itertools.product(*params) if params else [()]
        values = values if isinstance(values, list) else [values]
        found[name] = {tuple(parse_param(p) for p in combo): _outcome(value)
                       for combo, value in zip(combos, values, strict=True)}
    return found


def outcome(result_file: Path, benchmark: str, params: Sequence[Any]) -> Outcome:
    """The outcome of ``benchmark`` at ``params`` (MISSING where none is recorded)."""
    return outcomes(result_file).get(benchmark, {}).get(tuple(params), Outcome(MISSING))


def failed(result_file: Path) -> list[str]:
    """The benchmarks with a failed param combination, as asv names them."""
    return sorted(name for name, combos in outcomes(result_file).items()
                  if any(o.status == FAILED for o in combos.values()))
