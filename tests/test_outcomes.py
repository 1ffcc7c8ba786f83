"""Outcomes come from asv's results JSON: a value, NaN for a skip, null for a failure."""

from __future__ import annotations

import pytest

from mpsbench import outcomes

from .test_selfcheck_external import write_results

NAME = "resnet50.TorchForwardInference.time_step"


@pytest.fixture
def result_file(tmp_path):
    """asv's file for (cpu, 1), (cpu, 4), (gpu, 1) failed, (gpu, 4) skipped."""
    write_results(tmp_path, "a" * 40, [0.11, 0.44, None, float("nan")])
    (found,) = (p for p in (tmp_path / "box").glob("*.json") if p.name != "machine.json")
    return found


def test_each_combination_keeps_its_own_outcome_in_asvs_param_order(result_file):
    assert outcomes.outcomes(result_file) == {NAME: {
        ("cpu", 1): outcomes.Outcome(outcomes.MEASURED, 0.11),
        ("cpu", 4): outcomes.Outcome(outcomes.MEASURED, 0.44),
        ("gpu", 1): outcomes.Outcome(outcomes.FAILED),
        ("gpu", 4): outcomes.Outcome(outcomes.SKIPPED)}}


def test_a_missing_value_says_why_by_its_outcome(result_file):
    assert outcomes.outcome(result_file, NAME, ("cpu", 4)).why_not == ""
    assert "skipped" in outcomes.outcome(result_file, NAME, ("gpu", 4)).why_not
    assert "failed" in outcomes.outcome(result_file, NAME, ("gpu", 1)).why_not
    assert outcomes.outcome(result_file, NAME, ("gpu", 16)).status == outcomes.MISSING
    assert outcomes.outcome(result_file, "resnet50.Other.time_step", ()).why_not \
        == outcomes.WHY[outcomes.MISSING]


def test_a_benchmark_with_a_failed_combination_is_named_once(result_file):
    assert outcomes.failed(result_file) == [NAME]
