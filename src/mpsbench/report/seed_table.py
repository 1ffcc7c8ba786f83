"""The seed's ResNet-50 table: phase x batch, cpu against the GPU, with the speedup."""

from __future__ import annotations

import pandas as pd

from mpsbench.catalogue import TORCH
from mpsbench.report.tables import PHASES, PhaseTable, phase_batch_table, resnet_timings


def seed_table(results: pd.DataFrame, machine: str, commit: str, gpu_device: str) -> PhaseTable:
    """Build the table from ``results`` (see ``mpsbench.results``) for one machine and commit.

    ``gpu_device`` names the GPU column (mps, cuda). Rows and columns with no recorded
    value stay in the table as missing and are listed in ``missing``.
    """
    rows = resnet_timings(results, TORCH.id)
    table = phase_batch_table(rows, machine, commit, "device", ["cpu", "gpu"], PHASES[:3])
    table["speedup"] = table["cpu"] / table["gpu"]
    table = table.rename(columns={"gpu": gpu_device})
    return PhaseTable.of(table, ["cpu", gpu_device])
