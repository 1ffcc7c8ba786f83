"""The options several commands share: where asv's results and html folders are."""

from __future__ import annotations

import argparse
from pathlib import Path

RESULTS = Path("results")
HTML = Path("html")


def add_folders(parser: argparse.ArgumentParser, html: str = "") -> None:
    """--results (asv's results folder) and, where ``html`` says what goes there, --html
    (asv's html folder)."""
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="asv results directory (default: results)")
    if html:
        parser.add_argument("--html", type=Path, default=HTML,
                            help=f"asv's html directory; {html} (default: html)")
