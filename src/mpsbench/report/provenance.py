"""Where a number came from: machine, device, commit (and its release tag), versions."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd


def read_tags(html_dir: Path) -> dict[str, str]:
    """Commit hash -> its tags ('torch-2.13.0'), from the index.json 'asv publish' wrote.

    Empty when the site has not been published (or its index is unreadable): commits then
    show as short hashes.
    """
    try:
        index = json.loads((html_dir / "index.json").read_text())
        hashes = index["revision_to_hash"]
        tags: dict[str, list[str]] = defaultdict(list)
        for tag, revision in index["tags"].items():
            if str(revision) in hashes:
                tags[hashes[str(revision)]].append(tag)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return {commit: ", ".join(sorted(names)) for commit, names in tags.items()}


def commit_label(commit: str, tags: dict[str, str]) -> str:
    """The commit's tag when it has one, else its short hash."""
    return tags.get(commit) or commit[:8]


def device_label(device: Any, framework: str | None, facts: dict[str, Any]) -> str:
    """'gpu (mps)': the device param and, for 'gpu', what it resolved to on that machine."""
    if device != "gpu" or not framework:
        return str(device)
    resolved = (facts.get("gpu_devices") or {}).get(framework.split()[0].lower())
    return f"gpu ({resolved})" if resolved else "gpu"


def commit_ref(commit: str, date: Any, tags: dict[str, str]) -> str:
    """'commit 1a2b3c4d (torch-2.13.0), 2026-01-02': which release a value belongs to."""
    tag = tags.get(str(commit))
    return (f"commit {str(commit)[:8]}" + (f" ({tag})" if tag else "")
            + f", {pd.Timestamp(date):%Y-%m-%d}")


def source_line(row: pd.Series, tags: dict[str, str]) -> str:
    """The commit, its date, the environment and the versions of a recorded value."""
    parts = [commit_ref(row["commit"], row["date"], tags), f"env {row['env']}"]
    if row.get("versions"):
        parts.append(str(row["versions"]))
    return ", ".join(parts)


SETTINGS = (("torch_threads", "torch CPU threads"), ("allocator", "allocator"))


def run_settings(results_dir: Path, machine: str, commit: str | None = None) -> str:
    """'torch CPU threads 1; allocator glibc 2.36, pinned: ...': what ``machine``'s results
    (of ``commit``, if given) were measured under, from each result's params, where asv
    stored the machine fields 'mpsbench machine' wrote; 'not recorded' where missing."""
    seen: dict[str, set[str]] = {key: set() for key, _ in SETTINGS}
    for path in sorted((results_dir / machine).glob("*.json")):
        if path.name == "machine.json" or (commit and not path.name.startswith(commit[:8])):
            continue
        try:
            params = json.loads(path.read_text()).get("params") or {}
        except (OSError, ValueError, AttributeError):
            continue
        for key, _ in SETTINGS:
            seen[key].add(str(params[key]) if params.get(key) else "not recorded")
    return "; ".join(f"{label} {' / '.join(sorted(seen[key])) or 'not recorded'}"
                     for key, label in SETTINGS)
