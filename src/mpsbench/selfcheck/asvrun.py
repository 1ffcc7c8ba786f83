"""Real ``asv run``s into a scratch directory, each recorded under a label of its own.

asv compares two commits. To compare two runs of the *same* release, each run is
recorded under a commit of a throwaway git repository (one empty commit per label,
tagged with the label); the benchmarks are the checkout's own and run in this Python
environment (``existing:``), so every label measures the same installed release.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace

from mpsbench.errors import UserError
from mpsbench.results import load_benchmark_index
from mpsbench.selfcheck import affinity

MACHINE = "selfcheck"


BENCHMARKS_FAILED = 2  # asv run's exit status when it ran, but some benchmarks failed


@dataclass(frozen=True)
class RunOutcome:
    """One ``asv run``: its wall time (what it recorded is in ``result_file``)."""

    label: str
    wall_seconds: float


class AsvScratch:
    """asv configured in ``work`` against ``benchmark_dir``, with labelled commits."""

    def __init__(self, root: Path, work: Path, labels: list[str],
                 benchmark_dir: Path | None = None) -> None:
        self.root = root
        self.work = work
        self.repo = work / "repo"
        self.results_dir = work / "results"
        self.benchmark_dir = benchmark_dir or root / "benchmarks"
        self.config = self._write_config(self.benchmark_dir)
        self.hashes = self._make_repo(labels)
        self._asv("machine", "--yes", "--machine", MACHINE, "--config", str(self.config))

    def _write_config(self, benchmark_dir: Path) -> Path:
        config = json.loads((self.root / "asv.conf.json").read_text())
        config.update(repo=str(self.repo), branches=["main"],
                      benchmark_dir=str(benchmark_dir), results_dir=str(self.results_dir),
                      html_dir=str(self.work / "html"), env_dir=str(self.work / "env"))
        path = self.work / "asv.conf.json"
        self.work.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(config, indent=2))
        return path

    def _make_repo(self, labels: list[str]) -> dict[str, str]:
        def git(*args: str) -> str:
            env = {**os.environ, "GIT_AUTHOR_NAME": "selfcheck", "GIT_AUTHOR_EMAIL": "-",
                   "GIT_COMMITTER_NAME": "selfcheck", "GIT_COMMITTER_EMAIL": "-"}
            return subprocess.run(["git", "-C", str(self.repo), *args], check=True, env=env,
                                  capture_output=True, text=True).stdout.strip()

        self.repo.mkdir(parents=True, exist_ok=True)
        git("init", "-q", "-b", "main")
        hashes = {}
        for label in labels:
            git("commit", "-q", "--allow-empty", "-m", label)
            git("tag", label)
            hashes[label] = git("rev-parse", "HEAD")
        return hashes

    def _asv(self, *args: str, env: dict[str, str] | None = None,
             accept: tuple[int, ...] = (0,), cpu: int | None = None) -> str:
        full_env = {**os.environ, "HOME": str(self.work), **(env or {})}
        done = subprocess.run([sys.executable, "-m", "asv", *args], cwd=self.work,
                              env=full_env, capture_output=True, text=True,
                              preexec_fn=affinity.pin_at_start(cpu))
        if done.returncode not in accept:
            raise UserError(f"asv {' '.join(args)} failed (exit {done.returncode}):\n"
                            f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        return done.stdout + done.stderr

    def run(self, label: str, bench: str | None, launch_method: str,
            env: dict[str, str] | None = None, extra: tuple[str, ...] = (),
            cpu: int | None = None) -> RunOutcome:
        """``asv run`` of ``bench`` (a regex; None: every benchmark), recorded as ``label``;
        with ``cpu``, asv runs on that CPU alone from its start, and so do its forkserver
        and every benchmark process (``taskset -c CPU asv run``)."""
        args = ["run", "--config", str(self.config), "--machine", MACHINE,
                "--environment", f"existing:{sys.executable}",
                "--set-commit-hash", self.hashes[label], "--launch-method", launch_method,
                "--show-stderr", *extra]
        if bench:
            args += ["--bench", bench]
        start = time.perf_counter()
        self._asv(*args, env=env, accept=(0, BENCHMARKS_FAILED), cpu=cpu)
        return RunOutcome(label, time.perf_counter() - start)

    @cached_property
    def index(self) -> list[dict]:
        """The suite's benchmarks as asv discovers them (``--bench just-discover``)."""
        self._asv("run", "--config", str(self.config), "--machine", MACHINE,
                  "--environment", f"existing:{sys.executable}", "--bench", "just-discover")
        return list(load_benchmark_index(self.results_dir).values())

    def rounds(self, bench: str | None, minimum: int = 1) -> dict[str, int]:
        """Each benchmark that ``bench`` selects, with the rounds ``asv run`` gives it: its
        class's ``rounds`` (at least ``minimum``), or one for a metric without them
        (``track_``).

        Selected by asv's own rule (``asv.benchmarks.Benchmarks``): the regex is searched
        in each ``name(param, ...)``.
        """
        from asv.benchmarks import Benchmarks  # asv is the 'bench' extra, not a dependency

        selected = Benchmarks(SimpleNamespace(benchmark_dir=self.benchmark_dir), self.index,
                              regex=bench)
        return {name: max(minimum, int(meta["rounds"])) if "rounds" in meta else 1
                for name, meta in selected.items()}

    def compare(self, before: str, after: str, factor: float) -> str:
        """``asv compare before after --factor``'s table, as text."""
        return self._asv("compare", "--config", str(self.config), "--machine", MACHINE,
                         "--factor", str(factor), before, after)

    def drop_samples(self, label: str) -> None:
        """Keep of ``label``'s results what a plain ``asv run`` keeps after its last round:
        the statistics over every round's samples, without the samples.

        The self-check appends each round's samples to the last (see ``measure``), which
        makes asv record them; ``asv compare`` then tests samples (Mann-Whitney U), where
        for results as ``asv run`` stores them it checks confidence intervals.
        """
        path = self.result_file(label)
        data = json.loads(path.read_text())
        column = data["result_columns"].index("samples")
        for row in data["results"].values():
            if len(row) > column:
                row[column] = None
        path.write_text(json.dumps(data))

    def result_file(self, label: str) -> Path:
        """The results JSON that ``label``'s runs wrote."""
        found = list((self.results_dir / MACHINE).glob(f"{self.hashes[label][:8]}-*.json"))
        if len(found) != 1:
            raise UserError(f"expected one results file for {label}, found {found}")
        return found[0]
