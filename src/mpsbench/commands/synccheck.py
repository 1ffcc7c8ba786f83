"""``mpsbench synccheck``: the suite's GPU times against CUDA events and an unsynced clock."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mpsbench.backends.base import DEVICE_PARAMS
from mpsbench.errors import Unavailable, UserError
from mpsbench.files import write_whole
from mpsbench.selfcheck import synccheck


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synccheck",
        help="check that the suite waits for the GPU: its times against CUDA events and "
        "against a deliberately unsynchronized clock",
        description=(synccheck.__doc__ or "").replace("``", "'"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--device", choices=DEVICE_PARAMS, default="gpu")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    rows = []
    for case in synccheck.CASES:
        try:
            rows.extend(synccheck.run_cases(args.device, [case]))
        except Unavailable as error:
            print(f"skipped {case}: {error}", file=sys.stderr)
    if not rows:
        raise UserError(f"no case could run on {args.device!r}; see the reasons above")
    table = synccheck.to_markdown(rows)
    print(table)
    if args.output:
        write_whole(args.output, table, "pass another --output")
    return 0
