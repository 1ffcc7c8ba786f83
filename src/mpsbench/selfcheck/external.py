"""The external fidelity section: what ``asv run`` stored against outside procedures.

Each unit is one real ``asv run`` (its own scratch commit, the classes' own rounds, no
probe) of some suite benchmarks, with their outside reference in fresh interpreters
(``refprocess``) between its rounds: the ResNet table's procedure (``resnet_table``)
for the ResNet table's three phases at one batch, aukejw's layer harness (``layer_harness``) for
every operator of one framework. The suite's value is read from asv's results JSON; the
ratio is suite over reference, and the target is ``analysis.FIDELITY_LOW`` to
``FIDELITY_HIGH``.

Where the outside procedure differs from the suite on purpose, the reference is its
faithful variant and the procedure as written is shown beside it: the original script lets
gradients accumulate over iterations, where the suite zeroes them before each
backward. aukejw's torch call enters ``torch.inference_mode()`` every call, in eval
mode, as the suite's forward steps do, so there is nothing to vary.

On the GPU both sides can be pinned to one CPU (``ExternalFindings.gpu_cpu``), each
from its start: asv's run (its forkserver and benchmark processes inherit the CPU) and
every reference, torch on one CPU thread in both. A launch-bound GPU step moves with
the host CPU that launches it, and pinning takes the scheduler's choice of CPU out of
the comparison.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mpsbench import allocator
from mpsbench.catalogue import FRAMEWORK_IDS
from mpsbench.errors import UserError
from mpsbench.grids import RESNET_BATCHES
from mpsbench.hardware import NO_GPU_HARDWARE, gpu_hardware_present
from mpsbench.selfcheck.asvrun import AsvScratch
from mpsbench.selfcheck.cases import FidelityCase, op_case, resnet_case
from mpsbench.selfcheck.measure import FidelityRow, round_args, suite_value, why_not_stored
from mpsbench.selfcheck.references import refprocess
from mpsbench.selfcheck.references.resnet_table import GRADS, PHASES
from mpsbench.threads import THREADS_ENV, torch_cpu_threads

OPS = ("linear", "layer_norm", "softmax", "sdpa", "mha")
TABLE_ITERATIONS = 5  # per process; two processes of each variant
OP_PROCESSES = 4  # aukejw processes per op at most, spread over asv's rounds
PINNED_THREADS = 1  # torch's CPU threads in a process pinned to one CPU, on both sides


@dataclass
class ExternalFindings:
    """Every row, and the process state the references ran with."""

    rows: list[FidelityRow] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)
    allocators: set[str] = field(default_factory=set)
    table_iterations: int = TABLE_ITERATIONS
    # by framework: (harness processes per op, asv rounds they were spread over)
    op_processes: dict[str, tuple[int, int]] = field(default_factory=dict)
    seconds: float = 0.0
    started: float = 0.0  # time.time() when the section began
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    suite_threads: int = 0  # what the suite's torch processes use here
    suite_allocator: str = ""  # the allocator state every benchmark process sets
    gpu_cpu: int | None = None  # the one CPU both sides of a GPU unit run on; None: any
    rounds: int = 1  # asv rounds each unit runs at least (the classes' own, if more)
    pinned_threads: set[int] = field(default_factory=set)  # references' on gpu_cpu
    table_processes: int = 2  # per variant of the ResNet table's procedure, per unit

    def note(self, record: dict, pinned: bool = False) -> None:
        """Keep what a reference process says it ran with (``pinned``: on ``gpu_cpu``)."""
        if "unavailable" in record:
            return
        self.allocators.add(record["allocator"])
        if "threads" in record:
            (self.pinned_threads if pinned else self.threads).add(record["threads"])

    def pin(self, unit: Unit) -> int | None:
        """The CPU ``unit``'s processes run on: ``gpu_cpu`` for a GPU unit, else any."""
        return self.gpu_cpu if unit.device == "gpu" else None

    @property
    def measured(self) -> list[FidelityRow]:
        return [row for row in self.rows if not row.unavailable]


def resnet_cases(batch: int) -> list[FidelityCase]:
    """The ResNet table's three phases at ``batch``, in ``resnet_table.PHASES`` order."""
    return [resnet_case(phase.replace("_", "-"), batch) for phase in PHASES]


@dataclass(frozen=True)
class Unit:
    """One ``asv run`` of some cases and their references: ResNet-50's three phases at a
    batch, or every op of one framework (``ops``, the op of each case)."""

    label: str
    device: str
    cases: tuple[FidelityCase, ...]
    ops: tuple[str, ...] = ()


def _procedure(unit: Unit) -> str:
    return "aukejw" if unit.ops else "ResNet table"


def units(devices: list[str], only: str | None = None) -> list[Unit]:
    """The units the section runs: ResNet-50 by batch, then the ops by framework; with
    ``only``, those whose label the regex matches (e.g. 'ops|b16')."""
    found = [Unit(f"external-resnet50-b{batch}-{device}", device, tuple(resnet_cases(batch)))
             for device in devices for batch in RESNET_BATCHES]
    found += [Unit(f"external-ops-{framework}-{device}", device,
                   tuple(op_case(op, framework) for op in OPS), OPS)
              for device in devices for framework in FRAMEWORK_IDS]
    return [unit for unit in found if only is None or re.search(only, unit.label)]


def bench_regex(cases: tuple[FidelityCase, ...], device: str) -> str:
    """An ``asv run --bench`` regex selecting exactly these grid points."""
    return "|".join(f"(?:{case.bench_regex(device)})" for case in cases)


def asv_rounds(scratch: AsvScratch, unit: Unit, minimum: int = 1) -> int:
    """How many rounds a plain ``asv run`` (``-a rounds=minimum`` where that is more)
    gives the unit's benchmarks."""
    return max(scratch.rounds(bench_regex(unit.cases, unit.device), minimum).values())


Reference = tuple[str, list[str]]  # a refprocess module and its arguments


def spread(groups: int, rounds: int) -> list[int]:
    """The 0-based rounds after which ``groups`` reference groups run, evenly spaced and
    the last after the last round (2 over 2: after each; 3 over 6: after the 2nd, 4th
    and 6th)."""
    return [max(0, (i + 1) * rounds // groups - 1) for i in range(groups)]


def interleaved(scratch: AsvScratch, unit: Unit, launch_method: str,
                after: list[list[Reference]],
                findings: ExternalFindings) -> tuple[list[float], list[list[dict]]]:
    """The unit's ``asv run`` one round at a time, the reference groups ``after`` spread
    over the rounds (``spread``): the values asv stored in its results JSON (NaN: none)
    and the references' records, grouped as ``after``, each noted in ``findings``. Both
    sides run on the unit's CPU (``ExternalFindings.pin``) with torch on
    ``PINNED_THREADS`` there.

    The rounds append their samples, which are then dropped (``drop_samples``), so the
    results JSON holds what one plain ``asv run`` stores: statistics over every round's
    samples. Between rounds, the references see the same stretch of the machine's load
    as the suite.
    """
    bench = bench_regex(unit.cases, unit.device)
    rounds = scratch.rounds(bench, findings.rounds)
    total = max(rounds.values())
    slots = spread(len(after), total)
    cpu = findings.pin(unit)
    env = {THREADS_ENV: str(PINNED_THREADS)} if cpu is not None else {}
    records = []
    for index in range(total):
        scheduled = round_args(index, total, rounds, bench)
        if scheduled is not None:
            args, selected = scheduled
            scratch.run(unit.label, selected or None, launch_method, env=env, extra=args,
                        cpu=cpu)
        for slot, group in zip(slots, after, strict=True):
            if slot == index:
                records.append([refprocess.run(module, args, cpu, env)
                                for module, args in group])
                for record in records[-1]:
                    findings.note(record, pinned=cpu is not None)
    scratch.drop_samples(unit.label)
    commit = scratch.hashes[unit.label]
    values = [suite_value(scratch.results_dir, commit, case, unit.device)
              for case in unit.cases]
    return values, records


def pooled(records: list[dict], phase: str, events: bool = False) -> list[float]:
    """Every iteration's seconds of ``phase`` over the ResNet table's processes ``records`` (their
    CUDA-event seconds with ``events``)."""
    found: list[float] = []
    for record in records:
        figures = record["phases"][phase]
        found += figures.get("events", {}).get("times", []) if events else figures["times"]
    return found


def resnet_rows(scratch: AsvScratch, unit: Unit, launch_method: str,
                findings: ExternalFindings) -> list[FidelityRow]:
    """The ResNet table's phases at one batch against its procedure as written (gradients
    accumulating) and the faithful variant (zeroed): one process of each after each asv
    round, in the order ABBA..., so neither variant always runs first."""
    device, batch = unit.device, unit.cases[0].params[1]
    base = ["--device", device, "--batch", str(batch),
            "--iterations", str(findings.table_iterations)]
    seed, zero = (("resnet_table", [*base, "--grads", grads]) for grads in GRADS)
    after = [[seed, zero] if index % 2 == 0 else [zero, seed]
             for index in range(asv_rounds(scratch, unit, findings.rounds))]
    findings.table_processes = len(after)
    suite, groups = interleaved(scratch, unit, launch_method, after, findings)
    records = [record for group in groups for record in group]
    as_written = [r for r in records if r.get("grads") == "accumulate"]
    zeroed = [r for r in records if r.get("grads") == "zero"]
    rows = [FidelityRow(case, device, _procedure(unit), suite=value)
            for case, value in zip(unit.cases, suite, strict=True)]
    for row, phase in zip(rows, PHASES, strict=True):
        if not zeroed:
            row.unavailable = records[0].get("unavailable", "the reference did not run")
            continue
        times = pooled(zeroed, phase)
        row.used = zeroed[0]["used"]
        row.reference, row.reference_mean = statistics.median(times), statistics.fmean(times)
        row.cpu_share = statistics.median(r["cpu_share"] for r in zeroed)
        row.as_written = statistics.median(pooled(as_written, phase))
        events = pooled(zeroed, phase, events=True)
        row.events = statistics.median(events) if events else None
        if row.suite != row.suite:  # NaN: asv stored nothing for it
            row.unavailable = why_not_stored(scratch, unit.label, row.case, unit.device)
    return rows


def op_rows(scratch: AsvScratch, unit: Unit, launch_method: str,
            findings: ExternalFindings) -> list[FidelityRow]:
    """Every op of one framework against aukejw's harness: after some of asv's rounds
    (``OP_PROCESSES`` at most, spread over them), one fresh interpreter per op."""
    device = unit.device
    harness = [("layer_harness", ["--framework", case.framework, "--op", op, "--params",
                                 json.dumps(list(case.asv_params(device)))])
               for op, case in zip(unit.ops, unit.cases, strict=True)]
    rounds = asv_rounds(scratch, unit, findings.rounds)
    groups = min(OP_PROCESSES, rounds)
    suite, records = interleaved(scratch, unit, launch_method, [harness] * groups, findings)
    rows = []
    for index, (case, value) in enumerate(zip(unit.cases, suite, strict=True)):
        row = FidelityRow(case, device, _procedure(unit), suite=value)
        rows.append(row)
        measured = [group[index] for group in records]
        if "unavailable" in measured[0]:
            row.unavailable = measured[0]["unavailable"]
            continue
        row.used = measured[0]["used"]
        row.reference = statistics.median(t for r in measured for t in r["times"])
        row.cpu_share = statistics.median(r["cpu_share"] for r in measured)
        events = [t for r in measured for t in r.get("events", {}).get("times", [])]
        row.events = statistics.median(events) if events else None
        if value != value:
            row.unavailable = why_not_stored(scratch, unit.label, case, unit.device)
    findings.op_processes[unit.cases[0].framework] = (groups, rounds)
    return rows


def _unit_rows(scratch: AsvScratch, unit: Unit, launch_method: str,
               findings: ExternalFindings) -> list[FidelityRow]:
    """The unit's rows; a unit whose run or reference fails is reported as not measured,
    with the reason, and the section goes on (one broken install must not cost the rest)."""
    measure_unit = op_rows if unit.ops else resnet_rows
    try:
        return measure_unit(scratch, unit, launch_method, findings)
    except UserError as error:
        reason = str(error).splitlines()[0]
        return [FidelityRow(case, unit.device, _procedure(unit), unavailable=reason)
                for case in unit.cases]


def measure(scratch: AsvScratch, devices: list[str], launch_method: str,
            findings: ExternalFindings, say: Callable[[str], None] = lambda _: None,
            only: str | None = None) -> ExternalFindings:
    """Every unit on every device, in ``units`` order (each named to ``say`` as it
    starts); the state the suite sets too."""
    import torch

    started = time.perf_counter()
    findings.started, findings.load_before = time.time(), os.getloadavg()
    findings.suite_threads = torch_cpu_threads(torch)
    findings.suite_allocator = allocator.expected_state().label()
    for unit in units(devices, only):
        say(unit.label)
        if unit.device == "gpu" and not gpu_hardware_present():
            findings.rows += [FidelityRow(case, unit.device, _procedure(unit),
                                          unavailable=NO_GPU_HARDWARE) for case in unit.cases]
        else:
            findings.rows += _unit_rows(scratch, unit, launch_method, findings)
    findings.seconds = time.perf_counter() - started
    findings.load_after = os.getloadavg()
    return findings
