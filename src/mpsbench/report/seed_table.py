"""The seed's ResNet-50 table: phase x batch, cpu against the GPU, with the speedup."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from mpsbench.workloads.resnet_torch import PHASE_TITLES, PHASES

CLASS_PATTERN = re.compile(r"^Torch(?P<phase>[A-Za-z]+)$")


def phase_of(cls: str) -> str | None:
    """'TorchForwardInference' -> 'forward_inference'; None for other classes."""
    match = CLASS_PATTERN.match(cls)
    if not match:
        return None
    phase = re.sub(r"(?<!^)([A-Z])", r"_\1", match["phase"]).lower()
    return phase if phase in PHASES else None


@dataclass
class SeedTable:
    """The table and the facts a reader needs to trust it."""

    frame: pd.DataFrame
    gpu_column: str
    missing: list[str]

    def display(self) -> pd.DataFrame:
        """The seed's layout: phase named once per group, 'batch N', numbers as text."""
        shown = self.frame.reset_index().rename_axis(columns=None)
        shown.loc[shown["phase"].duplicated(), "phase"] = ""
        shown["batch"] = "batch " + shown["batch"].astype(str)
        for column, digits in ((c, 6) for c in ("cpu", self.gpu_column)):
            shown[column] = shown[column].map(lambda v, d=digits: _number(v, d))
        shown["speedup"] = shown["speedup"].map(lambda v: _number(v, 2))
        return shown.rename(columns={"phase": "", "batch": ""})

    def to_markdown(self) -> str:
        return self.display().to_markdown(index=False, colalign=("left", "left"))

    def to_html(self) -> str:
        return self.display().to_html(index=False, classes="seed-table")


def _number(value: float, digits: int) -> str:
    """A fixed-point number, or 'missing' for a cell with no recorded value."""
    return "missing" if pd.isna(value) else f"{value:.{digits}f}"


def seed_table(results: pd.DataFrame, machine: str, commit: str, gpu_device: str) -> SeedTable:
    """Build the table from ``results`` (see ``mpsbench.results``) for one machine and commit.

    ``gpu_device`` names the GPU column (mps, cuda). Rows and columns with no recorded
    value stay in the table as missing and are listed in ``missing``.
    """
    rows = results[(results["machine"] == machine) & (results["commit"] == commit)
                   & (results["metric"] == "time_step")]
    rows = rows.assign(phase=rows["cls"].map(phase_of)).dropna(subset=["phase"])
    values = rows.pivot_table(index=["phase", "batch"], columns="device", values="value",
                              aggfunc="first")
    batches = sorted(rows["batch"].unique()) if not rows.empty else [1, 4, 16]
    phases = [p for p in PHASES if p in set(rows["phase"])] or list(PHASES[:3])
    full_index = pd.MultiIndex.from_product([phases, batches], names=["phase", "batch"])
    table = values.reindex(index=full_index, columns=["cpu", "gpu"])
    table["speedup"] = table["cpu"] / table["gpu"]
    table = table.rename(columns={"gpu": gpu_device}).rename(index=PHASE_TITLES, level="phase")
    missing = [
        f"{column}: no results recorded" if table[column].isna().all()
        else f"{column}: {int(table[column].isna().sum())} of {len(table)} cells missing"
        for column in ("cpu", gpu_device) if table[column].isna().any()
    ]
    return SeedTable(table, gpu_device, missing)
