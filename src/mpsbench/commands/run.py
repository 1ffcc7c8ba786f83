"""'mpsbench run': the main job: generate the release history, describe the machine,
say what the run will do and how long it will take, run asv on the newest release in
chunks that each save, publish, write the report, print the tables and what to do next."""

from __future__ import annotations

import argparse
import os
import select
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from mpsbench import canary, gate, samples
from mpsbench.commands import history, machine, publish, table
from mpsbench.commands.options import HTML, MAX_ROUNDS, RESULTS, add_asv_args, regex, whole_number
from mpsbench.errors import UserError
from mpsbench.files import machine_lock
from mpsbench.launch import launch_args

if TYPE_CHECKING:
    from mpsbench.estimate import Estimate
    from mpsbench.firstlook import Chunk
    from mpsbench.plan import Plan

GRIDS = ("first-look", "default", "dtypes", "full")
LOGS = Path(".asv") / "logs"
SERVE = "python3 -m http.server -b 127.0.0.1 -d html"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="the main job: a first look in a few minutes (or --grid default: the whole "
        "default grid), recorded by asv, then the site, the report and the tables",
        description="Generates the release history (.asv/history), records this machine's "
        "facts, says how many benchmark processes it will start, how many skip here and "
        "why, and how long it should take; then runs asv on the newest release, one asv "
        "run per chunk of benchmarks (each chunk saves, so an interrupted run keeps the "
        "finished ones), showing processes done out of the total and the time left. Then "
        "it publishes the site into html/, writes the comparison report into "
        "html/mpsbench/ and prints the tables. By default it runs the first look: the "
        "ResNet-50 table at batch 1 and the operators at the default point, points "
        "of the default grid under the same names; --grid default runs the whole default "
        "grid. Arguments after '--' go to every 'asv run' (e.g. -- --quick); with -- "
        "--bench REGEX one asv run records what REGEX selects. Benchmark processes start "
        "from asv's forkserver on Linux and are spawned on macOS, unless --launch-method "
        "is given there.",
    )
    parser.add_argument("--name", default=socket.gethostname(), help="asv machine name")
    parser.add_argument("--grid", choices=GRIDS, default="first-look",
                        help="what to run: first-look (the default, a few minutes), or a "
                        "whole grid (MPSBENCH_GRID): default, dtypes, full (72,000 processes)")
    parser.add_argument("--plan", action="store_true",
                        help="only say what the run would do and how long it would take")
    parser.add_argument("--replace", action="store_true",
                        help="replace the samples already stored for the points it runs "
                        "(by default a second run adds its samples to theirs)")
    add_asv_args(parser)
    parser.set_defaults(handler=run)


class Work(NamedTuple):
    """One chunk of the run: the benchmarks it selects and what they should cost."""

    chunk: Chunk
    selected: Plan
    cost: Estimate

    @property
    def seconds(self) -> float:
        return self.cost.seconds(self.selected)


def grid_environ(grid: str) -> dict[str, str]:
    """MPSBENCH_GRID for asv's processes: the first look is part of the default grid."""
    from mpsbench.grids import GRID_ENV

    return {GRID_ENV: "default" if grid == "first-look" else grid}


def user_selects(extra: list[str]) -> bool:
    return any(a in ("--bench", "-b") or a.startswith("--bench=") for a in extra)


def rounds_override(args: list[str]) -> int | None:
    """The rounds asv will use for every benchmark, where the arguments force them."""
    if "--quick" in args or "-q" in args:
        return 1
    for before, value in zip(args, args[1:], strict=False):
        if before in ("-a", "--attribute") and value.startswith("rounds="):
            return whole_number(value.partition("=")[2], f"{before} rounds=", 1, MAX_ROUNDS)
    return None


def run(args: argparse.Namespace) -> int:
    from mpsbench.envinfo import needs_install
    from mpsbench.estimate import INSTALL_SECONDS, estimate
    from mpsbench.firstlook import FIRST_LOOK, Chunk, grid_chunks
    from mpsbench.plan import discover_in_subprocess

    extra = [a for a in args.asv_args if a != "--"]
    machine.check_name(args.name)
    for text in bench_regexes(extra):
        regex(text, "--bench")
    rounds_override(extra)
    environ = grid_environ(args.grid)
    os.environ.update(environ)
    history.generate()
    plan = discover_in_subprocess(Path("benchmarks"), environ)
    if user_selects(extra):
        chunks = [Chunk("your --bench selection", ())]
    elif args.grid == "first-look":
        chunks = list(FIRST_LOOK)
    else:
        chunks = grid_chunks(plan)
    work = []
    for chunk in chunks:
        selected = plan.select(list(chunk.regexes)) if chunk.regexes else \
            plan.select(bench_regexes(extra))
        selected = selected.with_rounds(rounds_override([*chunk.asv_args, *extra]))
        cost = estimate(selected, RESULTS, args.name, asv_runs=1)
        work.append(Work(chunk, selected, cost))
    install = INSTALL_SECONDS if needs_install(extra) else 0.0
    print_plan(args, work, install)
    if args.plan:  # says what a run would do, and writes nothing under results/
        return 0
    gate.check_before_run(RESULTS / args.name)
    with machine_lock(args.name):
        return record_and_publish(args, plan, work, extra, install)


def record_and_publish(args: argparse.Namespace, plan, work: list[Work],
                       extra: list[str], install: float = 0.0) -> int:
    """Describe the machine, run asv chunk by chunk, publish, report, print the tables."""
    from mpsbench import envinfo
    from mpsbench.progress import duration

    machine.record(args.name)
    earlier = samples.stored(RESULTS, args.name)
    log = LOGS / f"run-{datetime.now():%Y%m%d-%H%M%S}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    done, total = 0, sum(w.selected.processes for w in work)
    spent_estimate = 0.0
    total_estimate = install + sum(w.seconds for w in work)
    failures: dict[str, str] = {}
    for index, (chunk, selected, cost) in enumerate(work, 1):
        bench = [a for regex in chunk.regexes for a in ("--bench", regex)]
        asv_args = ["run", "--machine", args.name, "--show-stderr", *launch_args(extra),
                    *samples.asv_flags(args.replace), *chunk.asv_args, *bench, *extra]
        first_install = install if index == 1 else 0.0
        print(f"\n[{index}/{len(work)}] {chunk.label}: {selected.processes} processes "
              f"({selected.run} run), about {duration(cost.seconds(selected))}"
              + (f", after asv installs the release's stack (about {duration(install)})"
                 if first_install else ""), flush=True)
        try:
            with canary.spooled(RESULTS, args.name):
                code, output = stream_asv(asv_args, log, selected, cost, done, total,
                                          time.monotonic() - started, spent_estimate,
                                          total_estimate, first_install)
        except KeyboardInterrupt:
            saved = ", ".join(w.chunk.label for w in work[:index - 1]) or "none"
            raise UserError(f"interrupted; chunks saved in {RESULTS / args.name}: {saved}. "
                            "Run the same command again to record the rest") from None
        if code != 0:
            failures.update(failed_combinations(selected, args.name, output, code))
        done += selected.processes
        spent_estimate += cost.seconds(selected) + first_install
    print(f"\nbenchmarks done in {duration(time.monotonic() - started)}; asv's full "
          f"output is in {log}")
    for line in samples.describe(earlier, samples.stored(RESULTS, args.name), args.replace):
        print(f"earlier samples: {line}")
    print()
    envinfo.record_benchmarked(RESULTS, args.name, extra)
    code = print_tables(args.name)  # first, so they come as soon as the benchmarks end
    publish.publish()  # whatever asv's exit codes: what did finish is published
    print_next(args, plan)
    if failures:
        raise UserError(f"{len(failures)} combination(s) failed (the rest is published; "
                        f"asv's output is in {log}):\n  "
                        + "\n  ".join(f"{combo}: {why}" for combo, why in failures.items()))
    return code


def failed_combinations(selected, machine: str, output: str, code: int) -> dict[str, str]:
    """The combinations of ``selected`` whose failure asv stored at the newest release,
    each with the reason asv's output gave; where none is stored, asv's own failure."""
    from mpsbench.history import ledger, record, repo
    from mpsbench.results import FAILED

    newest = repo.tagged_commits(repo.DEFAULT_PATH)[-1][0]
    stored = record.stored_statuses(RESULTS, machine, newest)
    reasons = ledger.reasons_in_output(output, {b.name for b in selected.benchmarks})
    failed = {combo: reasons.get(combo, "failed (asv's output says why)")
              for b in selected.benchmarks for combo in b.combos
              if stored.get(combo) == FAILED}
    if not failed:
        last = (output.strip().splitlines() or [""])[-1].strip()
        failed[f"asv run (exit {code})"] = last or "it recorded nothing"
    return failed


def bench_regexes(extra: list[str]) -> list[str]:
    out = []
    for before, value in zip(extra, extra[1:], strict=False):
        if before in ("--bench", "-b"):
            out.append(value)
    out.extend(a.partition("=")[2] for a in extra if a.startswith("--bench="))
    return out


def print_plan(args: argparse.Namespace, work: list[Work], install: float = 0.0) -> None:
    from mpsbench.progress import duration

    processes = sum(w.selected.processes for w in work)
    running = sum(w.selected.run for w in work)
    skipped = processes - running
    reasons: dict[str, int] = {}
    for w in work:
        for reason, count in w.selected.skip_reasons().items():
            reasons[reason] = reasons.get(reason, 0) + count
    seconds = install + sum(w.seconds for w in work)
    what = ("the first look (points of the default grid)" if args.grid == "first-look"
            else f"the whole {args.grid} grid")
    print(f"\nmpsbench run: {what}, on the newest release, as machine {args.name!r}")
    print(f"  {processes} benchmark processes in {len(work)} asv run(s): {running} run, "
          f"{skipped} skip before importing a framework"
          + (" (" + ", ".join(f"{n} {r}" for r, n in sorted(
              reasons.items(), key=lambda x: -x[1])) + ")" if reasons else ""))
    sources = {w.cost.source() for w in work}
    print(f"  estimated wall time: about {duration(seconds)} ({'; '.join(sorted(sources))})")
    if install:
        print(f"  of which about {duration(install)} is asv installing the release's stack "
              "into its environment under .asv/env (5.7 GB; first run only)")
    print(f"  results: {RESULTS / args.name}/ (asv); site: {HTML}/; report: "
          f"{HTML / 'mpsbench' / 'index.html'}", flush=True)


def stream_asv(asv_args: list[str], log: Path, selected, cost, done: int,
               total: int, seconds_before: float, estimate_before: float,
               total_estimate: float, install: float = 0.0) -> tuple[int, str]:
    """Run asv, writing its output to ``log`` and showing a progress line instead, kept
    current while asv is silent (installing its environment); asv's exit code and its
    output. ``install``: the estimated seconds of that install, 0 where there is none."""
    from mpsbench.progress import Progress, install_item, work_items

    items = work_items(selected, lambda name: cost.per_round.get(name, 0.0))
    progress = Progress([install_item(install), *items] if install else items,
                        done_before=done, total=total, seconds_before=seconds_before,
                        estimate_before=estimate_before, total_estimate=total_estimate)
    tty = sys.stdout.isatty()
    command = [sys.executable, "-m", "asv", *asv_args]
    with log.open("a", encoding="utf-8") as out:
        out.write("$ asv " + " ".join(asv_args) + "\n")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert process.stdout is not None
        last = time.monotonic()
        said = []
        while True:
            if select.select([process.stdout], [], [], 1.0)[0]:
                data = os.read(process.stdout.fileno(), 4096)
                if not data:
                    break
                text = data.decode("utf-8", errors="replace")
                out.write(text)
                said.append(text)
                for line in progress.feed(text):
                    print(("\r\033[K" if tty else "") + line, flush=True)
            now = time.monotonic()
            if tty:
                print("\r\033[K" + progress.line(), end="", flush=True)
            elif now - last > 20:
                print(progress.line(), flush=True)
                last = now
        code = process.wait()
    progress.done = len(progress.items)
    print(("\r\033[K" if tty else "") + progress.line().replace("saving", "saved"),
          flush=True)
    if progress.skips:
        print("  n/a here (combinations): "
              + ", ".join(f"{n} {r}" for r, n in progress.skips.items()), flush=True)
    if code != 0:
        print(f"  asv exited {code} (a benchmark failed, or asv did); the run goes on and "
              f"publishes what finished. Its output is in {log}", flush=True)
    return code, "".join(said)


def print_tables(machine: str) -> int:
    """The ResNet-50 seed table, then torch against MLX per device, from this machine's
    results; the exit code of the seed table."""
    code = table.show(RESULTS, machine=machine)
    print_versus_tables(RESULTS, machine)
    return code


def print_next(args: argparse.Namespace, plan) -> None:
    """Where the site is, and the commands to run next, as this shell reaches them."""
    from mpsbench.estimate import estimate
    from mpsbench.firstlook import grid_chunks
    from mpsbench.progress import duration

    bin_dir = command_prefix()
    print(f"site: {HTML}/index.html (asv), report: {HTML / 'mpsbench' / 'index.html'}")
    print(f"open them on this machine only: {SERVE}   (then http://127.0.0.1:8000/)")
    print("next:")
    if args.grid == "first-look":
        full = estimate(plan, RESULTS, args.name, asv_runs=len(grid_chunks(plan)))
        print(f"  {bin_dir}mpsbench run --grid default   # the whole default grid: "
              f"{plan.processes} processes, about {duration(full.seconds(plan))} here")
    print(f"  {bin_dir}mpsbench table --frameworks --machine {args.name}   # ResNet-50: "
          "torch against MLX, every phase")
    print(f"  {bin_dir}mpsbench table --llm --machine {args.name}   # the LLM in tokens/s")
    print("  README, 'After the main job': asv compare and asv find across releases")


def command_prefix() -> str:
    """The folder of this Python's commands as a shell here reaches it: '.venv/bin/'."""
    folder = Path(sys.executable).parent
    try:
        return f"{folder.relative_to(Path.cwd())}/"
    except ValueError:
        return f"{folder}/"


def print_versus_tables(results_dir: Path, machine: str) -> None:
    """torch against MLX per workload with a verdict, per device with values, and what a
    reader must know beside them."""
    from mpsbench.facts import read_facts
    from mpsbench.firstlook import caveats, versus_markdown, versus_table
    from mpsbench.results import current_rows, load_results, newest_commit

    frame = current_rows(load_results(results_dir).frame)
    mine = frame[frame["value"].notna() & (frame["machine"] == machine)]
    if mine.empty:
        return
    commit = newest_commit(mine, machine)
    os_name = str(read_facts(results_dir, machine).get("os") or "")
    for device in ("cpu", "gpu"):
        versus = versus_table(frame, machine, commit, device)
        if versus[["torch", "MLX"]].notna().sum().sum() == 0:
            continue
        print(f"## torch against MLX on {machine}, {device} (commit {commit[:8]}), "
              "seconds per step, one round\n")
        print(versus_markdown(versus))
        print("\n" + "\n".join(f"note: {line}" for line in caveats(device, os_name)) + "\n")
