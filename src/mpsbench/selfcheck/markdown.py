"""Markdown tables for the self-check's reports, all through ``tabulate``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tabulate import tabulate


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table, one line per list item; cells as given."""
    return tabulate(list(rows), headers=list(headers), tablefmt="github",
                    disable_numparse=True).splitlines()


def verdict(met: bool) -> str:
    """A target's verdict cell: 'met', or '**missed**' to stand out."""
    return "met" if met else "**missed**"
