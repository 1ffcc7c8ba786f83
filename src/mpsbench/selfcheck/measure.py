"""The measurements of ``mpsbench selfcheck``, each one a real run on this machine.

Runs that are compared with each other are interleaved the way ``asv run`` interleaves
releases (``--interleave-rounds``, its default for built environments, refused for an
existing one): each label is run one round at a time, alternating labels, and later
rounds append their samples to the earlier ones. A change in the machine's load then
falls on both sides of a comparison instead of on one.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mpsbench
from mpsbench.probe import ENV as PROBE_ENV
from mpsbench.results import load_benchmark_index, load_results
from mpsbench.selfcheck import SLOWDOWN_ENV, analysis
from mpsbench.selfcheck.asvrun import AsvScratch, RunOutcome
from mpsbench.selfcheck.cases import FidelityCase

SLOWDOWN = 0.25
FACTOR = 1.10
ROUNDS = 2
LAUNCH_SUBSET = r"^resnet50\.TorchForwardInference\.(time_step|track_first_call)\('cpu', 1\)$"
REGRESSION_BENCHMARK = "slowed.TorchForwardInference.time_step('cpu', 1)"


def _src_env() -> dict[str, str]:
    """The environment for a child Python that must import this mpsbench."""
    src = str(Path(mpsbench.__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": src + (os.pathsep + path if path else "")}


def import_seconds(statement: str, repeats: int = 3) -> float:
    """Median wall time of ``python -c STATEMENT`` in a fresh interpreter."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def round_args(round_index: int, rounds: int, bench: str | None) -> tuple[tuple[str, ...], str]:
    """``asv run`` arguments and bench regex for round ``round_index`` (0-based) of ``rounds``.

    Each round runs one round (``-a rounds=1``). Rounds before the last record their
    samples and run only ``time_`` benchmarks (asv runs single-shot metrics such as
    ``track_first_call`` in the last round alone); rounds after the first append.
    """
    args = ["-a", "rounds=1"]
    if round_index > 0:
        args.append("--append-samples")
    last = round_index == rounds - 1
    if not last:
        args.append("--record-samples")
        bench = rf"(?=.*\.time_)(?:{bench})" if bench else r"\.time_"
    return tuple(args), bench or ""


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
    costs: list[analysis.ProcessCost] = field(default_factory=list)

    @property
    def attribution(self) -> analysis.Attribution:
        return analysis.attribute(self.costs, sum(o.wall_seconds for o in self.outcomes))


def interleaved(scratch: AsvScratch, plans: list[Plan], rounds: int = ROUNDS,
                between: Any = None) -> dict[str, ProbedRun]:
    """Run every plan round by round, alternating plans (reversed on odd rounds).

    The probe is on, so each label's runs come back with their processes' costs.
    ``between(plan, round_index)``, when given, runs before each asv run.
    """
    runs = {plan.label: ProbedRun() for plan in plans}
    for index in range(rounds):
        for plan in plans if index % 2 == 0 else plans[::-1]:
            if between is not None:
                between(plan, index)
            args, bench = round_args(index, rounds, plan.bench)
            probe_file = scratch.work / f"probe-{plan.label}-{index}.jsonl"
            outcome = scratch.run(plan.label, bench or None, plan.launch_method,
                                  {**plan.env, PROBE_ENV: str(probe_file)}, args)
            run = runs[plan.label]
            run.outcomes.append(outcome)
            if probe_file.exists():
                run.costs += [analysis.process_cost(json.loads(line))
                              for line in probe_file.read_text().splitlines()]
    return runs


@dataclass
class FidelityRow:
    """One case on one device: the suite's time, the reference's, and their ratio."""

    case: FidelityCase
    device: str
    used: str = ""
    suite: float = float("nan")
    reference: float = float("nan")
    events: float | None = None
    unavailable: str = ""

    @property
    def ratio(self) -> float:
        return analysis.ratio(self.suite, self.reference)


def reference(case: FidelityCase, device: str, min_time: float) -> dict[str, Any]:
    """The case's reference times, measured in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-m", "mpsbench.selfcheck.reference", case.key, device, str(min_time)],
        env=_src_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"unavailable": f"reference failed: {done.stderr.strip()[-500:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def suite_value(results_dir: Path, case: FidelityCase, device: str) -> float:
    """The value asv recorded for the case's benchmark at its grid point (NaN: skipped)."""
    frame = load_results(results_dir).frame
    rows = frame[frame["benchmark"] == case.benchmark]
    names = load_benchmark_index(results_dir)[case.benchmark]["param_names"]
    for name, value in zip(names, case.asv_params(device), strict=True):
        rows = rows[rows[name] == value]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


class _Unavailable(Exception):
    """The reference could not run this case here (no GPU, say)."""


def fidelity_row(scratch: AsvScratch, case: FidelityCase, device: str, launch_method: str,
                 min_time: float) -> FidelityRow:
    """Reference and suite in alternation, one asv round after each reference."""
    row = FidelityRow(case, device)
    found: list[dict[str, Any]] = []

    def measure_reference(plan: Plan, index: int) -> None:
        found.append(reference(case, device, min_time))
        if "unavailable" in found[-1]:
            raise _Unavailable(found[-1]["unavailable"])

    label = f"fidelity-{case.key}-{device}"
    try:
        interleaved(scratch, [Plan(label, case.bench_regex(device), launch_method)],
                    between=measure_reference)
    except _Unavailable as reason:
        row.unavailable = str(reason)
        return row
    row.used = found[0]["device"]
    row.reference = statistics.median(t for f in found for t in f["times"])
    events = [t for f in found for t in f.get("events", [])]
    row.events = statistics.median(events) if events else None
    row.suite = suite_value(scratch.results_dir, case, device)
    return row


def fidelity_labels(cases: list[FidelityCase], devices: list[str]) -> list[str]:
    """One scratch commit per case and device, so each has its own results."""
    return [f"fidelity-{case.key}-{device}" for device in devices for case in cases]


@dataclass
class Findings:
    """Everything one self-check measured."""

    started: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    seconds: float = 0.0
    import_torch: float = float("nan")
    import_torch_vision: float = float("nan")
    fidelity: list[FidelityRow] = field(default_factory=list)
    launch: dict[str, ProbedRun] = field(default_factory=dict)
    default_runs: list[ProbedRun] = field(default_factory=list)
    stability: analysis.Stability | None = None
    spreads: list[tuple[str, float]] = field(default_factory=list)
    regression: analysis.CompareRow | None = None
    regression_rows: list[analysis.CompareRow] = field(default_factory=list)


def stability(scratch: AsvScratch, first: str, second: str) -> analysis.Stability:
    """``asv compare --factor 1.10`` between two runs of the same release."""
    return analysis.stability(analysis.parse_compare(scratch.compare(first, second, FACTOR)))


def regression(root: Path, work: Path, launch_method: str) -> list[analysis.CompareRow]:
    """The test-only benchmark plain and slowed by 25%, interleaved; ``asv compare``d."""
    scratch = AsvScratch(root, work, ["base", "slowed"],
                         benchmark_dir=root / "tests" / "regression_bench")
    interleaved(scratch, [Plan("base", None, launch_method),
                          Plan("slowed", None, launch_method, {SLOWDOWN_ENV: str(SLOWDOWN)})])
    return analysis.parse_compare(scratch.compare("base", "slowed", FACTOR))
