"""``mpsbench history``: the release history that asv benchmarks (see docs/history.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mpsbench.errors import UserError
from mpsbench.history import index, package, releases, repo

FRAMEWORKS = ("torch", "mlx")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "history",
        help="generate the release history asv runs over; propose new releases",
        description="asv benchmarks a git history; mpsbench writes the history of torch "
        "and mlx releases as one, from the release list.",
    )
    actions = parser.add_subparsers(dest="action", required=True)

    generate = actions.add_parser(
        "generate", help="create or extend the history repository from the release list",
        description="One commit per release, tagged e.g. torch-2.13.0; the same hashes on "
        "every machine. Appending to the list adds commits; editing it is refused.")
    _add_list(generate)
    _add_history(generate)
    generate.set_defaults(handler=run_generate)

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

    hashfile = actions.add_parser(
        "hashfile", help="print the commits that changed one framework, for asv's HASHFILE:",
        description="e.g. mpsbench history hashfile --framework mlx > mlx.txt; "
        "asv run HASHFILE:mlx.txt --bench MLX")
    hashfile.add_argument("--framework", choices=FRAMEWORKS, required=True)
    hashfile.add_argument("--after", metavar="TAG",
                          help="only commits after this tag, e.g. torch-2.13.0")
    _add_history(hashfile)
    hashfile.set_defaults(handler=run_hashfile)

    recorded = actions.add_parser(
        "recorded", help="list the releases each machine has results for (what 'asv compare' "
        "and 'mpsbench table --commit' take)",
        description="Reads the results folder and prints, per machine, the release tags "
        "(and short hashes) that results were recorded at, oldest first.")
    recorded.add_argument("--results", type=Path, default=Path("results"),
                          help="asv results directory (default: %(default)s)")
    _add_history(recorded)
    recorded.set_defaults(handler=run_recorded)


def _add_list(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--releases", type=Path, default=releases.DEFAULT_PATH,
                        help="the release list (default: %(default)s)")


def _add_history(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--history", type=Path, default=repo.DEFAULT_PATH,
                        help="the history repository, asv.conf.json's repo (default: %(default)s)")


def run_generate(args: argparse.Namespace) -> int:
    commits = list(package.commits(releases.load(args.releases)))
    done = repo.generate(args.history, commits, str(args.releases))
    print(f"{args.history}: {len(done.hashes)} releases, {done.added} new; "
          f"head {done.hashes[-1][:12]} ({done.tags[-1]})")
    return 0


def run_propose(args: argparse.Namespace) -> int:
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


def recorded_commits(results: Path) -> tuple[dict[str, set[str]], list[str]]:
    """Machine -> the commit hashes its result files hold, and a note per unreadable file."""
    if not results.is_dir():
        raise UserError(f"no results directory at {results}; run 'asv run' first "
                        "(or pass --results DIR)")
    found: dict[str, set[str]] = {}
    notes = []
    for path in sorted(results.glob("*/*.json")):
        if path.name == "machine.json":
            continue
        try:
            commit = json.loads(path.read_text(encoding="utf-8")).get("commit_hash")
        except (OSError, ValueError, AttributeError):
            commit = None
        if not isinstance(commit, str):
            notes.append(f"skipped {path}: not a results file")
            continue
        found.setdefault(path.parent.name, set()).add(commit)
    return found, notes


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
