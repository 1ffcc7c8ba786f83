"""Record a release history through asv, one commit at a time, until it converges.

Each commit's part is its framework's selection (``history.selection``) as this machine's
benchmark discovery lists it: every combination, those that skip here included. A commit
is recorded when each of them is a value, a skip or a failure with its reason
(``history.ledger``); then it is passed over without building its environment, and a
second recording over a recorded range starts no benchmark. Of what is due, the
combinations the suite's up-front rules skip for the commit's release here (no GPU, an
API the release lacks, no wheel for this platform, ...) are ledgered with the rule's
reason, judged by the benchmarks' own setups as if the release were installed
(``release_selection``), so no environment is built for them. The rest runs in one
``asv run`` of exactly those combinations, so asv keeps the rest of the commit's results.
A failure is stored once, with its reason, and asked again only with ``retry_failed``.
Commits go in date order, so consecutive commits share their torch and a torch wheel is
installed once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mpsbench import canary
from mpsbench.errors import UserError
from mpsbench.history import selection
from mpsbench.history.ledger import CommitRecord
from mpsbench.history.repo import git, resolve_tag, tagged_commits
from mpsbench.history.stack import STACK_FILE
from mpsbench.plan import Plan, combo_name, discover_in_subprocess

ASV = [sys.executable, "-m", "asv"]
MIN_FREE_BYTES = 25 * 2**30  # below this, pip's cache (a CUDA torch is ~3 GB) is emptied
NO_REASON = "failed in asv; no reason was stored (recorded before the ledger)"


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
    if stop <= start:
        raise UserError(f"--from {first} comes after --to {last} in {history}; swap them")
    return [(sha, tag) for sha, tag in commits[start:stop] if framework_of(tag) in frameworks]


@dataclass(frozen=True)
class Selection:
    """A framework's selection on this machine: its combinations, and why some skip here
    before a framework is imported (no GPU, ...; judged for one release where it comes
    from ``release_selection``)."""

    combos: tuple[str, ...]
    skips_here: dict[str, str]
    benchmarks: frozenset[str]


def selection_of(plan: Plan, framework: str, devices: Sequence[str]) -> Selection:
    chosen = plan.select(selection.patterns(framework, devices))
    pairs = [(c, s) for b in chosen.benchmarks for c, s in zip(b.combos, b.skips, strict=True)]
    return Selection(tuple(c for c, _ in pairs), {c: s for c, s in pairs if s is not None},
                     frozenset(b.name for b in chosen.benchmarks))


def commit_stack(history: Path, sha: str) -> dict:
    """The stack (``history.stack``) that history commit ``sha`` pins."""
    return json.loads(git(history, "show", f"{sha}:{STACK_FILE}"))


def release_selection(history: Path, sha: str, framework: str,
                      devices: Sequence[str]) -> Selection:
    """``framework``'s selection with the skips the benchmarks' setups decide up front for
    commit ``sha``'s releases on this machine, before its environment exists."""
    plan = discover_in_subprocess(benchmark_dir(), stack=commit_stack(history, sha))
    return selection_of(plan, framework, devices)


def rule_out(record: CommitRecord, due: Sequence[str], release: Selection) -> list[str]:
    """Ledger the combinations of ``due`` that ``release``'s rules skip, with the rule's
    reason (a failure stored before gives way to it); the rest, still due."""
    rest = []
    for combo in due:
        if combo in release.skips_here:
            record.ruled_out[combo] = release.skips_here[combo]
            record.failed.pop(combo, None)
        else:
            rest.append(combo)
    return rest


@dataclass
class CommitState:
    """Each combination of a commit's selection: a value, a skip, a failure, or due."""

    values: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    unasked: list[str] = field(default_factory=list)

    def due(self, retry_failed: bool) -> list[str]:
        return [*self.unasked, *(self.failed if retry_failed else ())]

    def summary(self) -> str:
        return (f"{len(self.values)} values, {len(self.skipped)} skipped, "
                f"{len(self.failed)} failed")


def stored_statuses(results: Path, machine: str, sha: str) -> dict[str, str]:
    """'name(params)' -> what ``machine``'s result files for commit ``sha`` hold for it
    (the reader's MEASURED, SKIPPED or FAILED; a value in any environment wins)."""
    from asv import util as asv_util  # asv and pandas: the 'bench' and 'report' extras

    from mpsbench.results import MEASURED, read_outcomes

    found: dict[str, str] = {}
    for path in sorted((results / machine).glob(f"{sha[:8]}-*.json")):
        try:
            recorded_here = read_outcomes(path)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, asv_util.UserError):
            continue  # not a results file asv can read: passed over, as asv does
        for name, combos in recorded_here.items():
            for params, outcome in combos.items():
                combo = combo_name(name, [repr(p) for p in params])
                if found.get(combo) != MEASURED:
                    found[combo] = outcome.status
    return found


def commit_state(stored: dict[str, str], chosen: Selection,
                 record: CommitRecord | None) -> CommitState:
    """Where a commit's selection stands. A NaN counts as a skip only where a recording
    asked for the combination: asv also stores NaN for the combinations a narrower run
    (``mpsbench run``'s first look) left out. What a rule skipped up front is a skip."""
    from mpsbench.results import FAILED, MEASURED, MISSING, SKIPPED

    record = record or CommitRecord(tag="")
    state = CommitState()
    for combo in chosen.combos:
        status = stored.get(combo, MISSING)
        if status == MEASURED:
            state.values.append(combo)
        elif status != FAILED and combo in record.ruled_out:
            state.skipped[combo] = record.ruled_out[combo]
        elif status == FAILED or combo in record.failed:
            state.failed[combo] = record.failed.get(combo, NO_REASON)
        elif status == SKIPPED and combo in record.asked:
            state.skipped[combo] = record.skipped.get(
                combo, "skipped in its setup (the reason is in asv's log of that run)")
        else:
            state.unasked.append(combo)
    return state


def note_outcomes(record: CommitRecord, asked: Sequence[str], stored: dict[str, str],
                  chosen: Selection, reasons: dict[str, str], code: int) -> None:
    """Fold one ``asv run`` of ``asked`` into the commit's ledger record: ``stored`` is
    what the result files hold after it, ``reasons`` what asv's output said."""
    record.asked |= set(asked)
    for combo in asked:
        record.skipped.pop(combo, None)
        record.failed.pop(combo, None)
    after = commit_state(stored, chosen, record)
    for combo in asked:
        if combo in after.skipped:
            record.skipped[combo] = reasons.get(combo) or after.skipped[combo]
        elif combo not in after.values:
            record.failed[combo] = reasons.get(combo) or (
                f"asv recorded nothing for it (asv exited {code}; its output says why)")


def exact_regex(combos: Sequence[str]) -> str:
    """One ``--bench`` regex selecting exactly ``combos`` ('name(params)')."""
    return "^(?:" + "|".join(re.escape(combo) for combo in combos) + ")$"


def free_disk(path: Path) -> int:
    return shutil.disk_usage(path).free


def bound_pip_cache(where: Path, say: Callable[[str], None]) -> None:
    """Empty pip's cache when the disk runs low: each torch release brings ~3 GB."""
    if free_disk(where) >= MIN_FREE_BYTES:
        return
    say(f"less than {MIN_FREE_BYTES // 2**30} GB free: emptying pip's cache")
    subprocess.run([sys.executable, "-m", "pip", "cache", "purge"], check=False)


@contextmanager
def asv_config_for(results: Path, config: Path = Path("asv.conf.json")) -> Iterator[list[str]]:
    """``asv run`` arguments that make asv write into ``results``: none where the config's
    results_dir is that folder, else a copy of the config beside it (so its relative paths
    and ``{conf_dir}`` stay as they are) naming ``results``, removed afterwards."""
    from asv import util as asv_util

    try:
        conf = asv_util.load_json(str(config), js_comments=True)
    except (OSError, asv_util.UserError) as error:
        raise UserError(f"cannot read {config} ({error}); run from the project's folder") \
            from None
    if (config.parent / conf.get("results_dir", "results")).resolve() == results.resolve():
        yield []
        return
    fd, name = tempfile.mkstemp(dir=config.parent, prefix=".record-", suffix=".asv.conf.json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({**conf, "results_dir": str(results.resolve())}, out, indent=2)
        yield ["--config", name]
    finally:
        Path(name).unlink(missing_ok=True)


def benchmark_dir(config: Path = Path("asv.conf.json")) -> Path:
    from asv import util as asv_util

    conf = asv_util.load_json(str(config), js_comments=True)
    return config.parent / conf.get("benchmark_dir", "benchmarks")


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


def asv_run_commit(sha: str, regex: str, machine: str, extra: Sequence[str],
                   results: Path = Path("results"), replace: bool = False) -> tuple[int, str]:
    """``asv run --show-stderr`` of one history commit, the combinations ``regex`` selects;
    its output streams through and comes back with asv's exit code.

    The host's canary is filed either way; ``replace`` (the values ``regex`` selects are
    recorded again): once the run succeeds, the canary records of the replaced values are
    dropped.
    """
    started = time.time()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as hashfile:
        hashfile.write(sha + "\n")
    command = [*ASV, "run", f"HASHFILE:{hashfile.name}",
               "--machine", machine, "--bench", regex, "--show-stderr", *extra]
    lines = []
    try:
        with canary.spooled(results, machine, sha), subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                errors="replace") as process:
            assert process.stdout is not None
            for line in process.stdout:
                print(line, end="", flush=True)
                lines.append(line)
        if replace and process.returncode == 0:
            canary.drop_before(results, machine, sha, started)
        return process.returncode, "".join(lines)
    finally:
        Path(hashfile.name).unlink()


def due_by_commit(history: Path, commits: Sequence[tuple[str, str]],
                  chosen: dict[str, Selection], devices: Sequence[str], results: Path,
                  machine: str, book: dict[str, CommitRecord],
                  retry_failed: bool) -> list[tuple[str, str, list[str]]]:
    """(hash, tag, the combinations asv would run) of each commit with something due, in
    order; what the release's rules skip up front is not counted (``book`` is left as is)."""
    due = []
    for sha, tag in commits:
        state = commit_state(stored_statuses(results, machine, sha),
                             chosen[framework_of(tag)], book.get(sha))
        if todo := state.due(retry_failed):
            release = release_selection(history, sha, framework_of(tag), devices)
            if todo := rule_out(CommitRecord(tag=tag), todo, release):
                due.append((sha, tag, todo))
    return due
