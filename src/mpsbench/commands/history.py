"""``mpsbench history``: the release history that asv benchmarks (see docs/history.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from mpsbench import gate, waitcheck
from mpsbench.catalogue import FRAMEWORK_IDS
from mpsbench.commands import findings
from mpsbench.commands.options import add_asv_args, add_folders, add_history, url_template
from mpsbench.errors import UserError, needs_extra
from mpsbench.facts import facts_path
from mpsbench.files import machine_lock, read_bounded
from mpsbench.history import index, ledger, package, record, releases, repo, selection
from mpsbench.launch import launch_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "history",
        help="generate the release history asv runs over; propose new releases",
        description="asv benchmarks a git history; mpsbench writes the history of torch "
        "and mlx releases as one, from the release list.",
    )
    actions = parser.add_subparsers(dest="action", required=True)
    for add in (_register_generate, _register_propose, _register_hashfile,
                _register_selection, _register_record, _register_findings,
                _register_recorded):
        add(actions)


def _register_generate(actions: argparse._SubParsersAction) -> None:
    generate = actions.add_parser(
        "generate", help="create or extend the history repository from the release list",
        description="One commit per release, tagged e.g. torch-2.13.0; the same hashes on "
        "every machine. Appending to the list adds commits; editing it is refused.")
    _add_list(generate)
    add_history(generate)
    generate.set_defaults(handler=run_generate)


def _register_propose(actions: argparse._SubParsersAction) -> None:
    propose = actions.add_parser(
        "propose", help="print list entries for releases newer than the newest listed",
        description="Asks the package index (PyPI) and prints [[release]] entries ready to "
        "append to the release list; notes on what it left out go to stderr.")
    _add_list(propose)
    propose.add_argument("--newest-patch", action="store_true",
                         help="only the newest patch of each minor release")
    propose.add_argument("--index-url", default=index.INDEX_URL,
                         help="JSON API address, {name} for the project (default: %(default)s)")
    propose.set_defaults(handler=run_propose)


def _register_hashfile(actions: argparse._SubParsersAction) -> None:
    hashfile = actions.add_parser(
        "hashfile", help="print the commits that changed one framework, for asv's HASHFILE:",
        description="e.g. mpsbench history hashfile --framework mlx > mlx.txt; "
        "asv run HASHFILE:mlx.txt --bench MLX")
    hashfile.add_argument("--framework", choices=FRAMEWORK_IDS, required=True)
    hashfile.add_argument("--after", metavar="TAG",
                          help="only commits after this tag, e.g. torch-2.13.0")
    add_history(hashfile)
    hashfile.set_defaults(handler=run_hashfile)


def _register_selection(actions: argparse._SubParsersAction) -> None:
    chosen = actions.add_parser(
        "selection", help="print the --bench regex of the benchmarks a history records",
        description="The representative subset a release history records (a few minutes a "
        "release on 2 cores): asv run HASHFILE:torch.txt --bench \"$(mpsbench history "
        "selection --framework torch)\"")
    chosen.add_argument("--framework", choices=FRAMEWORK_IDS, required=True)
    _add_device(chosen)
    chosen.set_defaults(handler=run_selection)


def _register_record(actions: argparse._SubParsersAction) -> None:
    record_parser = actions.add_parser(
        "record", help="record the history's selection over the releases, resumably",
        description="One 'asv run' per history commit, in date order, of what its "
        "framework's selection still lacks here: a commit whose every combination is a "
        "value, a skip or a stored failure (each with its reason, in results/<machine>/"
        "history.ledger) is passed over, so an interrupted recording continues where it "
        "stopped and a finished one starts nothing. Arguments after '--' go to 'asv run' "
        "(e.g. -- --cpu-affinity 1).")
    record_parser.add_argument("--name", required=True, help="asv machine name")
    record_parser.add_argument("--framework", choices=FRAMEWORK_IDS, action="append",
                               help="record only this framework's releases (repeatable)")
    _add_device(record_parser)
    record_parser.add_argument("--from", dest="first", metavar="TAG",
                               help="first release to record, e.g. torch-2.5.1")
    record_parser.add_argument("--to", dest="last", metavar="TAG", help="last release")
    record_parser.add_argument("--results", type=Path, default=Path("results"),
                               help="the results folder asv writes to and the recording "
                               "reads (default: results)")
    record_parser.add_argument("--retry-failed", action="store_true",
                               help="run again the combinations whose failure is stored")
    record_parser.add_argument(
        "--rerecord", choices=("slow", "no-canary"), action="append", default=[],
        help="record again, replacing their values, the recorded commits whose host speed "
        "(canary) lay outside its band (slow) or is not on record (no-canary); repeatable")
    add_history(record_parser)
    add_asv_args(record_parser)
    record_parser.set_defaults(handler=run_record)



def _register_findings(actions: argparse._SubParsersAction) -> None:
    findings.register(actions)


def _register_recorded(actions: argparse._SubParsersAction) -> None:
    recorded = actions.add_parser(
        "recorded", help="list the releases each machine has results for (what 'asv compare' "
        "and 'mpsbench table --commit' take)",
        description="Reads the results folder and prints, per machine, the release tags "
        "(and short hashes) that results were recorded at, oldest first.")
    add_folders(recorded)
    add_history(recorded)
    recorded.set_defaults(handler=run_recorded)


def _add_list(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--releases", type=Path, default=releases.DEFAULT_PATH,
                        help="the release list (default: %(default)s)")


def _add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", choices=tuple(selection.DEVICE_CHOICES),
                        help="the devices to record on (default: both where this machine "
                        "has a GPU, else cpu)")


def _devices(args: argparse.Namespace) -> tuple[str, ...]:
    """The devices ``--device`` names, or the machine's default, said on stderr."""
    devices = (selection.DEVICE_CHOICES[args.device] if args.device
               else selection.default_devices())
    why = "" if args.device else (" (this machine has a GPU)" if "gpu" in devices
                                  else " (no GPU on this machine)")
    print(f"selection on {selection.devices_said(devices)}{why}", file=sys.stderr)
    return devices


def run_generate(args: argparse.Namespace) -> int:
    return generate(args.releases, args.history)


def generate(release_list: Path = releases.DEFAULT_PATH, history: Path = repo.DEFAULT_PATH) -> int:
    """Create or extend the ``history`` repository from ``release_list``."""
    commits = list(package.commits(releases.load(release_list)))
    done = repo.generate(history, commits, str(release_list))
    print(f"{history}: {len(done.hashes)} releases, {done.added} new; "
          f"head {done.hashes[-1][:12]} ({done.tags[-1]})")
    return 0


def run_propose(args: argparse.Namespace) -> int:
    url_template(args.index_url, "--index-url")
    listed = releases.load(args.releases) if args.releases.exists() else []
    found, notes = index.propose(
        listed, lambda name: index.fetch_project(name, args.index_url), args.newest_patch)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print("\n".join(releases.to_toml(release) for release in found), end="")
    if not found:
        print(f"nothing to append: {args.releases} is up to date", file=sys.stderr)
    return 0


def run_hashfile(args: argparse.Namespace) -> int:
    commits = repo.tagged_commits(args.history)
    start = 0
    if args.after:
        after = repo.resolve_tag(args.history, args.after)
        start = next(i for i, (sha, _) in enumerate(commits) if sha == after) + 1
    chosen = [sha for sha, tag in commits[start:] if tag.startswith(f"{args.framework}-")]
    if not chosen:
        raise UserError(f"no {args.framework} release in {args.history}"
                        + (f" after {args.after}" if args.after else ""))
    print("\n".join(chosen))
    return 0


def run_selection(args: argparse.Namespace) -> int:
    print(selection.bench_regex(args.framework, _devices(args)))
    return 0


def run_record(args: argparse.Namespace) -> int:
    record.planned(args.history, FRAMEWORK_IDS, args.first, args.last)  # the bounds, first
    gate.check_before_run(args.results / args.name)
    with machine_lock(args.name):  # one run at a time writes this machine's results
        return record_commits(args)


def record_commits(args: argparse.Namespace) -> int:
    """Record each commit of the selection that is due, with asv; failures stored."""
    from mpsbench.plan import discover_in_subprocess

    if not facts_path(args.results, args.name).is_file():
        raise UserError(f"no facts for machine {args.name!r} in {args.results}: run "
                        f"'mpsbench machine --name {args.name} --results {args.results}' first")
    frameworks = args.framework or FRAMEWORK_IDS
    commits = record.planned(args.history, frameworks, args.first, args.last)
    extra = [a for a in args.asv_args if a != "--"]
    extra = [*launch_args(extra), *extra]
    devices = _devices(args)
    # the GPU points' wait check keeps its figures per commit beside the results
    os.environ.setdefault(waitcheck.WAITCHECK_ENV,
                          str((args.results / args.name / waitcheck.FILE_NAME).resolve()))
    plan = discover_in_subprocess(record.benchmark_dir())
    chosen = {fw: record.selection_of(plan, fw, devices) for fw in frameworks}
    book = ledger.read_ledger(args.results, args.name)
    new_failures, stored_failures = [], 0
    with record.asv_config_for(args.results) as config:
        for number, (sha, tag) in enumerate(commits, 1):
            framework = record.framework_of(tag)
            head = f"[{number}/{len(commits)}] {tag} ({sha[:8]})"
            state = record.commit_state(record.stored_statuses(args.results, args.name, sha),
                                        chosen[framework], book.get(sha))
            due = state.due(args.retry_failed)
            why_again = None
            if not due:
                why_again = next(filter(None, (record.rerecord_reason(
                    args.results, args.name, sha, which) for which in args.rerecord)), None)
                if why_again is None:
                    print(f"{head}: recorded ({state.summary()}), passed over", flush=True)
                    stored_failures += len(state.failed)
                    continue
                due = list(chosen[framework].combos)
            entry = book.setdefault(sha, ledger.CommitRecord(tag=tag))
            asked = record.rule_out(entry, due, record.release_selection(
                args.history, sha, framework, devices))
            if len(asked) < len(due):
                ledger.write_ledger(args.results, args.name, book)
                print(f"{head}: {len(due) - len(asked)} combinations skipped up front by the "
                      "release's rules, each with its reason (no benchmark started for them)",
                      flush=True)
            due = asked
            if not due:
                continue
            if why_again is not None:
                print(f"{head}: recording again ({why_again}); its stored values are "
                      "replaced", flush=True)
            else:
                print(f"{head}: recording {len(due)} of {len(chosen[framework].combos)} "
                      f"combinations of {framework}'s selection on "
                      f"{selection.devices_said(devices)} ({state.summary()} before)",
                      flush=True)
            started = time.monotonic()
            code, output = record.asv_run_commit(sha, record.exact_regex(due), args.name,
                                                 [*config, *extra], args.results,
                                                 replace=why_again is not None)
            record.note_outcomes(entry, due,
                                 record.stored_statuses(args.results, args.name, sha),
                                 chosen[framework],
                                 ledger.reasons_in_output(output, chosen[framework].benchmarks),
                                 code)
            ledger.write_ledger(args.results, args.name, book)
            failed = {c: entry.failed[c] for c in due if c in entry.failed}
            new_failures += [f"{tag} {combo}: {why}" for combo, why in failed.items()]
            print(f"{head}: done in {time.monotonic() - started:.0f} s: "
                  f"{len(due) - len(failed)} of {len(due)} a value or a skip", flush=True)
            record.bound_pip_cache(args.results, print)
    if stored_failures:
        print(f"{stored_failures} failures stored earlier were passed over (their reasons are "
              f"in {ledger.ledger_path(args.results, args.name)}); --retry-failed runs them "
              "again", flush=True)
    if new_failures:
        raise UserError(f"{len(new_failures)} combinations failed, each stored with its "
                        "reason (a second recording passes over them; --retry-failed runs "
                        "them again):\n  " + "\n  ".join(new_failures))
    return 0


def recorded_commits(results: Path) -> tuple[dict[str, set[str]], list[str]]:
    """Machine -> the commit hashes its result files hold, and a note per unreadable file."""
    if not results.is_dir():
        raise UserError(f"no results directory at {results}; run 'asv run' first "
                        "(or pass --results DIR)")
    try:  # the gate and the reader need the 'report' extra
        from mpsbench import gate
        from mpsbench.results import load_benchmark_index
    except ModuleNotFoundError as error:
        raise needs_extra(error) from None

    admission = gate.admit(results, load_benchmark_index(results))
    found: dict[str, set[str]] = {}
    for machine in admission.admitted:  # every results file there checked whole
        for path in sorted((results / machine).glob("*.json")):
            if path.name != "machine.json":
                commit = json.loads(read_bounded(path))["commit_hash"]
                found.setdefault(machine, set()).add(commit)
    return found, admission.notes()


def run_recorded(args: argparse.Namespace) -> int:
    found, notes = recorded_commits(args.results)
    order = {sha: (i, tag) for i, (sha, tag) in enumerate(repo.tagged_commits(args.history))}
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not found:
        raise UserError(f"no results under {args.results}")
    for machine, commits in sorted(found.items()):
        ordered = sorted(commits, key=lambda sha: order.get(sha, (len(order), sha)))
        names = [f"{order[sha][1]} ({sha[:8]})" if sha in order
                 else f"{sha[:8]} (not a commit of {args.history})" for sha in ordered]
        print(f"{machine}: {', '.join(names)}")
    return 0
