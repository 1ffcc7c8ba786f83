"""``mpsbench table``: the ResNet table from recorded asv results."""

from __future__ import annotations

import argparse
import sys
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from mpsbench import canary
from mpsbench.backends.base import DEVICE_PARAMS
from mpsbench.catalogue import TORCH
from mpsbench.commands.options import RESULTS, add_folders, not_empty
from mpsbench.errors import UserError, needs_extra
from mpsbench.history.repo import DEFAULT_PATH as DEFAULT_HISTORY

if TYPE_CHECKING:
    import pandas as pd



def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "table",
        help="print the ResNet-50 table (phase x batch: cpu, GPU, speedup) from results",
        description="Reads asv's results directory and prints, for each machine, the "
        "ResNet table from its newest commit with ResNet-50 timings, in seconds per iteration. "
        "Speedup is cpu time over GPU time. With --frameworks: torch against MLX and "
        "compiled MLX on one device, with torch's time over each (above 1: faster than "
        "torch). Cells with no recorded value show as 'missing', and values that failed in "
        "asv as 'failed'.",
    )
    add_folders(parser)
    parser.add_argument("--machine", help="only this machine (default: every machine)")
    parser.add_argument("--commit", help="this commit instead of the newest: a hash, a short "
                        "hash or a release tag such as torch-2.13.0")
    parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY,
                        help="the release history, for tags (default: %(default)s)")
    parser.add_argument("--html", action="store_true", help="HTML instead of Markdown")
    parser.add_argument("--frameworks", action="store_true",
                        help="torch against MLX and compiled MLX instead of cpu against GPU")
    parser.add_argument("--device", choices=DEVICE_PARAMS, default="cpu",
                        help="the device for --frameworks and --llm (default: cpu)")
    parser.add_argument("--llm", action="store_true",
                        help="small-LLM tokens/s (prompt, generation): torch, compiled "
                        "torch and MLX, per model and dtype, with ratios")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    not_empty(args.machine, "--machine")
    not_empty(args.commit, "--commit")
    return show(args.results, machine=args.machine, commit=args.commit, history=args.history,
                html=args.html, frameworks=args.frameworks, device=args.device, llm=args.llm)


def show(results: Path = RESULTS, *, machine: str | None = None, commit: str | None = None,
         history: Path = DEFAULT_HISTORY, html: bool = False, frameworks: bool = False,
         device: str = "cpu", llm: bool = False) -> int:
    """Print the tables of ``results`` (every machine's, or ``machine``'s), at each one's
    newest commit or at ``commit``; the options are the command's."""
    try:
        import tabulate  # noqa: F401  (pandas' to_markdown needs it)

        from mpsbench.results import resolve_commit
    except ModuleNotFoundError as error:
        raise needs_extra(error) from None
    frame, chosen = _shown_rows(results, machine)
    if llm:
        from mpsbench.report.llm_table import llm_timings
        from mpsbench.report.llm_table import print_tables as print_llm_tables

        llm_rows = llm_timings(frame)
        asked = resolve_commit(commit, llm_rows[llm_rows["machine"].isin(chosen)],
                               _history_tags(history), "LLM timings") if commit else None
        return print_llm_tables(frame, chosen, asked, device, html)
    return _print_resnet(frame, chosen, results, commit, history, frameworks, device, html)


def _shown_rows(results: Path, machine: str | None) -> tuple[pd.DataFrame, list[str]]:
    """The current rows of ``results`` (its notes said on stderr) and the machines to
    show; a ``UserError`` where there is nothing to show."""
    from mpsbench.results import current_rows, load_results

    loaded = load_results(results)
    for problem in loaded.problems:
        print(f"note: {problem}", file=sys.stderr)
    frame = current_rows(loaded.frame)
    known = sorted(frame["machine"].unique())
    if not known and not loaded.frame.empty:
        raise UserError(f"every result under {results} was recorded by an older version "
                        "of its benchmark (see the notes above), and asv shows none of them "
                        "either; record them again with 'mpsbench run'")
    if not known:
        raise UserError(f"no results to show under {results} (see the notes above); "
                        "record some with 'mpsbench run' or 'asv run'")
    if machine and machine not in known:
        raise UserError(f"no results for machine {machine!r} (machines with results: "
                        f"{', '.join(known)})")
    return frame, [machine] if machine else known


def _print_resnet(frame: pd.DataFrame, chosen: list[str], results: Path, asked: str | None,
                  history: Path, frameworks: bool, device: str, html: bool) -> int:
    """Each chosen machine's ResNet-50 table, at the commit ``asked`` (a hash or a tag of
    ``history``) or its newest commit with timings; a note for a machine without them."""
    from mpsbench.report.tables import resnet_timings
    from mpsbench.results import resolve_commit

    timed = frame[frame["value"].notna()]
    resnet = resnet_timings(timed, None if frameworks else TORCH.id)
    resnet = resnet[resnet["machine"].isin(chosen)]
    what = "ResNet-50 timings"
    commit = resolve_commit(asked, resnet, _history_tags(history), what) if asked else None
    for machine in chosen:
        mine = resnet[resnet["machine"] == machine]
        mine = mine[mine["commit"] == commit] if commit else mine
        if mine.empty:
            at = f" at commit {commit[:8]}" if commit else ""
            print(f"note: {machine} has results, but no {what}{at}, which this table shows; "
                  "record them with 'asv run --bench resnet50'", file=sys.stderr)
            continue
        shown = commit or str(mine.sort_values("date").iloc[-1]["commit"])
        _print_resnet_table(frame, results, machine, shown, frameworks, device, html)
    return 0


def _print_resnet_table(frame: pd.DataFrame, results: Path, machine: str, commit: str,
                        frameworks: bool, device: str, html: bool) -> None:
    """One machine's ResNet-50 table at ``commit``: heading, run settings and host speed,
    the table, and what it is missing."""
    from mpsbench.facts import read_facts
    from mpsbench.report.framework_table import framework_table
    from mpsbench.report.provenance import run_settings
    from mpsbench.report.resnet_table import resnet_table
    from mpsbench.report.tables import gap_notes

    if frameworks:
        table = framework_table(frame, machine, commit, device)
        title = f"torch against MLX, {device}"
    else:
        gpu = (read_facts(results, machine).get("gpu_devices") or {}).get("torch")
        table = resnet_table(frame, machine, commit, gpu or "gpu")
        title = "cpu against the GPU"
    heading = f"ResNet-50 on {machine}, {title} (commit {commit[:8]}), seconds per iteration"
    settings = f"{run_settings(results, machine, commit)}\n\n" \
        f"{canary.describe(results, machine, commit)}"
    print(f"<h2>{escape(heading)}</h2>\n<p>{escape(settings)}</p>\n" if html
          else f"## {heading}\n\n{settings}\n")
    print(table.to_html() if html else table.to_markdown())
    for note in gap_notes(table):
        print(f"\n<p>{escape(note)}</p>" if html else f"\n{note}")
    print()


def _history_tags(history: Path) -> dict[str, str]:
    """Tag -> commit hash of the release history; {} when it has not been generated."""
    from mpsbench.history import repo

    try:
        return {tag: sha for sha, tag in repo.tagged_commits(history) if tag}
    except UserError:
        return {}
