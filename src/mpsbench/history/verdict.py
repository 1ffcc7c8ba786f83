"""A verdict on one change between two releases, from processes re-measured in turn.

Pure arithmetic over per-process medians (each fresh process is one unit: samples inside
one process share its luck, so they are not independent evidence) and the host's canary
per process. Why these rules: docs/decisions.md, "Verdicts".
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from mpsbench import canary

CONFIRMED, REJECTED, INCONCLUSIVE = "confirmed", "rejected as noise", "inconclusive"
NOISE_BAND = 1.10  # asv's own factor: a change inside it is not one asv would report
Z = 1.96  # a 95% interval


def shift_interval(before: list[float], after: list[float]) -> tuple[float, float, float]:
    """(ratio, low, high): the Hodges-Lehmann estimate of after/before and its ~95%
    distribution-free interval, from every pairwise ratio of the two groups' values."""
    ratios = sorted(math.log(b / a) for a in before for b in after)
    pairs, n, m = len(ratios), len(before), len(after)
    k = max(0, math.floor(pairs / 2 - Z * math.sqrt(n * m * (n + m + 1) / 12)))
    return (math.exp(statistics.median(ratios)), math.exp(ratios[k]),
            math.exp(ratios[pairs - 1 - k]))


@dataclass(frozen=True)
class Verdict:
    """What re-measuring one change found."""

    verdict: str
    ratio: float
    low: float
    high: float
    rounds: int
    host_ratio: float | None  # the host's canary, after over before; None when unknown
    why: str

    @property
    def line(self) -> str:
        host = f", host {self.host_ratio:.2f}x" if self.host_ratio else ", host unknown"
        return (f"{self.verdict}: {self.ratio:.3f}x (95% CI {self.low:.3f}-{self.high:.3f}, "
                f"{self.rounds} rounds{host}); {self.why}")


Measured = list[tuple[float, float | None]]  # per process: (median seconds, host index)


def adjusted(before: Measured, after: Measured) -> tuple[list[float], list[float], bool]:
    """Each process's median divided by its host index (over the median index of all),
    where every process has one; else the medians as they are. True when adjusted."""
    hosts = [host for _, host in before + after]
    if not hosts or None in hosts:
        return [v for v, _ in before], [v for v, _ in after], False
    usual = statistics.median(hosts)
    return ([v * usual / h for v, h in before], [v * usual / h for v, h in after], True)


def judge(before: Measured, after: Measured, band: float = canary.BAND) -> Verdict:
    """Confirmed when the interval excludes 1; rejected as noise when it lies inside
    ``NOISE_BAND``; inconclusive otherwise, and whenever the host's median index differed
    between the two sides beyond the canary's ``band`` (then neither side is like the
    other). Medians are first divided by their process's host index (``adjusted``)."""
    a, b, was_adjusted = adjusted(before, after)
    ratio, low, high = shift_interval(a, b)
    host = canary.host_ratio(*(statistics.median(hosts) if hosts and None not in hosts
                               else None for hosts in ([h for _, h in before],
                                                       [h for _, h in after])))
    rounds = min(len(before), len(after))
    by = "medians over the host index" if was_adjusted else "medians (no host index)"
    if canary.outside_band(host, band):
        return Verdict(INCONCLUSIVE, ratio, low, high, rounds, host,
                       f"the host ran {host:.2f}x as slow for the second release's processes "
                       f"(beyond +-{band - 1:.0%}): not compared")
    if low > 1 or high < 1:
        word = "slower" if low > 1 else "faster"
        return Verdict(CONFIRMED, ratio, low, high, rounds, host,
                       f"{word} in every part of the interval ({by})")
    if low >= 1 / NOISE_BAND and high <= NOISE_BAND:
        return Verdict(REJECTED, ratio, low, high, rounds, host,
                       f"any change is within +-{NOISE_BAND - 1:.0%} ({by})")
    return Verdict(INCONCLUSIVE, ratio, low, high, rounds, host,
                   f"the interval holds 1 and changes beyond +-{NOISE_BAND - 1:.0%} ({by}): "
                   "more rounds would tell")
