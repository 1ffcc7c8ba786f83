"""asv's published site made whole and offline: the benchmark list it publishes from, the
UI it is read through, and what that UI asks for beside asv's own files.

asv's stock pages load jQuery, flot and bootstrap from CDNs and stay blank offline; the
site is read through asv-tachyon instead (a pip dependency: its UI, fonts included, is
copied out of the installed wheel at publish time). docs/decisions.md says why.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

from asv import results as asv_results
from asv import util as asv_util

from mpsbench.files import write_whole
from mpsbench.results import discover_benchmarks

BENCHMARKS_API_VERSION = 2  # asv.benchmarks.Benchmarks.api_version, as asv writes the file


def write_benchmark_list(results_dir: Path) -> list[dict[str, Any]]:
    """Write ``results_dir/benchmarks.json`` from a discovery of the full grid, whose
    points include every other grid's: asv publishes only the points it lists."""
    from mpsbench.grids import GRID_ENV

    before = os.environ.get(GRID_ENV)
    os.environ[GRID_ENV] = "full"  # read by the discovery's own interpreter
    try:
        benchmarks = discover_benchmarks(results_dir)
    finally:
        if before is None:
            del os.environ[GRID_ENV]
        else:
            os.environ[GRID_ENV] = before
    listing = {meta["name"]: meta for meta in benchmarks}
    listing["version"] = BENCHMARKS_API_VERSION
    write_whole(results_dir / "benchmarks.json", json.dumps(listing, indent=4, sort_keys=True),
                "check that the results folder is writable")
    return benchmarks


def unlisted_points(results_dir: Path, benchmarks: list[dict[str, Any]]) -> list[str]:
    """'machine: benchmark(param, ...)' for every recorded value of a current benchmark
    that ``benchmarks`` has no point for (asv's graphs would leave it out)."""
    listed = {meta["name"]: meta for meta in benchmarks}
    missing = []
    for root, filename, machine in asv_results.iter_results_paths(str(results_dir)):
        try:
            result = asv_results.Results.load(os.path.join(root, filename), machine)
        except (asv_util.UserError, ValueError, KeyError, TypeError):
            continue  # the results reader says why it is unreadable
        for key in result.get_all_result_keys():
            meta = listed.get(key)
            if meta is None or result.benchmark_version.get(key) != meta.get("version"):
                continue  # an older suite's benchmark: asv leaves it out on purpose
            params = set(itertools.product(*meta["params"]))
            values = result.get_result_value(key, result.get_result_params(key) or [])
            combos = itertools.product(*(result.get_result_params(key) or []))
            for combo, value in zip(combos, values if isinstance(values, list) else [values],
                                    strict=False):
                if value is not None and combo and combo not in params:
                    missing.append(f"{machine}: {key}({', '.join(combo)})")
    return missing


def install_ui(html_dir: Path) -> None:
    """Put asv-tachyon's UI (index.html, its scripts, styles and fonts) over asv's pages,
    keeping asv's graphs and index.json, which it reads."""
    from asv_tachyon.cli import main as tachyon

    if tachyon(["install", str(html_dir), "--no-backup"]) != 0:
        raise RuntimeError(f"asv-tachyon could not install its UI into {html_dir}")


def write_sidecars(html_dir: Path) -> None:
    """The files the UI asks for beside asv's: the release tag of each commit (its
    tooltips), no profiles and no muted regressions (saying so rather than a 404)."""
    index = json.loads((html_dir / "index.json").read_text(encoding="utf-8"))
    tags = {str(revision): tag for tag, revision in index.get("tags", {}).items()}
    sidecars = {"commits.json": {"by_revision": tags},
                "profiles.json": {"paths": {}},
                "regressions-ignore.json": []}
    for name, content in sidecars.items():
        write_whole(html_dir / name, json.dumps(content), "check that html/ is writable")


def drop_machines_without_graphs(html_dir: Path) -> list[str]:
    """Take out of the machine picker the machines asv drew no graph for (every result
    from an older suite's benchmark versions); returns their names."""
    path = html_dir / "index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    drawn = {entry.get("machine") for entry in index.get("graph_param_list", [])}
    dropped = sorted(set(index.get("machines", {})) - drawn)
    index["machines"] = {k: v for k, v in index.get("machines", {}).items() if k in drawn}
    for name, values in index.get("params", {}).items():  # cpu, os, ...: only drawn ones
        shown = {entry.get(name) for entry in index["graph_param_list"]}
        index["params"][name] = [v for v in values if v in shown]
    write_whole(path, json.dumps(index), "check that html/ is writable")
    return dropped
