"""The report's torch-against-MLX table at the default point, from recorded results."""

from __future__ import annotations

import pandas as pd
import pytest

from mpsbench.report.default_point import (
    default_point_block,
    default_point_rows,
    default_point_table,
)

BASE = {"machine": "gpu-box", "module": "transformer", "metric": "time_step", "device": "gpu",
        "dtype": "float16", "batch": 1, "seq": 128, "heads": float("nan"),
        "mask": float("nan"), "mode": "eager", "phase": "forward"}


def row(cls: str, commit: str, date: int, value: float, **params) -> dict:
    return {**BASE, "cls": cls, "commit": commit, "date": date, "value": value, **params}


def test_each_framework_at_its_newest_commit_with_ratios():
    frame = pd.DataFrame([
        row("TorchLinear", "torch-new", 2, 40e-6),
        row("TorchLinear", "torch-old", 1, 99e-6),
        row("TorchLinear", "torch-new", 2, 250e-6, phase="forward_backward"),
        row("MLXLinear", "mlx-new", 3, 50e-6),
        row("MLXLinear", "mlx-new", 3, 100e-6, phase="forward_backward"),
        row("MLXLinear", "mlx-new", 3, 80e-6, mode="compiled"),
        row("TorchLinear", "torch-new", 2, 1.0, batch=64),  # another point
        row("TorchLinear", "torch-new", 2, 2.0, device="cpu"),
    ])
    rows = default_point_rows(frame, "gpu-box", "gpu")
    assert set(rows["commit"]) == {"torch-new", "mlx-new"}
    table = default_point_table(rows)
    assert list(table.index) == [("Linear", "forward"), ("Linear", "forward_backward")]
    assert table.loc[("Linear", "forward"), "torch"] == 40e-6
    assert table.loc[("Linear", "forward"), "torch/MLX"] == pytest.approx(0.8)
    assert table.loc[("Linear", "forward"), "torch/MLX compiled"] == pytest.approx(0.5)
    assert table.loc[("Linear", "forward_backward"), "torch/MLX"] == pytest.approx(2.5)
    html = default_point_block(frame, "gpu-box", lambda commit: commit.upper())
    assert "torch: TORCH-NEW" in html and "MLX: MLX-NEW" in html
    assert "<td>40</td>" in html and "<td>2.50</td>" in html and "fwd+bwd" in html
    assert "<th>variant</th>" not in html


def test_a_machine_without_operator_timings_says_so():
    frame = pd.DataFrame([row("TorchLinear", "c", 1, 1.0, module="resnet50")])
    assert "missing" in default_point_block(frame, "gpu-box")
