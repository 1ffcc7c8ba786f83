"""``mpsbench machine``: record this machine's facts for asv and beside the results."""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path

from mpsbench.errors import UserError
from mpsbench.facts import facts_path
from mpsbench.machine import asv_machine_info, machine_facts


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "machine",
        help="describe this machine to asv (GPU included) and save its full facts",
        description="Saves this machine's facts in asv's machine file and writes them, "
        "with the framework versions, to <results>/<machine>/machine.facts (JSON).",
    )
    parser.add_argument("--name", default=socket.gethostname(), help="asv machine name")
    parser.add_argument("--results", type=Path, default=Path("results"),
                        help="asv results directory (default: results)")
    parser.set_defaults(handler=run)


def write_facts(name: str, facts: dict, results_dir: Path) -> Path:
    """Write ``facts`` as JSON beside ``name``'s results; returns the path."""
    path = facts_path(results_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": name, **facts}, indent=2) + "\n")
    return path


def run(args: argparse.Namespace) -> int:
    try:
        from asv.machine import MachineCollection
    except ModuleNotFoundError:
        raise UserError("asv is not installed; pip install -e '.[bench]'") from None
    facts = machine_facts()
    # asv's own store (~/.asv-machine.json). Not 'asv machine': it drops every field
    # equal to its default, the name too when it is the hostname, and then fails.
    MachineCollection.save(args.name, asv_machine_info(facts, args.name))
    path = write_facts(args.name, facts, args.results)
    print(f"machine {args.name!r} recorded for asv; facts in {path}")
    return 0
