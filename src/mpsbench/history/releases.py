"""The committed release list: torch (with its torchvision) and mlx releases, oldest first.

Every entry fixes one commit of the generated history, and asv files results under
commit hashes, so the list is append-only. ``load`` refuses a list that is not.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mpsbench.errors import UserError
from mpsbench.history.stack import PACKAGES, PLATFORMS, version_tuple

DEFAULT_PATH = Path("releases.toml")
FINAL_VERSION = re.compile(r"[0-9]+(\.[0-9]+)+")  # ASCII digits: '\\d' takes any script's
PYTHON_VERSION = re.compile(r"3(\.[0-9]+)?")
_SPECIFIER = r" *(~=|===|==|!=|<=|>=|<|>) *[0-9]+(\.[0-9]+)*(\.\*)? *"
# A Requires-Python: specifiers joined by commas, or nothing (PyPI gives none for some).
PYTHON_SPECIFIERS = re.compile(rf"({_SPECIFIER}(,{_SPECIFIER})*)?")
# An extra pin: a project name, optional extras and specifiers; no URL, option or marker.
REQUIREMENT = re.compile(rf"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?"
                         rf"(\[[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*\])?({_SPECIFIER}(,{_SPECIFIER})*)?")
# No release of a package is dated before these (torch's first came out in 2016, mlx's
# in December 2023); an earlier date is a typing error, and the list is append-only.
FIRST_RELEASE = {"torch": datetime(2016, 1, 1, tzinfo=UTC),
                 "mlx": datetime(2023, 11, 1, tzinfo=UTC)}
REQUIRED = {"date", "package", "version", "requires_python", "wheels"}
OPTIONAL = {"torchvision", "min_macos", "requires"}


@dataclass(frozen=True)
class Release:
    """One release of torch (with ``torchvision``) or mlx, as PyPI published it."""

    date: datetime
    package: str
    version: str
    requires_python: str
    wheels: dict[str, list[str]]
    torchvision: str | None = None
    min_macos: str | None = None
    requires: list[str] = field(default_factory=list)

    @property
    def tag(self) -> str:
        return f"{self.package}-{self.version}"

    def as_dict(self) -> dict[str, Any]:
        """The entry as plain data (``date`` as ISO text), without unset fields."""
        data = {
            "date": format_date(self.date),
            "package": self.package,
            "version": self.version,
            "torchvision": self.torchvision,
            "requires_python": self.requires_python,
            "min_macos": self.min_macos,
            "requires": self.requires,
            "wheels": self.wheels,
        }
        return {key: value for key, value in data.items() if value not in (None, [])}


def format_date(date: datetime) -> str:
    return date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


RULES = {
    FINAL_VERSION: "a final release, ASCII digits and dots such as 2.13.0",
    PYTHON_VERSION: "a Python version such as 3.11",
    PYTHON_SPECIFIERS: "version specifiers such as '>=3.10' or '>=3.9,<3.14', on one line",
    REQUIREMENT: "a project name with optional extras and version specifiers, such as "
                 "'numpy<2'; no URL, option or marker",
}


def _check_str(where: str, key: str, value: Any, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or (pattern and not pattern.fullmatch(value)):
        rule = f": it must be {RULES[pattern]}" if pattern else ": it must be text"
        raise UserError(f"{where}: {key} = {value!r} is not valid{rule}")
    return value


def _optional(where: str, raw: dict[str, Any], key: str) -> str | None:
    return _check_str(where, key, raw[key], FINAL_VERSION) if key in raw else None


def _check_wheels(where: str, wheels: Any) -> dict[str, list[str]]:
    if not isinstance(wheels, dict) or not wheels:
        raise UserError(f"{where}: wheels must map platforms to Python versions")
    for key, pythons in wheels.items():
        if key not in PLATFORMS:
            raise UserError(f"{where}: unknown platform {key!r}; known: {', '.join(PLATFORMS)}")
        if not isinstance(pythons, list) or not pythons:
            raise UserError(f"{where}: wheels.{key} must be a non-empty list of Python versions")
        for python in pythons:
            _check_str(where, f"wheels.{key}", python, PYTHON_VERSION)
    return wheels


def parse_entry(index: int, raw: Any) -> Release:
    """Validate the ``index``-th (1-based) ``[[release]]`` table and build its Release."""
    where = f"release {index}"
    if not isinstance(raw, dict):
        raise UserError(f"{where}: not a table")
    if isinstance(raw.get("package"), str) and isinstance(raw.get("version"), str):
        where += f" ({raw['package']} {raw['version']})"
    unknown = sorted(set(raw) - REQUIRED - OPTIONAL)
    missing = sorted(REQUIRED - set(raw))
    if unknown or missing:
        problems = [f"unknown field {k!r}" for k in unknown] + [f"missing {k!r}" for k in missing]
        raise UserError(f"{where}: {'; '.join(problems)}")
    date = raw["date"]
    if not isinstance(date, datetime) or date.tzinfo is None:
        raise UserError(f"{where}: date must be a UTC timestamp like 2024-01-30T17:28:30Z")
    package = raw["package"]
    if package not in PACKAGES:
        raise UserError(f"{where}: package must be one of {', '.join(PACKAGES)}")
    if date < FIRST_RELEASE[package]:
        raise UserError(f"{where}: date = {format_date(date)} is before {package} had any "
                        f"release (none before {FIRST_RELEASE[package]:%Y-%m-%d})")
    if date > datetime.now(UTC) + timedelta(days=1):
        raise UserError(f"{where}: date = {format_date(date)} is in the future; a release is "
                        "listed once it is out (its upload date)")
    if ("torchvision" in raw) != (package == "torch"):
        raise UserError(f"{where}: a torch release, and only a torch release, names a torchvision")
    requires = raw.get("requires", [])
    if not isinstance(requires, list):
        raise UserError(f"{where}: requires must be a list of requirements without markers")
    for requirement in requires:
        _check_str(where, "requires", requirement, REQUIREMENT)
    return Release(
        date=date.astimezone(UTC),
        package=package,
        version=_check_str(where, "version", raw["version"], FINAL_VERSION),
        requires_python=_check_str(where, "requires_python", raw["requires_python"],
                                   PYTHON_SPECIFIERS),
        wheels=_check_wheels(where, raw["wheels"]),
        torchvision=_optional(where, raw, "torchvision"),
        min_macos=_optional(where, raw, "min_macos"),
        requires=requires,
    )


def _describe(index: int, release: Release) -> str:
    return f"release {index} ({release.package} {release.version}, {format_date(release.date)})"


def check_order(releases: list[Release]) -> None:
    """Dates never go back, no release twice, and each package only moves forward."""
    newest: dict[str, Release] = {}
    seen: dict[str, int] = {}
    for index, release in enumerate(releases, 1):
        where = _describe(index, release)
        if release.tag in seen:
            raise UserError(f"{where} is listed twice (also release {seen[release.tag]})")
        seen[release.tag] = index
        if index > 1 and release.date < releases[index - 2].date:
            raise UserError(
                f"{where} is dated before {_describe(index - 1, releases[index - 2])}: the list "
                "must be in date order, and a release older than the last entry cannot be "
                "appended"
            )
        previous = newest.get(release.package)
        if previous and version_tuple(release.version) < version_tuple(previous.version):
            raise UserError(
                f"{where} is older than {previous.package} {previous.version} listed above it: "
                "the history follows each package forward only"
            )
        newest[release.package] = release


def parse(text: str, source: str = "release list") -> list[Release]:
    """Releases from the TOML text of a release list; ``UserError`` says what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{source} is not valid TOML: {error}") from None
    unknown = sorted(set(data) - {"release"})
    if unknown:
        raise UserError(f"{source}: unknown top-level key(s) {unknown}; entries are [[release]]")
    entries = data.get("release", [])
    if not isinstance(entries, list):
        raise UserError(f"{source}: 'release' must be an array of tables ([[release]])")
    releases = []
    for index, raw in enumerate(entries, 1):
        try:
            releases.append(parse_entry(index, raw))
        except UserError as error:
            raise UserError(f"{source}: {error}") from None
    try:
        check_order(releases)
    except UserError as error:
        raise UserError(f"{source}: {error}") from None
    return releases


def load(path: Path = DEFAULT_PATH) -> list[Release]:
    """The validated releases in ``path``."""
    if path.is_dir():
        raise UserError(f"{path} is a folder; --releases names the release list, a TOML file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"no release list at {path}") from None
    except UnicodeDecodeError as error:
        raise UserError(f"{path} is not UTF-8 (byte {error.object[error.start]:#04x} at offset "
                        f"{error.start}); TOML files are UTF-8: save it as UTF-8") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
    if text.startswith("\ufeff"):
        raise UserError(f"{path} starts with a byte-order mark, which TOML does not allow: "
                        "save it as UTF-8 without a BOM")
    return parse(text, str(path))


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML here")


def to_toml(release: Release) -> str:
    """The ``[[release]]`` table for ``release``, ready to append to the list."""
    lines = ["[[release]]"]
    for key, value in release.as_dict().items():
        if key == "date":
            lines.append(f"date = {value}")
        elif key != "wheels":
            lines.append(f"{key} = {_toml_value(value)}")
    lines.append("[release.wheels]")
    lines += [f'"{key}" = {_toml_value(value)}' for key, value in release.wheels.items()]
    return "\n".join(lines) + "\n"
