"""The measurements of ``mpsbench selfcheck``, each one a real run on this machine.

Runs that are compared with each other are interleaved the way ``asv run`` interleaves
releases (``--interleave-rounds``, its default for built environments, refused for an
existing one): each label is run one round at a time, alternating labels, and later
rounds append their samples to the earlier ones. A change in the machine's load then
falls on both sides of a comparison instead of on one.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpsbench.catalogue import RESNET50, TORCH, find
from mpsbench.results import failed_benchmarks, load_benchmark_index, load_results, outcome_of
from mpsbench.selfcheck import SLOWDOWN_ENV, analysis, markdown
from mpsbench.selfcheck.asvrun import AsvScratch, RunOutcome
from mpsbench.selfcheck.cases import FidelityCase
from mpsbench.selfcheck.probe import REFERENCE_ENV
from mpsbench.spans import ENV as PROBE_ENV

SLOWDOWN = 0.25
FACTOR = 1.10
FIDELITY_ROUNDS = 4  # the reference brackets each round's sampling: more rounds, more pairs
FORWARD_INFERENCE = find(RESNET50, TORCH.id, "forward_inference").name
LAUNCH_SUBSET = rf"^resnet50\.{FORWARD_INFERENCE}\.time_step\('cpu', (1|4)\)$"
REGRESSION_BENCHMARK = f"slowed.{FORWARD_INFERENCE}.time_step('cpu', 1)"


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


def import_seconds(statement: str, repeats: int = 3) -> float:
    """Median wall time of ``python -c STATEMENT`` in a fresh interpreter."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def only(names: list[str], bench: str | None) -> str:
    """A regex by which asv selects every param combination of ``names`` that ``bench``
    selects (asv searches it in ``name(param, ...)``)."""
    alternatives = "|".join(re.escape(name) for name in names)
    within = f"(?=.*(?:{bench}))" if bench else ""
    return rf"^(?=(?:{alternatives})(?:\(|$)){within}"


def round_args(round_index: int, total: int, rounds: Mapping[str, int],
               bench: str | None) -> tuple[tuple[str, ...], str] | None:
    """``asv run`` arguments and bench regex for round ``round_index`` (0-based) of
    ``total``; None when nothing runs in it.

    Rounds are ordered as asv orders them: a benchmark of ``rounds[name]`` rounds runs
    in the last that many, so single-shot ``track_`` metrics run in the last round alone.
    Each ``asv run`` is one round (``-a rounds=1``). Rounds before the last record their
    samples; rounds after the first append.
    """
    args = ["-a", "rounds=1"]
    if round_index > 0:
        args.append("--append-samples")
    if round_index == total - 1:
        return tuple(args), bench or ""
    names = sorted(name for name, count in rounds.items() if count >= total - round_index)
    if not names:
        return None
    return (*args, "--record-samples"), only(names, bench)


@dataclass(frozen=True)
class Plan:
    """One label to run: which benchmarks, how launched, with which environment."""

    label: str
    bench: str | None
    launch_method: str
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class ProbedRun:
    """The rounds of one label's ``asv run``s, with each benchmark process's record."""

    outcomes: list[RunOutcome] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # as the label's results JSON says

    @property
    def costs(self) -> list[analysis.ProcessCost]:
        return [analysis.process_cost(r) for r in self.records]

    @property
    def attribution(self) -> analysis.Attribution:
        return analysis.attribute(self.costs, sum(o.wall_seconds for o in self.outcomes))


def interleaved(scratch: AsvScratch, plans: list[Plan],
                minimum_rounds: int = 1) -> dict[str, ProbedRun]:
    """Run every plan round by round, alternating plans (reversed on odd rounds).

    Each benchmark runs in as many rounds as a plain ``asv run`` gives it, a timed one
    in at least ``minimum_rounds``. The probe is on, so each label's runs come back
    with their processes' records.
    """
    rounds = {plan.label: scratch.rounds(plan.bench, minimum_rounds) for plan in plans}
    total = max([minimum_rounds, *(n for counts in rounds.values() for n in counts.values())])
    runs = {plan.label: ProbedRun() for plan in plans}
    for index in range(total):
        for plan in plans if index % 2 == 0 else plans[::-1]:
            scheduled = round_args(index, total, rounds[plan.label], plan.bench)
            if scheduled is None:
                continue
            args, bench = scheduled
            probe_file = scratch.work / f"probe-{plan.label}-{index}.jsonl"
            outcome = scratch.run(plan.label, bench or None, plan.launch_method,
                                  {**plan.env, PROBE_ENV: str(probe_file)}, args)
            run = runs[plan.label]
            run.outcomes.append(outcome)
            if probe_file.exists():
                run.records += [json.loads(line) for line in probe_file.read_text().splitlines()]
    for label, run in runs.items():
        if run.outcomes:
            run.failed = failed_benchmarks(scratch.result_file(label))
    return runs


def suite_value(results_dir: Path, commit: str, case: FidelityCase, device: str) -> float:
    """The value asv recorded for the case at its grid point under ``commit`` (NaN: none)."""
    frame = load_results(results_dir).frame
    rows = frame[(frame["benchmark"] == case.benchmark) & (frame["commit"] == commit)]
    names = load_benchmark_index(results_dir)[case.benchmark]["param_names"]
    for name, value in zip(names, case.asv_params(device), strict=True):
        rows = rows[rows[name] == value]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


def why_not_stored(scratch: AsvScratch, label: str, case: FidelityCase, device: str) -> str:
    """Why asv stored no value for ``case`` in run ``label``, from its results JSON ('' if
    it stored one)."""
    return outcome_of(scratch.result_file(label), case.benchmark,
                      case.asv_params(device)).reason


def fidelity_row(scratch: AsvScratch, case: FidelityCase, device: str, launch_method: str,
                 min_time: float) -> FidelityRow:
    """The case through asv, with the reference clock around each round's sampling."""
    row = FidelityRow(case, device)
    label = fidelity_label(case, device)
    run = interleaved(scratch, [Plan(label, case.bench_regex(device), launch_method,
                                     {REFERENCE_ENV: str(min_time)})],
                      minimum_rounds=FIDELITY_ROUNDS)[label]
    measured = [r for r in run.records if "reference" in r]
    if not measured:
        row.unavailable = why_not_stored(scratch, label, case, device) \
            or "the reference clock did not run"
        return row
    row.used = measured[0]["device"]
    row.reference = statistics.median(t for r in measured for t in r["reference"]["times"])
    events = [t for r in measured for t in r["reference"].get("events", [])]
    row.events = statistics.median(events) if events else None
    row.suite = suite_value(scratch.results_dir, scratch.hashes[label], case, device)
    return row


def fidelity_label(case: FidelityCase, device: str) -> str:
    """The scratch commit of one case on one device, so each has its own results."""
    return f"fidelity-{case.key}-{device}"


@dataclass(frozen=True)
class Comparison:
    """``asv compare --factor 1.10`` of two labels, judged both ways asv can judge them.

    ``as_stored``: the results as a plain ``asv run`` stores them (statistics, no
    samples), which ``asv compare`` checks by confidence intervals: what a user's
    compare between two releases does. ``with_samples``: every sample kept, which asv
    tests with a Mann-Whitney U test, a stricter judge of between-process noise.
    """

    as_stored: list[analysis.CompareRow]
    with_samples: list[analysis.CompareRow]


def compare(scratch: AsvScratch, before: str, after: str) -> Comparison:
    """Compare with the samples the interleaved rounds recorded, then without them."""
    with_samples = analysis.parse_compare(scratch.compare(before, after, FACTOR))
    for label in (before, after):
        scratch.drop_samples(label)
    return Comparison(analysis.parse_compare(scratch.compare(before, after, FACTOR)),
                      with_samples)


def regression(root: Path, work: Path, launch_method: str) -> Comparison:
    """The test-only benchmark plain and slowed by 25%, interleaved; ``asv compare``d."""
    scratch = AsvScratch(root, work, ["base", "slowed"],
                         benchmark_dir=root / "tests" / "regression_bench")
    interleaved(scratch, [Plan("base", None, launch_method),
                          Plan("slowed", None, launch_method, {SLOWDOWN_ENV: str(SLOWDOWN)})])
    return compare(scratch, "base", "slowed")
