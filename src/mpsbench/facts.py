"""Machine facts saved beside the results by ``mpsbench machine``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FACTS_DIRNAME = "mpsbench-facts"


def facts_path(results_dir: Path, machine: str) -> Path:
    """Where ``machine``'s facts live: results/mpsbench-facts/<machine>.json.

    A folder without machine.json, so asv's own readers pass it by.
    """
    return results_dir / FACTS_DIRNAME / f"{machine}.json"


def read_facts(results_dir: Path, machine: str) -> dict[str, Any]:
    """The saved facts for ``machine``, or {} when none were saved or they are unreadable."""
    try:
        return json.loads(facts_path(results_dir, machine).read_text())
    except (OSError, json.JSONDecodeError):
        return {}
