"""The seed's ResNet-50 table: phase x batch, cpu against the GPU, with the speedup."""

from __future__ import annotations

import re

import pandas as pd

from mpsbench.report.tables import (
    DEFAULT_BATCHES,
    PhaseTable,
    missing_lines,
    phase_batch_index,
    phase_key,
)
from mpsbench.workloads.resnet_torch import PHASES

CLASS_PATTERN = re.compile(r"^Torch(?P<phase>[A-Za-z]+)$")


def phase_of(cls: str) -> str | None:
    """'TorchForwardInference' -> 'forward_inference'; None for other classes."""
    match = CLASS_PATTERN.match(cls)
    return phase_key(match["phase"]) if match else None


def seed_table(results: pd.DataFrame, machine: str, commit: str, gpu_device: str) -> PhaseTable:
    """Build the table from ``results`` (see ``mpsbench.results``) for one machine and commit.

    ``gpu_device`` names the GPU column (mps, cuda). Rows and columns with no recorded
    value stay in the table as missing and are listed in ``missing``.
    """
    rows = results[(results["machine"] == machine) & (results["commit"] == commit)
                   & (results["metric"] == "time_step")]
    rows = rows.assign(phase=rows["cls"].map(phase_of)).dropna(subset=["phase"])
    values = rows.pivot_table(index=["phase", "batch"], columns="device", values="value",
                              aggfunc="first")
    batches = sorted(rows["batch"].unique()) if not rows.empty else DEFAULT_BATCHES
    phases = sorted(set(rows["phase"])) or list(PHASES[:3])
    table = values.reindex(index=phase_batch_index(phases, batches), columns=["cpu", "gpu"])
    table["speedup"] = table["cpu"] / table["gpu"]
    table = table.rename(columns={"gpu": gpu_device})
    columns = ["cpu", gpu_device]
    return PhaseTable(table, columns, missing_lines(table, columns))
