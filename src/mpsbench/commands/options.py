"""The options several commands share (where asv's results and html folders are), and
the checks of option values before any work starts, each refused in one line naming the
option, the value and what it takes."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from urllib.parse import urlsplit

from mpsbench.errors import UserError
from mpsbench.history import repo

RESULTS = Path("results")
HTML = Path("html")
MAX_ROUNDS = 1000  # asv's rounds: a larger count is a typing error (days of one point)


def add_folders(parser: argparse.ArgumentParser, html: str = "") -> None:
    """--results (asv's results folder) and, where ``html`` says what goes there, --html
    (asv's html folder)."""
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="asv results directory (default: results)")
    if html:
        parser.add_argument("--html", type=Path, default=HTML,
                            help=f"asv's html directory; {html} (default: html)")


def add_history(parser: argparse.ArgumentParser) -> None:
    """--history: the release history's repository, which asv.conf.json's repo names."""
    parser.add_argument("--history", type=Path, default=repo.DEFAULT_PATH,
                        help="the history repository, asv.conf.json's repo (default: %(default)s)")


def add_asv_args(parser: argparse.ArgumentParser) -> None:
    """Everything after '--', passed on to each 'asv run'."""
    parser.add_argument("asv_args", nargs=argparse.REMAINDER,
                        help="extra 'asv run' arguments, after '--'")


def regex(text: str, option: str) -> re.Pattern[str]:
    """``text`` compiled as a Python regex, as asv's --bench compiles it."""
    try:
        return re.compile(text)
    except re.error as error:
        raise UserError(f"{option} {text!r} is not a regular expression ({error}); "
                        "escape special characters with a backslash") from None


def whole_number(text: str, option: str, low: int, high: int) -> int:
    """``text`` as an integer from ``low`` to ``high`` written in ASCII digits."""
    if not (text.isascii() and text.lstrip("-").isdigit() and low <= int(text) <= high):
        raise UserError(f"{option} {text[:40]!r} is not a whole number from {low} to {high}")
    return int(text)


def url_template(text: str, option: str) -> str:
    """``text`` if it is an http(s) address with a {name} placeholder for the project."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or "{name}" not in text:
        raise UserError(f"{option} {text[:80]!r} is not an http(s) address with {{name}} "
                        "for the project, e.g. https://pypi.org/pypi/{name}/json")
    return text


def not_empty(text: str | None, option: str) -> str | None:
    """``text`` unless it was given and is empty (a shell variable that was not set)."""
    if text is not None and not text.strip():
        raise UserError(f"{option} is empty; give a value or leave the option out")
    return text
