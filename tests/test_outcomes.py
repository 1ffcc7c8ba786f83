"""Each value's status comes from asv's results JSON: a number, NaN for a skip, null for a
failure; the loader keeps a failure apart from a skip and never reads it as a number."""

from __future__ import annotations

import math

import pytest

from mpsbench import results
from mpsbench.cli import main
from mpsbench.results import FAILED, MEASURED, MISSING, REASONS, SKIPPED, Outcome

from .test_selfcheck_external import write_results

NAME = "resnet50.TorchForwardInference.time_step"


@pytest.fixture
def results_dir(tmp_path):
    """asv's file for (cpu, 1), (cpu, 4), (gpu, 1) failed, (gpu, 4) skipped."""
    write_results(tmp_path, "a" * 40, [0.11, 0.44, None, float("nan")])
    return tmp_path


@pytest.fixture
def result_file(results_dir):
    (found,) = (p for p in (results_dir / "box").glob("*.json") if p.name != "machine.json")
    return found


def test_each_combination_keeps_its_own_outcome_in_asvs_param_order(result_file):
    assert results.read_outcomes(result_file) == {NAME: {
        ("cpu", 1): Outcome(MEASURED, 0.11),
        ("cpu", 4): Outcome(MEASURED, 0.44),
        ("gpu", 1): Outcome(FAILED),
        ("gpu", 4): Outcome(SKIPPED)}}


def test_a_missing_value_says_why_by_its_outcome(result_file):
    assert results.outcome_of(result_file, NAME, ("cpu", 4)).reason == ""
    assert "skipped" in results.outcome_of(result_file, NAME, ("gpu", 4)).reason
    assert "failed" in results.outcome_of(result_file, NAME, ("gpu", 1)).reason
    assert results.outcome_of(result_file, NAME, ("gpu", 16)).status == MISSING
    assert results.outcome_of(result_file, "resnet50.Other.time_step", ()).reason \
        == REASONS[MISSING]


def test_a_benchmark_with_a_failed_combination_is_named_once(result_file):
    assert results.failed_benchmarks(result_file) == [NAME]


def test_the_loader_keeps_a_failed_value_failed_never_a_number(results_dir):
    frame = results.load_results(results_dir).frame.set_index(["device", "batch"])
    assert list(frame["status"]) == [MEASURED, MEASURED, FAILED, SKIPPED]
    assert frame.loc[("cpu", 4), "value"] == pytest.approx(0.44)
    assert math.isnan(frame.loc[("gpu", 1), "value"])  # asv's null: no number, not 0.0
    assert math.isnan(frame.loc[("gpu", 4), "value"])


def test_the_table_shows_a_failed_value_as_failed_and_a_skipped_one_as_missing(
        results_dir, capsys):
    assert main(["table", "--results", str(results_dir)]) == 0
    out = capsys.readouterr().out
    first_row = next(line for line in out.splitlines() if "Forward (inference)" in line)
    cells = [cell.strip() for cell in first_row.strip("|").split("|")]
    assert cells[:2] == ["Forward (inference)", "batch 1"]
    assert float(cells[2]) == pytest.approx(0.11)
    assert cells[3:] == ["failed", "missing"]  # the gpu value failed; no speedup from it
    batch_4 = next(line for line in out.splitlines() if "batch 4" in line)
    cells = [cell.strip() for cell in batch_4.strip("|").split("|")]
    assert float(cells[2]) == pytest.approx(0.44) and cells[3:] == ["missing", "missing"]
    assert "failed: gpu: 1 of 2 cells failed in asv" in out
