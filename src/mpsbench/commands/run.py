"""``mpsbench run``: the main job: generate the release history, describe the machine,
run asv on the newest release, publish, write the report, print the table."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys

from mpsbench.errors import UserError
from mpsbench.launch import launch_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="the main job: record machine facts, asv run, asv publish, report, print the "
        "table",
        description="Generates the release history (.asv/history), records this machine's "
        "facts, runs the benchmarks through asv on the newest release, "
        "publishes the site into html/, writes the comparison report into html/mpsbench/ "
        "and prints the ResNet-50 table. Arguments after "
        "'--' go to 'asv run' (e.g. -- --quick, -- --bench resnet50). Benchmark processes "
        "start from asv's forkserver on Linux and are spawned on macOS, unless "
        "--launch-method is given there.",
    )
    parser.add_argument("--name", default=socket.gethostname(), help="asv machine name")
    parser.add_argument("asv_args", nargs=argparse.REMAINDER,
                        help="extra 'asv run' arguments, after '--'")
    parser.set_defaults(handler=run)


def asv(*args: str) -> None:
    """Run an asv command, streaming its output; a failure becomes a UserError."""
    command = [sys.executable, "-m", "asv", *args]
    print("$ asv " + " ".join(args), flush=True)
    if subprocess.run(command).returncode != 0:
        raise UserError(f"'asv {' '.join(args)}' failed; see its output above")


def subcommand(*argv: str) -> int:
    """Run another ``mpsbench`` subcommand as its own parser reads ``argv``."""
    from mpsbench.cli import build_parser

    parsed = build_parser().parse_args(argv)
    return int(parsed.handler(parsed) or 0)


def run(args: argparse.Namespace) -> int:
    extra = [a for a in args.asv_args if a != "--"]
    subcommand("history", "generate")
    subcommand("machine", "--name", args.name)
    asv("run", "--machine", args.name, "--show-stderr", *launch_args(extra), *extra)
    asv("publish")
    subcommand("report")
    print("site written to html/, the report to html/mpsbench/; browse them with: "
          "asv preview\n")
    return subcommand("table", "--machine", args.name)
