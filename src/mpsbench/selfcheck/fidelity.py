"""One fidelity row: a suite benchmark on one device against a reference time.

The reference is the in-process reference clock around asv's sampling (``measure``) or
an outside procedure in its own processes (``external``); the ratio is suite over
reference, and the target is ``analysis.FIDELITY_LOW`` to ``FIDELITY_HIGH``.
"""

from __future__ import annotations

from dataclasses import dataclass

from mpsbench.selfcheck import analysis, markdown
from mpsbench.selfcheck.cases import FidelityCase

REFERENCE_CLOCK = "reference clock"  # the in-process procedure (``reference_clock``)


@dataclass
class FidelityRow:
    """One case on one device: the suite's time, the reference's, and their ratio.

    ``reference`` is what the ratio is judged on: a median of the reference's times
    (``reference_mean`` their mean, where kept). ``as_written`` is the outside procedure
    itself where the reference is its faithful variant (None otherwise).
    """

    case: FidelityCase
    device: str
    procedure: str = REFERENCE_CLOCK
    used: str = ""
    suite: float = float("nan")
    reference: float = float("nan")
    reference_mean: float | None = None
    as_written: float | None = None
    events: float | None = None
    cpu_share: float | None = None  # the references' CPU time over their wall time
    unavailable: str = ""

    @property
    def ratio(self) -> float:
        return analysis.ratio(self.suite, self.reference)

    @property
    def ratio_as_written(self) -> float | None:
        return None if self.as_written is None else analysis.ratio(self.suite, self.as_written)

    @property
    def within(self) -> bool:
        return analysis.within(self.ratio)


def summary_cells(check: str, rows: list[FidelityRow]) -> tuple[str, str, str, str] | None:
    """The report's summary row for ``rows`` (their measured ones; None when none was):
    the check, the target, the range of ratios and how many fall outside, the verdict."""
    ratios = [row.ratio for row in rows if not row.unavailable]
    if not ratios:
        return None
    outside = sum(not analysis.within(ratio) for ratio in ratios)
    return (check, f"every ratio in {analysis.FIDELITY_LOW} to {analysis.FIDELITY_HIGH}",
            f"{min(ratios):.3f} to {max(ratios):.3f} ({outside} of {len(ratios)} outside)",
            markdown.verdict(not outside))
