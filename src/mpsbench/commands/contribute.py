"""'mpsbench contribute': record this machine's history contribution and pack it.

The history's selection on cpu and gpu over every release not yet recorded here, by
'mpsbench history record' (resumable: run it again after an interruption), then
results/<machine>/ packed as one tar.gz to send back. The same command records on the
self-hosted runners of .github/workflows/history.yml.
"""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

from mpsbench.catalogue import FRAMEWORK_IDS
from mpsbench.commands.options import add_asv_args
from mpsbench.history import repo, selection


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "contribute", help="record this machine's history (cpu and gpu, every release, "
        "resumably) and pack results/<machine>/ to send back",
        description="Refuses a Python that cannot record what a Mac contributes (Rosetta, "
        "macOS below 14, Python below 3.11), says what the recording will cost here, runs "
        "'mpsbench history record' on cpu and gpu over the releases not yet recorded, and "
        "packs results/<machine>/ as a tar.gz, whatever the recording's outcome. Run it "
        "again to continue an interrupted recording. Arguments after '--' go to 'asv run'.")
    parser.add_argument("--name", default=socket.gethostname(),
                        help="asv machine name (default: the host name)")
    parser.add_argument("--results", type=Path, default=Path("results"),
                        help="the results folder (default: %(default)s)")
    parser.add_argument("--history", type=Path, default=repo.DEFAULT_PATH,
                        help="the history repository (default: %(default)s)")
    parser.add_argument("--device", choices=tuple(selection.DEVICE_CHOICES),
                        help="the devices (default: both where this machine has a GPU)")
    parser.add_argument("--framework", choices=FRAMEWORK_IDS, action="append",
                        help="only this framework's releases (repeatable)")
    parser.add_argument("--from", dest="first", metavar="TAG", help="first release")
    parser.add_argument("--to", dest="last", metavar="TAG", help="last release")
    parser.add_argument("--retry-failed", action="store_true",
                        help="run again the combinations whose failure is stored")
    parser.add_argument("--plan", action="store_true",
                        help="only say what the recording would cost here")
    parser.add_argument("--archive", type=Path,
                        help="the tar.gz to write (default: mpsbench-results-<name>.tar.gz)")
    add_asv_args(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mpsbench import contribute
    from mpsbench.commands import history, machine
    from mpsbench.facts import facts_path

    contribute.check_host()
    history.generate(history=args.history)
    if not args.plan and not facts_path(args.results, args.name).is_file():
        machine.record(args.name, args.results)
    print_estimate(args)
    if args.plan:
        return 0
    try:  # 'history record' with the same options (contribute's are a subset of them)
        return history.run_record(argparse.Namespace(**vars(args), rerecord=[]))
    finally:  # whatever the recording's outcome: what it recorded travels
        archive = contribute.pack(args.results, args.name,
                                  args.archive or Path(f"mpsbench-results-{args.name}.tar.gz"))
        print(f"packed {args.results / args.name}/ into {archive}: send that file back "
              "(the project's issue tracker, or the maintainers)", flush=True)


def print_estimate(args: argparse.Namespace) -> None:
    """The releases still due here, their benchmark processes and the time they take."""
    from mpsbench.contribute import INSTALL_SECONDS
    from mpsbench.estimate import estimate
    from mpsbench.history import ledger, record
    from mpsbench.plan import discover_in_subprocess
    from mpsbench.progress import duration

    devices = (selection.DEVICE_CHOICES[args.device] if args.device
               else selection.default_devices())
    frameworks = args.framework or FRAMEWORK_IDS
    commits = record.planned(args.history, frameworks, args.first, args.last)
    plan = discover_in_subprocess(record.benchmark_dir())
    chosen = {fw: record.selection_of(plan, fw, devices) for fw in frameworks}
    due = record.due_by_commit(args.history, commits, chosen, devices, args.results,
                               args.name, ledger.read_ledger(args.results, args.name),
                               args.retry_failed)
    seconds, processes, sources = 0.0, 0, set()
    for _, tag, combos in due:
        selected = plan.select([record.exact_regex(combos)])
        cost = estimate(selected, args.results, args.name)
        seconds += cost.seconds(selected) + INSTALL_SECONDS[record.framework_of(tag)]
        processes += selected.processes
        sources.add(cost.source())
    releases = {fw: sum(record.framework_of(tag) == fw for _, tag, _ in due) for fw in frameworks}
    print(f"\nmpsbench contribute: machine {args.name!r}, the history's selection on "
          f"{selection.devices_said(devices)}", file=sys.stderr)
    print(f"  {len(due)} of {len(commits)} releases to record ("
          + ", ".join(f"{n} {fw}" for fw, n in releases.items()) + f"), {processes} benchmark "
          f"processes: about {duration(seconds)} ({'; '.join(sorted(sources)) or 'nothing due'}"
          "; installs from the CPU history's log)", file=sys.stderr, flush=True)
