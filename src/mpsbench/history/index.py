"""What the package index (PyPI's JSON API) says was released, and when.

``propose`` turns that into release-list entries newer than the newest listed. Dates
are the upload time of a release's first file; nothing here is typed in or guessed.
"""

from __future__ import annotations

import json
import re
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mpsbench.errors import UserError
from mpsbench.history.package import commits
from mpsbench.history.releases import (
    FINAL_VERSION,
    Release,
    check_order,
    format_date,
    parse_entry,
    to_toml,
)
from mpsbench.history.stack import ANY_PYTHON, PACKAGES, version_tuple

INDEX_URL = "https://pypi.org/pypi/{name}/json"
# The oldest minor the list covers, for a package that has no entry yet.
FIRST_MINOR = {"torch": "2.1", "mlx": "0.0"}
# torch and the torchvision built for it are published together.
PAIRING_WINDOW = timedelta(days=1)

Project = dict[str, Any]


@dataclass(frozen=True)
class Published:
    """One final version of a project, as its wheel files on the index describe it."""

    version: str
    date: datetime
    requires_python: str
    wheels: dict[str, list[str]]
    min_macos: str | None


def fetch_project(name: str, url: str = INDEX_URL) -> Project:
    """The index's JSON document for project ``name``."""
    address = url.format(name=name)
    try:
        with urllib.request.urlopen(address, timeout=60) as response:
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as error:
        raise UserError(f"could not read {address}: {error}") from None


def _pythons(python_tag: str, abi_tag: str) -> set[str]:
    """Python versions a wheel's python/abi tags install on ('3' = any Python 3)."""
    found = set()
    for tag in python_tag.split("."):
        cpython = re.fullmatch(r"cp3(\d+)", tag)
        if abi_tag == "abi3" or tag == "py3":
            found.add(ANY_PYTHON)
        elif cpython and not abi_tag.endswith("t"):  # 't': free-threaded builds
            found.add(f"3.{cpython.group(1)}")
    return found


def _platforms(platform_tag: str) -> dict[str, str | None]:
    """Platform keys a wheel's platform tag covers, each with its macOS floor."""
    found: dict[str, str | None] = {}
    for tag in platform_tag.split("."):
        mac = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag)
        linux = re.fullmatch(r"(?:manylinux\w*|linux)_(x86_64|aarch64)", tag)
        if mac:
            arches = {"arm64": ["arm64"], "x86_64": ["x86_64"], "intel": ["x86_64"],
                      "universal2": ["arm64", "x86_64"]}.get(mac.group(3), [])
            for arch in arches:
                found[f"macos-{arch}"] = f"{mac.group(1)}.{mac.group(2)}"
        elif linux:
            found[f"linux-{linux.group(1)}"] = None
        elif tag in ("win_amd64", "win_arm64"):
            found[f"windows-{'x86_64' if tag == 'win_amd64' else 'arm64'}"] = None
    return found


def _published(version: str, files: list[dict[str, Any]]) -> Published | None:
    files = [f for f in files if not f.get("yanked")]
    wheels: dict[str, set[str]] = {}
    floors: list[str] = []
    for file in files:
        name = file["filename"]
        if not name.endswith(".whl"):
            continue
        python_tag, abi_tag, platform_tag = name[: -len(".whl")].split("-")[-3:]
        pythons = _pythons(python_tag, abi_tag)
        for key, floor in _platforms(platform_tag).items():
            if pythons:
                wheels.setdefault(key, set()).update(pythons)
                if key == "macos-arm64" and floor:
                    floors.append(floor)
    if not wheels:
        return None
    first = min(datetime.fromisoformat(f["upload_time_iso_8601"]) for f in files)
    return Published(
        version=version,
        date=first.astimezone(UTC).replace(microsecond=0),
        requires_python=next((f["requires_python"] for f in files if f.get("requires_python")),
                             ""),
        wheels={key: sorted(p, key=version_tuple) for key, p in sorted(wheels.items())},
        min_macos=min(floors, key=version_tuple) if floors else None,
    )


def published(project: Project) -> dict[str, Published]:
    """Final, unyanked versions with at least one wheel, by version."""
    found = {}
    for version, files in project["releases"].items():
        if FINAL_VERSION.fullmatch(version) and (release := _published(version, files)):
            found[version] = release
    return found


def _common_wheels(a: dict[str, list[str]], b: dict[str, list[str]]) -> dict[str, list[str]]:
    """Platform -> Python versions where both ``a`` and ``b`` have a wheel."""
    common = {}
    for key in sorted(set(a) & set(b)):
        if ANY_PYTHON in a[key]:
            pythons = b[key]
        elif ANY_PYTHON in b[key]:
            pythons = a[key]
        else:
            pythons = [p for p in a[key] if p in b[key]]
        if pythons:
            common[key] = pythons
    return common


def paired_torchvision(torch: Published, torchvisions: dict[str, Published]) -> Published | None:
    """The torchvision published with ``torch`` (the newest one within a day of it)."""
    near = [tv for tv in torchvisions.values() if abs(tv.date - torch.date) <= PAIRING_WINDOW]
    return max(near, key=lambda tv: version_tuple(tv.version), default=None)


def _minor(version: str) -> tuple[int, ...]:
    return version_tuple(version)[:2]


def _candidates(package: str, releases: list[Release], found: dict[str, Published],
                newest_patch: bool) -> list[Published]:
    listed = [r.version for r in releases if r.package == package]
    if listed:
        newest = version_tuple(listed[-1])
        keep = [p for v, p in found.items() if version_tuple(v) > newest]
    else:
        floor = version_tuple(FIRST_MINOR[package])
        keep = [p for v, p in found.items() if _minor(v) >= floor]
    if newest_patch:
        by_minor: dict[tuple[int, ...], Published] = {}
        for p in keep:
            best = by_minor.get(_minor(p.version))
            if best is None or version_tuple(p.version) > version_tuple(best.version):
                by_minor[_minor(p.version)] = p
        keep = list(by_minor.values())
    return keep


def _release(package: str, p: Published, torchvision: Published | None = None) -> Release:
    wheels, floor = p.wheels, p.min_macos
    if torchvision is not None:
        wheels = _common_wheels(p.wheels, torchvision.wheels)
        floors = [f for f in (p.min_macos, torchvision.min_macos) if f]
        floor = max(floors, key=version_tuple) if floors else None
    return Release(date=p.date, package=package, version=p.version,
                   requires_python=p.requires_python, wheels=wheels,
                   torchvision=torchvision.version if torchvision else None, min_macos=floor)


def propose(
    releases: list[Release],
    fetch: Callable[[str], Project] = fetch_project,
    newest_patch: bool = False,
) -> tuple[list[Release], list[str]]:
    """Entries to append for releases newer than the newest listed, and notes on the rest.

    A package with no entry yet starts at ``FIRST_MINOR``. With ``newest_patch`` only
    the newest patch of each minor is proposed (how the list was first built).
    """
    torchvisions = published(fetch("torchvision"))
    proposals, notes = [], []
    for package in PACKAGES:
        for p in _candidates(package, releases, published(fetch(package)), newest_patch):
            if package != "torch":
                proposals.append(_release(package, p))
            elif (tv := paired_torchvision(p, torchvisions)) is not None:
                proposals.append(_release(package, p, tv))
            else:
                notes.append(f"torch {p.version} ({format_date(p.date)}): no torchvision was "
                             "published within a day of it; not proposed")
    proposals.sort(key=lambda r: (r.date, r.package))
    if releases:
        last = releases[-1]
        late = [r for r in proposals if r.date < last.date]
        notes += [f"{r.package} {r.version} ({format_date(r.date)}) is older than the last entry "
                  f"({last.package} {last.version}, {format_date(last.date)}) and cannot be "
                  "appended: the list is append-only" for r in late]
        proposals = [r for r in proposals if r.date >= last.date]
    return _generable(releases, proposals, notes), notes


def _generable(releases: list[Release], proposals: list[Release],
               notes: list[str]) -> list[Release]:
    """The proposals that 'mpsbench history generate' takes, appended in order, each read
    back from its printed entry; a note for each of the rest (what the index holds is
    never trusted to be valid)."""
    kept: list[Release] = []
    for proposal in proposals:
        number = len(releases) + len(kept) + 1
        try:
            parse_entry(number, {**proposal.as_dict(), "date": proposal.date})
            read = parse_entry(number, tomllib.loads(to_toml(proposal))["release"][0])
            check_order([*releases, *kept, read])
            list(commits([*releases, *kept, read]))
        except (UserError, ValueError) as error:
            notes.append(f"{proposal.package} {proposal.version} ({format_date(proposal.date)})"
                         f" is not proposed: the list would refuse it ({error})")
            continue
        kept.append(read)
    return kept
