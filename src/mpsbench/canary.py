"""The host's speed at the moment of a measurement: a fixed canary timed in every process.

Each asv benchmark process times two fixed kernels right after its samples (a pure-Python
loop and a numpy kernel; which one predicts what: docs/decisions.md, "The canary") and
spools one record: the benchmark, its params, the commit, the canary's seconds. The
spool is a folder of one-file-per-process records, so processes never share a file;
whoever ran asv files the spool into ``results/<machine>/canary/<commit>.canary``, merged
under a lock and written whole. Canary times are seconds; larger is a slower host.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mpsbench.errors import UserError
from mpsbench.files import locked, write_whole

SPOOL_ENV = "MPSBENCH_CANARY_SPOOL"
DEFAULT_SPOOL = Path(".asv") / "canary-spool"  # under asv's conf dir, for a plain asv run
FOLDER = "canary"
# Not .json: asv walks results/ and would take canary/ for a machine folder of its own.
SUFFIX = ".canary"
KERNELS = ("python", "numpy")
BAND = 1.10  # two host speeds further apart than this are not compared silently
REPEATS = 3  # about 5 ms in all: ~1% of the suite's shorter processes


def python_loop() -> float:
    """Seconds of a fixed pure-Python loop (about 1 ms here): the interpreter's speed."""
    start = time.perf_counter()
    total = 0
    for i in range(30_000):
        total += i & 7
    return time.perf_counter() - start


def _numpy_kernel() -> Any:
    import numpy as np

    a = np.linspace(0.0, 1.0, 1 << 16)  # 512 kB: the kernel takes about 0.4 ms here
    out = np.empty_like(a)

    def run() -> float:
        start = time.perf_counter()
        for _ in range(4):
            np.multiply(a, a, out=out)
            np.add(out, a, out=out)
            np.sqrt(out, out=out)
        return time.perf_counter() - start

    return run


def measure(repeats: int = REPEATS) -> dict[str, float]:
    """Best of ``repeats`` of each kernel, in seconds (best: a preemption inside one
    repeat is not the host's speed)."""
    numpy_kernel = _numpy_kernel()
    return {"python": min(python_loop() for _ in range(repeats)),
            "numpy": min(numpy_kernel() for _ in range(repeats))}


def run_queue_seconds() -> float | None:
    """Seconds this process has spent runnable but waiting for a CPU (Linux's
    /proc/self/schedstat); None where the kernel does not say."""
    try:
        with open("/proc/self/schedstat") as stream:
            return int(stream.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


class Waiting:
    """The share of wall time, from ``start`` to ``stop``, that this process was ready to
    run but waited for a CPU: how contended the host was while it sampled."""

    def __init__(self) -> None:
        self.wall, self.queued = time.perf_counter(), run_queue_seconds()

    def share(self) -> float | None:
        queued, wall = run_queue_seconds(), time.perf_counter() - self.wall
        if queued is None or self.queued is None or wall <= 0:
            return None
        return (queued - self.queued) / wall


def asv_working_dir(argv: list[str] = sys.argv) -> str | None:
    """asv's conf dir, as a benchmark process of an ``existing`` environment finds it.

    That environment starts its processes without asv's ``ASV_*`` variables (no
    ``ASV_CONF_DIR``, no ``ASV_COMMIT``), but asv works in its conf dir and is the
    process's parent, or its forkserver is, which keeps asv's working directory.
    None outside asv's benchmark runner (``asv/benchmark.py``) or without Linux's /proc.
    """
    script = Path(argv[0]) if argv and argv[0] else None
    if script is None or (script.parent.name, script.name) != ("asv", "benchmark.py"):
        return None
    try:
        return os.readlink(f"/proc/{os.getppid()}/cwd")
    except OSError:
        return None


def spool_folder(environ: Mapping[str, str] = os.environ) -> Path | None:
    """Where this benchmark process spools its canary: ``MPSBENCH_CANARY_SPOOL``, else
    ``.asv/canary-spool`` under asv's conf dir (``ASV_CONF_DIR``, or ``asv_working_dir``
    in an ``existing`` environment); None outside asv."""
    if environ.get(SPOOL_ENV):
        return Path(environ[SPOOL_ENV])
    conf_dir = environ.get("ASV_CONF_DIR") or asv_working_dir()
    return Path(conf_dir) / DEFAULT_SPOOL if conf_dir else None


def spool(benchmark: str, params: list[str], seconds: dict[str, float],
          environ: Mapping[str, str] = os.environ) -> Path | None:
    """Write this process's record into the spool, in a file of its own; its path."""
    folder = spool_folder(environ)
    if folder is None:
        return None
    record = {"benchmark": benchmark, "params": params, "commit": environ.get("ASV_COMMIT"),
              "env": environ.get("ASV_ENV_NAME"), "time": time.time(), "canary": seconds}
    path = folder / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
    try:
        write_whole(path, json.dumps(record), "the benchmark's value is kept without it")
    except UserError as error:  # a canary never fails the benchmark it describes
        print(f"mpsbench canary: {error}", file=sys.stderr)
        return None
    return path


def point_key(benchmark: str, params: list[str] | tuple[str, ...]) -> str:
    """'transformer.TorchLinear.time_step('cpu', ...)': the benchmark as asv prints it."""
    return f"{benchmark}({', '.join(params)})"


def canary_file(results_dir: Path, machine: str, commit: str) -> Path:
    return results_dir / machine / FOLDER / f"{commit}{SUFFIX}"


def file_spool(folder: Path, results_dir: Path, machine: str,
               commit: str | None = None) -> tuple[int, list[str]]:
    """Move the records spooled in ``folder`` into ``results_dir/<machine>/canary/``.

    ``commit`` names the commit of records that lack one (asv's ``--set-commit-hash``
    on an existing environment sets none). Each process's record joins the list of its
    point, beside the earlier ones. Returns (records filed, problems, one line each);
    an unreadable record is left in the spool and named.
    """
    problems: list[str] = []
    by_commit: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            sha = record.get("commit") or commit
            if not sha or not isinstance(record.get("canary"), dict):
                raise ValueError("no commit or no canary in it")
        except (OSError, ValueError, AttributeError) as error:
            problems.append(f"canary record {path} left in the spool: {error}")
            continue
        by_commit.setdefault(sha, []).append((path, record))
    for sha, records in by_commit.items():
        target = canary_file(results_dir, machine, sha)
        with locked(target):
            stored = read_canary_file(target)
            for _, record in sorted(records, key=lambda item: item[1]["time"]):
                key = point_key(record["benchmark"], record["params"])
                stored.setdefault(key, []).append(
                    {"time": record["time"], "env": record.get("env"), **record["canary"]})
            write_whole(target, json.dumps(stored, indent=1, sort_keys=True),
                        f"the records stay in {folder}")
        for path, _ in records:
            path.unlink()
    return sum(len(records) for records in by_commit.values()), problems


def drop_before(results_dir: Path, machine: str, commit: str, since: float) -> int:
    """Drop one commit's canary records older than ``since`` (those of values a new
    recording replaced); how many were dropped."""
    target = canary_file(results_dir, machine, commit)
    with locked(target):
        stored = read_canary_file(target)
        kept = {key: [r for r in records if r.get("time", 0) >= since]
                for key, records in stored.items()}
        dropped = sum(map(len, stored.values())) - sum(map(len, kept.values()))
        if dropped:
            write_whole(target, json.dumps({k: v for k, v in kept.items() if v}, indent=1,
                                           sort_keys=True), "the earlier records stay")
    return dropped


def read_canary_file(path: Path) -> dict[str, list[dict[str, Any]]]:
    """One commit's canary records by point; {} when there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def slowness(record: dict[str, Any]) -> float | None:
    """One process's host index: the numpy kernel's seconds times 1 / (1 - the share of
    its sampling spent waiting for a CPU). The kernel sees a slow core, the share a busy
    machine; together they predicted a ResNet-50 process's median at r = 0.99 on this
    project's 2-core machine (docs/decisions.md, "The canary"). Larger is slower."""
    kernel, waited = record.get("numpy"), record.get("waited")
    if not isinstance(kernel, int | float) or kernel <= 0:
        return None
    if isinstance(waited, int | float) and 0 <= waited < 1:
        return kernel / (1 - waited)
    return kernel


def host_speed(records: list[dict[str, Any]]) -> float | None:
    """The median host index (``slowness``) over ``records``; None without any."""
    values = [v for v in map(slowness, records) if v is not None]
    return statistics.median(values) if values else None


def commit_canaries(results_dir: Path, machine: str, commit: str) -> dict[str, float]:
    """Host speed per point (``point_key``) of one commit on one machine."""
    stored = read_canary_file(canary_file(results_dir, machine, commit))
    speeds = {key: host_speed(records) for key, records in stored.items()}
    return {key: speed for key, speed in speeds.items() if speed is not None}


def machine_reference(results_dir: Path, machine: str) -> float | None:
    """The machine's usual host speed: the median over every commit's points."""
    speeds = [s for path in (results_dir / machine / FOLDER).glob(f"*{SUFFIX}")
              for s in commit_canaries(results_dir, machine, path.stem).values()]
    return statistics.median(speeds) if speeds else None


def summary(results_dir: Path, machine: str) -> dict[str, dict[str, float]]:
    """Per commit: processes measured, median host speed, and its slowest and fastest
    point's, over the machine's usual speed (1.0 = usual; 1.2 = 20% slower)."""
    reference = machine_reference(results_dir, machine)
    found = {}
    for path in sorted((results_dir / machine / FOLDER).glob(f"*{SUFFIX}")):
        speeds = list(commit_canaries(results_dir, machine, path.stem).values())
        if speeds and reference:
            found[path.stem] = {"points": len(speeds),
                                "median": statistics.median(speeds) / reference,
                                "low": min(speeds) / reference, "high": max(speeds) / reference}
    return found


def describe(results_dir: Path, machine: str, commit: str) -> str:
    """One line on the host's condition while ``commit`` was recorded on ``machine``."""
    found = summary(results_dir, machine).get(commit)
    if found is None:
        return ("host speed: not on record for this commit (recorded before the canary, "
                "or by a plain asv run whose spool was not filed)")
    spread = f"{found['low']:.2f}-{found['high']:.2f}"
    line = (f"host speed (canary, {found['points']} points): {found['median']:.2f}x the "
            f"machine's usual time, {spread} across points")
    if outside_band(found["high"]) or outside_band(found["low"]):
        line += (f"; FLAGGED: some points were recorded with the host beyond +-"
                 f"{BAND - 1:.0%} of its usual speed, so their comparisons are not like for like")
    return line


def host_ratio(a: float | None, b: float | None) -> float | None:
    """How much slower the host was for ``b`` than for ``a`` (None when either is unknown)."""
    return b / a if a and b else None


def outside_band(ratio: float | None, band: float = BAND) -> bool:
    """True when two host speeds differ beyond ``band`` either way."""
    return ratio is not None and not 1 / band <= ratio <= band


@contextmanager
def spooled(results_dir: Path, machine: str, commit: str | None = None,
            say: Callable[[str], None] = print) -> Iterator[Path]:
    """Inside, asv's benchmark processes spool into a folder of their own (set in this
    process's environment, which ``asv run`` passes on); on leaving, also after a failure
    or an interrupt, the folder is filed into ``results_dir/<machine>/canary``."""
    folder = (DEFAULT_SPOOL / uuid.uuid4().hex[:12]).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    earlier = os.environ.get(SPOOL_ENV)
    os.environ[SPOOL_ENV] = str(folder)
    try:
        yield folder
    finally:
        if earlier is None:
            os.environ.pop(SPOOL_ENV, None)
        else:
            os.environ[SPOOL_ENV] = earlier
        count, problems = file_spool(folder, results_dir, machine, commit)
        for line in problems:
            say(line)
        if count:
            say(f"canary: the host speed of {count} benchmark processes filed under "
                f"{results_dir / machine / FOLDER}")
        if not problems:
            folder.rmdir()


def install() -> bool:
    """Hook asv_runner so every benchmark process that ran its samples spools a canary.

    Patches asv_runner's ``Benchmark.do_run`` (as ``mpsbench.selfcheck.probe`` does); a skipped
    combination runs no samples and spools nothing. Beside the kernels, the record keeps
    the share of the sampling's wall time the process waited for a CPU (``Waiting``).
    Off outside asv (no spool folder).
    """
    if spool_folder() is None:
        return False
    from asv_runner.benchmarks._base import Benchmark

    if getattr(Benchmark, "_mpsbench_canary", False):
        return True
    real_run = Benchmark.do_run

    def do_run(self: Any) -> Any:
        waiting = Waiting()
        result = real_run(self)
        params = [repr(p) for p in getattr(self, "_current_params", ())]  # as asv shows them
        spool(self.name, params, {**measure(), "waited": waiting.share()})
        return result

    Benchmark.do_run = do_run
    Benchmark._mpsbench_canary = True
    return True
