"""A project folder for recording tests: a generated two-release history, the fixture
suite ``outcome_fixture`` alone, a described machine, and asv in this Python's own
environment (``tests/asv_existing.py``), so that a recording installs nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from mpsbench.cli import main
from mpsbench.history import record, releases, selection, stack

from . import asv_recording
from .conftest import ROOT

TAGS = ("torch-2.14.1", "mlx-0.32.4")


def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, machine: str = "box",
                 tags: tuple[str, ...] = TAGS, fixture: str = "outcome_fixture",
                 no_wheel_here: tuple[str, ...] = ()) -> Path:
    """The project, with the releases ``tags`` and the fixture module ``fixture`` alone;
    the releases ``no_wheel_here`` list wheels for another platform only."""
    elsewhere = next(key for key in stack.PLATFORMS if key != stack.this_host().platform)
    chosen = [replace(r, wheels={elsewhere: [stack.ANY_PYTHON]}) if r.tag in no_wheel_here
              else r for r in releases.load(ROOT / "releases.toml") if r.tag in tags]
    (tmp_path / "releases.toml").write_text("\n".join(releases.to_toml(r) for r in chosen))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))  # asv's machine file
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))
    # asv's benchmark.py drops PYTHONPATH's entries from sys.path (those of an editable
    # install too, when they are the same folder, as in a fresh clone); ASV_PYTHONPATH it keeps
    monkeypatch.setenv("ASV_PYTHONPATH", str(ROOT / "src"))
    assert main(["history", "generate", "--releases", "releases.toml",
                 "--history", "history"]) == 0
    config_path = asv_recording.write_config(
        tmp_path, asv_recording.suite_with(tmp_path, [fixture]))
    config = json.loads(config_path.read_text())
    config.update(repo="history", branches=["main"], results_dir="results")
    config_path.write_text(json.dumps(config))
    for link in (tmp_path / "benchmarks").glob("*.py"):  # the fixture alone: quick
        if link.name != f"{fixture}.py":
            link.unlink()
    (tmp_path / "benchmarks" / "__init__.py").write_text("")  # a file of its own
    subprocess.run([sys.executable, "-m", "asv", "machine", "--yes", "--machine", machine],
                   check=True, capture_output=True)
    (tmp_path / "results" / machine).mkdir(parents=True, exist_ok=True)
    (tmp_path / "results" / machine / "machine.facts").write_text("{}")
    monkeypatch.setattr(selection, "patterns", lambda framework, devices: [rf"^{fixture}\."])
    monkeypatch.setattr(record, "ASV", [sys.executable, str(ROOT / "tests" / "asv_existing.py")])
    return tmp_path
