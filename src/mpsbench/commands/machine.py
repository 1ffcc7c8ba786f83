"""``mpsbench machine``: record this machine's facts for asv and beside the results."""

from __future__ import annotations

import argparse
import json
import re
import socket
from pathlib import Path
from typing import Any

from mpsbench.allocator import requested_mode
from mpsbench.commands.options import RESULTS, add_folders
from mpsbench.errors import UserError, needs_extra
from mpsbench.facts import facts_path, read_facts
from mpsbench.files import write_whole

# A machine name is a folder under results/ and is shown, as markup, on asv's site.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# What tells two machines apart; a facts file that differs in any is another machine's.
IDENTITY = ("hostname", "cpu", "arch", "num_cpu", "gpu")
# The fields of asv's machine.json that 'asv machine' and mpsbench write alike.
ASV_IDENTITY = ("arch", "num_cpu")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "machine",
        help="describe this machine to asv (GPU included) and save its full facts",
        description="Saves this machine's facts in asv's machine file and writes them, "
        "with the framework versions, to <results>/<machine>/machine.facts (JSON). A name "
        "whose folder describes another machine is refused, unless --force.",
    )
    parser.add_argument("--name", default=socket.gethostname(),
                        help="asv machine name: letters, digits, '.', '_' and '-' "
                        "(default: the hostname)")
    add_folders(parser)
    parser.add_argument("--force", action="store_true",
                        help="replace the facts of a folder that describes another machine")
    parser.set_defaults(handler=run)


def check_name(name: str) -> str:
    """``name`` if it is a safe machine name, else a ``UserError`` saying what is allowed."""
    if not NAME.fullmatch(name):
        raise UserError(f"machine name {name!r} is not allowed: use 1 to 64 letters, digits, "
                        "'.', '_' or '-', starting with a letter or digit (it names a folder "
                        "under results/ and shows on asv's site); pass --name")
    return name


def write_facts(name: str, facts: dict, results_dir: Path) -> Path:
    """Write ``facts`` as JSON beside ``name``'s results, whole or not at all; returns the
    path."""
    path = facts_path(results_dir, check_name(name))
    write_whole(path, json.dumps({"machine": name, **facts}, indent=2) + "\n",
                f"make {results_dir} writable, or pass another with --results")
    return path


def differences(facts: dict[str, Any], asv_info: dict[str, str], folder: Path) -> list[str]:
    """How the machine recorded in ``folder`` differs from this one ([]: the same one)."""
    try:
        old = read_facts(folder.parent, folder.name)
    except UserError as error:
        raise UserError(f"{error}; or, if it is this machine's, replace it with --force; "
                        "nothing was written") from None
    if old:
        found = [f"{key} {old[key]!r} there, {facts.get(key)!r} here" for key in IDENTITY
                 if old.get(key) is not None and old[key] != facts.get(key)]
        if old.get("ram_bytes") and _gib(old["ram_bytes"]) != _gib(facts["ram_bytes"]):
            found.append(f"ram {_gib(old['ram_bytes'])} GiB there, "
                         f"{_gib(facts['ram_bytes'])} GiB here")
        return found
    try:  # described by asv alone (no facts file): its machine.json
        info = json.loads((folder / "machine.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(info, dict):
        return []
    return [f"{key} {info[key]!r} there, {asv_info[key]!r} here" for key in ASV_IDENTITY
            if info.get(key) and str(info[key]) != asv_info[key]]


def _gib(size: int) -> int:
    return round(size / 2**30)


def run(args: argparse.Namespace) -> int:
    return record(args.name, args.results, args.force)


def record(name: str, results: Path = RESULTS, force: bool = False) -> int:
    """Describe this machine to asv as ``name`` and write its facts under ``results``."""
    check_name(name)
    if results.exists() and not results.is_dir():
        raise UserError(f"{results} is a file; --results names asv's results folder")
    try:
        from asv.machine import MachineCollection

        from mpsbench.machine import asv_machine_info, machine_facts
    except ModuleNotFoundError as error:
        raise needs_extra(error) from None
    try:  # the facts record the allocator mode MPSBENCH_MALLOC asks for
        requested_mode()
    except ValueError as error:
        raise UserError(str(error)) from None
    facts = machine_facts()
    info = asv_machine_info(facts, name)
    other = differences(facts, info, results / name)
    if other and not force:
        raise UserError(f"{results / name} describes another machine ("
                        f"{'; '.join(other)}): pick another --name, or pass --force to "
                        "replace its facts; nothing was written")
    # Which versions ran each commit is history: a rewrite of the same machine keeps it.
    earlier = None if other else read_facts(results, name).get("environments")
    if earlier:
        facts["environments"] = earlier
    path = write_facts(name, facts, results)
    # asv's own store (~/.asv-machine.json). Not 'asv machine': it drops every field
    # equal to its default, the name too when it is the hostname, and then fails.
    MachineCollection.save(name, info)
    print(f"machine {name!r} recorded for asv; facts in {path}")
    return 0
