"""Shared presentation of the (phase x batch) ResNet-50 tables."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from mpsbench.workloads.resnet_torch import PHASE_TITLES, PHASES

DEFAULT_BATCHES = [1, 4, 16]  # the rows shown before any ResNet-50 result is recorded


def phase_key(op: str) -> str | None:
    """'ForwardInference' -> 'forward_inference'; None when it is no ResNet-50 phase."""
    key = re.sub(r"(?<!^)([A-Z])", r"_\1", op).lower()
    return key if key in PHASES else None


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
