"""Releases a machine recorded without a single value for their framework, and why.

asv keeps no skip reasons, only n/a. The reason that matters across releases, a release
with no wheel for the machine's platform or Python, follows from the history commit's
pinned stack (``mpsbench_stack/stack.json`` in the generated history) and the machine's
facts; anything else is left to the asv log of the run.
"""

from __future__ import annotations

import json
import subprocess
from html import escape
from pathlib import Path
from typing import Any

from mpsbench.catalogue import FRAMEWORKS
from mpsbench.history.stack import STACK_FILE, Host, platform_key, wheel_missing
from mpsbench.report.sections import Machine
from mpsbench.results import FAILED, SKIPPED

PREFIXES = {framework.id: framework.prefix for framework in FRAMEWORKS}
UNKNOWN = "no value recorded; asv's log of that run says why"
ALL = {FAILED: "every value failed in asv (`asv run --show-stderr` shows why)",
       SKIPPED: "asv skipped every value (their setup raised NotImplementedError); asv's "
                "log of that run says why"}


def host_of(facts: dict[str, Any]) -> Host:
    """The wheel-relevant host a machine's facts describe."""
    os_name = str(facts.get("os", ""))
    system = "darwin" if os_name.startswith("macOS") else \
        "win32" if os_name.startswith("Windows") else "linux"
    python = ".".join(str(facts.get("python", "")).split(".")[:2])
    return Host(platform_key(system, str(facts.get("arch", ""))), python,
                os_name.removeprefix("macOS ") if system == "darwin" else None)


def stack_at(history: Path, commit: str) -> dict[str, Any] | None:
    """The stack a history commit pins, or None without the generated history."""
    done = subprocess.run(["git", f"--git-dir={history}", "show", f"{commit}:{STACK_FILE}"],
                          capture_output=True, text=True, check=False)
    try:
        return json.loads(done.stdout) if done.returncode == 0 else None
    except ValueError:
        return None


def skipped(machine: Machine, tags: dict[str, str], history: Path) -> list[tuple[str, str]]:
    """(release tag, reason) of every release with no value for its own framework here,
    oldest first."""
    found = []
    for commit, rows in machine.rows.groupby("commit"):
        tag = tags.get(commit, "")
        framework = tag.split("-", 1)[0]
        if framework not in PREFIXES:
            continue
        own = rows[rows["cls"].str.startswith(PREFIXES[framework])]
        if own.empty or own["value"].notna().any():
            continue
        stack = stack_at(history, commit) or {}
        release = stack.get(framework)
        reason = wheel_missing(release, host_of(machine.facts)) if release else ""
        statuses = set(own["status"])
        why = ALL.get(statuses.pop(), UNKNOWN) if len(statuses) == 1 else UNKNOWN
        found.append((rows["date"].min(), tag, reason or why))
    return [(tag, reason) for _, tag, reason in sorted(found)]  # in release order


def skipped_block(machine: Machine, tags: dict[str, str], history: Path) -> str:
    """An HTML list of the machine's skipped releases with their reasons."""
    items = skipped(machine, tags, history)
    if not items:
        return "<p>none</p>"
    return "<ul>" + "".join(f"<li><b>{escape(tag)}</b>: {escape(reason)}</li>"
                            for tag, reason in items) + "</ul>"
