"""The report's "changes between releases": confirmed changes apart from candidates."""

from __future__ import annotations

from html import escape
from pathlib import Path

from mpsbench import canary
from mpsbench.errors import UserError
from mpsbench.history.page import NOT_RERUN, findings


def changes_block(results_dir: Path, machine: str) -> str:
    """Confirmed changes as a table, then how many candidates wait for a verdict, then the
    commits recorded while the host was outside the canary's band."""
    try:
        found, _ = findings(results_dir, machine)
    except UserError as error:  # no release history generated here
        return f"<p class='missing'>missing: {escape(str(error))}</p>"
    confirmed = [f for f in found if f.confirmed]
    rows = "".join(f"<tr><td>{escape(f.candidate.pair.before)} &rarr; "
                   f"{escape(f.candidate.pair.after)}</td><td>{escape(f.candidate.point)}</td>"
                   f"<td>{escape(f.line)}</td></tr>" for f in confirmed)
    table = (f"<table><tr><th>releases</th><th>point</th><th>verdict</th></tr>{rows}</table>"
             if rows else "<p>No change confirmed yet.</p>")
    waiting = sum(f.line == NOT_RERUN for f in found)
    other = len(found) - len(confirmed) - waiting
    slow = [sha[:8] for sha, s in canary.summary(results_dir, machine).items()
            if canary.outside_band(s["high"]) or canary.outside_band(s["low"])]
    return (f"{table}<p>{len(found)} candidates (asv's rule on the recorded values): "
            f"{len(confirmed)} confirmed, {other} re-measured without a confirmation "
            f"(rejected as noise or inconclusive), {waiting} not re-measured yet "
            f"(<code>mpsbench history findings --machine {escape(machine)}</code>).</p>"
            + (f"<p class='missing'>recorded while the host was outside its band: "
               f"{escape(', '.join(slow))}</p>" if slow else ""))
