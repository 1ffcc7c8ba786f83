"""Re-measure candidates in fresh processes, the two releases in turn, in a scratch folder.

Each round runs ``asv run`` once on the earlier release, then once on the later (A B A B
...), one round each (``-a rounds=1``, so one fresh process per point and side),
recording samples. The scratch folder has its own asv configuration, results and
environments: nothing is written over the recorded history, and a recording running
beside it keeps its own environment. Each process's canary is filed into the scratch
results and kept, with the process's median, in the findings state.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from mpsbench import canary
from mpsbench.errors import UserError
from mpsbench.files import write_whole
from mpsbench.history.findings import Candidate, State
from mpsbench.history.verdict import judge
from mpsbench.results import recorded_points

ASV_START_SECONDS = 25.0  # asv's own start, environment check and discovery, per asv run
INSTALL_SECONDS = 240.0  # a release's stack into a fresh scratch environment (CUDA torch)


class Scratch:
    """asv configured to write under ``folder``, with the suite and history of ``root``;
    each release gets an environment of its own, so alternating releases never reinstall."""

    def __init__(self, root: Path, folder: Path, machine: str) -> None:
        self.root, self.folder, self.machine = root.resolve(), folder.resolve(), machine
        self.results = self.folder / "results"

    def config(self, tag: str) -> Path:
        """The scratch configuration whose environments are ``tag``'s (written once)."""
        path = self.folder / f"asv.conf.{tag}.json"
        if path.is_file():
            return path
        config = json.loads((self.root / "asv.conf.json").read_text(encoding="utf-8"))
        config.update(results_dir=str(self.results), html_dir=str(self.folder / "html"),
                      env_dir=str(self.env(tag)), repo=str(self.root / config["repo"]),
                      benchmark_dir=str(self.root / config["benchmark_dir"]))
        config["install_command"] = [c.replace("{conf_dir}", str(self.root))
                                     for c in config["install_command"]]
        write_whole(path, json.dumps(config, indent=1), "check the scratch folder")
        return path

    def env(self, tag: str) -> Path:
        return self.folder / "env" / tag

    def drop_environments(self, tags: set[str], say: Callable[[str], None] = print) -> None:
        """Delete the scratch environments of ``tags`` (a CUDA torch stack is ~5 GB)."""
        for tag in sorted(tags):
            if self.env(tag).is_dir():
                shutil.rmtree(self.env(tag))
                say(f"removed the scratch environment of {tag}")

    def prepare(self) -> None:
        """Describe this machine to asv under the scratch's machine name."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._asv(self.config("machine"), "machine", "--yes", "--machine", self.machine)

    def _asv(self, config: Path, *args: str) -> int:
        command = [sys.executable, "-m", "asv", "--config", str(config), *args]
        return subprocess.run(command, cwd=self.root).returncode

    def run_side(self, tag: str, sha: str, points: Sequence[str], extra: Sequence[str]
                 ) -> tuple[dict[str, float], dict[str, float]]:
        """One fresh process per point on release ``tag`` (commit ``sha``): (median
        seconds, host speed) by point, for the points that produced a value."""
        regex = "|".join(f"^{re.escape(point)}$" for point in points)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as hashfile:
            hashfile.write(sha + "\n")
        started = time.time()
        try:
            with canary.spooled(self.results, self.machine, sha, say=lambda _: None):
                self._asv(self.config(tag), "run", f"HASHFILE:{hashfile.name}",
                          "--machine", self.machine, "--bench", regex, "-a", "rounds=1",
                          "--record-samples", "--show-stderr", *extra)
        finally:
            Path(hashfile.name).unlink()
        recorded = recorded_points(self.results, self.machine)[0].get(sha, {})
        medians = {p: statistics.median(recorded[p].samples) for p in points
                   if p in recorded and recorded[p].samples}
        stored = canary.read_canary_file(canary.canary_file(self.results, self.machine, sha))
        hosts = {p: speed for p in points if (speed := canary.host_speed(
            [r for r in stored.get(p, []) if r.get("time", 0) >= started])) is not None}
        return medians, hosts


def remeasure(scratch: Scratch, state: State, group: list[Candidate], rounds: int,
              extra: Sequence[str], say: Callable[[str], None] = print) -> None:
    """Bring each of one pair's candidates to ``rounds`` rounds (a round runs only the
    points that lack some), saving the state after each; then judge every candidate
    that has them. A point that gives no value on a side is left without a verdict."""
    pair = group[0].pair
    key = f"{pair.before}..{pair.after}"
    done = state.rounds.setdefault(key, [])
    unmeasured: set[str] = set()
    while points := [c.point for c in group
                     if rounds_of(done, c.point) < rounds and c.point not in unmeasured]:
        number = min(rounds_of(done, p) for p in points) + 1
        say(f"{key}: round {number}/{rounds}, {len(points)} points")
        before = scratch.run_side(pair.before, pair.before_sha, points, extra)
        after = scratch.run_side(pair.after, pair.after_sha, points, extra)
        if not (before[0] or after[0]):
            raise UserError(f"{key}: asv measured none of {len(points)} points; see its "
                            "output above (the round is not kept)")
        done.append({"before": before[0], "after": after[0], "host_before": before[1],
                     "host_after": after[1]})
        state.save(scratch.folder)
        for point in points:
            if point not in before[0] or point not in after[0]:
                unmeasured.add(point)
                say(f"{key}: {point} gave no value on one side; it gets no verdict")
    for candidate in group:
        before, after = ([(r[side][candidate.point], r[f"host_{side}"].get(candidate.point))
                          for r in done if candidate.point in r[side]]
                         for side in ("before", "after"))
        if len(before) >= 2 and len(after) >= 2:
            found = judge(before, after)
            state.verdicts[candidate.id] = {**found.__dict__, "line": found.line}
    state.save(scratch.folder)


def rounds_of(done: list[dict], point: str) -> int:
    """How many of a pair's rounds measured ``point`` on both sides."""
    return sum(point in r["before"] and point in r["after"] for r in done)


def cost_seconds(groups: list[list[Candidate]], state: State, rounds: int,
                 per_point: dict[str, float], installed: set[str]) -> float:
    """Estimated wall time to bring every group to ``rounds`` rounds: per asv run its
    start and one process per point (``per_point``: seconds, from the recording), plus a
    release's install where its scratch environment is not there yet (``installed``)."""
    total = 0.0
    for group in groups:
        pair = group[0].pair
        done = state.rounds.get(f"{pair.before}..{pair.after}", [])
        left = {c.point: max(0, rounds - rounds_of(done, c.point)) for c in group}
        for round_number in range(max(left.values(), default=0)):
            points = [p for p, n in left.items() if n > round_number]
            total += 2 * (ASV_START_SECONDS + sum(per_point.get(p, 10.0) for p in points))
        if any(left.values()):
            total += INSTALL_SECONDS * len({pair.before, pair.after} - installed)
            installed |= {pair.before, pair.after}
    return total
