"""The one reader of asv's results JSON: every recorded value with its status.

asv stores, per benchmark, a value for each param combination: a number where it was
measured, NaN where it was skipped (its setup raised ``NotImplementedError``) and null
where it failed. asv 0.6.6 saves neither the skip's message nor a failure's stderr or
exit code in the file, so the reason given for each is the one asv's file supports
(``REASONS``). Reading goes through asv's own ``Results`` loader; nothing on disk is
ever changed.

- ``load_results(dir)``: every result file under an asv results folder as one frame,
  a row per value (``BASE_COLUMNS`` plus a column per benchmark param). ``status`` is
  ``MEASURED``, ``SKIPPED`` or ``FAILED``; ``value`` is NaN unless measured, never 0.
  Files that cannot be read are left out and named in ``problems``.
- ``read_outcomes(file)``: one results file as an ``Outcome`` per benchmark and param
  combination; ``outcome_of`` picks one (``MISSING`` where nothing is recorded) and
  ``failed_benchmarks`` names those with a failure.
- ``Outcome(status, value)``: ``.reason`` says why there is no value ('' if there is).
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from asv import results as asv_results
from asv import util as asv_util

from mpsbench import gate
from mpsbench.errors import UserError
from mpsbench.files import read_bounded

BASE_COLUMNS = ["machine", "commit", "date", "env", "versions", "benchmark", "module", "cls",
                "metric", "version", "current", "value", "status", "unit"]
# Keys of a result's "params" that describe the machine rather than the software stack.
MACHINE_PARAM_KEYS = {"machine", "arch", "cpu", "num_cpu", "os", "ram"}

MEASURED, SKIPPED, FAILED, MISSING = "measured", "skipped", "failed", "missing"
REASONS = {
    SKIPPED: "asv skipped it here (its setup raised NotImplementedError)",
    FAILED: "it failed in asv (`asv run --show-stderr` shows why)",
    MISSING: "asv recorded nothing for it",
}


@dataclass(frozen=True)
class Outcome:
    """One param combination's record: its status and value (None unless measured)."""

    status: str
    value: float | None = None

    @property
    def reason(self) -> str:
        """Why there is no value ('' when there is one)."""
        return REASONS.get(self.status, "")


def outcome_of_value(value: Any) -> Outcome:
    """asv's stored value as an ``Outcome``: null failed, NaN skipped, else measured."""
    if value is None:
        return Outcome(FAILED)
    if isinstance(value, float) and math.isnan(value):
        return Outcome(SKIPPED)
    return Outcome(MEASURED, float(value))


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


def load_benchmark_index(results_dir: Path, discover: bool = True) -> dict[str, dict[str, Any]]:
    """The current benchmarks' metadata (param names, version, unit) from benchmarks.json,
    or, where asv has not written it (a fresh clone: it is not committed), from the
    benchmarks themselves, discovered as asv discovers them (unless not ``discover``)."""
    path = results_dir / "benchmarks.json"
    try:
        data = json.loads(read_bounded(path).decode("utf-8"))
    except FileNotFoundError:
        data = discover_benchmarks(results_dir) if discover else {}
    except (OSError, ValueError, RecursionError) as error:  # ValueError: not UTF-8 or JSON
        raise UserError(f"{path} is unreadable ({_short(error)}); delete it (mpsbench then "
                        "reads the benchmarks themselves) or write it again with 'asv run "
                        "--bench just-discover'") from None
    if isinstance(data, list):  # discovery's own output: a list of benchmarks
        data = {meta.get("name"): meta for meta in data if isinstance(meta, dict)}
    if not isinstance(data, dict):
        raise UserError(f"{path} is not asv's benchmark list (a JSON object); delete it or "
                        "write it again with 'asv run --bench just-discover'")
    return {name: meta for name, meta in data.items() if isinstance(meta, dict)}


def _short(error: Exception) -> str:
    """An exception as one short line (UnicodeDecodeError's own text is long)."""
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8: byte {error.object[error.start]:#04x} at offset {error.start}"
    return str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__


def benchmark_dir_for(results_dir: Path) -> Path | None:
    """The benchmark_dir of the asv.conf.json (beside ``results_dir`` or here) whose
    results_dir is ``results_dir``; None when there is none."""
    for config in dict.fromkeys([results_dir.parent / "asv.conf.json", Path("asv.conf.json")]):
        try:
            conf = asv_util.load_json(str(config), js_comments=True)
            if (config.parent / conf.get("results_dir", "results")).resolve() \
                    == results_dir.resolve():
                return config.parent / conf.get("benchmark_dir", "benchmarks")
        except (OSError, ValueError, AttributeError, TypeError, asv_util.UserError):
            continue
    return None


def discover_benchmarks(results_dir: Path) -> list[dict[str, Any]]:
    """The benchmarks' metadata as asv's discovery lists it, run on the suite's folder in
    a fresh interpreter (nothing is written under ``results_dir``)."""
    from asv.runner import BENCHMARK_RUN_SCRIPT

    suite = benchmark_dir_for(results_dir)
    missing = f"{results_dir / 'benchmarks.json'} is missing (asv writes it when it runs)"
    if suite is None or not suite.is_dir():
        raise UserError(f"{missing}, and no asv.conf.json here or beside {results_dir} names "
                        "the benchmarks; run 'asv run --bench just-discover' where it is")
    source = str(Path(__file__).resolve().parents[1])  # this mpsbench, for the suite
    path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH")) if p)
    # asv's run script drops PYTHONPATH's entries from sys.path unless ASV_PYTHONPATH is set
    env = {**os.environ, "PYTHONPATH": path, "ASV_PYTHONPATH": path}
    with tempfile.TemporaryDirectory(prefix="mpsbench-discover-") as scratch:
        out = Path(scratch) / "benchmarks.json"
        done = subprocess.run([sys.executable, BENCHMARK_RUN_SCRIPT, "discover",
                               str(suite.resolve()), str(out)], cwd=scratch, env=env,
                              capture_output=True, text=True, check=False)
        try:
            return json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            why = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise UserError(f"{missing}, and discovering the benchmarks in {suite} failed "
                            f"({why}); run 'asv check' to see why") from None


def stack_versions(params: dict[str, Any]) -> str:
    """The software stack a result was recorded with ('python 3.11, torch 2.13.0'), from
    asv's per-result params; a path (an ``existing`` environment's python) is left out."""
    return ", ".join(f"{key} {value}" for key, value in sorted(params.items())
                     if key not in MACHINE_PARAM_KEYS and value and "/" not in str(value))


def _stored(result: asv_results.Results) -> Iterator[tuple[str, tuple[str, ...], Any]]:
    """Each (benchmark, param combination as asv's reprs, stored value) of ``result``."""
    for key in result.get_all_result_keys():
        param_values = result.get_result_params(key) or []
        values = result.get_result_value(key, param_values)
        if not isinstance(values, list):
            values = [values]
        combos = itertools.product(*param_values)  # asv's order: the last param fastest
        for combo, value in zip(combos, values, strict=False):
            yield key, combo, value


def _rows(result: asv_results.Results, machine: str,
          index: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    versions = stack_versions(result.params)
    for key, combo, value in _stored(result):
        meta = index.get(key, {})
        names = meta.get("param_names") or [f"param{i}" for i in range(len(combo))]
        module, _, rest = key.partition(".")
        cls, _, metric = rest.rpartition(".")
        version = result.benchmark_version.get(key)
        outcome = outcome_of_value(value)
        row = {
            "machine": machine, "commit": result.commit_hash,
            "date": pd.to_datetime(result.date, unit="ms"), "env": result.env_name,
            "versions": versions, "benchmark": key, "module": module, "cls": cls,
            "metric": metric, "version": version,
            "current": not index or meta.get("version") == version,
            "value": float("nan") if outcome.value is None else outcome.value,
            "status": outcome.status,
            "unit": meta.get("unit", "seconds" if metric.startswith("time_") else ""),
        }
        row.update({name: parse_param(v) for name, v in zip(names, combo, strict=False)})
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Recorded:
    """One point's recorded value (seconds) with asv's statistics and samples, if kept."""

    value: float
    stats: dict[str, Any] | None
    samples: list[float] | None


def recorded_points(results_dir: Path, machine: str
                    ) -> tuple[dict[str, dict[str, Recorded]], list[str]]:
    """commit -> point (``name(params)``) -> what is recorded, for the time benchmarks of
    ``machine``; and one line per file that could not be read (it is skipped)."""
    from mpsbench.canary import point_key

    found: dict[str, dict[str, Recorded]] = {}
    problems = []
    for path in sorted((results_dir / machine).glob("*.json")):
        if path.name == "machine.json":
            continue
        try:
            results = asv_results.Results.load(str(path), machine)
        except (OSError, ValueError, KeyError, TypeError, asv_util.UserError) as error:
            problems.append(f"{path} skipped: {error}")
            continue
        points = found.setdefault(results.commit_hash, {})
        for key in results.get_all_result_keys():
            if not key.rsplit(".", 1)[-1].startswith("time_"):
                continue
            params = results.get_result_params(key)
            combos = list(itertools.product(*params)) if params else [()]
            rows = zip(combos, *(_listed(getter(key, params), params) for getter in (
                results.get_result_value, results.get_result_stats,
                results.get_result_samples)), strict=True)
            for combo, value, stats, samples in rows:
                if isinstance(value, int | float) and not math.isnan(value):
                    points[point_key(key, combo)] = Recorded(value, stats, samples)
    return found, problems


def _listed(values: Any, params: list[list[str]]) -> list[Any]:
    return values if params else [values]


def read_outcomes(result_file: Path) -> dict[str, dict[tuple[Any, ...], Outcome]]:
    """Every benchmark in one results file, each param combination's ``Outcome`` (keyed by
    the params as values: ``('cpu', 16)``; ``()`` for a benchmark without params)."""
    found: dict[str, dict[tuple[Any, ...], Outcome]] = {}
    for key, combo, value in _stored(asv_results.Results.load(str(result_file))):
        found.setdefault(key, {})[tuple(parse_param(p) for p in combo)] = \
            outcome_of_value(value)
    return found


def outcome_of(result_file: Path, benchmark: str, params: Sequence[Any]) -> Outcome:
    """The outcome of ``benchmark`` at ``params`` (``MISSING`` where none is recorded)."""
    return read_outcomes(result_file).get(benchmark, {}).get(tuple(params), Outcome(MISSING))


def failed_benchmarks(result_file: Path) -> list[str]:
    """The benchmarks with a failed param combination, as asv names them."""
    return sorted(name for name, combos in read_outcomes(result_file).items()
                  if any(o.status == FAILED for o in combos.values()))


def load_results(results_dir: Path | str) -> LoadedResults:
    """Load every results file under ``results_dir``; unreadable ones go to ``problems``."""
    results_dir = Path(results_dir)
    if results_dir.exists() and not results_dir.is_dir():
        raise UserError(f"{results_dir} is a file; --results names asv's results folder")
    if not results_dir.is_dir():
        raise UserError(f"no results directory at {results_dir}; run 'asv run' first "
                        "(or pass --results DIR)")
    index = load_benchmark_index(results_dir, discover=any(results_dir.glob("*/?*.json")))
    admission = gate.admit(results_dir, index)  # before any file of a folder is read
    paths = [(str(results_dir / machine), path.name, machine)
             for machine in admission.admitted
             for path in sorted((results_dir / machine).glob("*.json"))
             if path.name != "machine.json"]
    rows: list[dict[str, Any]] = []
    problems = admission.notes()
    for root, filename, machine in paths:
        path = os.path.join(root, filename)
        try:
            result = asv_results.Results.load(path, machine_name=machine)
            rows.extend(_rows(result, machine, index))
        except (asv_util.UserError, ValueError, KeyError, TypeError, AttributeError,
                IndexError) as error:
            problems.append(f"skipped {path}: not a results file asv can read "
                            f"({type(error).__name__}: {_short(error)}); move it out of "
                            f"{results_dir} or record it again")
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=BASE_COLUMNS)
    for column in param_columns(frame):  # as recorded: 16 stays 16 where others lack it
        frame[column] = pd.Series([row.get(column) for row in rows], index=frame.index,
                                  dtype=object)
    problems.extend(_stale_notes(frame, index))
    if not rows:
        problems.append(f"no results found under {results_dir}")
    return LoadedResults(frame, problems)


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


def resolve_commit(text: str, rows: pd.DataFrame, tags: dict[str, str],
                   what: str = "results") -> str:
    """The commit of ``rows`` that ``text`` names: its hash, a unique start of it, or its
    release tag (``tags``: tag -> hash); else a ``UserError`` listing the recorded ones."""
    recorded = [str(c) for c in rows.sort_values("date")["commit"].drop_duplicates()]
    names = {sha: tag for tag, sha in tags.items()}
    if text in tags:
        found = [c for c in recorded if c == tags[text]]
    else:
        found = [c for c in recorded if text and c.startswith(text.lower())]
    if len(found) == 1:
        return found[0]
    listing = ", ".join(c[:8] + (f" ({names[c]})" if c in names else "")
                        for c in found or recorded) or "none"
    if found:
        raise UserError(f"commit {text!r} is ambiguous: {listing} all start so; give more of "
                        "the hash")
    named = f"tag {text!r} (commit {tags[text][:8]})" if text in tags else repr(text)
    hint = ""
    if not tags and not re.fullmatch(r"[0-9a-fA-F]+", text):
        hint = (" (release tags are read from the history: 'mpsbench history generate' "
                "writes it)")
    raise UserError(f"no {what} recorded at {named}{hint}; commits with {what}: {listing}")
