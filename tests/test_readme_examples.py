"""The README's examples, run in order on a small recorded fixture, as on a fresh clone.

The fixture is a fresh clone after a main job cut down to one point: a temporary project
with the repository's asv.conf.json, releases.toml and shipped results/ (three machines),
benchmarks/ and src/ linked, where ``mpsbench run`` has recorded ``POINT`` (--quick) as
machine ``MACHINE``. Then every command of the README's "After the main job" block, and
every other ``asv compare``, ``asv find`` and ``mpsbench table`` example, runs in the
README's order, ``.venv/bin/`` meaning this interpreter's scripts and ``$(hostname)`` the
fixture machine; a line with a ``<placeholder>`` is a form, not an example, and is not run.

asv benchmarks in this interpreter's environment (``--environment existing:<python>``)
rather than installing a release's stack into .asv/env. That is the one thing not
checked; it changes the commands so:

- ``mpsbench run`` and ``asv find`` get ``--environment existing:<python>``: they measure
  this environment's torch at every commit;
- ``asv run ... RANGE``: the range must name exactly one commit of the history, and the
  run gets ``--environment existing:<python> --set-commit-hash <that commit>`` in its
  place (asv refuses a range in an existing environment).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from asv.commands import make_argparser

ROOT = Path(__file__).resolve().parents[1]
MACHINE = "readme-box"
POINT = r"resnet50\.TorchForwardInference\.time_step\(.cpu., 1\)"
EXAMPLE_PROGRAMS = (("asv", "compare"), ("asv", "find"), ("mpsbench", "table"))
PLACEHOLDER = re.compile(r"<[a-z-]+>")
SHELL_OPERATORS = {"&&", "||", "|", ";", ">", ">>", "<"}
EXISTING = ["--environment", f"existing:{sys.executable}"]


def bash_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(the paragraph before it, its command lines) for every ```bash block."""
    blocks = []
    for match in re.finditer(r"```bash\n(.*?)```", text, re.S):
        before = text[:match.start()].rstrip().rsplit("\n\n", 1)[-1]
        joined = match[1].replace("\\\n", " ")
        lines = [line.strip() for line in joined.splitlines()]
        blocks.append((before, [line for line in lines if line and not line.startswith("#")]))
    return blocks


def program(words: list[str]) -> tuple[str, ...]:
    """('asv', 'compare') for '.venv/bin/asv compare ...'."""
    return (Path(words[0]).name, *words[1:2])


def readme_examples(text: str) -> list[str]:
    """The command lines this test runs, in the README's order."""
    out = []
    for before, lines in bash_blocks(text):
        after_main_job = before.startswith("After the main job")
        for line in lines:
            example = program(shlex.split(line, comments=True)) in EXAMPLE_PROGRAMS
            if after_main_job or (example and not PLACEHOLDER.search(line)):
                out.append(line)
    return out


def history_commits(project: Path, revisions: str) -> list[str]:
    return subprocess.run(["git", f"--git-dir={project / '.asv' / 'history'}", "rev-list",
                           revisions], capture_output=True, text=True, check=True
                          ).stdout.split()


def as_run_here(line: str, project: Path) -> list[str]:
    """The argv that runs README ``line`` in the fixture (see the module's docstring)."""
    words = shlex.split(line, comments=True)
    assert not SHELL_OPERATORS & set(words), f"not one command: {line}"
    assert words[0].startswith(".venv/bin/"), f"not a command of the .venv: {line}"
    words = [MACHINE if word == "$(hostname)" else word for word in words]
    argv = [str(Path(sysconfig.get_path("scripts")) / Path(words[0]).name), *words[1:]]
    if program(words) == ("asv", "run"):
        parsed = make_argparser()[0].parse_args(words[1:])
        commits = history_commits(project, parsed.range)
        assert len(commits) == 1, f"{parsed.range!r} names {len(commits)} commits: {line}"
        argv.remove(parsed.range)
        argv += [*EXISTING, "--set-commit-hash", commits[0]]
    elif program(words) == ("asv", "find"):
        argv += EXISTING
    return argv


def run(project: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """``argv`` in ``project``, HOME there (asv's machine file), this checkout's src/ first."""
    env = {**os.environ, "HOME": str(project),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True,
                          timeout=900)


def checked(project: Path, argv: list[str]) -> str:
    done = run(project, argv)
    assert done.returncode == 0, f"{shlex.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone's state after ``mpsbench run`` recorded ``POINT`` as ``MACHINE``."""
    root = tmp_path_factory.mktemp("readme")
    for name in ("src", "benchmarks"):
        (root / name).symlink_to(ROOT / name)
    for name in ("asv.conf.json", "releases.toml"):
        shutil.copy(ROOT / name, root)
    shutil.copytree(ROOT / "results", root / "results")
    mpsbench = str(Path(sysconfig.get_path("scripts")) / "mpsbench")
    checked(root, [mpsbench, "history", "generate"])
    newest = history_commits(root, "main")[0]
    checked(root, [mpsbench, "run", "--name", MACHINE, "--", "--quick", *EXISTING,
                   "--set-commit-hash", newest, "--bench", POINT])
    return root


def test_the_examples_are_found():
    examples = readme_examples((ROOT / "README.md").read_text())
    words = [shlex.split(line, comments=True) for line in examples]
    assert sum(program(w) == ("asv", "compare") for w in words) >= 3
    assert sum(program(w) == ("asv", "find") for w in words) >= 2
    assert ("asv", "run") in map(program, words)  # an older release, after the main job
    assert any("$(hostname)" in w for w in words)


def test_a_range_of_several_commits_is_refused(project):
    with pytest.raises(AssertionError, match="names 3 commits"):
        as_run_here(".venv/bin/asv run --bench x 'torch-2.14.1^..torch-2.15.0'", project)


@pytest.mark.slow
def test_every_readme_example_runs_in_order_after_the_main_job(project):
    for line in readme_examples((ROOT / "README.md").read_text()):
        out = checked(project, as_run_here(line, project))
        words = shlex.split(line, comments=True)
        if program(words) == ("asv", "compare"):
            assert re.search(r"\|\s+\d+\.\d\d\s+\|", out), f"no ratio from {line}:\n{out}"
        elif program(words) == ("asv", "find"):
            assert "Greatest regression found" in out, f"{line}:\n{out}"
        elif program(words) == ("mpsbench", "table"):
            assert "ResNet-50 on" in out or "Small-LLM inference on" in out, f"{line}:\n{out}"


def test_compare_needs_the_machine_on_a_fresh_clone(project):
    """What the README says: results/ holds several machines, so --machine is needed."""
    done = run(project, [sys.executable, "-m", "asv", "compare", "torch-2.15.0",
                         "torch-2.15.0"])
    assert done.returncode != 0 and "several machines" in done.stdout + done.stderr
