"""ResNet-50 in torch against MLX and compiled MLX: phase x batch, with ratios."""

from __future__ import annotations

import pandas as pd

from mpsbench.report.naming import BASELINE, describe
from mpsbench.report.tables import PhaseTable, failed_cells, phase_batch_table, resnet_timings

VARIANTS = [BASELINE, "MLX", "MLX compiled"]


def framework_table(results: pd.DataFrame, machine: str, commit: str,
                    device: str) -> PhaseTable:
    """Seconds per step of each framework on ``device``, and torch's time over each other's.

    A ratio above 1 means that variant is faster than torch. Phases one framework lacks
    (torch's backward-only, MLX's compiled step beyond the train step) show as missing;
    values that failed in asv show as failed.
    """
    rows = describe(resnet_timings(results))
    rows = rows[rows["device"] == device]
    table = phase_batch_table(rows, machine, commit, "variant", VARIANTS,
                              ["forward_inference", "train_step"])
    for variant in VARIANTS[1:]:
        table[f"{BASELINE}/{variant}"] = table[BASELINE] / table[variant]
    return PhaseTable(table, VARIANTS, failed_cells(rows, machine, commit, "variant"))
