"""How the self-check schedules its asv runs, and the report it writes from findings."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from mpsbench.cli import build_parser
from mpsbench.commands.selfcheck import command_line
from mpsbench.selfcheck import analysis, measure, report
from mpsbench.selfcheck.asvrun import RunOutcome
from mpsbench.selfcheck.cases import find_case
from mpsbench.selfcheck.fidelity import FidelityRow
from mpsbench.selfcheck.findings import Findings

from .test_selfcheck_analysis import COMPARE, spawn_record

STEP = "resnet50.TorchTrainStep.time_step"
MLX_STEP = "transformer.MLXSDPA.time_step"
FIRST_CALL = "resnet50.TorchFirstCall.timeraw_first_call"
TRACK = "resnet50.TorchPeakMemory.track_peak_memory"


def test_each_round_runs_what_asv_would_run_in_it():
    rounds = {STEP: 2, MLX_STEP: 4, FIRST_CALL: 2, TRACK: 1}
    first, bench = measure.round_args(0, 4, rounds, r"'cpu'")
    assert first == ("-a", "rounds=1", "--record-samples")
    assert re.search(bench, f"{MLX_STEP}('cpu', 'float16')")  # its extra rounds come first
    assert not re.search(bench, f"{MLX_STEP}('gpu', 'float16')")  # outside --bench
    assert not re.search(bench, f"{STEP}('cpu', 1)")
    middle, bench = measure.round_args(2, 4, rounds, r"'cpu'")
    assert middle == ("-a", "rounds=1", "--append-samples", "--record-samples")
    assert re.search(bench, f"{STEP}('cpu', 1)") and re.search(bench, f"{MLX_STEP}('cpu', 1)")
    assert re.search(bench, f"{FIRST_CALL}('train_step', 'cpu', 1)")
    assert not re.search(bench, f"{TRACK}('cpu', 1)")  # single-shot: the last round only
    last, bench = measure.round_args(3, 4, rounds, r"'cpu'")
    assert last == ("-a", "rounds=1", "--append-samples") and bench == r"'cpu'"
    assert measure.round_args(0, 4, {STEP: 2}, None) is None  # nothing runs four rounds
    assert measure.round_args(0, 1, rounds, None) == (("-a", "rounds=1"), "")


def test_only_keeps_an_anchored_bench_and_whole_names():
    bench = measure.only([STEP], r"^resnet50\.TorchTrainStep\.time_step\('cpu', 1\)$")
    assert re.search(bench, f"{STEP}('cpu', 1)")
    assert not re.search(bench, f"{STEP}('cpu', 4)")
    assert not re.search(measure.only([STEP], None), f"{STEP}X('cpu', 1)")
    assert re.search(measure.only([STEP], None), STEP)  # a benchmark without params


def test_the_command_line_shows_only_what_differs_from_the_defaults():
    parser = build_parser()
    assert command_line(parser.parse_args(["selfcheck"])) == "mpsbench selfcheck"
    args = parser.parse_args(["selfcheck", "--device", "gpu", "--skip", "regression"])
    assert command_line(args) == "mpsbench selfcheck --device gpu --skip regression"
    typed = ["selfcheck", "--bench", r"\.time_step\('gpu', 'float16'", "--skip", "overhead"]
    assert shlex.split(command_line(parser.parse_args(typed))) == ["mpsbench", *typed]


def findings() -> Findings:
    found = Findings(started=0.0, load_before=(0.5, 0.4, 0.3),
                             load_after=(0.6, 0.5, 0.4), seconds=600.0,
                             import_torch=4.0, import_torch_vision=8.0)
    case = find_case("resnet50-forward-inference-b1-torch")
    found.fidelity = [FidelityRow(case, "cpu", used="cpu", suite=0.105, reference=0.1),
                      FidelityRow(case, "gpu", unavailable="no GPU hardware here")]
    run = measure.ProbedRun([RunOutcome("A1", 60.0)], [spawn_record()])
    found.launch = {"spawn": run, "forkserver": run}
    found.default_runs = [run, run]
    rows = analysis.parse_compare(COMPARE)
    found.stability = measure.Comparison(rows, rows[:2])
    slowed = analysis.CompareRow("+", "100ms", "124ms", "1.24", measure.REGRESSION_BENCHMARK)
    found.regression = measure.Comparison([slowed], [])
    found.spreads = [("resnet50.TorchTrainStep.time_step('cpu', 16)", 0.125)]
    return found


def test_only_load_beyond_the_self_checks_own_process_reads_as_a_busy_machine(monkeypatch):
    monkeypatch.setattr(report.os, "cpu_count", lambda: 2)
    found = findings()
    found.load_before, found.load_after = (0.2, 0.5, 0.7), (1.01, 1.0, 1.0)  # its own process
    assert not any("busy" in line for line in report.header(found, "mpsbench selfcheck"))
    found.load_after = (2.3, 2.0, 1.5)  # one more busy process beside it
    assert any("busy" in line for line in report.header(found, "mpsbench selfcheck"))


def test_the_report_has_every_section_and_verdict(tmp_path):
    text = re.sub(r" {2,}", " ", report.render(findings(), "mpsbench selfcheck",
                                                measure.LAUNCH_SUBSET, "every benchmark",
                                                ["- a setting"]))
    for heading in ("## Summary", "## Fidelity", "## Overhead", "## Stability (A/A)",
                    "## Regression detection (A/B)"):
        assert heading in text
    assert "| 1.050 |" in text and "not run: no GPU hardware here" in text
    assert "50.0% (2 of 4)" in text and "**missed**" in text  # the A/A line, as stored
    assert "1 read slower in run 2 and 1 faster; by framework and device: torch on cpu 2." in text
    assert "50.0% (1 of 2)" in text  # judged on every sample: only the first two rows
    assert "ratio 1.24, mark `+` | met" in text  # A/B as stored
    assert "| missing | **missed** |" in text  # A/B with samples: not in its rows
    assert "- a setting" in text
    assert "| `resnet50.TorchTrainStep.time_step('cpu', 16)` | 12.5% |" in text


def test_a_skipped_section_leaves_no_empty_heading():
    found = findings()
    found.fidelity = []
    text = report.render(found, "mpsbench selfcheck --skip fidelity", measure.LAUNCH_SUBSET,
                         "every benchmark", [])
    assert "## Fidelity" not in text and "## Stability (A/A)" in text


def test_a_missing_reference_time_is_an_error_not_a_ratio():
    row = FidelityRow(find_case("resnet50-forward-inference-b1-torch"), "cpu")
    with pytest.raises(ValueError):
        _ = row.ratio


def test_selfcheck_refuses_to_run_outside_the_repository(tmp_path, monkeypatch, capsys):
    from mpsbench.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["selfcheck", "--output", str(tmp_path / "p.md")]) == 2
    assert "repository root" in capsys.readouterr().err
    assert not Path(tmp_path / "p.md").exists()
    assert isinstance(build_parser().parse_args(["selfcheck"]), argparse.Namespace)
