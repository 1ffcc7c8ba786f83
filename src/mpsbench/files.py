"""Files whole and alone: writes that leave nothing half-written, reads that never hang
on a FIFO or fill memory from a device, and one run at a time per machine's results."""

from __future__ import annotations

import fcntl
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mpsbench.errors import UserError

# The largest file the suite reads: a full grid's results file is a few MiB.
MAX_READ_BYTES = 64 * 2**20
LOCKS = Path(".asv") / "locks"


class UnsafeFile(OSError):
    """A path that is no regular file (a FIFO, a device, a folder) or is too big to read."""

    def __str__(self) -> str:
        return self.strerror or ""


def write_whole(path: Path, text: str, fix: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it: the old file stays
    whole until the new one is. An OS error becomes a ``UserError`` ending in ``fix``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(scratch, 0o644)
            os.replace(scratch, path)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}; {fix}") from None


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside ``path`` (``path`` + '.lock') for a read-merge-write
    that several processes may attempt at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_bounded(path: Path, limit: int = MAX_READ_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; else an
    ``UnsafeFile`` saying what it is. Opened without blocking, so a FIFO cannot hang it."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise unsafe(path, f"it is {kind_of(mode)}, not a regular file")
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise unsafe(path, f"it is larger than {limit // 2**20} MiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def unsafe(path: Path, why: str) -> UnsafeFile:
    """An ``UnsafeFile`` for ``path``: ``why`` is its message (and ``strerror``)."""
    error = UnsafeFile(why)
    error.strerror, error.filename = why, str(path)
    return error


def kind_of(mode: int) -> str:
    """What a file of ``mode`` is, in words ('a FIFO')."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


@contextmanager
def machine_lock(machine: str, locks: Path = LOCKS) -> Iterator[None]:
    """Hold this clone's lock on ``machine``'s results for the block, or refuse at once.

    asv loads a results file, benchmarks, and writes the file whole: of two runs writing
    the same machine and commit, only the last one's values would be kept.
    """
    locks.mkdir(parents=True, exist_ok=True)
    path = locks / f"{machine}.lock"
    with open(path, "a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise UserError(f"another run is writing machine {machine!r}'s results in this "
                            f"clone ({holder}); asv would keep only one run's values. Wait "
                            f"for it to end and run again (the lock is {path})") from None
        lock.truncate(0)
        lock.write(f"pid {os.getpid()}: {' '.join(['mpsbench', *sys.argv[1:]])[:200]}\n")
        lock.flush()
        try:
            yield
        finally:
            lock.truncate(0)
            fcntl.flock(lock, fcntl.LOCK_UN)
