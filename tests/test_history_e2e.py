"""asv over a short slice of the real history: two mlx releases, no torch.

Runs the project's own asv.conf.json (build, stack sync, install) in a temporary
directory: ``asv run`` over both commits from a HASHFILE, ``asv compare`` by tag and
``asv publish``. Needs the package index for mlx, mlx-cpu and the build backend.
"""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mpsbench.history import releases

REPO = Path(__file__).resolve().parents[1]
TAGS = ("mlx-0.31.2", "mlx-0.32.4")
SUITE = '''
import importlib.metadata

from mpsbench.frameworks import require


class MLXSum:
    version = 1

    def setup(self):
        self.mx = require("mlx")
        self.x = self.mx.ones((64, 64))

    def time_sum(self):
        self.mx.eval(self.x.sum())

    def track_mlx_minor(self):
        return int(importlib.metadata.version("mlx").split(".")[1])


class TorchOnes:
    version = 1

    def setup(self):
        self.torch = require("torch")

    def time_ones(self):
        self.torch.ones(8)
'''


def pip_cache_dir() -> str:
    found = subprocess.run([sys.executable, "-m", "pip", "cache", "dir"],
                           capture_output=True, text=True)
    return found.stdout.strip() or str(Path.home() / ".cache" / "pip")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A checkout-like directory: the real asv.conf.json and src/, a tiny suite."""
    root = tmp_path_factory.mktemp("history-e2e")
    (root / "src").symlink_to(REPO / "src")
    shutil.copy(REPO / "asv.conf.json", root)
    (root / "benchmarks").mkdir()
    shutil.copy(REPO / "benchmarks" / "__init__.py", root / "benchmarks")
    (root / "benchmarks" / "bench_slice.py").write_text(SUITE)
    chosen = [r for r in releases.load(REPO / "releases.toml") if r.tag in TAGS]
    (root / "releases.toml").write_text("\n".join(releases.to_toml(r) for r in chosen))
    return root


def run(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(root / "home"), "PIP_CACHE_DIR": pip_cache_dir(),
           "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-m", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=900)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.mark.slow
def test_asv_runs_compares_and_publishes_over_generated_releases(project):
    run(project, "mpsbench.cli", "history", "generate")
    hashes = run(project, "mpsbench.cli", "history", "hashfile", "--framework", "mlx").stdout
    (project / "mlx.txt").write_text(hashes)
    assert len(hashes.split()) == 2
    (project / "home").mkdir()
    run(project, "asv", "machine", "--yes", "--machine", "e2e")

    ran = run(project, "asv", "run", "HASHFILE:mlx.txt", "--machine", "e2e", "--quick",
              "--show-stderr")
    assert "no torch release in the history yet at history commit mlx-0.31.2" in ran.stdout

    results = {}
    for sha in hashes.split():
        (path,) = (project / "results" / "e2e").glob(f"{sha[:8]}-virtualenv-*.json")
        data = json.loads(path.read_text())["results"]
        results[sha] = {name: value[0][0] for name, value in data.items()}  # not parametrized
    minors = [results[sha]["bench_slice.MLXSum.track_mlx_minor"] for sha in hashes.split()]
    assert minors == [31, 32]  # each commit ran with the mlx it pins
    # asv stores a skipped benchmark as NaN (n/a) and a failed one as None
    assert all(math.isnan(r["bench_slice.TorchOnes.time_ones"]) for r in results.values())

    compared = run(project, "asv", "compare", *TAGS, "--machine", "e2e").stdout
    assert all(f"<{tag}>" in compared for tag in TAGS)
    assert "bench_slice.MLXSum.time_sum" in compared

    run(project, "asv", "publish")
    assert (project / "html" / "index.html").is_file()
