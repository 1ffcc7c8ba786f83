"""The torch-against-MLX ResNet-50 table, from a few recorded values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mpsbench.report.framework_table import VARIANTS, framework_table


def recorded(*rows: tuple[str, str, int, float], machine: str = "m1",
             commit: str = "c1") -> pd.DataFrame:
    """(class, device, batch, seconds) rows as ``load_results`` makes them."""
    return pd.DataFrame([
        {"machine": machine, "commit": commit, "module": "resnet50", "cls": cls,
         "benchmark": f"resnet50.{cls}.time_step", "metric": "time_step", "device": device,
         "batch": batch, "value": value, "status": "measured"}
        for cls, device, batch, value in rows])


def test_each_variant_in_its_column_with_torch_over_it_as_the_ratio():
    results = pd.concat([
        recorded(("TorchTrainStep", "gpu", 1, 0.4), ("MLXTrainStep", "gpu", 1, 0.2),
                 ("MLXCompiledTrainStep", "gpu", 1, 0.1), ("TorchTrainStep", "cpu", 1, 9.0),
                 ("TorchForwardInference", "gpu", 4, 0.3), ("MLXForwardInference", "gpu", 4, 0.6),
                 ("TorchPrefill", "gpu", 1, 5.0)),
        recorded(("TorchTrainStep", "gpu", 1, 7.0), commit="c2"),
        recorded(("TorchTrainStep", "gpu", 1, 8.0), machine="m2"),
    ])
    table = framework_table(results, "m1", "c1", "gpu")
    frame = table.frame
    assert list(frame.columns) == [*VARIANTS, "torch/MLX", "torch/MLX compiled"]
    assert list(frame.index) == [("forward_inference", 1), ("forward_inference", 4),
                                 ("train_step", 1), ("train_step", 4)]
    assert frame.loc[("train_step", 1), "torch"] == 0.4  # not cpu's, c2's or m2's
    assert frame.loc[("train_step", 1), "torch/MLX"] == pytest.approx(2.0)
    assert frame.loc[("train_step", 1), "torch/MLX compiled"] == pytest.approx(4.0)
    assert frame.loc[("forward_inference", 4), "torch/MLX"] == pytest.approx(0.5)
    assert math.isnan(frame.loc[("forward_inference", 4), "MLX compiled"])
    assert table.missing == ["torch: 2 of 4 cells missing", "MLX: 2 of 4 cells missing",
                             "MLX compiled: 3 of 4 cells missing"]


def test_no_results_give_the_default_rows_all_missing():
    table = framework_table(recorded(("TorchTrainStep", "cpu", 1, 1.0)), "m1", "c1", "gpu")
    assert list(table.frame.index) == [(phase, batch) for phase in
                                       ("forward_inference", "train_step")
                                       for batch in (1, 4, 16)]
    assert table.missing == [f"{variant}: no results recorded" for variant in VARIANTS]
    assert "Train step (SGD)" in table.to_markdown()
