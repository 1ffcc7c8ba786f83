"""The stack a history commit pins, and what of it can exist on this host.

Each commit of the generated history holds the tiny package ``mpsbench-stack`` with
``mpsbench_stack/stack.json``: the torch and mlx releases in force at that commit.
This module answers, from that file alone, which of them have a wheel here.

It is used twice, so it imports nothing but the standard library:

- by asv's ``install_command``, run as a script with the environment's Python
  (``python stack.py sync WHEEL``), where mpsbench is not installed: it uninstalls
  framework packages that the commit being installed does not pin at that exact
  version, so that nothing left over from another commit is ever benchmarked;
- by mpsbench in each benchmark process (``unavailable_reason``), so that a release
  that cannot exist here is skipped with its reason rather than run or failed.

``assumed`` judges a commit before its environment exists: inside it, the framework
packages read as the versions the commit pins here, so the benchmarks' own setups give a
release's up-front skips (``mpsbench.plan``, for ``history record``).
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

STACK_FILE = "mpsbench_stack/stack.json"
PACKAGES = ("torch", "mlx")
# Packages that ship mlx's compiled backend, at mlx's own version.
MLX_COMPANIONS = ("mlx-metal", "mlx-cpu", "mlx-cuda", "mlx-cuda-12", "mlx-cuda-13")
FRAMEWORK_DISTS = ("torch", "torchvision", "mlx", *MLX_COMPANIONS)
ANY_PYTHON = "3"
_assumed: list[dict[str, Any]] = []  # the history commit ``assumed`` takes as installed

# platform key -> (sys.platform, platform.machine()) of hosts it covers
PLATFORMS = {
    "linux-x86_64": ("linux", "x86_64"),
    "linux-aarch64": ("linux", "aarch64"),
    "macos-arm64": ("darwin", "arm64"),
    "macos-x86_64": ("darwin", "x86_64"),
    "windows-x86_64": ("win32", "AMD64"),
    "windows-arm64": ("win32", "ARM64"),
}


@dataclass(frozen=True)
class Host:
    """What decides whether a wheel exists here: platform, Python and macOS version."""

    platform: str | None
    python: str
    macos: str | None = None


def platform_key(system: str, machine: str) -> str | None:
    """The PLATFORMS key of a host, from ``sys.platform`` and ``platform.machine()``."""
    for key, (known_system, known_machine) in PLATFORMS.items():
        if system == known_system and machine.lower() == known_machine.lower():
            return key
    return None


def this_host() -> Host:
    """The host this Python runs on."""
    return Host(platform_key(sys.platform, platform.machine()),
                f"{sys.version_info[0]}.{sys.version_info[1]}", platform.mac_ver()[0] or None)


def version_tuple(text: str) -> tuple[int, ...]:
    """'14.0' -> (14, 0); for the plain dotted versions this module compares."""
    return tuple(int(part) for part in text.split("."))


def wheel_missing(release: dict[str, Any], host: Host) -> str:
    """Why ``release`` (an entry of the release list) has no wheel for ``host``; '' if it has."""
    pythons = release["wheels"].get(host.platform or "")
    if pythons is None:
        listed = ", ".join(sorted(release["wheels"])) or "none"
        return f"no wheel for {host.platform or 'this platform'} (wheels for: {listed})"
    if ANY_PYTHON not in pythons and host.python not in pythons:
        return f"no wheel for Python {host.python} on {host.platform} (only {', '.join(pythons)})"
    floor = release.get("min_macos")
    if host.platform == "macos-arm64" and floor and host.macos and (
        version_tuple(host.macos) < version_tuple(floor)
    ):
        return f"no wheel for macOS {host.macos} (needs macOS {floor} or later)"
    return ""


def pinned_here(stack: dict[str, Any], host: Host) -> dict[str, str]:
    """Distribution -> exact version that ``stack`` installs on ``host``."""
    pins: dict[str, str] = {}
    torch = stack.get("torch")
    if torch and not wheel_missing(torch, host):
        pins.update(torch=torch["version"], torchvision=torch["torchvision"])
    mlx = stack.get("mlx")
    if mlx and not wheel_missing(mlx, host):
        pins["mlx"] = mlx["version"]
    return pins


def wanted_version(dist: str, pins: dict[str, str]) -> str | None:
    """The version of ``dist`` that belongs with ``pins``; mlx's companions follow mlx."""
    return pins.get("mlx") if dist in MLX_COMPANIONS else pins.get(dist)


@contextmanager
def assumed(stack: dict[str, Any]) -> Iterator[None]:
    """Read the framework packages as if ``stack``'s commit were installed on this host:
    the versions it pins here, none where its release has no wheel here."""
    _assumed.append(stack)
    try:
        yield
    finally:
        _assumed.pop()


def installed_version(dist: str) -> str | None:
    if _assumed and dist in FRAMEWORK_DISTS:
        return wanted_version(dist, pinned_here(_assumed[-1], this_host()))
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def stale_dists(pins: dict[str, str]) -> list[str]:
    """Installed framework packages that ``pins`` does not want at their exact version.

    Versions compare as strings, so a local build such as '2.13.0+cpu' is stale
    where the history pins the registry's '2.13.0'.
    """
    return [
        dist for dist in FRAMEWORK_DISTS
        if (found := installed_version(dist)) is not None
        and found != wanted_version(dist, pins)
    ]


def release_name(package: str, release: dict[str, Any]) -> str:
    if package == "torch":
        return f"torch {release['version']} (torchvision {release['torchvision']})"
    return f"{package} {release['version']}"


def framework_reason(stack: dict[str, Any], dist: str, host: Host) -> str:
    """Why ``dist`` cannot be benchmarked at this history commit here; '' if it can."""
    package = "torch" if dist == "torchvision" else dist
    release = stack.get(package)
    where = f"history commit {stack['commit']} ({stack['date'][:10]})"
    if release is None:
        return f"no {package} release in the history yet at {where}"
    missing = wheel_missing(release, host)
    if missing:
        return f"{release_name(package, release)}, pinned at {where}, has {missing}"
    want = pinned_here(stack, host)[dist]
    found = installed_version(dist)
    if found != want:
        return (
            f"{where} pins {dist} {want} but {found or 'nothing'} is installed: the asv "
            "environment is stale or was installed by hand; remove .asv/env and run again"
        )
    return ""


def installed_stack() -> dict[str, Any] | None:
    """The stack of the history commit installed in this environment (or ``assumed``)."""
    if _assumed:
        return _assumed[-1]
    try:
        from importlib.resources import files

        return json.loads(files("mpsbench_stack").joinpath("stack.json").read_text())
    except ModuleNotFoundError:
        return None


def unavailable_reason(dist: str) -> str:
    """'' unless a history commit is installed and ``dist`` cannot run at it here."""
    stack = installed_stack()
    return framework_reason(stack, dist, this_host()) if stack else ""


def stack_of_wheel(wheel: str) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read(STACK_FILE))


def sync(wheel: str) -> int:
    """Uninstall the framework packages that ``wheel``'s commit does not want here."""
    stale = stale_dists(pinned_here(stack_of_wheel(wheel), this_host()))
    if not stale:
        return 0
    print(f"mpsbench stack sync: removing {', '.join(stale)}", flush=True)
    return subprocess.call([sys.executable, "-m", "pip", "uninstall", "-y", *stale])


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "sync":
        print("usage: python stack.py sync WHEEL", file=sys.stderr)
        return 2
    return sync(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
