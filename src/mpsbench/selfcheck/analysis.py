"""The arithmetic of the self-check: ratios, cost attribution, and reading ``asv compare``.

Pure functions over recorded numbers and text, so that each can be unit-tested
without timing anything.
"""

from __future__ import annotations

import ast
import itertools
import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mpsbench import catalogue
from mpsbench.spans import FORKSERVER

FIDELITY_LOW, FIDELITY_HIGH = 0.9, 1.1
OVERHEAD_TARGET = 1.5
AA_TARGET = 0.05

COLD_START_METRIC = ".timeraw_"  # each sample a fresh interpreter, set up untimed
PARTS = ("interpreter start and imports", "building models and inputs", "warm-up",
         "asv sampling: inside timed regions", "asv sampling: setup and asv between samples",
         "the rest")


def ratio(suite: float, reference: float) -> float:
    """Suite time over reference time; 1.0 means the suite reports what the step costs."""
    if not reference > 0:  # also refuses NaN: no reference was measured
        raise ValueError(f"a reference time must be positive, got {reference}")
    return suite / reference


def within(value: float, low: float = FIDELITY_LOW, high: float = FIDELITY_HIGH) -> bool:
    """Is ``value`` inside [low, high]?"""
    return low <= value <= high


@dataclass(frozen=True)
class ProcessCost:
    """Where one benchmark process's time went, in seconds (from its probe record)."""

    benchmark: str
    params: tuple[str, ...]
    skipped: bool
    startup: float
    imports: float
    build: float
    warmup: float
    sampling: float
    timed: float

    @property
    def overhead(self) -> float:
        """Everything before asv's sampling began."""
        return self.startup + self.imports + self.build + self.warmup


def process_cost(record: dict[str, Any]) -> ProcessCost:
    """Split one probe record into its parts.

    startup: process creation to asv's first setup (interpreter, asv_runner, the suite's
    modules); imports: framework imports inside that setup; warm-up: the first call and
    the warm-up calls in it; build: the rest of it (models, inputs); sampling: asv's run,
    with ``timed`` the part inside timed regions (setups that asv re-runs between samples
    count as sampling). The forkserver's record has only a start and its imports.
    """
    spans = record.get("spans", [])
    if record["benchmark"] != FORKSERVER:  # spans in later setups belong to the sampling
        spans = [s for s in spans if record["setup_start"] <= s["start"] <= record["setup_end"]]
    imports = sum(s["seconds"] for s in spans if s["kind"] == "import")
    warmup = sum(s["seconds"] for s in spans if s["kind"] == "warmup")
    if record["benchmark"] == FORKSERVER:
        return ProcessCost(FORKSERVER, (), True, record["ready"] - record["created"] - imports,
                           imports, 0.0, 0.0, 0.0, 0.0)
    setup = record["setup_end"] - record["setup_start"]
    sampling = record["run_end"] - record["run_start"] if "run_end" in record else 0.0
    return ProcessCost(
        benchmark=record["benchmark"], params=tuple(record.get("params", ())),
        skipped=bool(record.get("skipped")),
        startup=record["setup_start"] - record["created"], imports=imports,
        build=setup - imports - warmup, warmup=warmup, sampling=sampling,
        timed=record.get("timed") or 0.0,
    )


@dataclass
class Attribution:
    """A whole ``asv run`` split into ``PARTS``, with per-process figures."""

    wall: float
    parts: dict[str, float]
    processes: int
    measuring: int
    server: bool
    overheads: list[float] = field(default_factory=list)
    fresh_interpreters: float = 0.0

    @property
    def timed(self) -> float:
        return self.parts[PARTS[3]]

    @property
    def sampling(self) -> float:
        return self.parts[PARTS[3]] + self.parts[PARTS[4]]

    @property
    def overhead_per_measuring_process(self) -> float:
        """Wall time not spent sampling, divided by the processes that measured something."""
        return (self.wall - self.sampling) / max(self.measuring, 1)

    @property
    def launch_overhead_per_measuring_process(self) -> float:
        """The same without the warm-up calls, which steady-state timing requires."""
        return (self.wall - self.sampling - self.parts[PARTS[2]]) / max(self.measuring, 1)


def attribute(costs: Iterable[ProcessCost], wall: float) -> Attribution:
    """Sum process costs into ``PARTS``; 'the rest' is the wall time no process accounts
    for: asv's own start and discovery, launching and reaping processes, writing results.
    """
    costs = list(costs)
    benchmarks = [c for c in costs if c.benchmark != FORKSERVER]
    parts = dict.fromkeys(PARTS, 0.0)
    for cost in costs:
        parts[PARTS[0]] += cost.startup + cost.imports
        parts[PARTS[1]] += cost.build
        parts[PARTS[2]] += cost.warmup
        parts[PARTS[3]] += cost.timed
        parts[PARTS[4]] += cost.sampling - cost.timed
    parts[PARTS[5]] = wall - sum(parts.values())
    measuring = [c for c in benchmarks if not c.skipped]
    return Attribution(wall, parts, len(benchmarks), len(measuring),
                       server=len(benchmarks) != len(costs),
                       overheads=[c.overhead for c in measuring],
                       fresh_interpreters=sum(c.sampling - c.timed for c in benchmarks
                                              if COLD_START_METRIC in c.benchmark))


def median(values: Iterable[float]) -> float:
    """The median, NaN for no values."""
    values = list(values)
    return statistics.median(values) if values else float("nan")


@dataclass(frozen=True)
class CompareRow:
    """One line of ``asv compare``'s table."""

    mark: str
    before: str
    after: str
    ratio: str
    benchmark: str

    @property
    def compared(self) -> bool:
        """Both runs produced a value (not skipped, not failed)."""
        return not ({self.before, self.after} & {"n/a", "failed"})

    @property
    def flagged(self) -> bool:
        """asv calls it changed: '+' worse or '-' better beyond the factor, significantly."""
        return self.mark in ("+", "-")

    @property
    def metric(self) -> str:
        """The method name, e.g. 'time_step' or 'timeraw_first_call'."""
        return self.benchmark.split("(")[0].rsplit(".", 1)[-1]


def parse_compare(text: str) -> list[CompareRow]:
    """The rows of ``asv compare``'s table (asv 0.6 prints a pipe table)."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|") or line.startswith("|--") or "Benchmark (Parameter)" in line:
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 5:
            rows.append(CompareRow(*cells))
    return rows


def find_row(rows: Iterable[CompareRow], benchmark: str) -> CompareRow | None:
    """The row of ``benchmark`` (name with params, as asv prints it), if compared."""
    return next((r for r in rows if r.benchmark == benchmark), None)


def family(benchmark: str) -> str:
    """'MLX on cpu' for "transformer.MLXGELU.time_step('cpu', ...)" (the framework of a
    class the catalogue declares, the first device param); 'other' otherwise."""
    name, _, shown = benchmark.partition("(")
    entry = catalogue.described(name.rsplit(".", 2)[-2]) if name.count(".") >= 2 else None
    try:
        params = ast.literal_eval(f"({shown}") if shown else ()
    except (ValueError, SyntaxError):
        params = ()
    params = params if isinstance(params, tuple) else (params,)
    device = next((p for p in params if p in catalogue.DEVICE_PARAMS), None)
    return f"{entry.framework.label} on {device}" if entry and device else "other"


@dataclass(frozen=True)
class Stability:
    """How many compared benchmarks ``asv compare`` flagged, per metric and overall, and
    the flags' pattern: their directions, and the frameworks and devices they fall on."""

    compared: int
    flagged: int
    by_metric: dict[str, tuple[int, int]]
    flagged_names: list[str]
    slower: int = 0
    by_family: dict[str, int] = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        return self.flagged / self.compared if self.compared else float("nan")

    @property
    def one_direction(self) -> bool:
        """Every flag says the same (all slower or all faster in the second run): a
        drift between the two runs' time windows more than noise in single benchmarks."""
        return self.flagged > 1 and self.slower in (0, self.flagged)


def stability(rows: Iterable[CompareRow]) -> Stability:
    """Fraction flagged among rows with a value in both runs."""
    compared = [r for r in rows if r.compared]
    by_metric: dict[str, tuple[int, int]] = {}
    for row in compared:
        count, flagged_count = by_metric.get(row.metric, (0, 0))
        by_metric[row.metric] = (count + 1, flagged_count + row.flagged)
    flagged = [r for r in compared if r.flagged]
    return Stability(len(compared), len(flagged), by_metric,
                     [f"{r.mark} {r.ratio.strip()} {r.benchmark}" for r in flagged],
                     slower=sum(r.mark == "+" for r in flagged),
                     by_family=dict(Counter(family(r.benchmark) for r in flagged)))


def spreads(results: dict[str, Any]) -> list[tuple[str, float]]:
    """(benchmark with params, interquartile range over median) for each value with stats
    in one asv results file (its parsed JSON), noisiest first."""
    columns = results["result_columns"]
    found = []
    for name, row in results["results"].items():
        row = dict(zip(columns, row, strict=False))
        q25s, q75s = row.get("stats_q_25"), row.get("stats_q_75")
        if not q25s or not q75s:
            continue
        combos = itertools.product(*row["params"]) if row["params"] else [()]
        for combo, value, q25, q75 in zip(combos, row["result"], q25s, q75s, strict=False):
            if value and q25 is not None and q75 is not None and not math.isnan(value):
                found.append((f"{name}({', '.join(combo)})", (q75 - q25) / value))
    return sorted(found, key=lambda item: -item[1])
