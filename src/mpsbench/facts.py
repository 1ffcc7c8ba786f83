"""Machine facts saved beside the results by ``mpsbench machine``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FACTS_FILENAME = "machine.facts"


def facts_path(results_dir: Path, machine: str) -> Path:
    """Where ``machine``'s facts live: results/<machine>/machine.facts, as JSON.

    Beside asv's own files for the machine, so they travel and merge with them; the
    name does not end in .json, so asv's readers do not take it for a results file.
    """
    return results_dir / machine / FACTS_FILENAME


def read_facts(results_dir: Path, machine: str) -> dict[str, Any]:
    """The saved facts for ``machine``, or {} when none were saved or they are unreadable."""
    try:
        return json.loads(facts_path(results_dir, machine).read_text())
    except (OSError, json.JSONDecodeError):
        return {}
