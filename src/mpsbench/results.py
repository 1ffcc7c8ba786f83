"""asv's recorded results as one tidy table, with every unreadable file accounted for.

Reading goes through asv's own ``Results`` loader. A file that cannot be read is
reported in ``problems`` and skipped; nothing on disk is ever changed.
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from asv import machine as asv_machine
from asv import results as asv_results
from asv import util as asv_util

from mpsbench.errors import UserError

BASE_COLUMNS = ["machine", "commit", "date", "env", "versions", "benchmark", "module", "cls",
                "metric", "version", "current", "value", "unit"]
# Keys of a result's "params" that describe the machine rather than the software stack.
MACHINE_PARAM_KEYS = {"machine", "arch", "cpu", "num_cpu", "os", "ram"}


@dataclass
class LoadedResults:
    """Every recorded value as a row, plus what could not be read and why."""

    frame: pd.DataFrame
    problems: list[str] = field(default_factory=list)


def parse_param(text: str) -> Any:
    """asv stores param values as reprs ('cpu' quoted, 16 bare); turn them back."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def load_benchmark_index(results_dir: Path) -> dict[str, dict[str, Any]]:
    """The current benchmarks' metadata (param names, version, unit) from benchmarks.json."""
    path = results_dir / "benchmarks.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as error:
        raise UserError(f"{path} is unreadable ({error}); run 'asv check' or 'asv run' "
                        "to write it again") from None
    return {name: meta for name, meta in data.items() if isinstance(meta, dict)}


def stack_versions(params: dict[str, Any]) -> str:
    """The software stack a result was recorded with ('python 3.11, torch 2.13.0'), from
    asv's per-result params; a path (an ``existing`` environment's python) is left out."""
    return ", ".join(f"{key} {value}" for key, value in sorted(params.items())
                     if key not in MACHINE_PARAM_KEYS and value and "/" not in str(value))


def _rows(result: asv_results.Results, machine: str,
          index: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    versions = stack_versions(result.params)
    for key in result.get_all_result_keys():
        meta = index.get(key, {})
        param_values = result.get_result_params(key) or []
        names = meta.get("param_names") or [f"param{i}" for i in range(len(param_values))]
        values = result.get_result_value(key, param_values)
        if not isinstance(values, list):
            values = [values]
        combos = _product(param_values)
        module, _, rest = key.partition(".")
        cls, _, metric = rest.rpartition(".")
        version = result.benchmark_version.get(key)
        for combo, value in zip(combos, values, strict=False):
            row = {
                "machine": machine, "commit": result.commit_hash,
                "date": pd.to_datetime(result.date, unit="ms"), "env": result.env_name,
                "versions": versions, "benchmark": key, "module": module, "cls": cls,
                "metric": metric, "version": version,
                "current": not index or meta.get("version") == version,
                "value": float("nan") if value is None else float(value),
                "unit": meta.get("unit", "seconds" if metric.startswith("time_") else ""),
            }
            row.update({name: parse_param(v) for name, v in zip(names, combo, strict=False)})
            rows.append(row)
    return rows


def _product(param_values: list[list[str]]) -> list[tuple[str, ...]]:
    """All combinations in asv's order (the last param varies fastest)."""
    combos: list[tuple[str, ...]] = [()]
    for values in param_values:
        combos = [combo + (v,) for combo in combos for v in values]
    return combos


def load_results(results_dir: Path | str) -> LoadedResults:
    """Load every results file under ``results_dir``; unreadable ones go to ``problems``."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise UserError(f"no results directory at {results_dir}; run 'asv run' first "
                        "(or pass --results DIR)")
    index = load_benchmark_index(results_dir)
    rows: list[dict[str, Any]] = []
    problems = unreadable_machine_files(results_dir)
    for root, filename, machine in asv_results.iter_results_paths(str(results_dir)):
        path = os.path.join(root, filename)
        try:
            result = asv_results.Results.load(path, machine_name=machine)
            rows.extend(_rows(result, machine, index))
        except (asv_util.UserError, ValueError, KeyError, TypeError) as error:
            problems.append(f"skipped {path}: {error}")
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=BASE_COLUMNS)
    for column in param_columns(frame):  # as recorded: 16 stays 16 where others lack it
        frame[column] = pd.Series([row.get(column) for row in rows], index=frame.index,
                                  dtype=object)
    problems.extend(_stale_notes(frame, index))
    if not rows:
        problems.append(f"no results found under {results_dir}")
    return LoadedResults(frame, problems)


def unreadable_machine_files(results_dir: Path) -> list[str]:
    """A note for each machine folder whose machine.json asv cannot read.

    asv skips every result in such a folder (with only a log line) and 'asv publish'
    stops on it, so the folder's results are left out here too, and said so.
    """
    notes = []
    for folder in sorted(p for p in results_dir.iterdir() if p.is_dir()):
        if not any(f.name != "machine.json" for f in folder.glob("*.json")):
            continue  # no results to load, nothing left out
        path = folder / "machine.json"
        try:
            data = asv_util.load_json(str(path), api_version=asv_machine.Machine.api_version)
            if isinstance(data.get("machine"), str):
                continue
            error = "it names no machine"
        except (asv_util.UserError, OSError) as exc:
            error = str(exc).strip()
        notes.append(f"left out {folder}: {path.name} is unreadable ({error}); 'asv publish' "
                     f"stops on it too. Write it again with 'mpsbench machine --name "
                     f"{folder.name}' (or 'asv machine'), or move the folder away")
    return notes


def _stale_notes(frame: pd.DataFrame, index: dict[str, dict[str, Any]]) -> list[str]:
    """A note per result set and reason, naming the benchmarks the suite no longer matches."""
    stale = frame[~frame["current"].astype(bool)]
    grouped: dict[tuple[str, str], list[str]] = {}
    for (name, version), rows in stale.groupby(["benchmark", "version"], dropna=False):
        files = rows[["machine", "commit"]].drop_duplicates()
        where = ", ".join(f"{m} @ {str(c)[:8]}" for m, c in files.itertuples(index=False))
        now = index.get(name, {}).get("version")
        why = (f"version {version}, the suite now has version {now}" if now
               else "the suite no longer has this benchmark")
        grouped.setdefault((where, why), []).append(name)
    return [f"left out {_some(names)} from {where}: recorded by an older suite ({why}); "
            "asv leaves these out too. Re-run to record them again"
            for (where, why), names in grouped.items()]


def _some(names: list[str], shown: int = 3) -> str:
    """``names``, or their count and the first few when there are more than ``shown``."""
    if len(names) <= shown:
        return ", ".join(names)
    return f"{len(names)} benchmarks ({', '.join(names[:shown])} and {len(names) - shown} more)"


def current_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Only the results recorded by the benchmarks as they are now (what asv shows)."""
    return frame[frame["current"].astype(bool)]


def param_columns(frame: pd.DataFrame) -> list[str]:
    """The benchmark-param columns (device, batch, dtype, ...) of a results frame."""
    return [column for column in frame.columns if column not in BASE_COLUMNS]


def newest_commit(frame: pd.DataFrame, machine: str) -> str:
    """The commit with the newest date among ``machine``'s results."""
    rows = frame[frame["machine"] == machine]
    if rows.empty:
        known = ", ".join(sorted(frame["machine"].unique())) or "none"
        raise UserError(f"no results for machine {machine!r} (machines with results: {known})")
    return str(rows.sort_values("date").iloc[-1]["commit"])
