"""Record real asv results for tests: `asv run` in the test's own Python environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_BENCHMARKS = Path(__file__).resolve().parent / "fixture_benchmarks"


def suite_with(tmp: Path, extra: Sequence[str]) -> Path:
    """The suite's benchmarks plus ``extra`` fixture modules, as links in one folder.

    The links resolve into this checkout, so the suite still imports mpsbench from src/.
    """
    suite = tmp / "benchmarks"
    suite.mkdir(exist_ok=True)
    sources = [*sorted((ROOT / "benchmarks").glob("*.py")),
               *(FIXTURE_BENCHMARKS / f"{name}.py" for name in extra)]
    for source in sources:
        link = suite / source.name
        if not link.exists():
            link.symlink_to(source)
    return suite


def git(*args: str) -> str:
    """A git command's output in this checkout."""
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def write_config(tmp: Path, benchmark_dir: Path = ROOT / "benchmarks") -> Path:
    """An asv.conf.json like the project's, writing results and html under ``tmp``."""
    config = json.loads((ROOT / "asv.conf.json").read_text())
    config.update(repo=str(ROOT), benchmark_dir=str(benchmark_dir),
                  results_dir=str(tmp / "results"), html_dir=str(tmp / "html"),
                  env_dir=str(tmp / "env"))
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    if branch != "HEAD":  # asv publish graphs only the commits of the configured branches
        config["branches"] = [branch]
    path = tmp / "asv.conf.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def run_in(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m <args>`` in ``tmp`` with ``tmp`` as HOME (asv keeps its machine
    file there) and this checkout's src/ first on the path; raise on failure."""
    env = {**os.environ, "HOME": str(tmp),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", *args], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def asv(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run asv in ``tmp`` (see ``run_in``)."""
    return run_in(tmp, "asv", *args)


def record(tmp: Path, bench: str, machine: str = "test-machine", extra: Sequence[str] = (),
           facts: bool = False) -> Path:
    """Run ``bench`` once (--quick) against this checkout's HEAD; returns the results dir.

    ``extra`` adds fixture modules from tests/fixture_benchmarks to the suite; ``facts``
    describes the machine with 'mpsbench machine' (facts saved beside the results)
    rather than a bare 'asv machine'. Call it again with another ``machine`` to add a
    second machine's results to the same folder.
    """
    config = write_config(tmp, suite_with(tmp, extra) if extra else ROOT / "benchmarks")
    commit = git("rev-parse", "HEAD")
    if facts:
        run_in(tmp, "mpsbench.cli", "machine", "--name", machine, "--results",
               str(tmp / "results"))
    else:
        asv(tmp, "machine", "--yes", "--machine", machine, "--config", str(config))
    asv(tmp, "run", "--config", str(config), "--machine", machine, "--quick",
        "--environment", f"existing:{sys.executable}", "--set-commit-hash", commit,
        "--bench", bench, "--show-stderr")
    return tmp / "results"
