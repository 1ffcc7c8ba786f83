"""A progress line for ``asv run``, read from asv's own output as it streams.

asv prints ``[42.64%] ··· Running (name--)`` at most every 30 s, then a dot per
benchmark finished in that round, and in the last round a line per benchmark. Its
percentage counts benchmarks x rounds, not processes, so it jumps. Knowing the plan
(``mpsbench.plan``: each benchmark's selected combinations and rounds) and asv's
order (rounds from the last to the first; in each, benchmarks by name), every dot and
name maps onto the next item of work, and so onto processes done out of the total.

Before its first benchmark, asv installs the release's stack into its environment where
that commit is not installed yet (minutes, and nothing printed): the ``install`` item
stands for that, first in the work, so the line says what happens and the time left
counts it.

asv's per-combination ``asv: skipped: ...`` lines are counted, not printed; its
result tables are left out too (the tables at the end say it better). Everything asv
wrote goes, unchanged, to a log file.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from mpsbench.plan import Plan, short_reason

RUNNING = re.compile(r"Running \((?P<name>[^\s()]+?)--\)(?P<dots>\.*)")
NAMED = re.compile(r"^\[\s*[\d.]+%\]\s+·+\s+(?P<name>(?:\.\.\.)?[\w.]+?)(?:\s|$)")
SKIPPED = re.compile(r"asv: skipped: \w+\((?P<q>['\"])(?P<reason>.*)(?P=q)\)")
TROUBLE = ("failed", "Traceback", "timed out", "Error", "error:")


def same_name(full: str, shown: str) -> bool:
    """Whether asv's ``shown`` name ('...former.MLXSDPA.time_step' when long) is ``full``."""
    return full.endswith(shown[3:]) if shown.startswith("...") else full == shown


@dataclass
class Item:
    """One benchmark in one round: its processes and their estimated seconds."""

    name: str
    round: int
    processes: int
    seconds: float


INSTALL = "installing the release's stack into asv's environment (first run only)"


def install_item(seconds: float) -> Item:
    """The work of asv's environment install, before the benchmarks (round 0, no process)."""
    return Item(INSTALL, 0, 0, seconds)


def work_items(plan: Plan, cost: Callable[[str], float],
               rounds_override: int | None = None) -> list[Item]:
    """The plan's work in asv's order: rounds from the highest down, benchmarks by name.

    ``cost(name)`` is the estimated seconds of one round of benchmark ``name``.
    """
    def rounds(bench):
        return rounds_override or bench.rounds

    top = max((rounds(b) for b in plan.benchmarks), default=0)
    return [Item(b.name, r, len(b.combos), cost(b.name))
            for r in range(top, 0, -1)
            for b in sorted(plan.benchmarks, key=lambda b: b.name) if rounds(b) >= r]


def duration(seconds: float) -> str:
    """'45 s', '12 min', '1 h 05 min'."""
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 90 else f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass
class Progress:
    """Follows asv's output; ``line()`` says what runs, done/total and the time left."""

    items: list[Item]
    done_before: int = 0  # processes of earlier chunks of the same job
    total: int | None = None
    seconds_before: float = 0.0
    estimate_before: float = 0.0
    total_estimate: float | None = None
    now: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)
    done: int = 0  # items finished
    skips: Counter[str] = field(default_factory=Counter)
    trouble: list[str] = field(default_factory=list)
    _line: str = ""
    _dots: int = 0
    _running: bool = False

    def __post_init__(self) -> None:
        self.started = self.now()

    @property
    def processes_done(self) -> int:
        return self.done_before + sum(i.processes for i in self.items[:self.done])

    @property
    def processes_total(self) -> int:
        own = sum(i.processes for i in self.items)
        return self.total if self.total is not None else self.done_before + own

    def _advance_to(self, name: str, final: bool) -> bool:
        """Items before the next one named ``name`` (in the last round, if ``final``) are
        done; asv shortens long names to '...' and their end. False if none is found."""
        for index in range(self.done, len(self.items)):
            item = self.items[index]
            if same_name(item.name, name) and (not final or item.round == 1):
                self.done = index
                return True
        return False

    def feed(self, text: str) -> list[str]:
        """Take asv's output as it arrives; returns the lines worth showing as they are."""
        shown = []
        for char in text:
            if char == "\n":
                shown.extend(self._end_line())
                continue
            self._line += char
            if char == "." and self._running:
                match = RUNNING.search(self._line)
                if match and len(match["dots"]) > self._dots:
                    self.done = min(len(self.items), self.done + len(match["dots"]) - self._dots)
                    self._dots = len(match["dots"])
            elif char == ")" and not self._running:
                match = RUNNING.search(self._line)
                if match:
                    self._advance_to(match["name"], final=False)
                    self._running, self._dots = True, 0
        return shown

    def _end_line(self) -> list[str]:
        line, self._line = self._line, ""
        running, self._running = self._running, False
        if running:
            return []
        skipped = SKIPPED.search(line)
        if skipped:
            self.skips[short_reason(skipped["reason"])] += 1
            return []
        named = NAMED.match(line)
        if named and self._advance_to(named["name"], final=True):
            self.done = min(len(self.items), self.done + 1)
            if line.rstrip().endswith("failed"):
                self.trouble.append(line.strip())
                return [line.strip()]
            return []
        if any(word in line for word in TROUBLE) and "For parameters" not in line:
            self.trouble.append(line.strip())
            return [line.rstrip()]
        return []

    def current(self) -> Item | None:
        return self.items[self.done] if self.done < len(self.items) else None

    def left(self) -> float | None:
        """Seconds left: the estimate of what is left, scaled by how the estimate has held."""
        elapsed = self.now() - self.started + self.seconds_before
        done_estimate = self.estimate_before + sum(i.seconds for i in self.items[:self.done])
        total = self.total_estimate if self.total_estimate is not None else (
            self.estimate_before + sum(i.seconds for i in self.items))
        if total <= 0:
            return None
        factor = elapsed / done_estimate if done_estimate > 0.1 * total else 1.0
        factor = min(max(factor, 0.3), 5.0)
        return max(0.0, (total - done_estimate) * factor)

    def line(self) -> str:
        total = self.processes_total
        done = self.processes_done
        percent = 100 * done / total if total else 100
        item = self.current()
        what = "saving" if item is None else item.name if item.name == INSTALL \
            else f"running {item.name}, round {item.round}"
        left = self.left()
        tail = f"about {duration(left)} left" if left is not None else ""
        elapsed = duration(self.now() - self.started + self.seconds_before)
        return (f"[{done}/{total} processes, {percent:3.0f}%] {what} · {elapsed} so far"
                + (f", {tail}" if tail else ""))
