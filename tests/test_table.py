"""The ResNet table, built from results that a real asv run records in the test."""

from __future__ import annotations

import json

import pytest

from mpsbench.cli import main
from mpsbench.report.resnet_table import resnet_table
from mpsbench.report.tables import resnet_timing
from mpsbench.results import load_results, newest_commit

from .asv_recording import record

BENCH = r"^resnet50\.TorchForwardInference\.time_step\('(cpu|gpu)', 1\)"


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    return record(tmp_path_factory.mktemp("asv"), BENCH)


def recorded_value(results_dir, batch_index: int) -> float:
    """The cpu value for one batch, read straight from asv's JSON file."""
    (path,) = (results_dir / "test-machine").glob("*-existing-*.json")
    data = json.loads(path.read_text())
    columns = data["result_columns"]
    row = data["results"]["resnet50.TorchForwardInference.time_step"]
    return row[columns.index("result")][batch_index]  # cpu params come first


def test_phases_are_the_catalogue_s():
    assert resnet_timing("resnet50.TorchBackwardTraining.time_step").key == "backward_training"
    assert resnet_timing("resnet50.MLXCompiledTrainStep.time_step").key == "train_step"
    assert resnet_timing("resnet50.TorchPeakMemory.track_peak_memory") is None
    assert resnet_timing("llm.TorchPrefill.time_step") is None


def test_table_shows_recorded_cpu_times_and_missing_gpu(results_dir):
    loaded = load_results(results_dir)
    commit = newest_commit(loaded.frame, "test-machine")
    table = resnet_table(loaded.frame, "test-machine", commit, "mps")
    cell = table.frame.loc[("forward_inference", 1), "cpu"]
    assert cell == pytest.approx(recorded_value(results_dir, 0))
    assert cell > 0
    assert table.frame["mps"].isna().all()
    assert "mps: no results recorded" in table.missing
    assert list(table.frame.columns) == ["cpu", "mps", "speedup"]


def test_table_command_prints_markdown_and_html(results_dir, capsys):
    assert main(["table", "--results", str(results_dir)]) == 0
    out = capsys.readouterr().out
    first_row = next(line for line in out.splitlines() if "Forward (inference)" in line)
    cells = [cell.strip() for cell in first_row.strip("|").split("|")]
    assert cells[:2] == ["Forward (inference)", "batch 1"]
    assert float(cells[2]) > 0 and cells[3:] == ["missing", "missing"]
    assert "missing: gpu: no results" in out
    assert main(["table", "--results", str(results_dir), "--html"]) == 0
    assert "<table" in capsys.readouterr().out


def test_table_command_explains_a_missing_results_dir(tmp_path, capsys):
    assert main(["table", "--results", str(tmp_path / "nope")]) == 2
    assert "run 'asv run' first" in capsys.readouterr().err


def test_unknown_machine_lists_the_known_ones(results_dir, capsys):
    assert main(["table", "--results", str(results_dir), "--machine", "other"]) == 2
    assert "test-machine" in capsys.readouterr().err
