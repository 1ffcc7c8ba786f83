"""``mpsbench table``: the seed's ResNet-50 table from recorded asv results."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mpsbench.backends.base import DEVICE_PARAMS
from mpsbench.facts import read_facts
from mpsbench.report.framework_table import framework_table, resnet_timings
from mpsbench.report.llm_table import print_tables as print_llm_tables
from mpsbench.report.seed_table import phase_of, seed_table
from mpsbench.results import current_rows, load_results, newest_commit

DEFAULT_RESULTS = Path("results")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "table",
        help="print the ResNet-50 table (phase x batch: cpu, GPU, speedup) from results",
        description="Reads asv's results directory and prints, for each machine, the seed "
        "table from its newest commit with ResNet-50 timings, in seconds per iteration. "
        "Speedup is cpu time over GPU time. With --frameworks: torch against MLX and "
        "compiled MLX on one device, with torch's time over each (above 1: faster than "
        "torch). Cells with no recorded value show as 'missing'.",
    )
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                        help="asv results directory (default: results)")
    parser.add_argument("--machine", help="only this machine (default: every machine)")
    parser.add_argument("--commit", help="this commit hash instead of the newest")
    parser.add_argument("--html", action="store_true", help="HTML instead of Markdown")
    parser.add_argument("--frameworks", action="store_true",
                        help="torch against MLX and compiled MLX instead of cpu against GPU")
    parser.add_argument("--device", choices=DEVICE_PARAMS, default="cpu",
                        help="the device for --frameworks and --llm (default: cpu)")
    parser.add_argument("--llm", action="store_true",
                        help="small-LLM tokens/s (prompt, generation): torch, compiled "
                        "torch and MLX, per model and dtype, with ratios")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_results(args.results)
    for problem in loaded.problems:
        print(f"note: {problem}", file=sys.stderr)
    frame = current_rows(loaded.frame)
    machines = [args.machine] if args.machine else sorted(frame["machine"].unique())
    if args.llm:
        return print_llm_tables(frame, machines, args.commit, args.device, args.html)
    timed = frame[frame["value"].notna()]
    for machine in machines:
        if args.frameworks:
            commit = args.commit or newest_commit(resnet_timings(timed), machine)
            table = framework_table(frame, machine, commit, args.device)
            title = f"torch against MLX, {args.device}"
        else:
            commit = args.commit or newest_commit(timed[timed["cls"].map(phase_of).notna()],
                                                  machine)
            facts = read_facts(args.results, machine)
            gpu = (facts.get("gpu_devices") or {}).get("torch") or "gpu"
            table = seed_table(frame, machine, commit, gpu)
            title = "cpu against the GPU"
        print(f"## ResNet-50 on {machine}, {title} (commit {commit[:8]}), "
              "seconds per iteration\n")
        print(table.to_html() if args.html else table.to_markdown())
        for line in table.missing:
            print(f"\nmissing: {line}")
        print()
    return 0
