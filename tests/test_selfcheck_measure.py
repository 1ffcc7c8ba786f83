"""How the self-check schedules its asv runs, and the report it writes from findings."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mpsbench.cli import build_parser
from mpsbench.commands.selfcheck import command_line
from mpsbench.selfcheck import analysis, measure, report
from mpsbench.selfcheck.asvrun import RunOutcome
from mpsbench.selfcheck.cases import find_case
from mpsbench.selfcheck.measure import FidelityRow
from mpsbench.selfcheck.report import Findings

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
    second, _ = measure.round_args(1, 4, rounds, r"'cpu'")
    assert second == ("-a", "rounds=1", "--append-samples", "--record-samples")
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
    defaults = build_parser().parse_args(["selfcheck"])
    assert (defaults.output, defaults.device, defaults.min_time, defaults.skip,
            defaults.bench, defaults.work) == (Path("docs/performance.md"), "all", 5.0, [],
                                               None, None)


def test_the_suite_settings_are_read_from_its_own_settings(monkeypatch):
    from mpsbench.asv_settings import MLX_OP_ROUNDS, ColdStartTiming, StepTiming
    from mpsbench.commands import selfcheck

    monkeypatch.setattr(selfcheck, "torch_threads", lambda: 7)
    text = "\n".join(selfcheck.suite_settings("forkserver"))
    assert "launch method here: `forkserver`" in text
    assert (f"number={StepTiming.number}, repeat={StepTiming.repeat}, "
            f"rounds={StepTiming.rounds}, warmup_time={StepTiming.warmup_time}") in text
    assert f"rounds={MLX_OP_ROUNDS}" in text
    assert f"repeat={ColdStartTiming.repeat}, rounds={ColdStartTiming.rounds}" in text
    assert "use 7 thread(s)" in text


class FakeScratch:
    """Where fidelity_row reads: results under a label's commit."""

    results_dir = Path("results")
    hashes = {"fidelity-resnet50-forward-inference-b1-torch-cpu": "c0ffee"}

    def result_file(self, label):
        return Path(f"{label}.json")


def probed(*records):
    return measure.ProbedRun([RunOutcome("x", 1.0)], list(records))


def test_a_fidelity_row_pairs_asvs_value_with_the_median_reference(monkeypatch):
    case = find_case("resnet50-forward-inference-b1-torch")
    plans = []
    monkeypatch.setattr(measure, "interleaved", lambda scratch, run_plans, minimum_rounds:
                        plans.append((run_plans, minimum_rounds)) or {
                            run_plans[0].label: probed(
                                {"device": "cpu", "reference": {"times": [0.1, 0.3]}},
                                {"device": "cpu", "reference": {"times": [0.2],
                                                                "events": [0.05]}},
                                {"benchmark": "no reference"})})
    monkeypatch.setattr(measure, "suite_value", lambda results, commit, c, device:
                        0.21 if (commit, c, device) == ("c0ffee", case, "cpu") else 0.0)
    row = measure.fidelity_row(FakeScratch(), case, "cpu", "spawn", 2.0)
    (plan,), rounds = plans[0]
    assert rounds == measure.FIDELITY_ROUNDS and plan.env == {measure.REFERENCE_ENV: "2.0"}
    assert plan.bench == case.bench_regex("cpu") and plan.launch_method == "spawn"
    assert (row.used, row.suite, row.reference, row.events) == ("cpu", 0.21, 0.2, 0.05)
    assert row.ratio == pytest.approx(1.05) and row.within


def test_a_fidelity_row_without_a_reference_says_what_asv_recorded(monkeypatch):
    from mpsbench import results

    case = find_case("resnet50-forward-inference-b1-torch")
    monkeypatch.setattr(measure, "interleaved", lambda scratch, run_plans, minimum_rounds:
                        {run_plans[0].label: probed()})
    monkeypatch.setattr(measure, "outcome_of", lambda path, name, params:
                        results.Outcome(results.SKIPPED) if (path.stem, name, params) == (
                            measure.fidelity_label(case, "cpu"), case.benchmark,
                            ("cpu", 1)) else results.Outcome(results.MISSING))
    row = measure.fidelity_row(FakeScratch(), case, "cpu", "spawn", 2.0)
    assert row.unavailable == results.REASONS[results.SKIPPED]


def test_the_regression_runs_the_test_benchmark_plain_and_slowed(monkeypatch, tmp_path):
    made, runs = [], []

    class Scratch:
        def __init__(self, root, work, labels, benchmark_dir):
            made.append((work, labels, benchmark_dir))

    monkeypatch.setattr(measure, "AsvScratch", Scratch)
    monkeypatch.setattr(measure, "interleaved", lambda scratch, plans: runs.extend(plans))
    monkeypatch.setattr(measure, "compare", lambda scratch, before, after: (before, after))
    assert measure.regression(tmp_path, tmp_path / "w", "spawn") == ("base", "slowed")
    assert made == [(tmp_path / "w", ["base", "slowed"], tmp_path / "tests" / "regression_bench")]
    assert runs == [measure.Plan("base", None, "spawn"),
                    measure.Plan("slowed", None, "spawn",
                                 {measure.SLOWDOWN_ENV: str(measure.SLOWDOWN)})]
