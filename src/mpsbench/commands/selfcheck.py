"""``mpsbench selfcheck``: measure the suite itself and write docs/performance.md."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import asv  # noqa: F401 -- every section is asv runs: a missing asv is named first

from mpsbench.commands.options import regex
from mpsbench.errors import UserError
from mpsbench.files import write_whole
from mpsbench.hardware import gpu_hardware_present
from mpsbench.launch import default_launch_method
from mpsbench.machine import torch_threads
from mpsbench.selfcheck import affinity, analysis, external, measure, report
from mpsbench.selfcheck.asvrun import AsvScratch
from mpsbench.selfcheck.cases import CASES, find_case
from mpsbench.selfcheck.report import Findings

SECTIONS = ("fidelity", "external", "overhead", "stability", "regression")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "selfcheck",
        help="measure the suite's fidelity, overhead and stability; write docs/performance.md",
        description="Runs asv for real into a scratch directory and measures: suite times "
        "against independent references (fidelity); what asv stored against outside "
        "procedures (the ResNet table's procedure, aukejw's layer harness) run in their own "
        "processes (external); where each benchmark process's time goes, under spawn and "
        "forkserver and over the default grid (overhead); the default grid run twice and "
        "compared (A/A stability); and a test-only benchmark slowed by 25% (A/B). Writes "
        "the report whole. Run it from the repository root.",
    )
    parser.add_argument("--output", type=Path, default=Path("docs/performance.md"),
                        help="report to write (default: docs/performance.md)")
    parser.add_argument("--device", choices=["cpu", "gpu", "all"], default="all",
                        help="fidelity and external devices; 'all' is cpu plus gpu where "
                        "there is one")
    parser.add_argument("--bench", help="asv --bench regex for the overhead and A/A runs "
                        "(default: the whole default grid)")
    parser.add_argument("--cases", help="comma-separated fidelity case keys (default: all)")
    parser.add_argument("--min-time", type=float, default=5.0,
                        help="seconds of reference timing in each fidelity benchmark "
                        "process, half before asv's sampling and half after (default: 5)")
    parser.add_argument("--units", help="regex over the external section's units "
                        "(e.g. 'ops|b16'; default: all)")
    parser.add_argument("--table-iterations", type=int, default=external.TABLE_ITERATIONS,
                        help="timed iterations of each phase in the external section's "
                        f"ResNet-50 reference (default: {external.TABLE_ITERATIONS})")
    parser.add_argument("--external-rounds", type=int, default=1, metavar="N",
                        help="asv rounds of each external unit at least, a reference "
                        "group after each (default: the classes' own)")
    parser.add_argument("--gpu-cpu", default=affinity.NONE, metavar="CPU",
                        help="the one CPU both sides of the external section's GPU units "
                        "run on, each from its start: a number, 'last' (the last this "
                        "process may use) or 'none' (default: as the suite runs, unpinned; "
                        "docs/gpu.md says what pinning did on the H200)")
    parser.add_argument("--skip", action="append", choices=SECTIONS, default=[],
                        help="leave a section out (repeatable)")
    parser.add_argument("--work", type=Path, help="keep asv's scratch files here")
    parser.set_defaults(handler=run, selfcheck_parser=parser)


def command_line(args: argparse.Namespace) -> str:
    """The command as a shell takes it, options that differ from the parser's defaults."""
    parts = ["mpsbench", "selfcheck"]
    for option in ("output", "device", "bench", "cases", "units", "min_time",
                   "table_iterations", "external_rounds", "gpu_cpu", "work"):
        value = getattr(args, option)
        if value is not None and value != args.selfcheck_parser.get_default(option):
            parts += [f"--{option.replace('_', '-')}", str(value)]
    for section in args.skip:
        parts += ["--skip", section]
    return shlex.join(parts)


def devices(choice: str) -> list[str]:
    if choice == "all":
        return ["cpu", "gpu"] if gpu_hardware_present() else ["cpu"]
    return [choice]


def suite_settings(launch_method: str) -> list[str]:
    """What the suite does to keep overhead down, read from its own settings."""
    from mpsbench.asv_settings import MLX_OP_ROUNDS, ColdStartTiming, StepTiming

    return [
        f"- launch method here: `{launch_method}` (`mpsbench run` picks forkserver on Linux, "
        "spawn on macOS). asv's forkserver imports the suite once and forks a process per "
        "param combination; on Linux it also imports torch and torchvision once before any "
        "fork, and touches no device, so CUDA is initialized only in the children. On "
        "macOS, forking after Metal or the Objective-C runtime is loaded is unsafe, so "
        "every process is spawned and imports for itself.",
        "- lazy imports: importing the suite imports no framework, and a spawned torch "
        "benchmark process never imports mlx, nor an MLX one torch (tested). The Linux "
        "forkserver's children all inherit the torch it imported once; MLX benchmarks "
        "never call it.",
        "- models are built once per process (`cached_step`); asv's per-sample setup only "
        "looks them up.",
        "- timing settings (`mpsbench/asv_settings.py`, `StepTiming`): "
        f"number={StepTiming.number}, repeat={StepTiming.repeat}, rounds={StepTiming.rounds}, "
        f"warmup_time={StepTiming.warmup_time} (docs/decisions.md, \"Rounds\", says why).",
        f"- MLX operators' `time_step`: rounds={MLX_OP_ROUNDS} (docs/decisions.md, \"Rounds\").",
        "- the first call is not measured in every process: it is its own metric, "
        "`timeraw_first_call`, whose samples are fresh interpreters (`ColdStartTiming`: "
        f"repeat={ColdStartTiming.repeat}, rounds={ColdStartTiming.rounds}), in the default "
        "grid for compiled steps and GPU ResNet-50 only. One first call per process was one "
        "value per run, which `asv compare` can only judge by its ratio; an earlier A/A run "
        "here flagged most first calls that way (docs/decisions.md, \"Rounds\").",
        f"- torch's CPU kernels use {torch_threads()} thread(s) here: all cores but one "
        "(`mpsbench.threads`), because a pool on every core waits for whichever worker "
        "the OS preempts.",
    ]


def run(args: argparse.Namespace) -> int:
    root = Path.cwd()
    if not (root / "asv.conf.json").exists() or not (root / "benchmarks").is_dir():
        raise UserError("run 'mpsbench selfcheck' from the repository root (asv.conf.json)")
    try:
        cases = [find_case(k) for k in args.cases.split(",")] if args.cases else CASES
    except ValueError as error:
        raise UserError(f"--cases: {error}") from None
    if args.units is not None:
        regex(args.units, "--units")
    gpu_cpu = affinity.resolve(args.gpu_cpu)
    if args.external_rounds < 1:
        raise UserError(f"--external-rounds must be at least 1, not {args.external_rounds}")
    chosen = devices(args.device)
    launch_method = default_launch_method()
    work = args.work or Path(tempfile.mkdtemp(prefix="mpsbench-selfcheck-"))
    findings = Findings(started=time.time(), load_before=os.getloadavg())
    scratch = AsvScratch(root, work / "suite", ["spawn", "forkserver", "A1", "A2",
                                                *[measure.fidelity_label(c, d)
                                                  for d in chosen for c in cases],
                                                *[u.label for u in external.units(chosen)]])
    try:
        findings.import_torch = measure.import_seconds("import torch")
        findings.import_torch_vision = measure.import_seconds("import torch, torchvision")
        if "fidelity" not in args.skip:
            _say("fidelity")
            findings.fidelity = [measure.fidelity_row(scratch, case, device, launch_method,
                                                      args.min_time)
                                 for device in chosen for case in cases]
        if "external" not in args.skip:
            _say("external fidelity")
            findings.external = external.measure(
                scratch, chosen, launch_method,
                external.ExternalFindings(table_iterations=args.table_iterations,
                                          rounds=args.external_rounds,
                                          gpu_cpu=gpu_cpu), _say,
                args.units)
        if "overhead" not in args.skip:
            _say("launch methods")
            findings.launch = measure.interleaved(
                scratch, [measure.Plan(m, measure.LAUNCH_SUBSET, m)
                          for m in ("spawn", "forkserver")])
        labels = ["A1", "A2"] if "stability" not in args.skip else ["A1"]
        if "overhead" in args.skip and "stability" in args.skip:
            labels = []
        if labels:
            _say(f"the grid, as {' and '.join(labels)}")
            runs = measure.interleaved(
                scratch, [measure.Plan(label, args.bench, launch_method) for label in labels])
            findings.default_runs = list(runs.values())
        if len(labels) == 2:
            findings.stability = measure.compare(scratch, "A1", "A2")
            findings.spreads = analysis.spreads(
                json.loads(scratch.result_file("A2").read_text()))
        if "regression" not in args.skip:
            _say("regression")
            findings.regression = measure.regression(root, work / "regression", launch_method)
    except BaseException:
        print(f"selfcheck: stopped; asv's scratch files are kept in {work}", file=sys.stderr)
        raise
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    findings.load_after = os.getloadavg()
    findings.seconds = time.time() - findings.started
    text = report.render(findings, command_line(args), measure.LAUNCH_SUBSET,
                         f"`--bench {args.bench}`" if args.bench else "every benchmark",
                         suite_settings(launch_method))
    write_whole(args.output, text, "pass another --output")
    _say(f"wrote {args.output}")
    return 0


def _say(what: str) -> None:
    print(f"selfcheck: {what}", flush=True)
