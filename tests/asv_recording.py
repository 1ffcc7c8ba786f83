"""Record real asv results for tests: `asv run` in the test's own Python environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_config(tmp: Path) -> Path:
    """An asv.conf.json like the project's, writing results and html under ``tmp``."""
    config = json.loads((ROOT / "asv.conf.json").read_text())
    config.update(repo=str(ROOT), benchmark_dir=str(ROOT / "benchmarks"),
                  results_dir=str(tmp / "results"), html_dir=str(tmp / "html"),
                  env_dir=str(tmp / "env"))
    path = tmp / "asv.conf.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def asv(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run asv with ``tmp`` as HOME (so its machine file stays there); raise on failure."""
    env = {**os.environ, "HOME": str(tmp)}
    done = subprocess.run([sys.executable, "-m", "asv", *args], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise AssertionError(f"asv {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def record(tmp: Path, bench: str, machine: str = "test-machine") -> Path:
    """Run ``bench`` once (--quick) against this checkout's HEAD; returns the results dir."""
    config = write_config(tmp)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    asv(tmp, "machine", "--yes", "--machine", machine, "--config", str(config))
    asv(tmp, "run", "--config", str(config), "--machine", machine, "--quick",
        "--environment", f"existing:{sys.executable}", "--set-commit-hash", commit,
        "--bench", bench, "--show-stderr")
    return tmp / "results"
