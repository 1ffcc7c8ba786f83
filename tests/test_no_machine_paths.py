"""No file the repository ships names a path of the machine it was made on.

Logs, results and docs are made on many machines (this one, the lent GPU, a contributor's
Mac); a path such as a home folder or a virtual environment's location says nothing to a
reader and leaks the maker's layout. Scripts may name scratch folders (``/tmp/...``) they
create themselves, so only data and prose are checked for those.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("docs", "results", "README.md")
# A home, a checkout or an interpreter's location on some machine.
MACHINE_PATH = re.compile(r"(?<![\w.$])/(?:root|home|Users|work|opt|private/var)/\w")
SCRATCH_PATH = re.compile(r"(?<![\w.$])/tmp/\w")
DATA_SUFFIXES = {".log", ".md", ".json", ".jsonl", ".txt", ".facts"}


def shipped_files() -> list[Path]:
    """The tracked files under docs/ and results/, and the README."""
    try:
        listed = subprocess.run(["git", "ls-files", "--", *SHIPPED], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: cannot tell which files are shipped")
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def test_no_file_names_a_machine_path() -> None:
    offending = []
    for path in shipped_files():
        if path.suffix in {".png", ".jpg"}:
            continue
        text = path.read_text(errors="replace")
        patterns = [MACHINE_PATH] + ([SCRATCH_PATH] if path.name.endswith(
            tuple(DATA_SUFFIXES)) or path.name in {"machine.json", "machine.facts"} else [])
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                line = text.count("\n", 0, match.start()) + 1
                offending.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)}...")
    assert not offending, "machine paths in shipped files:\n" + "\n".join(offending)


def test_no_results_file_is_named_after_an_interpreter_path() -> None:
    # asv names an ``existing`` environment's results after its interpreter's path
    # (``existing-py_opt_..._bin_python3``); such files are renamed before they are shipped.
    named = [path.relative_to(ROOT) for path in shipped_files()
             if re.search(r"existing-py_", path.name)]
    assert not named, f"results files named after a machine path: {named}"
