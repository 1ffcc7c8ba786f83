"""What changed between consecutive releases on one machine: candidates, then verdicts.

Candidates come from the recorded results alone, by asv's own rule (a factor of 1.1 and
confidence intervals apart) and, where both results kept their samples, by the stricter
per-sample test (Mann-Whitney U) that ``asv compare`` applies to samples. Each candidate
is then re-measured (``remeasure``) and judged (``verdict``). The state of the work, kept
in the scratch folder, is what every later call, the page and the report read.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mpsbench.files import write_whole
from mpsbench.history.repo import tagged_commits
from mpsbench.results import Recorded

FACTOR = 1.10  # asv compare's default factor
STATE = "state.json"


@dataclass(frozen=True)
class Pair:
    """Two consecutive recorded releases of one framework, and the releases between them
    that have no results on this machine (what ``asv find`` could bisect)."""

    framework: str
    before: str
    before_sha: str
    after: str
    after_sha: str
    between: tuple[str, ...] = ()


def release_pairs(history: Path, recorded: set[str]) -> list[Pair]:
    """Consecutive releases of each framework that both have results here."""
    pairs = []
    commits = tagged_commits(history)
    for framework in dict.fromkeys(tag.split("-", 1)[0] for _, tag in commits):
        mine = [(sha, tag) for sha, tag in commits if tag.startswith(f"{framework}-")]
        kept = [i for i, (sha, _) in enumerate(mine) if sha in recorded]
        for i, j in itertools.pairwise(kept):
            pairs.append(Pair(framework, mine[i][1], mine[i][0], mine[j][1], mine[j][0],
                              tuple(tag for _, tag in mine[i + 1:j])))
    return pairs


@dataclass(frozen=True)
class Candidate:
    """A point whose value changed between a pair's releases, by one rule or both."""

    pair: Pair
    point: str
    before: float
    after: float
    by_asv: bool
    by_samples: bool | None  # None: a side kept no samples, so the test could not run

    @property
    def ratio(self) -> float:
        return self.after / self.before

    @property
    def id(self) -> str:
        return f"{self.pair.before}..{self.pair.after} {self.point}"

    @property
    def bisect(self) -> str | None:
        """The ``asv find`` command that would bisect it, where releases lie between."""
        if not self.pair.between:
            return None
        return (f"asv find --machine MACHINE '{self.pair.before}^..{self.pair.after}' "
                f"'^{_escaped(self.point)}$'")


def _escaped(point: str) -> str:
    import re

    return re.escape(point)


def flags(before: Recorded, after: Recorded, factor: float = FACTOR) -> tuple[bool, bool | None]:
    """(asv's rule, the per-sample test) for one point: each says 'changed' when the
    ratio passes ``factor`` either way and its statistics say the two differ."""
    from asv._stats import is_different

    ratio = after.value / before.value
    beyond = ratio > factor or ratio < 1 / factor
    by_asv = beyond and (not (before.stats and after.stats)
                         or is_different(None, None, before.stats, after.stats))
    if not (before.samples and after.samples):
        return by_asv, None
    return by_asv, beyond and is_different(before.samples, after.samples, before.stats,
                                           after.stats)


def candidates(pairs: list[Pair], points: dict[str, dict[str, Recorded]],
               factor: float = FACTOR) -> list[Candidate]:
    """Every point flagged by either rule, for every pair, largest change first."""
    found = []
    for pair in pairs:
        before, after = points.get(pair.before_sha, {}), points.get(pair.after_sha, {})
        for point in sorted(before.keys() & after.keys()):
            by_asv, by_samples = flags(before[point], after[point], factor)
            if by_asv or by_samples:
                found.append(Candidate(pair, point, before[point].value, after[point].value,
                                       by_asv, by_samples))
    return sorted(found, key=lambda c: -abs(math.log(c.ratio)))


@dataclass
class State:
    """Re-measured rounds and verdicts, by candidate id; kept whole in the scratch folder
    after every round, so an interrupted run resumes where it stopped."""

    rounds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, scratch: Path) -> State:
        try:
            data = json.loads((scratch / STATE).read_text(encoding="utf-8"))
            return cls(dict(data.get("rounds", {})), dict(data.get("verdicts", {})))
        except (OSError, ValueError, AttributeError):
            return cls()

    def save(self, scratch: Path) -> None:
        write_whole(scratch / STATE, json.dumps(asdict(self), indent=1, sort_keys=True),
                    "the rounds measured since the last save are lost")
