"""``mpsbench history findings``: a verdict for every change between consecutive releases."""

from __future__ import annotations

import argparse
import re
import shlex
from itertools import groupby
from pathlib import Path

from mpsbench.commands.options import add_asv_args, add_folders, add_history
from mpsbench.errors import UserError
from mpsbench.files import write_whole
from mpsbench.launch import launch_args


def register(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "findings", help="re-measure each change between consecutive releases and say "
        "whether it is real (resumable; --dry-run runs nothing)",
        description="Candidates from the recorded results (asv's rule, and the per-sample "
        "test where samples were kept); each re-measured in fresh processes, the two "
        "releases in turn, into a scratch folder, never over the recorded results; a "
        "verdict with the ratio and its 95% interval. Interrupted, the same command "
        "resumes. Arguments after '--' go to every 'asv run' (e.g. -- --cpu-affinity 1).")
    parser.add_argument("--machine", required=True, help="the machine whose history to read")
    add_folders(parser)
    parser.add_argument("--scratch", type=Path,
                        help="where re-runs and the state go (default: .asv/findings/MACHINE)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="A B rounds per candidate (default: %(default)s)")
    parser.add_argument("--only", metavar="REGEX",
                        help="only candidates whose 'BEFORE..AFTER point' matches REGEX")
    parser.add_argument("--limit", type=int, help="at most this many candidates, largest first")
    parser.add_argument("--dry-run", action="store_true",
                        help="run nothing: print the verdicts reached, what would be "
                        "re-run and its estimated cost")
    parser.add_argument("--page", type=Path,
                        help="also write the findings as Markdown here "
                        "(e.g. docs/history-findings.md)")
    add_history(parser)
    add_asv_args(parser)
    parser.set_defaults(handler=run)


def _per_point_seconds(candidate) -> float:
    """A point's process on one side: about 6 s to build, and up to 10 samples (30 s)."""
    return 6.0 + min(30.0, 10 * max(candidate.before, candidate.after))


def run(args: argparse.Namespace) -> int:
    from mpsbench.history import page, remeasure
    from mpsbench.history.findings import State
    from mpsbench.progress import duration

    if args.rounds < 2:
        raise UserError(f"--rounds must be at least 2 (a verdict needs two processes a "
                        f"side), got {args.rounds}")
    scratch_folder = args.scratch or page.default_scratch(args.machine)
    found, problems = page.findings(args.results, args.machine, args.history, scratch_folder)
    for problem in problems:
        print(f"note: {problem}")
    if not found:
        print(f"{args.machine}: no candidates: no point moved beyond asv's factor between "
              "consecutive recorded releases")
    chosen = [f.candidate for f in found
              if (not args.only or re.search(args.only, f.candidate.id))][:args.limit]
    state = State.load(scratch_folder)
    todo = [c for c in chosen if c.id not in state.verdicts]
    for finding in found:
        print(f"{finding.candidate.id}: recorded {finding.candidate.ratio:.3g}x; "
              f"{finding.line}")
    groups = [list(g) for _, g in groupby(sorted(todo, key=lambda c: c.id.split(" ")[0]),
                                          key=lambda c: c.pair)]
    seconds = remeasure.cost_seconds(groups, state, args.rounds,
                                     {c.point: _per_point_seconds(c) for c in todo}, set())
    print(f"\n{len(found)} candidates, {sum(f.line != page.NOT_RERUN for f in found)} with "
          f"a verdict; to re-run: {len(todo)} in {len(groups)} release pairs, "
          f"{args.rounds} rounds, about {duration(seconds)} here (asv's start "
          f"{remeasure.ASV_START_SECONDS:.0f} s a run, a release's install "
          f"{remeasure.INSTALL_SECONDS / 60:.0f} min)")
    if not args.dry_run and groups:
        scratch = remeasure.Scratch(Path.cwd(), scratch_folder, page.default_rerun_machine())
        scratch.prepare()
        extra = [a for a in args.asv_args if a != "--"]
        for number, group in enumerate(groups):
            remeasure.remeasure(scratch, state, group, args.rounds,
                                [*launch_args(extra), *extra])
            later = {tag for g in groups[number + 1:] for tag in (g[0].pair.before,
                                                                 g[0].pair.after)}
            scratch.drop_environments({group[0].pair.before, group[0].pair.after} - later)
            for candidate in group:
                verdict = state.verdicts.get(candidate.id)
                print(f"{candidate.id}: {verdict['line'] if verdict else 'no verdict'}")
        found, _ = page.findings(args.results, args.machine, args.history, scratch_folder)
    if args.page:
        command = "mpsbench history findings " + " ".join(
            shlex.quote(a) for a in ("--machine", args.machine, "--dry-run"))
        note = page.rerun_note(args.results, args.machine, scratch_folder)
        write_whole(args.page, page.markdown(args.machine, found, args.results, command, note),
                    "pass another --page")
        print(f"wrote {args.page}")
    return 0
