"""'mpsbench run' publishes the site and the report whatever asv's exit code, names each
failed combination with its reason, and exits non-zero at the end.

A real 'mpsbench run' in a project folder whose suite is the fixture ``outcome_fixture``
(one combination measured, one skipped, one failed), in this Python's environment
(asv's ``existing``), so nothing is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from mpsbench.history import releases

from .conftest import ROOT

TAGS = ("torch-2.14.1", "mlx-0.32.4")


def test_a_failed_benchmark_still_gets_the_site_and_the_report(tmp_path):
    chosen = [r for r in releases.load(ROOT / "releases.toml") if r.tag in TAGS]
    (tmp_path / "releases.toml").write_text("\n".join(releases.to_toml(r) for r in chosen))
    shutil.copy(ROOT / "asv.conf.json", tmp_path)
    (tmp_path / "src").symlink_to(ROOT / "src")
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "__init__.py").write_text("")
    shutil.copy(ROOT / "tests" / "fixture_benchmarks" / "outcome_fixture.py",
                tmp_path / "benchmarks")
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT / "src")}

    def mpsbench(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mpsbench.cli", *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=600)

    assert mpsbench("history", "generate").returncode == 0
    head = subprocess.run(["git", "--git-dir=.asv/history", "rev-parse", "HEAD"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout.strip()
    done = mpsbench("run", "--name", "box", "--", "--environment", f"existing:{sys.executable}",
                    "--set-commit-hash", head, "--quick", "--bench", "outcome_fixture")

    assert done.returncode != 0, done.stdout
    assert (tmp_path / "html" / "index.html").is_file()
    assert (tmp_path / "html" / "mpsbench" / "index.html").is_file()
    assert "1 combination(s) failed" in done.stderr
    assert ("outcome_fixture.OutcomeProbe.track_outcome('fail'): RuntimeError: this case "
            "fails, by design") in done.stderr
    assert "track_outcome('skip')" not in done.stderr  # a skip is no failure
