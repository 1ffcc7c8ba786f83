"""The ResNet table: phase x batch, cpu against the GPU, with the speedup."""

from __future__ import annotations

import pandas as pd

from mpsbench.catalogue import RESNET_TABLE_PHASES, TORCH
from mpsbench.report.tables import (
    PhaseTable,
    failed_cells,
    phase_batch_table,
    resnet_timings,
)


def resnet_table(results: pd.DataFrame, machine: str, commit: str, gpu_device: str) -> PhaseTable:
    """Build the table from ``results`` (see ``mpsbench.results``) for one machine and commit.

    ``gpu_device`` names the GPU column (mps, cuda). Rows and columns with no recorded
    value stay in the table as missing and are listed in ``missing``; values that failed
    in asv show as failed and are listed in ``failed``.
    """
    rows = resnet_timings(results, TORCH.id)
    table = phase_batch_table(rows, machine, commit, "device", ["cpu", "gpu"],
                                [phase.id for phase in RESNET_TABLE_PHASES])
    table["speedup"] = table["cpu"] / table["gpu"]
    table = table.rename(columns={"gpu": gpu_device})
    failed = {(phase, batch, gpu_device if device == "gpu" else device)
              for phase, batch, device in failed_cells(rows, machine, commit, "device")}
    return PhaseTable(table, ["cpu", gpu_device], failed)
