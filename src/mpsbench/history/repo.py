"""The generated history: a bare git repository, one commit per release.

Objects are written with ``git fast-import``: author, committer, dates, messages and
trees come from the release list alone, so every machine gets the same hashes. A run
on an existing repository only ever adds commits; when the list no longer generates
the commits already there (an entry edited or removed), nothing is changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

from mpsbench.errors import UserError
from mpsbench.history.package import Commit

DEFAULT_PATH = Path(".asv") / "history"
BRANCH = "refs/heads/main"
SCRATCH = "refs/mpsbench/generated"
IDENTITY = b"mpsbench history <history@mpsbench.invalid>"


def _git_env() -> dict[str, str]:
    """No user or system git configuration, so nothing but the list shapes a commit."""
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def _run_git(args: list[str], stdin: bytes | None = None) -> str:
    if shutil.which("git") is None:
        raise UserError("git is not installed; the release history is a git repository")
    result = subprocess.run(["git", *args], input=stdin, capture_output=True, env=_git_env())
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise UserError(f"'git {' '.join(args[:2])}' failed: {message}")
    return result.stdout.decode()


def git(path: Path, *args: str, stdin: bytes | None = None) -> str:
    """Run git in the bare repository ``path``; a failure becomes a ``UserError``."""
    return _run_git([f"--git-dir={path}", *args], stdin)


def _data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def fast_import_stream(commits: list[Commit]) -> bytes:
    """A fast-import stream building ``commits`` on the scratch ref, marks 1..n."""
    parts = [b"reset %s\n\n" % SCRATCH.encode()]
    for mark, commit in enumerate(commits, 1):
        stamp = int(commit.release.date.timestamp())
        person = b"%s %d +0000\n" % (IDENTITY, stamp)
        parts.append(b"commit %s\nmark :%d\nauthor %scommitter %s" % (
            SCRATCH.encode(), mark, person, person))
        parts.append(_data(commit.message.encode()))
        parts.append(b"deleteall\n")
        for name, text in sorted(commit.files.items()):
            parts.append(b"M 100644 inline %s\n" % name.encode())
            parts.append(_data(text.encode()))
        parts.append(b"\n")
    return b"".join(parts)


@dataclass(frozen=True)
class Generated:
    """The outcome of ``generate``: all hashes in order, and how many were new."""

    hashes: list[str]
    tags: list[str]
    added: int


def _existing(path: Path) -> list[str]:
    if not git(path, "for-each-ref", BRANCH).strip():
        return []
    return git(path, "rev-list", "--reverse", "--first-parent", BRANCH).split()


def _import(path: Path, commits: list[Commit]) -> list[str]:
    marks = path / "mpsbench-marks"
    try:
        git(path, "fast-import", "--quiet", f"--export-marks={marks}",
            stdin=fast_import_stream(commits))
        by_mark = dict(line.split() for line in marks.read_text().splitlines())
    finally:
        marks.unlink(missing_ok=True)
        git(path, "update-ref", "-d", SCRATCH)
    return [by_mark[f":{mark}"] for mark in range(1, len(commits) + 1)]


def _check_append_only(existing: list[tuple[str, str]], hashes: list[str], tags: list[str],
                       list_path: str) -> None:
    for index, (old, old_tag) in enumerate(existing):
        if index >= len(hashes) or hashes[index] != old:
            now = "now absent"
            if index < len(hashes):
                now = f"now {hashes[index][:12]} ({tags[index]})"
            raise UserError(
                f"{list_path} no longer generates the existing history: commit {index + 1} "
                f"({old_tag}) was {old[:12]}, {now}. The list is append-only: recorded results "
                "are filed under these hashes. Undo the edit; nothing was changed."
            )


def generate(path: Path, commits: list[Commit], list_path: str = "the release list") -> Generated:
    """Create or extend the history at ``path`` with ``commits``, refusing any rewrite."""
    if not commits:
        raise UserError(f"{list_path} has no releases; nothing to generate")
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        _run_git(["init", "--quiet", "--bare", str(path)])
        git(path, "symbolic-ref", "HEAD", BRANCH)
    elif not _is_repository(path):
        raise UserError(f"{path} is not a release history (not a git repository): move it "
                        "away, or pass another --history; nothing was changed")
    existing = tagged_commits(path)
    hashes = _import(path, commits)
    tags = [commit.tag for commit in commits]
    _check_append_only(existing, hashes, tags, list_path)
    updates = [f"update {BRANCH} {hashes[-1]}"]
    updates += [f"update refs/tags/{tag} {sha}" for tag, sha in zip(tags, hashes, strict=True)]
    git(path, "update-ref", "--stdin", stdin=("\n".join(updates) + "\n").encode())
    return Generated(hashes, tags, len(hashes) - len(existing))


def _is_repository(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def require(path: Path) -> Path:
    """``path`` if it holds a generated history, else a ``UserError`` saying what to run."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{path} is a file, not the release history (a git repository); "
                        "--history names the folder 'mpsbench history generate' writes")
    if path.is_dir() and any(path.iterdir()) and not _is_repository(path):
        raise UserError(f"{path} is not a release history (not a git repository): move it "
                        "away and run 'mpsbench history generate', or pass another --history")
    if not _is_repository(path):
        raise UserError(
            f"no release history at {path}: run 'mpsbench history generate' first "
            "(asv.conf.json's \"repo\" points there)"
        )
    return path


def tagged_commits(path: Path) -> list[tuple[str, str]]:
    """(hash, tag) of every commit on the history's branch, oldest first."""
    listing = git(require(path), "for-each-ref", "--format=%(objectname) %(refname:short)",
                  "refs/tags")
    by_hash = dict(line.split(" ", 1) for line in listing.splitlines())
    return [(sha, by_hash.get(sha, "")) for sha in _existing(path)]


def resolve_tag(path: Path, tag: str) -> str:
    """The commit hash tagged ``tag``, or a ``UserError`` naming the tags that exist."""
    commits = tagged_commits(path)
    for sha, name in commits:
        if name == tag:
            return sha
    known = [name for _, name in commits]
    close = get_close_matches(tag, known, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UserError(
        f"no tag {tag!r} in the history at {path}{hint}. Tags run from {known[0]} to "
        f"{known[-1]} ({len(known)} releases); is the release list newer than the history? "
        "Run 'mpsbench history generate'."
        if known else f"no tag {tag!r}: the history at {path} is empty"
    )
