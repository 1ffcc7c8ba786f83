"""The report's logic on small hand-made results frames: no asv run, no browser."""

from __future__ import annotations

import itertools
import json
import math

import pandas as pd
import pytest

from mpsbench.errors import UserError
from mpsbench.grids import DIM
from mpsbench.ops.spec import OPS, Setting
from mpsbench.report import cells
from mpsbench.report.flops import METRIC as FLOPS_METRIC
from mpsbench.report.flops import with_achieved_flops
from mpsbench.report.grid import grid_figure, ratio_colors
from mpsbench.report.naming import describe, split_class, variant_order
from mpsbench.report.page import build_report
from mpsbench.report.provenance import device_label, read_tags
from mpsbench.report.trends import choose_point, parse_trend, trend_figure
from mpsbench.report.units import format_ratio, format_value
from mpsbench.results import BASE_COLUMNS

FACTS = {"gpu_devices": {"torch": "mps", "mlx": "metal"}}


def frame(rows: list[dict]) -> pd.DataFrame:
    """A results frame as ``load_results`` makes it, from a few fields per row."""
    defaults = {"machine": "m1", "commit": "c" * 40, "date": pd.Timestamp("2026-01-01"),
                "env": "env", "versions": "", "module": "transformer", "metric": "time_step",
                "version": "1", "current": True, "unit": "seconds"}
    full = [{**defaults, **row, "benchmark": f"{row.get('module', 'transformer')}."
             f"{row['cls']}.{row.get('metric', 'time_step')}"} for row in rows]
    params = dict.fromkeys(k for r in rows for k in r if k not in BASE_COLUMNS)
    return describe(pd.DataFrame(full, columns=[*BASE_COLUMNS, *params]))


def op_grid(torch_time: float = 2.0, mlx_time: float = 1.0) -> pd.DataFrame:
    """TorchLinear and MLXLinear (eager, compiled) over dtype x batch x seq x heads."""
    rows = []
    for dtype, batch, seq, heads in itertools.product(["float32", "float16"], [1, 8], [64, 128],
                                                      [1, 8]):
        point = dict(dtype=dtype, device="gpu", batch=batch, seq=seq, heads=heads)
        rows.append(dict(cls="TorchLinear", value=torch_time, **point))
        for mode in ("eager", "compiled"):
            missing = mode == "compiled" and batch == 8 and seq == 128
            rows.append(dict(cls="MLXLinear", mode=mode, value=math.nan if missing else
                             mlx_time / (2 if mode == "compiled" else 1), **point))
    return frame(rows)


def test_the_catalogue_gives_framework_op_and_compiled():
    assert split_class("TorchLinear") == ("torch", "Linear", False)
    assert split_class("TorchLinearMemory") == ("torch", "Linear", False)
    assert split_class("MLXCompiledTrainStep") == ("MLX", "TrainStep", True)
    assert split_class("MLXForwardInference") == ("MLX", "ForwardInference", False)
    assert split_class("TorchPeakMemory") == ("torch", "PeakMemory", False)
    assert split_class("MLXCompiledLinear") == (None, "MLXCompiledLinear", False)  # no such
    assert split_class("Helper") == (None, "Helper", False)


def test_variants_come_from_the_catalogue_and_the_mode_param():
    described = frame([dict(cls="MLXSoftmax", mode="compiled", value=1.0),
                       dict(cls="MLXSoftmax", mode="eager", value=1.0),
                       dict(cls="TorchSoftmax", mode="compiled", value=1.0),
                       dict(cls="MLXSoftmax", mode="fused", value=1.0),
                       dict(cls="TorchSoftmax", value=1.0)])
    assert described["variant"].tolist() == ["MLX compiled", "MLX", "torch compiled",
                                             "MLX fused", "torch"]
    assert set(described["op"]) == {"Softmax"}
    by_name = frame([dict(cls="MLXCompiledTrainStep", value=1.0),
                     dict(cls="MLXTrainStep", value=1.0)])
    assert by_name["variant"].tolist() == ["MLX compiled", "MLX"]
    assert set(by_name["op"]) == {"TrainStep"}
    assert variant_order(described["variant"].tolist()) == ["torch", "torch compiled", "MLX",
                                                            "MLX compiled", "MLX fused"]


def test_layout_puts_batch_across_seq_down_dtype_in_rows_and_the_rest_in_a_menu():
    rows = op_grid()
    layout = cells.layout_of(rows)
    assert (layout.x, layout.y, layout.row) == ("batch", "seq", "dtype")
    assert layout.state == ["device", "heads"]
    assert layout.orders["row"] == ["float32", "float16"]
    assert layout.orders["state"] == ["device=gpu, heads=1", "device=gpu, heads=8"]
    no_seq = frame([dict(cls="TorchTrainStep", batch=b, value=1.0) for b in (16, 1, 4)])
    layout = cells.layout_of(no_seq)
    assert layout.orders["x"] == ["1", "4", "16"] and layout.orders["y"] == [cells.ALL]


def test_ratio_cells_are_torch_time_over_each_variant_and_keep_missing_cells():
    rows = op_grid(torch_time=2.0, mlx_time=1.0)
    layout = cells.layout_of(rows)
    grid = cells.ratio_cells(rows, layout, FACTS, {})
    assert list(dict.fromkeys(grid["col"])) == ["MLX vs torch", "MLX compiled vs torch"]
    assert len(grid) == 2 * 2 * 2 * 2 * 2  # panels x states x dtypes x batches x seqs
    eager = grid[grid["col"] == "MLX vs torch"]
    assert (eager["z"] == 2.0).all() and (eager["text"] == "2.00×").all()
    compiled = grid[grid["col"] == "MLX compiled vs torch"]
    hole = compiled[(compiled["x"] == "8") & (compiled["y"] == "128")]
    assert hole["z"].isna().all() and (hole["text"] == "missing").all()
    assert (compiled.drop(hole.index)["z"] == 4.0).all()
    assert "gpu (mps)" in eager["hover"].iloc[0] and "gpu (metal)" in eager["hover"].iloc[0]
    assert "MLX compiled: missing" in hole["hover"].iloc[0]


def test_ratio_cells_without_torch_are_all_missing():
    rows = op_grid()
    rows = rows[rows["variant"] != "torch"]
    layout = cells.layout_of(rows)
    assert cells.ratio_cells(rows, layout, FACTS, {})["z"].isna().all()


def test_grid_figure_shows_the_first_state_and_a_menu_for_the_others():
    rows = op_grid()
    layout = cells.layout_of(rows)
    grid = cells.ratio_cells(rows, layout, FACTS, {})
    figure = grid_figure(grid, layout, *ratio_colors(grid["z"]), "Linear")
    traces = figure["data"]
    assert len(traces) == 2 * 2 * 2  # states x dtypes x panels
    assert [t["visible"] for t in traces] == [True] * 4 + [False] * 4
    assert [(t["xaxis"], t["yaxis"]) for t in traces[:4]] == [("x", "y"), ("x2", "y2"),
                                                              ("x3", "y3"), ("x4", "y4")]
    (menu,) = figure["layout"]["updatemenus"]
    assert [b["label"] for b in menu["buttons"]] == layout.orders["state"]
    assert traces[1]["z"][1][1] is None and traces[1]["text"][1][1] == "missing"
    assert traces[0]["z"][0][0] == pytest.approx(1.0)  # log2 of 2x
    scale = figure["layout"]["coloraxis"]["colorscale"]
    assert scale[0][1] == "#b2182b" and scale[-1][1] == "#2166ac"  # slower red, faster blue


def test_grid_figure_opens_on_the_first_state_with_a_recorded_value():
    """A machine that recorded only its second state (the GPU) opens on that one."""
    rows = op_grid()
    layout = cells.layout_of(rows)
    grid = cells.ratio_cells(rows, layout, FACTS, {})
    first, second = layout.orders["state"]
    grid.loc[grid["state"] == first, "z"] = float("nan")
    figure = grid_figure(grid, layout, *ratio_colors(grid["z"]), "Linear")
    assert [t["visible"] for t in figure["data"]] == [False] * 4 + [True] * 4
    assert figure["layout"]["updatemenus"][0]["active"] == 1


def test_latest_keeps_the_newest_row_per_point():
    rows = frame([dict(cls="TorchLinear", batch=1, value=3.0, commit="a" * 40,
                       date=pd.Timestamp("2026-01-01")),
                  dict(cls="TorchLinear", batch=1, value=math.nan, commit="b" * 40,
                       date=pd.Timestamp("2026-02-01")),
                  dict(cls="TorchLinear", batch=2, value=5.0, commit="a" * 40,
                       date=pd.Timestamp("2026-01-01"))])
    latest = cells.latest(rows, ["batch"])
    assert sorted(latest["commit"].str[0]) == ["a", "b"]  # batch 1's newest is missing


@pytest.mark.parametrize(("value", "unit", "text"), [
    (0.0123, "seconds", "12.3 ms"), (2.5e-6, "seconds", "2.5 µs"),
    (1.5 * 2**30, "bytes", "1.5 GiB"), (4.2e10, "FLOP/s", "42 GFLOP/s"),
    (math.nan, "seconds", "missing"), (None, "bytes", "missing"), (0.0, "bytes", "0 B"),
])
def test_values_are_formatted_with_units_and_missing_is_never_zero(value, unit, text):
    assert format_value(value, unit) == text


def test_ratio_text():
    assert format_ratio(1.234) == "1.23×" and format_ratio(math.nan) == "missing"


def test_trend_specs_parse_and_bad_ones_say_the_format():
    spec = parse_trend("resnet50.TrainStep:batch=16,device=gpu")
    assert (spec.module, spec.op, spec.metric, spec.fixed) == (
        "resnet50", "TrainStep", "time_step", {"batch": 16, "device": "gpu"})
    assert parse_trend("transformer.Linear.time_forward").metric == "time_forward"
    with pytest.raises(UserError, match="MODULE.OP"):
        parse_trend("Linear:batch")


def test_trend_point_prefers_gpu_where_it_ran_and_the_largest_batch():
    both = frame([dict(cls="TorchTrainStep", device=d, batch=b, value=1.0)
                  for d in ("cpu", "gpu") for b in (1, 16)])
    assert choose_point(both, ["device", "batch"], {}) == {"device": "gpu", "batch": 16}
    cpu_only = both.assign(value=[1.0, 1.0, math.nan, math.nan])
    assert choose_point(cpu_only, ["device", "batch"], {}) == {"device": "cpu", "batch": 16}
    assert choose_point(both, ["device", "batch"], {"batch": 1})["batch"] == 1


def test_trend_draws_each_framework_over_its_own_releases_connected():
    days = [pd.Timestamp(2026, 1, d) for d in (1, 2, 3, 4)]
    tags = {"a" * 40: "torch-2.13.0", "b" * 40: "mlx-0.30.0", "c" * 40: "torch-2.14.0"}
    rows = frame([dict(cls="TorchTrainStep", value=2.0, commit="a" * 40, date=days[0]),
                  dict(cls="TorchTrainStep", value=2.5, commit="b" * 40, date=days[1]),
                  dict(cls="TorchTrainStep", value=math.nan, commit="c" * 40, date=days[2]),
                  dict(cls="TorchTrainStep", value=3.0, commit="d" * 40, date=days[3]),
                  dict(cls="MLXTrainStep", value=1.0, commit="b" * 40, date=days[1]),
                  dict(cls="MLXTrainStep", value=200.0, commit="d" * 40, date=days[3])])
    figure = trend_figure(rows, {}, "Step", FACTS, tags)
    assert [t.name for t in figure.data] == ["torch", "MLX"]
    # torch's line: its own releases (and the untagged commit), the missing one left out
    assert list(figure.data[0].x) == ["torch-2.13.0", "dddddddd"]
    assert list(figure.data[0].y) == [2.0, 3.0]
    assert list(figure.data[1].x) == ["mlx-0.30.0", "dddddddd"]
    assert figure.data[0].xaxis == "x" and figure.data[1].xaxis == "x2"
    assert list(figure.layout.xaxis.categoryarray) == ["torch-2.13.0", "torch-2.14.0",
                                                       "dddddddd"]
    assert figure.layout.yaxis.type == "linear" and figure.layout.yaxis2.type == "log"
    assert figure.layout.xaxis2.title.text == "MLX releases"


def test_tags_come_from_the_published_index(tmp_path):
    assert read_tags(tmp_path) == {}
    (tmp_path / "index.json").write_text(json.dumps(
        {"tags": {"torch-2.13.0": 3, "mlx-0.32.4": 4}, "revision_to_hash": {"3": "abc"}}))
    assert read_tags(tmp_path) == {"abc": "torch-2.13.0"}


def test_device_label_says_what_gpu_meant():
    assert device_label("gpu", "MLX", FACTS) == "gpu (metal)"
    assert device_label("gpu", "torch", {}) == "gpu"
    assert device_label("cpu", "torch", FACTS) == "cpu"


def test_an_empty_results_folder_gives_a_page_that_says_so(tmp_path):
    (tmp_path / "results").mkdir()
    report = build_report(tmp_path / "results", tmp_path / "html", None)
    assert report.figures == 0
    assert any("no results found" in note for note in report.notes)
    assert "missing: no results to report" in report.html


def test_a_corrupt_benchmarks_index_is_a_user_error(tmp_path):
    (tmp_path / "benchmarks.json").write_text("{")
    with pytest.raises(UserError, match="benchmarks.json is unreadable"):
        build_report(tmp_path, tmp_path / "html", None)


def test_flops_are_derived_from_operator_step_times_only():
    base = dict(device="cpu", dtype="float16", mode="eager", phase="forward", batch=2, seq=64)
    times = frame([
        dict(cls="TorchLinear", value=0.5, **base),
        dict(cls="MLXSDPA", value=0.25, heads=8, mask="causal", **base),
        dict(cls="MLXSDPA", value=math.nan, heads=8, mask="none", **base),  # not recorded
        dict(cls="TorchSoftmax", value=0.5, **base),  # no FLOP count
        dict(cls="TorchSDPAMemory", metric="track_peak_memory", unit="bytes", value=7.0,
             heads=8, mask="causal", **base),
    ])
    derived = with_achieved_flops(times)
    added = derived[derived["metric"] == FLOPS_METRIC].set_index("cls")
    assert sorted(added.index) == ["MLXSDPA", "TorchLinear"]
    linear = OPS["linear"].flops(Setting(2, 64, DIM), "forward")
    sdpa = OPS["sdpa"].flops(Setting(2, 64, DIM, 8, causal=True), "forward")
    assert added.loc["TorchLinear", "value"] == pytest.approx(linear / 0.5)
    assert added.loc["MLXSDPA", "value"] == pytest.approx(sdpa / 0.25)
    assert set(added["unit"]) == {"FLOP/s"}
    assert added.loc["MLXSDPA", "benchmark"] == f"transformer.MLXSDPA.{FLOPS_METRIC}"
    assert len(derived) == len(times) + 2



@pytest.mark.parametrize(("phase", "passes"), [("forward", 1), ("forward_backward", 3)])
def test_the_flop_rate_counts_the_phase_s_passes(phase, passes):
    point = dict(device="gpu", dtype="float32", mode="compiled", phase=phase, batch=4, seq=128)
    rows = with_achieved_flops(frame([dict(cls="MLXMatMul", value=2.0, **point),
                                      dict(cls="TorchMultiHeadAttention", value=4.0, heads=8,
                                           mask="none", **point)]))
    rates = rows[rows["metric"] == FLOPS_METRIC].set_index("cls")["value"]
    matmul = 2 * 4 * 128 * 128 * DIM
    assert rates["MLXMatMul"] == pytest.approx(passes * matmul / 2.0)
    attention = 4 * 2 * 4 * 128 * DIM * DIM + 4 * 4 * 128 * 128 * DIM
    assert rates["TorchMultiHeadAttention"] == pytest.approx(passes * attention / 4.0)
