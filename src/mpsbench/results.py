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
from asv import results as asv_results
from asv import util as asv_util

from mpsbench.errors import UserError

BASE_COLUMNS = ["machine", "commit", "date", "env", "benchmark", "module", "cls", "metric",
                "version", "current", "value", "unit"]


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


def _rows(result: asv_results.Results, machine: str,
          index: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
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
                "benchmark": key, "module": module, "cls": cls, "metric": metric,
                "version": version,
                "current": not meta or meta.get("version") == version,
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
    problems: list[str] = []
    for root, filename, machine in asv_results.iter_results_paths(str(results_dir)):
        path = os.path.join(root, filename)
        try:
            result = asv_results.Results.load(path, machine_name=machine)
            rows.extend(_rows(result, machine, index))
        except (asv_util.UserError, ValueError, KeyError, TypeError) as error:
            problems.append(f"skipped {path}: {error}")
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=BASE_COLUMNS)
    stale = frame.loc[~frame["current"].astype(bool), "benchmark"].unique() if rows else []
    problems.extend(f"{name}: recorded by an older version of the benchmark" for name in stale)
    if not rows:
        problems.append(f"no results found under {results_dir}")
    return LoadedResults(frame, problems)


def newest_commit(frame: pd.DataFrame, machine: str) -> str:
    """The commit with the newest date among ``machine``'s results."""
    rows = frame[frame["machine"] == machine]
    if rows.empty:
        known = ", ".join(sorted(frame["machine"].unique())) or "none"
        raise UserError(f"no results for machine {machine!r} (machines with results: {known})")
    return str(rows.sort_values("date").iloc[-1]["commit"])
