"""How asv starts benchmark processes, and what its forkserver imports before forking.

asv runs every param combination in a fresh process. With ``spawn`` each one starts an
interpreter and imports torch and torchvision again (seconds). With ``forkserver`` one
server imports the suite once and forks a child per combination, so the suite imports
torch and torchvision there, once, before any fork.

That is safe only where nothing in the server has touched a device: importing torch
initializes neither CUDA nor Metal (both start lazily, in the child). Seen on an H100
with torch 2.11: children forked after ``import torch, torchvision`` ran ResNet-50 on
CUDA; a child forked after the parent made one CUDA tensor failed with "Cannot
re-initialize CUDA in forked subprocess". On macOS the
server is not used at all: system frameworks loaded by numpy and torch (Accelerate,
Metal, the Objective-C runtime) are not fork-safe, which is also why Python's own
multiprocessing defaults to spawn there.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from mpsbench import probe

PREIMPORTED = ("torch", "torchvision")


def default_launch_method(platform: str = sys.platform) -> str:
    """'forkserver' on Linux, 'spawn' elsewhere (macOS: fork after Metal is unsafe)."""
    return "forkserver" if platform.startswith("linux") else "spawn"


def launch_args(asv_args: Sequence[str], platform: str = sys.platform) -> list[str]:
    """``--launch-method`` for ``asv run`` unless the user already chose one."""
    if any(a == "--launch-method" or a.startswith("--launch-method=") for a in asv_args):
        return []
    return ["--launch-method", default_launch_method(platform)]


def in_asv_forkserver(argv: Sequence[str] | None = None) -> bool:
    """True inside asv's forkserver (``benchmark.py run_server DIR SOCKET``)."""
    argv = sys.argv if argv is None else argv
    return len(argv) > 1 and argv[1] == "run_server"


def preimport_for_forkserver(argv: Sequence[str] | None = None,
                             platform: str = sys.platform) -> list[str]:
    """In asv's forkserver on Linux, import torch and torchvision once; returns those imported.

    Only the import: nothing here asks for a device, so CUDA stays uninitialized and
    every forked child initializes it for itself. Elsewhere this does nothing, so a
    spawned process imports only the framework its benchmark uses.
    """
    if not in_asv_forkserver(argv):
        return []
    imported = []
    if platform.startswith("linux"):
        from mpsbench.frameworks import availability

        imported = [name for name in PREIMPORTED if availability(name).ok]
    probe.record_forkserver()
    return imported
