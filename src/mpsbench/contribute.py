"""A contributed recording: whether this Python may record it, what it costs, its archive.

A contribution is the history's selection on ``cpu`` and ``gpu`` over every release,
recorded by ``history record`` (resumable, converging) and packed as ``results/<machine>/``
in one tar.gz. On a Mac the Python must be a native arm64 one on macOS 14 or later: under
Rosetta (x86_64) only torch 2.1.2 and 2.2.2 install and no mlx, and every GPU combination
would skip without a word; below macOS 14 torch 2.12.1 and later have no wheel.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from mpsbench.errors import UserError

MIN_MACOS = (14, 0)
MIN_PYTHON = (3, 11)
NATIVE_PYTHON = ("a native arm64 Python 3.11 or 3.12: python.org's macOS installer, "
                 "Homebrew's python@3.12 (/opt/homebrew/bin/python3.12) or 'uv python "
                 "install 3.12'; check with: python3.12 -c 'import platform; "
                 "print(platform.machine())'  (it must print arm64)")
# Per release, the stack's install and the suite's discovery, from the CPU history's log
# on a 2-core Linux machine (README, "Recording a history"): torch ~1 min, mlx ~10 s.
INSTALL_SECONDS = {"torch": 60.0, "mlx": 10.0}


def rosetta_translated() -> bool:
    """Whether this process runs under Rosetta 2 (macOS's sysctl.proc_translated)."""
    if sys.platform != "darwin":
        return False
    done = subprocess.run(["sysctl", "-n", "sysctl.proc_translated"], capture_output=True,
                          text=True, check=False)
    return done.stdout.strip() == "1"


def host_problem() -> str | None:
    """Why this Python must not record a contribution (with the fix), or None."""
    if sys.version_info[:2] < MIN_PYTHON:
        return (f"this is Python {platform.python_version()}; the suite needs 3.11 or later. "
                f"Install {NATIVE_PYTHON}")
    if sys.platform != "darwin":
        return None
    if rosetta_translated():
        return ("this Python runs under Rosetta (x86_64 on an Apple-silicon Mac): it installs "
                "only torch 2.1.2 and 2.2.2 and no mlx, and sees no Metal device. Use "
                f"{NATIVE_PYTHON}, and make the venv with it")
    if platform.machine() != "arm64":
        return ("this Mac is not Apple silicon (no MPS or Metal for MLX): a contribution "
                "records Apple-silicon Macs")
    release = platform.mac_ver()[0]
    version = tuple(int(part) for part in release.split(".")[:2] if part.isdigit())
    if version < MIN_MACOS:
        return (f"this is macOS {release}; torch 2.12.1 and later ship wheels for macOS 14 "
                "and later only. Update macOS to 14 (Sonoma) or later")
    return None


def check_host() -> None:
    problem = host_problem()
    if problem:
        raise UserError(f"cannot record a contribution here: {problem}")


def pack(results: Path, machine: str, archive: Path) -> Path:
    """``results/<machine>/`` as ``archive`` (tar.gz, the folder named ``<machine>/``),
    written whole: a temporary file beside it, renamed when complete."""
    folder = results / machine
    if not folder.is_dir():
        raise UserError(f"nothing to pack: no folder {folder}")
    archive.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=archive.parent, prefix=f".{archive.name}.")
    os.close(fd)
    try:
        with tarfile.open(scratch, "w:gz") as tar:
            tar.add(folder, arcname=machine)
        os.chmod(scratch, 0o644)
        os.replace(scratch, archive)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return archive
