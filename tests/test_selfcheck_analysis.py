"""The self-check's arithmetic: ratios, cost attribution, reading asv compare."""

from __future__ import annotations

import math

import pytest

from mpsbench.selfcheck import analysis
from mpsbench.spans import FORKSERVER

COMPARE = """
All benchmarks:

| Change   | Before [c6ad504c] <A1>   | After [4fee52a1] <A2>   | Ratio   | Benchmark (Parameter)                                      |
|----------|-------------------------|------------------------|---------|------------------------------------------------------------|
|          | 1.10±0.6s               | 966±1000ms             | ~0.88   | resnet50.TorchForwardInference.time_step('cpu', 1)         |
| +        | 100±1ms                 | 130±1ms                | 1.30    | resnet50.TorchForwardInference.time_step('cpu', 4)         |
|          | n/a                     | n/a                    | n/a     | resnet50.TorchForwardInference.time_step('gpu', 1)         |
| !        | 1.00s                   | failed                 | n/a     | resnet50.TorchTrainStep.time_step('cpu', 1)                |
| -        | 1.60s                   | 487ms                  | 0.30    | resnet50.TorchForwardInference.track_peak_memory('cpu', 1)  |
|          | 1.50s                   | 1.52s                  | 1.01    | resnet50.TorchTrainStep.track_peak_memory('cpu', 1)         |
"""  # noqa: E501  (asv's own line width)


def spawn_record(**changes):
    record = {
        "pid": 7, "benchmark": "resnet50.TorchTrainStep.time_step", "params": ["'cpu'", "1"],
        "created": 100.0, "setup_start": 101.0, "setup_end": 110.0, "skipped": False,
        "run_start": 110.0, "run_end": 130.0, "timed": 18.0,
        "spans": [{"pid": 7, "kind": "import", "start": 101.0, "seconds": 4.0},
                  {"pid": 7, "kind": "import", "start": 105.0, "seconds": 2.0},
                  {"pid": 7, "kind": "warmup", "start": 108.0, "seconds": 1.5}],
    }
    record.update(changes)
    return record


def test_ratio_is_suite_over_reference_and_checked_against_the_band():
    assert analysis.ratio(1.05, 1.0) == pytest.approx(1.05)
    assert analysis.within(analysis.ratio(0.95, 1.0))
    assert not analysis.within(analysis.ratio(1.2, 1.0))
    assert analysis.within(0.9) and analysis.within(1.1)
    with pytest.raises(ValueError, match="positive"):
        analysis.ratio(1.0, 0.0)


def test_a_spawned_process_splits_into_its_parts():
    cost = analysis.process_cost(spawn_record())
    assert cost.startup == pytest.approx(1.0)  # interpreter, asv_runner, suite modules
    assert cost.imports == pytest.approx(6.0)
    assert cost.warmup == pytest.approx(1.5)
    assert cost.build == pytest.approx(9.0 - 6.0 - 1.5)
    assert cost.sampling == pytest.approx(20.0) and cost.timed == pytest.approx(18.0)
    assert cost.overhead == pytest.approx(10.0)
    assert not cost.skipped


def test_a_skipped_process_has_no_sampling():
    record = spawn_record(skipped=True, spans=[], timed=None, setup_end=101.2)
    del record["run_start"], record["run_end"]
    cost = analysis.process_cost(record)
    assert cost.skipped and cost.sampling == 0.0 and cost.timed == 0.0
    assert cost.build == pytest.approx(0.2)


def test_the_forkserver_counts_its_start_and_imports_once():
    cost = analysis.process_cost({"benchmark": FORKSERVER, "created": 50.0, "ready": 60.0,
                                  "spans": [{"kind": "import", "seconds": 8.0}]})
    assert (cost.startup, cost.imports) == (pytest.approx(2.0), pytest.approx(8.0))
    assert cost.overhead == pytest.approx(10.0)


def test_attribution_accounts_for_the_whole_wall_time():
    server = analysis.process_cost({"benchmark": FORKSERVER, "created": 0.0, "ready": 10.0,
                                    "spans": [{"kind": "import", "seconds": 8.0}]})
    measured = analysis.process_cost(spawn_record())
    skipped = analysis.process_cost(spawn_record(skipped=True, spans=[], timed=None,
                                                 run_start=101.0, run_end=101.0,
                                                 setup_end=101.0))
    att = analysis.attribute([server, measured, skipped], wall=60.0)
    assert sum(att.parts.values()) == pytest.approx(60.0)
    assert att.parts["interpreter start and imports"] == pytest.approx(10.0 + 7.0 + 1.0)
    assert att.parts["asv sampling: inside timed regions"] == pytest.approx(18.0)
    assert att.parts["asv sampling: setup and asv between samples"] == pytest.approx(2.0)
    assert att.parts["the rest"] == pytest.approx(60.0 - 18.0 - 1.5 - 1.5 - 20.0)
    assert (att.processes, att.measuring, att.server) == (2, 1, True)
    assert att.overhead_per_measuring_process == pytest.approx(60.0 - 20.0)
    assert att.launch_overhead_per_measuring_process == pytest.approx(60.0 - 20.0 - 1.5)
    assert att.overheads == [pytest.approx(10.0)]


def test_compare_rows_are_read_with_marks_and_missing_values():
    rows = analysis.parse_compare(COMPARE)
    assert len(rows) == 6
    assert rows[1].mark == "+" and rows[1].flagged and rows[1].ratio == "1.30"
    assert rows[0].mark == "" and not rows[0].flagged and rows[0].ratio == "~0.88"
    assert not rows[2].compared and not rows[3].compared  # skipped; failed
    assert rows[4].metric == "track_peak_memory"
    assert rows[1].benchmark == "resnet50.TorchForwardInference.time_step('cpu', 4)"


def test_stability_counts_flags_among_compared_rows_only():
    found = analysis.stability(analysis.parse_compare(COMPARE))
    assert (found.compared, found.flagged) == (4, 2)
    assert found.fraction == pytest.approx(0.5)
    assert found.by_metric == {"time_step": (2, 1), "track_peak_memory": (2, 1)}
    assert found.flagged_names[0].startswith("+ 1.30 resnet50")
    assert (found.slower, found.by_family) == (1, {"torch on cpu": 2})
    assert not found.one_direction  # one flag slower, one faster


def test_flags_all_one_way_are_a_drift_and_families_come_from_class_and_device():
    rows = [analysis.CompareRow("-", "2ms", "1.5ms", "0.75",
                                f"transformer.MLX{op}.time_step('cpu', 'float16')")
            for op in ("GELU", "RMSNorm")]
    rows.append(analysis.CompareRow("", "1ms", "1ms", "1.00",
                                    "resnet50.TorchPeakMemory.track_peak_memory('x', 'gpu', 1)"))
    found = analysis.stability(rows)
    assert (found.flagged, found.slower, found.by_family) == (2, 0, {"MLX on cpu": 2})
    assert found.one_direction
    assert analysis.family("slowed.Step.time_step()") == "other"
    assert analysis.family("resnet50.TorchPeakMemory.track_peak_memory('train_step', 'gpu', 1)"
                           ) == "torch on gpu"
    assert analysis.family("transformer.MLXCompiledLinear.time_step('cpu')") == "other"
    assert analysis.family("llm.MLXPrefill.time_step('gpu', 'tiny')") == "MLX on gpu"


def test_nothing_compared_is_not_a_zero_fraction():
    assert math.isnan(analysis.stability([]).fraction)
    assert math.isnan(analysis.median([]))


def test_spreads_rank_values_by_interquartile_range_over_median():
    results = {
        "result_columns": ["result", "params", "version", "stats_q_25", "stats_q_75"],
        "results": {
            "resnet50.TorchTrainStep.time_step": [
                [1.0, 2.0, float("nan")], [["'cpu'"], ["1", "4", "16"]], "1",
                [0.9, 1.98, None], [1.1, 2.02, None]],
            "resnet50.TorchTrainStep.track_peak_memory": [[3.0], [["'cpu'"], ["1"]], "1"],
        },
    }
    found = analysis.spreads(results)
    assert [name for name, _ in found] == ["resnet50.TorchTrainStep.time_step('cpu', 1)",
                                           "resnet50.TorchTrainStep.time_step('cpu', 4)"]
    assert found[0][1] == pytest.approx(0.2) and found[1][1] == pytest.approx(0.02)
