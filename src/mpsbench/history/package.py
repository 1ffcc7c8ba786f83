"""The tiny package each history commit holds: ``mpsbench-stack``, pinning the stack.

Everything written here ends up in a commit hash, so it depends on the release list
alone: changing any of it changes every hash and orphans recorded results (the
golden-hash test fails first).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from mpsbench.history.releases import Release, format_date
from mpsbench.history.stack import (
    ANY_PYTHON,
    PACKAGES,
    PLATFORMS,
    STACK_FILE,
    release_name,
    version_tuple,
)

# mpsbench's runtime dependencies, frozen: benchmarks import mpsbench from the working
# tree, so the environment needs them. A new dependency goes into asv.conf.json's
# "matrix" instead, which leaves the history's hashes alone.
BASE_REQUIREMENTS = ("numpy>=1.26", "psutil>=5.9", "py-cpuinfo>=9.0")

PYPROJECT = """\
# One commit of mpsbench's release history, generated from releases.toml by
# `mpsbench history generate`. Do not edit: the commit hash depends on every byte.
[build-system]
requires = ["flit_core>=3.4,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "mpsbench-stack"
version = "{serial}"
description = "{description}"
dependencies = [
{dependencies}
]
"""
INIT = '"""The torch and mlx releases pinned by one mpsbench history commit: stack.json."""\n'


@dataclass(frozen=True)
class Commit:
    """One history commit: the release it adds and the files of its tree."""

    release: Release
    message: str
    files: dict[str, str]

    @property
    def tag(self) -> str:
        return self.release.tag


def darwin_major(macos: str) -> int:
    """The Darwin (kernel) major version of a macOS release, which markers can test."""
    major, minor = (int(part) for part in f"{macos}.0".split(".")[:2])
    if major == 10:
        return minor + 4
    return major + 9 if major <= 15 else major - 1  # macOS 26 runs Darwin 25


def python_marker(pythons: list[str]) -> str:
    """Python versions as a marker: a range when they are consecutive minors."""
    minors = sorted(version_tuple(p)[1] for p in pythons)
    if len(minors) > 1 and minors == list(range(minors[0], minors[-1] + 1)):
        return f"python_version >= '3.{minors[0]}' and python_version <= '3.{minors[-1]}'"
    return "(" + " or ".join(f"python_version == '3.{m}'" for m in minors) + ")"


def marker(release: Release, platforms: list[str]) -> str:
    """The environment marker true exactly where ``release`` has a wheel, on ``platforms``."""
    clauses = []
    for key in platforms:
        system, machine = PLATFORMS[key]
        parts = [f"sys_platform == '{system}'", f"platform_machine == '{machine}'"]
        pythons = release.wheels[key]
        if ANY_PYTHON not in pythons:
            parts.append(python_marker(pythons))
        if key == "macos-arm64" and release.min_macos:
            parts.append(f"platform_release >= '{darwin_major(release.min_macos)}'")
        clauses.append("(" + " and ".join(parts) + ")")
    return " or ".join(clauses)


def requirements(release: Release) -> list[str]:
    """Exact pins for one release; ``===`` so that a local build ('2.13.0+cpu') never matches."""
    if release.package == "torch":
        where = marker(release, list(release.wheels))
        pins = [f"torch==={release.version}", f"torchvision==={release.torchvision}",
                *release.requires]
        return [f"{pin}; {where}" for pin in pins]
    mac = [key for key in release.wheels if key.startswith("macos-")]
    other = [key for key in release.wheels if key not in mac]
    # mlx needs a backend package on Linux and Windows: mlx[cpu].
    found = [(f"mlx==={release.version}", mac), (f"mlx[cpu]==={release.version}", other)]
    found += [(pin, list(release.wheels)) for pin in release.requires]
    return [f"{pin}; {marker(release, keys)}" for pin, keys in found if keys]


def stack_summary(stack: dict[str, Release]) -> str:
    return ", ".join(release_name(p, stack[p].as_dict()) for p in PACKAGES if p in stack)


def commit_for(serial: int, release: Release, stack: dict[str, Release]) -> Commit:
    """The commit that adds ``release``, with ``stack`` (package -> release) in force."""
    date = format_date(release.date)
    summary = stack_summary(stack)
    data = {"commit": release.tag, "date": date,
            **{package: stack[package].as_dict() for package in stack}}
    pins = [pin for p in PACKAGES if p in stack for pin in requirements(stack[p])]
    deps = [*BASE_REQUIREMENTS, *pins]
    pyproject = PYPROJECT.format(
        serial=serial,
        description=f"{summary}: the stack as of {date[:10]} in mpsbench's release history",
        dependencies="\n".join(f"    {json.dumps(dep)}," for dep in deps),
    )
    return Commit(
        release=release,
        message=f"{release.package} {release.version}\n\nThe stack as of {date}: {summary}.\n",
        files={
            "pyproject.toml": pyproject,
            "mpsbench_stack/__init__.py": INIT,
            STACK_FILE: json.dumps(data, indent=2, sort_keys=True) + "\n",
        },
    )


def commits(releases: list[Release]) -> Iterator[Commit]:
    """One commit per release, in list order, each pinning the newest of every package."""
    stack: dict[str, Release] = {}
    for serial, release in enumerate(releases, 1):
        stack[release.package] = release
        yield commit_for(serial, release, dict(stack))
