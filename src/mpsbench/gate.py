"""The gate for contributed results: a machine folder under results/ is read only when every
file in it is what this suite writes.

A results folder is input from strangers (the README asks for ``results/<machine>/``). A
folder is admitted whole or refused whole, with the file and the field named: files must
be regular files of bounded size and nesting (no FIFO, device or symbolic link), machine
and param strings keep to a safe alphabet (asv's site shows them as HTML), benchmark
params are the suite's own, and every value is possible for its unit. Nothing is changed
on disk; what reads results (the reader, ``history recorded``, publishing) leaves a refused
folder out and says why.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpsbench.catalogue import DEVICE_PARAMS, DTYPES
from mpsbench.errors import UserError
from mpsbench.facts import FACTS_FILENAME, facts_problem
from mpsbench.files import kind_of, read_bounded
from mpsbench.grids import LLM_GRIDS, MASKS, MODES

# A machine name: a folder under results/ and a button on asv's site (as 'mpsbench machine').
MACHINE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Text that can show on asv's site: no markup, quotes, entities or control characters.
SAFE_TEXT = re.compile(r"[\w .,:;()\[\]/@+#=~%*!?|^$-]{0,300}", re.ASCII)
COMMIT = re.compile(r"[0-9a-f]{40}")
MAX_DEPTH = 12  # asv's results nest 4 deep, the facts 5
MAX_FILES = 100_000
SUBFOLDERS = ("canary",)  # the canary's per-commit files (mpsbench.canary)
# The files beside asv's whose text is checked for shape only (reasons quote asv's output).
OWN_FILES = ("waitcheck.facts", "history.ledger")
# Param words the suite uses in some grid, beyond those the discovered benchmarks declare.
GRID_WORDS = {*DEVICE_PARAMS, *DTYPES, *MASKS, *MODES,
              *(word for grid in LLM_GRIDS.values() for word in (*grid.models, *grid.dtypes))}
# The largest possible value by unit: a step of a day, a petabyte, 1e15 of anything else.
LIMITS = {"seconds": 86_400.0, "bytes": float(2**50)}
OTHER_LIMIT = 1e15
FIRST_DATE_MS = 946_684_800_000  # 2000-01-01: asv did not exist before


class Refused(Exception):
    """A folder that is not admitted: the message names the file and the field."""


@dataclass
class Admission:
    """Which machine folders of a results folder were refused, and why."""

    results_dir: Path
    refused: dict[str, str] = field(default_factory=dict)
    admitted: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        return [f"left out {self.results_dir / name}: {why}. Ask its contributor for a new "
                f"copy, or check it with 'mpsbench check-results {self.results_dir / name}'"
                for name, why in sorted(self.refused.items())]


def admit(results_dir: Path, index: dict[str, dict[str, Any]]) -> Admission:
    """Check every machine folder of ``results_dir`` against the suite's ``index``
    (benchmark name -> asv's metadata: param names and values, version, unit)."""
    admission = Admission(results_dir)
    for entry in sorted(os.scandir(results_dir), key=lambda e: e.name):
        if entry.name.startswith(".") or (entry.is_file(follow_symlinks=False)
                                          and entry.name != "machine.json"):
            continue  # benchmarks.json and the like: asv's own, not a machine's
        try:
            check_folder(Path(entry.path), index)
            admission.admitted.append(entry.name)
        except Refused as why:
            admission.refused[entry.name] = str(why)
        except OSError as error:  # a folder without read permission
            admission.refused[entry.name] = f"it cannot be read ({error.strerror or error})"
    return admission


def check_folder(folder: Path, index: dict[str, dict[str, Any]]) -> int:
    """Raise ``Refused`` naming the first fault of the machine folder ``folder``; returns
    how many results files it holds."""
    mode = os.lstat(folder).st_mode
    if not stat.S_ISDIR(mode):
        raise Refused(f"it is {kind_of(mode)}, not a folder")
    if not MACHINE_NAME.fullmatch(folder.name):
        raise Refused(f"its name {folder.name[:80]!r} is not a machine name (1 to 64 letters, "
                      "digits, '.', '_' or '-')")
    files = _regular_files(folder)
    if "machine.json" not in files:
        raise Refused("it has no machine.json")
    count = 0
    for name, path in sorted(files.items()):
        data = _json(path) if name.endswith((".json", ".facts", ".ledger", ".canary")) else None
        try:
            if name == "machine.json":
                _machine_json(data, folder.name)
            elif name == FACTS_FILENAME:
                _facts(data)
            elif "/" not in name and name.endswith(".json"):
                _results_file(data, folder.name, index)
                count += 1
        except Refused as why:
            raise Refused(f"{name}: {why}") from None
    return count


def _regular_files(folder: Path) -> dict[str, Path]:
    """Every file under ``folder`` (by relative name), each a regular file; ``Refused`` for
    a symbolic link, FIFO, device or socket, or a folder the suite does not write."""
    found: dict[str, Path] = {}
    for entry in os.scandir(folder):
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISDIR(mode) and entry.name in SUBFOLDERS:
            for inner in os.scandir(entry.path):
                inner_mode = inner.stat(follow_symlinks=False).st_mode
                if not stat.S_ISREG(inner_mode):
                    raise Refused(f"{entry.name}/{inner.name} is {kind_of(inner_mode)}, not a "
                                  "regular file")
                found[f"{entry.name}/{inner.name}"] = Path(inner.path)
        elif not stat.S_ISREG(mode):
            raise Refused(f"{entry.name} is {kind_of(mode)}, not a regular file")
        else:
            found[entry.name] = Path(entry.path)
        if len(found) > MAX_FILES:
            raise Refused(f"it holds more than {MAX_FILES} files")
    return found


def _json(path: Path) -> Any:
    """``path`` read bounded and parsed, nested at most ``MAX_DEPTH`` deep."""
    try:
        data = json.loads(read_bounded(path).decode("utf-8"))
    except UnicodeDecodeError:
        raise Refused(f"{path.name}: it is not UTF-8") from None
    except RecursionError:
        raise Refused(f"{path.name}: it is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise Refused(f"{path.name}: it is not whole JSON ({error})") from None
    except OSError as error:
        raise Refused(f"{path.name}: {error.strerror or error}") from None
    if _depth(data) > MAX_DEPTH:
        raise Refused(f"{path.name}: it is nested deeper than {MAX_DEPTH} levels")
    return data


def _depth(data: Any) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH and isinstance(item, dict | list):
            stack.extend((child, depth + 1)
                         for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _text(value: Any, where: str) -> str:
    """``value`` if it is text in the safe alphabet, else ``Refused`` naming ``where``."""
    if not isinstance(value, str):
        raise Refused(f"{where} = {_shown(value)} is not text")
    if not SAFE_TEXT.fullmatch(value):
        raise Refused(f"{where} = {_shown(value)} holds characters outside letters, digits, "
                      "spaces and .,:;()[]/@+#=~%*!?|^$-")
    return value


def _shown(value: Any) -> str:
    return ascii(value)[:60]


def _all_text(data: Any, where: str) -> None:
    """Every key and text value in ``data`` in the safe alphabet."""
    if isinstance(data, dict):
        for key, value in data.items():
            _text(key, f"a key of {where}")
            _all_text(value, f"{where}.{key}")
    elif isinstance(data, list):
        for item in data:
            _all_text(item, where)
    elif isinstance(data, str):
        _text(data, where)


def _machine_json(data: Any, machine: str) -> None:
    if not isinstance(data, dict):
        raise Refused("it is not a JSON object")
    if data.get("machine") != machine:
        raise Refused(f"machine = {_shown(data.get('machine'))} is not the folder's name")
    for key, value in data.items():
        _text(key, "a field name")
        if key != "version":
            _text(value, key)


def _facts(data: Any) -> None:
    problem = facts_problem(data)
    if problem:
        raise Refused(problem)
    _all_text(data, "the facts")


def _results_file(data: Any, machine: str, index: dict[str, dict[str, Any]]) -> None:
    if not isinstance(data, dict):
        raise Refused("it is not a JSON object")
    if not isinstance(data.get("commit_hash"), str) or not COMMIT.fullmatch(data["commit_hash"]):
        raise Refused(f"commit_hash = {_shown(data.get('commit_hash'))} is not a commit hash")
    date = data.get("date")
    if isinstance(date, bool) or not isinstance(date, int) \
            or not FIRST_DATE_MS <= date <= (time.time() + 86_400) * 1000:
        raise Refused(f"date = {_shown(date)} is not a time from 2000 to now (ms)")
    params = data.get("params")
    if not isinstance(params, dict):
        raise Refused(f"params = {_shown(params)} is not an object")
    if params.get("machine") != machine:
        raise Refused(f"params.machine = {_shown(params.get('machine'))} is not the "
                      "folder's name")
    for key in ("env_name", "python"):
        _text(data.get(key), key)
    _all_text(params, "params")
    _all_text({k: data.get(k) for k in ("requirements", "env_vars")}, "the file")
    columns = data.get("result_columns")
    results = data.get("results")
    if not isinstance(columns, list) or not isinstance(results, dict):
        raise Refused("result_columns or results is missing")
    _all_text(columns, "result_columns")
    for name, row in results.items():
        _benchmark(_text(name, "a benchmark name"), row, columns, index)


def _benchmark(name: str, row: Any, columns: list[str], index: dict[str, dict[str, Any]]
               ) -> None:
    """One benchmark's row: its params the suite's, its values possible for its unit."""
    if not isinstance(row, list) or len(row) > len(columns):
        raise Refused(f"results[{name!r}] is not a row of result_columns")
    cells = dict(zip(columns, row, strict=False))
    meta = index.get(name, {})
    combos = _params(name, cells.get("params") or [], meta)
    values = cells.get("result")
    if values is None:
        return
    if not isinstance(values, list) or len(values) != combos:
        raise Refused(f"results[{name!r}] holds {_shown(values)}, not {combos} values")
    metric = name.rpartition(".")[2]
    unit = "seconds" if metric.startswith(("time_", "timeraw_")) else meta.get("unit", "")
    limit = LIMITS.get(unit, OTHER_LIMIT)
    if isinstance(cells.get("version"), str):
        _text(cells["version"], f"results[{name!r}] version")
    for value in values:
        _value(value, name, unit, limit)
    for column in ("stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75"):
        for value in cells.get(column) or []:
            _number(value, f"results[{name!r}] {column}")


def _number(value: Any, where: str) -> bool:
    """Whether ``value`` is a number (False: null, failed, or NaN, n/a); ``Refused`` for
    anything else (text, true/false)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(f"{where} = {_shown(value)} is impossible: not a number")
    return True


def _value(value: Any, where: str, unit: str, limit: float) -> None:
    """A recorded value: null (failed), NaN (n/a) or a number possible for ``unit``."""
    if not _number(value, f"results[{where!r}] value"):
        return
    if not (0 < value <= limit if unit == "seconds" else -limit <= value <= limit):
        raise Refused(f"results[{where!r}] value {value!r} is impossible for "
                      f"{unit or 'a value'} "
                      f"({'above 0 and ' if unit == 'seconds' else ''}at most {limit:g})")


def _params(name: str, params: Any, meta: dict[str, Any]) -> int:
    """Check a row's param values against the benchmark's; returns the combinations."""
    if not isinstance(params, list) or not all(isinstance(p, list) for p in params):
        raise Refused(f"results[{name!r}] params = {_shown(params)} is not a list of lists")
    names = meta.get("param_names") or [f"param{i}" for i in range(len(params))]
    if meta and len(params) != len(names):
        raise Refused(f"results[{name!r}] has {len(params)} params; the suite's benchmark "
                      f"has {len(names)} ({', '.join(names)})")
    declared = [list(values) for values in meta.get("params") or []]
    combos = 1
    for position, (param, values) in enumerate(zip(names, params, strict=False)):
        known = [_literal(text) for text in declared[position]] if declared else []
        for text in values:
            value = _literal(text) if isinstance(text, str) else text
            where = f"results[{name!r}] {param} = {_shown(text)}"
            if meta:
                _param_value(value, known, where)
            elif isinstance(value, str):  # a benchmark the suite no longer has: left out
                _text(value, where)      # by the reader, named in its note
            elif not _is_count(value):
                raise Refused(f"{where} is not text or a whole number")
        combos *= len(values)
    return combos


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def _param_value(value: Any, known: list[Any], where: str) -> None:
    """A param value: a word the suite uses, or a count where the suite declares counts."""
    counts = bool(known) and all(_is_count(k) for k in known)
    if isinstance(value, str):
        if counts:
            raise Refused(f"{where} is text where the suite declares a number")
        if value not in known and value not in GRID_WORDS:
            raise Refused(f"{where} is not a value this suite declares")
        _text(value, where)
    elif _is_count(value):
        if known and not counts:
            raise Refused(f"{where} is a number where the suite declares text")
        if not 0 < value <= 2**20:
            raise Refused(f"{where} is outside 1 to {2**20}")
    else:
        raise Refused(f"{where} is not text or a whole number")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_before_run(folder: Path) -> None:
    """A ``UserError`` naming a results file in ``folder`` that asv cannot load: asv loads
    it to add a run's values, and every later run of its commit would fail on it."""
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if path.name != "machine.json":
            try:
                _json(path)
            except Refused as why:
                raise UserError(f"{path} is unreadable ({str(why).partition(': ')[2]}); asv "
                                "would fail on it in every run of its commit. Move it away "
                                f"(mv {path} {path}.broken) and run again to record its "
                                "values anew") from None


@contextmanager
def admitted_copy(results_dir: Path, admission: Admission) -> Iterator[Path]:
    """A scratch copy of ``results_dir`` with only the admitted machine folders (and
    asv's benchmarks.json), for 'asv publish', which reads every folder it finds."""
    with tempfile.TemporaryDirectory(prefix="mpsbench-admitted-") as scratch:
        copy = Path(scratch) / "results"
        copy.mkdir()
        index = results_dir / "benchmarks.json"
        if index.is_file():
            (copy / index.name).write_bytes(read_bounded(index))
        for name in admission.admitted:
            shutil.copytree(results_dir / name, copy / name, symlinks=True)
        yield copy
