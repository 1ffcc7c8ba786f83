"""Shared presentation of the (phase x batch) ResNet-50 tables."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mpsbench import catalogue

PHASES = [phase.id for phase in catalogue.RESNET_PHASES]
PHASE_TITLES = {phase.id: phase.title for phase in catalogue.RESNET_PHASES}
DEFAULT_BATCHES = list(catalogue.RESNET_BATCHES)  # the rows before any result is recorded


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
    rows = rows[(rows["machine"] == machine) & (rows["commit"] == commit)]
    values = rows.pivot_table(index=["phase", "batch"], columns=columns_from, values="value",
                              aggfunc="first")
    batches = sorted(rows["batch"].unique()) if not rows.empty else DEFAULT_BATCHES
    phases = sorted(set(rows["phase"])) or default_phases
    return values.reindex(index=phase_batch_index(phases, batches), columns=columns)


def number(value: float, digits: int) -> str:
    """A fixed-point number, or 'missing' for a cell with no recorded value."""
    return "missing" if pd.isna(value) else f"{value:.{digits}f}"


def missing_lines(table: pd.DataFrame, columns: list[str]) -> list[str]:
    """One line per column with empty cells: how many, or that it has no results at all."""
    return [
        f"{column}: no results recorded" if table[column].isna().all()
        else f"{column}: {int(table[column].isna().sum())} of {len(table)} cells missing"
        for column in columns if table[column].isna().any()
    ]


def phase_batch_index(phases: list[str], batches: list[int]) -> pd.MultiIndex:
    """Every (phase, batch) row, phases in the suite's order."""
    ordered = [p for p in PHASES if p in phases]
    return pd.MultiIndex.from_product([ordered, batches], names=["phase", "batch"])


@dataclass
class PhaseTable:
    """A phase x batch table of seconds and ratios, and what it is missing."""

    frame: pd.DataFrame
    time_columns: list[str]
    missing: list[str]

    @classmethod
    def of(cls, frame: pd.DataFrame, time_columns: list[str]) -> PhaseTable:
        """The table of ``frame``, listing what its ``time_columns`` miss."""
        return cls(frame, time_columns, missing_lines(frame, time_columns))

    def display(self) -> pd.DataFrame:
        """The seed's layout: phase named once per group, 'batch N', numbers as text."""
        shown = self.frame.rename(index=PHASE_TITLES, level="phase").reset_index()
        shown = shown.rename_axis(columns=None)
        shown.loc[shown["phase"].duplicated(), "phase"] = ""
        shown["batch"] = "batch " + shown["batch"].astype(str)
        for column in self.frame.columns:
            digits = 6 if column in self.time_columns else 2
            shown[column] = shown[column].map(lambda v, d=digits: number(v, d))
        return shown.rename(columns={"phase": "", "batch": ""})

    def to_markdown(self) -> str:
        return self.display().to_markdown(index=False, colalign=("left", "left"))

    def to_html(self) -> str:
        return self.display().to_html(index=False, classes="seed-table")
