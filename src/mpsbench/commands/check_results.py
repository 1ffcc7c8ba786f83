"""``mpsbench check-results``: the gate for a contributed results folder, on its own."""

from __future__ import annotations

import argparse
from pathlib import Path

from mpsbench.commands.options import RESULTS
from mpsbench.errors import UserError, needs_extra


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-results",
        help="check contributed results folders before merging them (what table, report "
        "and publishing admit)",
        description="Checks each machine folder (results/<machine>/) as table, report and "
        "publishing do before reading it: regular files of bounded size and nesting, "
        "machine and param text in a safe alphabet, the suite's benchmarks and params, "
        "possible values. Prints one line per folder; exit 2 when any is refused. "
        "Nothing is changed.",
    )
    parser.add_argument("folders", nargs="*", type=Path, default=[RESULTS], metavar="FOLDER",
                        help="a machine folder, or a results folder to check every machine "
                        "folder in (default: results)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from mpsbench import gate
        from mpsbench.results import load_benchmark_index
    except ModuleNotFoundError as error:
        raise needs_extra(error) from None
    refused = []
    for folder in args.folders:
        if not folder.is_dir():
            raise UserError(f"{folder} is not a folder; name results/ or a machine folder "
                            "in it")
        results = folder if not (folder / "machine.json").exists() else folder.parent
        admission = gate.admit(results, load_benchmark_index(results))
        names = admission.admitted + list(admission.refused)
        for name in sorted(names) if results == folder else [folder.name]:
            if name in admission.refused:
                refused.append(f"refused {results / name}: {admission.refused[name]}")
            elif name in admission.admitted:
                print(f"admitted {results / name}")
    if refused:
        raise UserError("\n".join(refused))
    return 0
