"""What ``history record`` asked asv to run per commit, and why what has no value has none.

asv stores a skip as NaN and a failure as null, without their reasons; it also stores NaN
for a combination that a narrower ``--bench`` left out, so a NaN alone cannot say whether
a combination ran. The ledger, ``results/<machine>/history.ledger`` (JSON; the name does
not end in .json, so asv's readers pass it over), keeps per history commit the
combinations a recording asked for, and the reason of each skip and failure as asv's
``--show-stderr`` output gave it, and the combinations the suite's up-front rules skip for
the commit's release here, with the rule's reason, decided before any environment is
built (never asked of asv). It travels with the machine's results.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from mpsbench.errors import UserError
from mpsbench.files import write_whole

LEDGER_FILENAME = "history.ledger"
# asv's result line ('[ 50.00%] ··· name   ok'), and the head of each combination's output
RESULT_LINE = re.compile(r"^\[\s*[\d.]+%\]\s+·+\s+(?P<name>(?:\.\.\.)?[\w.]+)\s")
FOR_PARAMETERS = re.compile(r"^(?:\[\s*[\d.]+%\]\s+·+\s+)?\s*For parameters: (?P<params>.*)$")
SKIPPED = re.compile(r"asv: skipped: \w+\((?P<q>['\"])(?P<reason>.*)(?P=q)\)")
ASV_EPILOGUE = re.compile(r"^asv: benchmark failed \(exit status \d+\)$")


@dataclass
class CommitRecord:
    """One history commit on one machine: the combinations asked for, and the reasons."""

    tag: str
    asked: set[str] = field(default_factory=set)  # 'name(params)', as asv's --bench sees them
    skipped: dict[str, str] = field(default_factory=dict)  # combination -> reason
    failed: dict[str, str] = field(default_factory=dict)  # combination -> reason
    ruled_out: dict[str, str] = field(default_factory=dict)  # combination -> the rule's reason


def ledger_path(results: Path, machine: str) -> Path:
    return results / machine / LEDGER_FILENAME


def read_ledger(results: Path, machine: str) -> dict[str, CommitRecord]:
    """Commit hash -> its record; {} where there is no ledger yet."""
    path = ledger_path(results, machine)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {sha: CommitRecord(tag=str(entry["tag"]), asked=set(entry["asked"]),
                                  skipped=dict(entry["skipped"]), failed=dict(entry["failed"]),
                                  ruled_out=dict(entry.get("ruled_out", {})))
                for sha, entry in data["commits"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UserError(f"{path} is unreadable ({type(error).__name__}: {error}); move it "
                        "away and record again (what it held is asked of asv again)") from None


def write_ledger(results: Path, machine: str, ledger: dict[str, CommitRecord]) -> None:
    commits = {sha: {"tag": r.tag, "asked": sorted(r.asked), "skipped": r.skipped,
                     "failed": r.failed, "ruled_out": r.ruled_out}
               for sha, r in sorted(ledger.items())}
    write_whole(ledger_path(results, machine),
                json.dumps({"version": 1, "commits": commits}, indent=1, sort_keys=True) + "\n",
                "check the results folder is writable")


def reasons_in_output(output: str, names: set[str]) -> dict[str, str]:
    """'name(params)' -> the reason asv's ``--show-stderr`` output gives for it: the skip's
    message, or the last line a failed process wrote (its exception). ``names`` are the
    benchmarks run, to undo asv's shortening of long names ('...former.MLXSDPA.time_step')."""
    found: dict[str, list[str]] = {}
    benchmark = combo = None
    for raw in output.splitlines():
        head = FOR_PARAMETERS.match(raw)
        if head and benchmark:
            combo = f"{benchmark}({head['params'].strip()})"
            found[combo] = []
            continue
        named = RESULT_LINE.match(raw)
        if named:
            shown = named["name"]
            benchmark = next((n for n in names if n == shown or (
                shown.startswith("...") and n.endswith(shown[3:]))), benchmark)
            combo = None
            continue
        if combo is not None and raw.strip():
            found[combo].append(raw.strip())
    return {combo: reason for combo, lines in found.items() if (reason := _reason(lines))}


def _reason(lines: list[str]) -> str:
    for line in lines:
        skipped = SKIPPED.search(line)
        if skipped:
            return skipped["reason"]
    said = [line for line in lines if not ASV_EPILOGUE.match(line)]
    return said[-1] if said else (lines[-1] if lines else "")
