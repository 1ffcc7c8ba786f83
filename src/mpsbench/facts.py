"""Reads and checks the machine facts file (``machine.facts``) saved beside the results.

``mpsbench.machine`` gathers the facts; this module alone knows the file and its fields.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mpsbench.errors import UserError
from mpsbench.files import read_bounded

FACTS_FILENAME = "machine.facts"
# The type each field must have where present (None is allowed for every one: unknown).
FIELD_TYPES: dict[str, type] = {
    "machine": str, "hostname": str, "cpu": str, "arch": str, "num_cpu": int,
    "ram_bytes": int, "os": str, "gpu": str, "gpu_devices": dict, "python": str,
    "packages": dict, "allocator": dict, "torch_cpu_threads": int,
}
KIND_NAMES = {str: "text", int: "an integer", dict: "an object"}
# Fields that map names to text: gpu_devices (framework -> device), packages (-> version).
TEXT_MAPS = ("gpu_devices", "packages")


def facts_path(results_dir: Path, machine: str) -> Path:
    """Where ``machine``'s facts live: results/<machine>/machine.facts, as JSON.

    Beside asv's own files for the machine, so they travel and merge with them; the
    name does not end in .json, so asv's readers do not take it for a results file.
    """
    return results_dir / machine / FACTS_FILENAME


def facts_problem(facts: Any) -> str | None:
    """What is wrong with ``facts`` as read from a facts file, or None when nothing is."""
    if not isinstance(facts, dict):
        return f"it holds a JSON {type(facts).__name__}, not an object"
    for key, kind in FIELD_TYPES.items():
        value = facts.get(key)
        if value is None:
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return f"{key} = {json.dumps(value)[:40]} is not {KIND_NAMES[kind]}"
        if key in TEXT_MAPS and not all(isinstance(v, str | None) for v in value.values()):
            return f"{key} must map names to text (or null)"
    return None


def read_facts(results_dir: Path, machine: str) -> dict[str, Any]:
    """The saved facts for ``machine``, {} when none were saved; a ``UserError`` naming
    the file and the fault when they cannot be read."""
    path = facts_path(results_dir, machine)
    try:
        facts = json.loads(read_bounded(path).decode("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError) as error:  # ValueError: not UTF-8 or JSON
        problem = ("it is not UTF-8" if isinstance(error, UnicodeDecodeError)
                   else f"it is not JSON ({error})" if isinstance(error, ValueError)
                   else "it is nested too deeply" if isinstance(error, RecursionError)
                   else str(error))
    else:
        problem = facts_problem(facts)
        if problem is None:
            return facts
    raise UserError(f"{path} is unreadable: {problem}. Write it again on that machine with "
                    f"'mpsbench machine --name {machine}', or move it away")
