"""Which framework versions ran the benchmarks, read from asv's own environment.

``mpsbench machine`` reads the versions installed beside mpsbench (the .venv), but
asv benchmarks in its own environment (.asv/env), with the stack the history commit
pins. After a run, ``record_benchmarked`` asks that environment's Python for its
versions and writes them into the machine's facts: ``packages`` and ``python`` become
the benchmarked ones, and ``environments`` keeps them per commit and environment,
merged with what earlier runs recorded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from mpsbench.facts import facts_path, read_facts
from mpsbench.files import write_whole
from mpsbench.machine import PACKAGES

SNIPPET = (
    "import importlib.metadata as m, json, platform\n"
    "def v(n):\n"
    "    try:\n        return m.version(n)\n"
    "    except m.PackageNotFoundError:\n        return None\n"
    f"print(json.dumps({{'python': platform.python_version(), "
    f"'packages': {{n: v(n) for n in {list(PACKAGES)!r}}}}}))"
)


def versions_of(python: str) -> dict[str, Any] | None:
    """The Python version and framework versions installed for ``python``; None if unknown."""
    try:
        done = subprocess.run([python, "-c", SNIPPET], capture_output=True, text=True,
                              timeout=120, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def _asv_environments(extra: list[str]) -> list:
    """asv's environment objects that 'asv run' with ``extra`` benchmarks in."""
    from asv import environment
    from asv.config import Config

    specifiers = [value for before, value in zip(extra, extra[1:], strict=False)
                  if before in ("-E", "--environment")]
    conf = Config.load("asv.conf.json")
    return list(environment.get_environments(conf, specifiers or None, verbose=False))


def asv_environments(extra: list[str]) -> list[tuple[str, str]]:
    """(env name, python) of the environments 'asv run' with ``extra`` benchmarks in."""
    from asv import environment

    out = []
    for env in _asv_environments(extra):
        python = env._python if isinstance(env, environment.ExistingEnvironment) \
            else str(Path(env._path) / ("Scripts" if sys.platform == "win32" else "bin")
                     / "python")
        out.append((env.name, python))
    return out


def needs_install(extra: list[str]) -> bool:
    """Whether 'asv run' with ``extra`` first installs the benchmarked commit's stack into
    an environment of its own (asv does that unannounced, before its first benchmark)."""
    from asv import environment

    commit = benchmarked_commit(extra)
    try:
        envs = _asv_environments(extra)
    except Exception:  # noqa: BLE001 -- asv will say what is wrong when it runs
        return False
    return any(not isinstance(env, environment.ExistingEnvironment)
               and env.installed_commit_hash != commit for env in envs)


def benchmarked_commit(extra: list[str]) -> str | None:
    """The commit the run recorded: --set-commit-hash, else the history's newest."""
    for before, value in zip(extra, extra[1:], strict=False):
        if before == "--set-commit-hash":
            return value
    try:
        return subprocess.run(["git", "--git-dir=.asv/history", "rev-parse", "main"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def record_benchmarked(results_dir: Path, machine: str, extra: list[str]) -> dict[str, Any]:
    """Write the benchmarked environment's versions into ``machine``'s facts, beside
    those earlier runs recorded there ('mpsbench machine' keeps them)."""
    path = facts_path(results_dir, machine)
    facts = read_facts(results_dir, machine)
    commit = benchmarked_commit(extra)
    environments = dict(facts.get("environments") or {})
    try:
        envs = asv_environments(extra)
    except Exception as error:  # noqa: BLE001 -- provenance must not fail the run
        print(f"note: could not find asv's environments ({error}); machine.facts keeps "
              "the versions installed beside mpsbench", file=sys.stderr)
        return facts
    for name, python in envs:
        found = versions_of(python)
        if not found or not commit:
            continue
        environments.setdefault(commit, {})[name] = found
        facts.update(python=found["python"], packages=found["packages"],
                     packages_from=f"asv environment {name}, commit {commit[:8]}")
    if environments:
        facts["environments"] = environments
        write_whole(path, json.dumps(facts, indent=2) + "\n",
                    f"free space or make {path.parent} writable, then run again")
    return facts


def versions_at(facts: dict[str, Any], commit: str, env: str | None = None) -> str:
    """'torch 2.15.0, torchvision 0.29.2, mlx 0.32.4' that ran ``commit`` ('' if unknown)."""
    envs = (facts.get("environments") or {}).get(str(commit)) or {}
    found = envs.get(env) if env in envs else next(iter(envs.values()), None)
    if not found:
        return ""
    return ", ".join(f"{k} {v}" for k, v in (found.get("packages") or {}).items() if v)
