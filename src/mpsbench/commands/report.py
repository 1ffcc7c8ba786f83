"""``mpsbench report``: the comparison report, a static page beside asv's site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mpsbench.commands.options import HTML, RESULTS, add_folders
from mpsbench.errors import UserError, needs_extra


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the torch-against-MLX report (static HTML) beside asv's site",
        description="Reads asv's results (every machine) and writes html/mpsbench/index.html "
        "with plotly.js beside it: the ResNet-50 table per machine, torch against MLX "
        "against compiled MLX over batch x seq per dtype, speed against release, peak "
        "memory and FLOP/s. Run it after 'asv publish', which empties html/. The page "
        "opens from the file system or from 'asv preview' at /mpsbench/.",
    )
    add_folders(parser, html="the report goes into its mpsbench/")
    parser.add_argument("--trend", action="append", metavar="SPEC",
                        help="benchmark for 'speed against release', as MODULE.OP"
                        "[.time_METRIC][:PARAM=VALUE,...], e.g. resnet50.TrainStep:batch=16 "
                        "(repeatable; shown first, before every operator's default trend at "
                        "the param point with the most results)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return write(args.results, args.html, args.trend)


def write(results: Path = RESULTS, html: Path = HTML, trends: list[str] | None = None) -> int:
    """Write the report of ``results`` into ``html``'s mpsbench/ (``trends``: --trend)."""
    try:  # plotly is the report's alone: the rest of the CLI works without it
        from mpsbench.report.page import REPORT_DIR, build_report, write_report
        from mpsbench.report.trends import parse_trend
    except ModuleNotFoundError as error:
        raise needs_extra(error) from None
    if html.exists() and not html.is_dir():
        raise UserError(f"{html} is a file; --html names asv's html folder, the report "
                        "goes into its mpsbench/")
    specs = [parse_trend(text) for text in trends] if trends else None
    report = build_report(results, html, specs)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    page = write_report(report, html / REPORT_DIR)
    print(f"report written to {page} ({report.figures} charts); open it in a browser, "
          f"or serve {html} (asv preview) and open /{REPORT_DIR}/")
    return 0
