"""``mpsbench table``: the seed's ResNet-50 table from recorded asv results."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mpsbench.facts import read_facts
from mpsbench.report.seed_table import seed_table
from mpsbench.results import current_rows, load_results, newest_commit

DEFAULT_RESULTS = Path("results")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "table",
        help="print the ResNet-50 table (phase x batch: cpu, GPU, speedup) from results",
        description="Reads asv's results directory and prints, for each machine, the seed "
        "table from its newest recorded commit, in seconds per iteration. Speedup is cpu "
        "time over GPU time. Cells with no recorded value show as 'missing'.",
    )
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                        help="asv results directory (default: results)")
    parser.add_argument("--machine", help="only this machine (default: every machine)")
    parser.add_argument("--commit", help="this commit hash instead of the newest")
    parser.add_argument("--html", action="store_true", help="HTML instead of Markdown")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_results(args.results)
    for problem in loaded.problems:
        print(f"note: {problem}", file=sys.stderr)
    frame = current_rows(loaded.frame)
    machines = [args.machine] if args.machine else sorted(frame["machine"].unique())
    for machine in machines:
        commit = args.commit or newest_commit(frame, machine)
        facts = read_facts(args.results, machine)
        gpu = (facts.get("gpu_devices") or {}).get("torch") or "gpu"
        table = seed_table(frame, machine, commit, gpu)
        print(f"## ResNet-50 on {machine} (commit {commit[:8]}), seconds per iteration\n")
        print(table.to_html() if args.html else table.to_markdown())
        for line in table.missing:
            print(f"\nmissing: {line}")
        print()
    return 0
