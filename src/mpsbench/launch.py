"""How asv starts benchmark processes, and what its forkserver imports before forking.

Linux: ``forkserver``, whose server imports torch and torchvision once and touches no
device before forking; macOS: ``spawn`` (fork after Metal is unsafe). Why, with what
was seen: docs/decisions.md, "Launch method".
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from mpsbench import spans

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
    spans.record_forkserver()
    return imported
