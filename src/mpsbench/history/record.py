"""Record a release history through asv, one commit at a time, resumably.

Each commit is one ``asv run HASHFILE:...`` with its framework's selection
(``history.selection``): asv saves a commit's results when that commit is done, so an
interruption loses at most the commit under way, and a commit whose results are already
in ``results/<machine>/`` is passed over without building its environment; one with a
failed benchmark is run again for what failed. Commits go in
date order, so consecutive commits share their torch and a torch wheel is installed once.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from mpsbench import canary, catalogue
from mpsbench.history import selection
from mpsbench.history.repo import resolve_tag, tagged_commits

MIN_FREE_BYTES = 25 * 2**30  # below this, pip's cache (a CUDA torch is ~3 GB) is emptied


def framework_of(tag: str) -> str:
    return tag.split("-", 1)[0]


def planned(history: Path, frameworks: Sequence[str], first: str | None,
            last: str | None) -> list[tuple[str, str]]:
    """(hash, tag) of the commits to record, oldest first, from tag ``first`` to ``last``."""
    commits = tagged_commits(history)
    tags = [tag for _, tag in commits]
    for bound in (first, last):
        if bound is not None and bound not in tags:
            resolve_tag(history, bound)  # raises, naming the tags that exist
    start = tags.index(first) if first else 0
    stop = tags.index(last) + 1 if last else len(commits)
    return [(sha, tag) for sha, tag in commits[start:stop] if framework_of(tag) in frameworks]


def recorded(results: Path, machine: str, sha: str, framework: str) -> bool:
    """Whether ``machine`` has ``framework``'s results for ``sha``, none of them failed.

    A failed benchmark (asv stores None) makes the commit due again: the next run
    retries only what failed (asv's --skip-existing-successful).
    """
    from asv import util as asv_util  # asv and pandas: the 'bench' and 'report' extras

    from mpsbench.results import FAILED, read_outcomes

    prefix = catalogue.framework(framework).prefix
    found = False
    for path in (results / machine).glob(f"{sha[:8]}-*.json"):
        try:
            recorded_here = read_outcomes(path)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, asv_util.UserError):
            continue  # not a results file asv can read: passed over, as asv does
        for name, combos in recorded_here.items():
            if name.count(".") == 2 and name.split(".")[1].startswith(prefix):
                found = True
                if any(o.status == FAILED for o in combos.values()):
                    return False
    return found


def free_disk(path: Path) -> int:
    return shutil.disk_usage(path).free


def bound_pip_cache(where: Path, say: Callable[[str], None]) -> None:
    """Empty pip's cache when the disk runs low: each torch release brings ~3 GB."""
    if free_disk(where) >= MIN_FREE_BYTES:
        return
    say(f"less than {MIN_FREE_BYTES // 2**30} GB free: emptying pip's cache")
    subprocess.run([sys.executable, "-m", "pip", "cache", "purge"], check=False)


def rerecord_reason(results: Path, machine: str, sha: str, which: str) -> str | None:
    """Why a recorded commit is recorded again under ``--rerecord WHICH``, or None.

    'no-canary': no host speed is on record for it; 'slow': its host speed (median over
    its points) lay outside the canary's band around the machine's usual speed.
    """
    speeds = list(canary.commit_canaries(results, machine, sha).values())
    if which == "no-canary":
        return None if speeds else "no host speed (canary) on record"
    usual = canary.machine_reference(results, machine)
    ratio = canary.host_ratio(usual, statistics.median(speeds)) if speeds else None
    if canary.outside_band(ratio):
        return f"recorded in a slow spell: the host ran {ratio:.2f}x its usual speed"
    return None


def asv_run_commit(sha: str, framework: str, machine: str, devices: Sequence[str],
                   extra: Sequence[str], results: Path = Path("results"),
                   replace: bool = False) -> int:
    """``asv run`` of one history commit with its framework's selection on ``devices``;
    asv's exit code.

    ``replace``: run every benchmark of the selection again, replacing the stored values
    (else what succeeded before is kept). Either way the host's canary is filed; once
    a replacing run succeeds, the canary records of the values it replaced are dropped.
    """
    started = time.time()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as hashfile:
        hashfile.write(sha + "\n")
    try:
        command = [sys.executable, "-m", "asv", "run", f"HASHFILE:{hashfile.name}",
                   "--machine", machine, "--bench", selection.bench_regex(framework, devices),
                   *([] if replace else ["--skip-existing-successful"]), *extra]
        with canary.spooled(results, machine, sha):
            code = subprocess.run(command).returncode
        if replace and code == 0:
            canary.drop_before(results, machine, sha, started)
        return code
    finally:
        Path(hashfile.name).unlink()
