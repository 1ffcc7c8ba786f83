"""ResNet-50 in torch against MLX and compiled MLX: phase x batch, with ratios."""

from __future__ import annotations

import pandas as pd

from mpsbench.report.naming import BASELINE, describe
from mpsbench.report.tables import (
    DEFAULT_BATCHES,
    PhaseTable,
    missing_lines,
    phase_batch_index,
    phase_key,
)

VARIANTS = [BASELINE, "MLX", "MLX compiled"]
MODULE = "resnet50"


def resnet_timings(results: pd.DataFrame) -> pd.DataFrame:
    """The ResNet-50 time_step rows of every framework."""
    return results[(results["module"] == MODULE) & (results["metric"] == "time_step")]


def framework_table(results: pd.DataFrame, machine: str, commit: str,
                    device: str) -> PhaseTable:
    """Seconds per step of each framework on ``device``, and torch's time over each other's.

    A ratio above 1 means that variant is faster than torch. Phases one framework lacks
    (torch's backward-only, MLX's compiled step beyond the train step) show as missing.
    """
    rows = describe(resnet_timings(results))
    rows = rows[(rows["machine"] == machine) & (rows["commit"] == commit)
                & (rows["device"] == device)]
    rows = rows.assign(phase=rows["op"].map(phase_key)).dropna(subset=["phase"])
    values = rows.pivot_table(index=["phase", "batch"], columns="variant", values="value",
                              aggfunc="first")
    batches = sorted(rows["batch"].unique()) if not rows.empty else DEFAULT_BATCHES
    phases = sorted(set(rows["phase"])) or ["forward_inference", "train_step"]
    table = values.reindex(index=phase_batch_index(phases, batches), columns=VARIANTS)
    for variant in VARIANTS[1:]:
        table[f"{BASELINE}/{variant}"] = table[BASELINE] / table[variant]
    return PhaseTable(table, VARIANTS, missing_lines(table, VARIANTS))
