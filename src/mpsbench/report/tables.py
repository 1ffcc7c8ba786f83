"""Shared presentation of the (phase x batch) ResNet-50 tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from mpsbench import catalogue
from mpsbench.grids import RESNET_BATCHES
from mpsbench.results import FAILED

PHASES = [phase.id for phase in catalogue.RESNET_PHASES]
PHASE_TITLES = {phase.id: phase.title for phase in catalogue.RESNET_PHASES}
DEFAULT_BATCHES = list(RESNET_BATCHES)  # the rows before any result is recorded


def resnet_timing(benchmark: str) -> catalogue.BenchmarkClass | None:
    """The ResNet-50 class whose phase timing ``benchmark`` (asv's name) is; else None."""
    entry = catalogue.BY_BENCHMARK.get(benchmark)
    if entry and entry.workload == catalogue.RESNET50 and entry.metric == catalogue.TIME_STEP:
        return entry
    return None


def resnet_timings(results: pd.DataFrame, framework: str | None = None) -> pd.DataFrame:
    """The ResNet-50 phase timings in ``results`` (of ``framework`` only, if given), with
    the ``phase`` each times."""
    entries = results["benchmark"].map(resnet_timing)
    chosen = entries.map(lambda entry: entry is not None
                         and framework in (None, entry.framework.id)).astype(bool)
    return results[chosen].assign(phase=[entry.key for entry in entries[chosen]])


def phase_batch_table(rows: pd.DataFrame, machine: str, commit: str, columns_from: str,
                      columns: list[str], default_phases: list[str]) -> pd.DataFrame:
    """``machine``'s values at ``commit`` in ``rows`` (``resnet_timings``) by (phase, batch)
    and by their ``columns_from`` value, in exactly ``columns``; every phase and batch
    shown (``default_phases`` where ``rows`` hold none)."""
    rows = _at(rows, machine, commit)
    values = rows.pivot_table(index=["phase", "batch"], columns=columns_from, values="value",
                              aggfunc="first")
    batches = sorted(rows["batch"].unique()) if not rows.empty else DEFAULT_BATCHES
    phases = sorted(set(rows["phase"])) or default_phases
    return values.reindex(index=phase_batch_index(phases, batches), columns=columns)


def _at(rows: pd.DataFrame, machine: str, commit: str) -> pd.DataFrame:
    return rows[(rows["machine"] == machine) & (rows["commit"] == commit)]


def failed_cells(rows: pd.DataFrame, machine: str, commit: str,
                 columns_from: str) -> set[tuple[str, int, str]]:
    """The (phase, batch, column) cells of ``phase_batch_table`` whose value failed in asv."""
    rows = _at(rows, machine, commit)
    rows = rows[rows["status"] == FAILED]
    return set(zip(rows["phase"], rows["batch"], rows[columns_from], strict=True))


def number(value: float, digits: int) -> str:
    """A fixed-point number, or 'missing' for a cell with no recorded value."""
    return "missing" if pd.isna(value) else f"{value:.{digits}f}"


def phase_batch_index(phases: list[str], batches: list[int]) -> pd.MultiIndex:
    """Every (phase, batch) row, phases in the suite's order."""
    ordered = [p for p in PHASES if p in phases]
    return pd.MultiIndex.from_product([ordered, batches], names=["phase", "batch"])


def missing_lines(table: pd.DataFrame, columns: list[str], failed: set[tuple]) -> list[str]:
    """One line per column with cells never recorded (``failed``: the (*row key, column)
    cells that failed instead): how many, or that it has no results at all."""
    lines: list[str] = []
    for column in columns if len(table) else []:
        count = int(table[column].isna().sum()) - sum(cell[-1] == column for cell in failed)
        if count == len(table):
            lines.append(f"{column}: no results recorded")
        elif count:
            lines.append(f"{column}: {count} of {len(table)} cells missing")
    return lines


def failed_lines(table: pd.DataFrame, columns: list[str], failed: set[tuple]) -> list[str]:
    """One line per column with cells that failed in asv: how many, and where to see why."""
    counts = {column: sum(cell[-1] == column for cell in failed) for column in columns}
    return [f"{column}: {count} of {len(table)} cells failed in asv (`asv run "
            "--show-stderr` shows why)" for column, count in counts.items() if count]


def rate(value: float) -> str:
    """A rate as people read one: whole above 100 ('3,853'), one decimal below ('48.1')."""
    if pd.isna(value):
        return "missing"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def cell_texts(table: pd.DataFrame, column: str, digits: int | Callable[[float], str],
               failed: set[tuple]) -> list[str]:
    """``column`` of ``table`` as text: numbers (``digits`` decimals, or ``digits(value)``),
    'failed' where asv recorded a failure (the (*row key, column) cells in ``failed``)
    and 'missing' where nothing."""
    keys = [key if isinstance(key, tuple) else (key,) for key in table.index]
    text = digits if callable(digits) else lambda value: number(value, digits)
    return [FAILED if pd.isna(value) and (*key, column) in failed else text(value)
            for key, value in zip(keys, table[column], strict=True)]


class Gaps(Protocol):
    """A table that says what it is missing and what failed, a line per column."""

    @property
    def missing(self) -> list[str]: ...

    @property
    def failed(self) -> list[str]: ...


def gap_notes(table: Gaps) -> list[str]:
    """The table's 'missing: ...' then 'failed: ...' lines."""
    return [f"missing: {line}" for line in table.missing] \
        + [f"failed: {line}" for line in table.failed]


@dataclass
class PhaseTable:
    """A phase x batch table of seconds and ratios, and what it is missing or failed."""

    frame: pd.DataFrame
    time_columns: list[str]
    failed_cells: set[tuple[str, int, str]] = field(default_factory=set)

    @property
    def missing(self) -> list[str]:
        return missing_lines(self.frame, self.time_columns, self.failed_cells)

    @property
    def failed(self) -> list[str]:
        return failed_lines(self.frame, self.time_columns, self.failed_cells)

    def display(self) -> pd.DataFrame:
        """The ResNet table's layout: phase named once per group, 'batch N', numbers as text."""
        shown = self.frame.rename(index=PHASE_TITLES, level="phase").reset_index()
        shown = shown.rename_axis(columns=None)
        shown.loc[shown["phase"].duplicated(), "phase"] = ""
        shown["batch"] = "batch " + shown["batch"].astype(str)
        for column in self.frame.columns:
            digits = 6 if column in self.time_columns else 2
            shown[column] = cell_texts(self.frame, column, digits, self.failed_cells)
        return shown.rename(columns={"phase": "", "batch": ""})

    def to_markdown(self) -> str:
        return self.display().to_markdown(index=False, colalign=("left", "left"))

    def to_html(self) -> str:
        return self.display().to_html(index=False, classes="phase-table")
