"""The external fidelity section: outside procedures in fresh processes, against asv."""

from __future__ import annotations

import json
import math
import os
import re

import pytest
import torch
from torch import nn

from mpsbench import allocator
from mpsbench.errors import Unavailable
from mpsbench.selfcheck import external
from mpsbench.selfcheck.cases import default_point
from mpsbench.selfcheck.measure import FidelityRow, suite_value
from mpsbench.selfcheck.references import layer_harness, refprocess, resnet_table
from mpsbench.threads import torch_cpu_threads


class Recorder(nn.Module):
    """A linear layer that records the mode of every forward it runs."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(4, 3)
        self.calls: list[tuple[bool, bool, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append((self.training, torch.is_inference_mode_enabled(),
                           torch.is_grad_enabled()))
        return self.linear(x)


def train(grads: str, iterations: int) -> tuple[torch.Tensor, resnet_table.Regions]:
    model, regions = Recorder(), resnet_table.Regions(torch, "cpu")
    resnet_table.training(model, torch.ones(2, 4), iterations, grads, regions)
    return model.linear.weight.grad, regions


def test_the_seed_accumulates_gradients_and_the_faithful_variant_zeroes_them():
    once, _ = train("zero", 1)
    accumulated, regions = train("accumulate", 2)
    zeroed, _ = train("zero", 2)
    assert torch.allclose(accumulated, 2 * once)  # each backward added to the last one's
    assert torch.allclose(zeroed, once)
    assert {p: len(t) for p, t in regions.wall.items()} == {
        "forward_inference": 0, "forward_training": 2, "backward_training": 2}
    with pytest.raises(ValueError, match="grads"):
        train("sometimes", 1)


def test_the_seed_procedure_warms_up_then_infers_in_one_block_then_trains():
    model = Recorder()
    regions = resnet_table.procedure(torch, model, torch.ones(2, 4), iterations=3,
                                    grads="zero", device="cpu", warmup=2)
    eval_grad, inference, train_mode = (False, False, True), (False, True, False), \
        (True, False, True)
    assert model.calls == [eval_grad] * 2 + [inference] * 3 + [train_mode] * 3
    for phase in resnet_table.PHASES:
        assert len(regions.wall[phase]) == 3 and all(t > 0 for t in regions.wall[phase])
        assert regions.gpu[phase] == []  # CUDA events on CUDA only


def test_the_harness_raises_its_count_to_fill_the_minimum_time():
    # 10 warm-up calls of 1 ms: 20 calls would take 20 ms, so 500 ms takes 500 calls
    assert layer_harness.iterations_for(0.010, 10, 20, 500.0) == 500
    assert layer_harness.iterations_for(1.0, 10, 20, 500.0) == 20  # 100 ms calls: 2 s
    calls = []
    mean, count = layer_harness.mean_per_call(lambda: calls.append(1), warmup=3,
                                             iterations=5, min_ms=0.0)
    assert count == 5 and len(calls) == 8 and mean >= 0


def test_a_reference_that_cannot_run_here_says_why(capsys):
    def no_gpu() -> dict:
        raise Unavailable("no GPU here")

    assert refprocess.main(no_gpu) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["unavailable"] == "no GPU here"
    assert record["allocator"] == allocator.expected_state().label()


def test_a_ratio_outside_the_target_is_flagged():
    case = external.op_case("linear", "torch")
    assert FidelityRow(case, "cpu", "aukejw", suite=1.05, reference=1.0).within
    assert FidelityRow(case, "cpu", "aukejw", suite=0.95, reference=1.0).within
    slow = FidelityRow(case, "cpu", "aukejw", suite=1.15, reference=1.0)
    assert not slow.within and slow.ratio == pytest.approx(1.15)
    assert not FidelityRow(case, "cpu", "aukejw", suite=0.85, reference=1.0).within
    row = FidelityRow(case, "cpu", "ResNet table", suite=1.0, reference=1.0,
                               as_written=1.25)
    assert row.ratio_as_written == pytest.approx(0.8) and row.within
    with pytest.raises(ValueError):  # no reference measured: no ratio to judge
        _ = FidelityRow(case, "cpu", "aukejw", suite=1.0).ratio


def test_the_units_cover_the_seed_phases_and_every_op_in_both_frameworks():
    units = external.units(["cpu"])
    resnet = [u for u in units if not u.ops]
    assert [u.cases[0].params[1] for u in resnet] == [1, 4, 16]
    assert [c.benchmark for c in resnet[0].cases] == [
        "resnet50.TorchForwardInference.time_step", "resnet50.TorchForwardTraining.time_step",
        "resnet50.TorchBackwardTraining.time_step"]
    ops = {(op, c.framework, c.benchmark) for u in units if u.ops
           for op, c in zip(u.ops, u.cases, strict=True)}
    assert {(op, fw) for op, fw, _ in ops} == {(op, fw) for op in external.OPS
                                              for fw in ("torch", "mlx")}
    assert ("mha", "mlx", "transformer.MLXMultiHeadAttention.time_step") in ops
    assert len({u.label for u in units}) == len(units)
    regex = external.bench_regex(resnet[0].cases, "cpu")
    assert re.search(regex, "resnet50.TorchBackwardTraining.time_step('cpu', 1)")
    assert not re.search(regex, "resnet50.TorchBackwardTraining.time_step('cpu', 16)")
    assert not re.search(regex, "resnet50.TorchTrainStep.time_step('cpu', 1)")


def test_reference_groups_are_spread_over_asvs_rounds_the_last_after_the_last():
    assert external.spread(2, 2) == [0, 1]
    assert external.spread(3, 6) == [1, 3, 5]
    assert external.spread(1, 6) == [5]
    assert external.spread(3, 2) == [0, 0, 1]  # more groups than rounds: none is lost


def write_results(results_dir, commit: str, values: list[float]) -> None:
    """A results JSON as asv writes it (asv's own classes), for the ResNet inference."""
    from asv import results as asv_results
    from asv import runner

    name = "resnet50.TorchForwardInference.time_step"
    params = [["'cpu'", "'gpu'"], ["1", "4"]]
    machine = results_dir / "box"
    machine.mkdir(parents=True)
    (machine / "machine.json").write_text(json.dumps({"machine": "box", "version": 1}))
    (results_dir / "benchmarks.json").write_text(json.dumps({
        name: {"name": name, "param_names": ["device", "batch"], "params": params,
               "version": "2", "unit": "seconds", "type": "time"}, "version": 2}))
    date = 1_700_000_000_000  # 2023-11: a date the results gate admits
    result = asv_results.Results({"machine": "box"}, {}, commit, date, "3.11", "existing", {})
    benchmark = {"name": name, "params": params, "param_names": ["device", "batch"],
                 "version": "2"}
    result.add_result(benchmark, runner.BenchmarkResult(
        result=values, samples=[None if v is None or math.isnan(v) else [v] for v in values],
        number=[1] * 4, errcode=0, stderr="",
        profile=None))
    result.save(str(results_dir))


def test_the_suite_value_is_read_from_asvs_results_json(tmp_path):
    commit = "a" * 40
    write_results(tmp_path, commit, [0.11, 0.44, None, float("nan")])
    case = external.resnet_case("forward-inference", 4)
    assert suite_value(tmp_path, commit, case, "cpu") == pytest.approx(0.44)
    assert suite_value(tmp_path, commit, external.resnet_case("forward-inference", 1),
                       "cpu") == pytest.approx(0.11)
    assert math.isnan(suite_value(tmp_path, commit, case, "gpu"))  # skipped: none stored
    assert math.isnan(suite_value(tmp_path, "b" * 40, case, "cpu"))  # another commit


def check_process(record: dict) -> None:
    """A fresh process, with the suite's allocator state and thread count."""
    assert record["pid"] != os.getpid()
    assert record["allocator"] == allocator.expected_state().label()
    assert record["threads"] == torch_cpu_threads(torch)


@pytest.mark.slow
@pytest.mark.parametrize("grads", resnet_table.GRADS)
def test_the_seed_reference_runs_in_a_fresh_process(grads):
    record = refprocess.run("resnet_table", ["--batch", "1", "--iterations", "2",
                                            "--warmup", "1", "--grads", grads])
    check_process(record)
    assert (record["used"], record["batch"], record["grads"]) == ("cpu", 1, grads)
    assert 0 < record["cpu_share"] <= 1.05  # its CPU time over its wall time, one thread
    for phase in resnet_table.PHASES:
        figures = record["phases"][phase]
        assert figures["n"] == 2 and len(figures["times"]) == 2
        assert 0 < min(figures["times"]) <= figures["median"] <= max(figures["times"])
        assert figures["mean"] > 0 and "events" not in figures


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["torch", "mlx"])
def test_the_harness_reference_runs_in_a_fresh_process(framework):
    params = ["cpu" if p == "<device>" else p for p in default_point("softmax")]
    record = refprocess.run("layer_harness", ["--framework", framework, "--op", "softmax",
                                             "--params", json.dumps(params), "--repeats", "2",
                                             "--min-ms", "20"])
    assert record["pid"] != os.getpid()
    assert record["allocator"] == allocator.expected_state().label()
    if framework == "torch":
        check_process(record)
    assert record["used"] == "cpu" and record["params"] == params
    assert record["n"] == 2 and all(t > 0 for t in record["times"])
    assert record["cpu_share"] > 0  # MLX evaluates on threads of its own: above 1 is fine
    assert all(count >= layer_harness.ITERATIONS for count in record["calls"])


def test_the_harness_refuses_what_it_does_not_time():
    params = ["cpu", "float16", "eager", "forward_backward", 1, 128]
    with pytest.raises(ValueError, match="eager forward"):
        layer_harness.measure("torch", "softmax", params)


def external_findings() -> external.ExternalFindings:
    found = external.ExternalFindings(threads={1}, allocators={"glibc, pinned"},
                                      suite_threads=1, suite_allocator="glibc, pinned",
                                      seconds=120.0, op_processes={"mlx": (3, 6)})
    backward = external.resnet_case("backward-training", 1)
    found.rows = [
        FidelityRow(backward, "cpu", "ResNet table", "cpu", suite=0.30, reference=0.29,
                             reference_mean=0.295, as_written=0.33),
        FidelityRow(external.op_case("sdpa", "mlx"), "cpu", "aukejw", "cpu",
                             suite=0.0125, reference=0.010),
        FidelityRow(external.op_case("sdpa", "torch"), "gpu", "aukejw",
                             unavailable="no GPU hardware here"),
    ]
    return found


def test_the_section_shows_both_variants_each_ratio_and_its_verdict():
    from mpsbench.selfcheck import external_report

    command = "mpsbench selfcheck --skip fidelity"
    text = "\n".join(external_report.section(external_findings(), command))
    assert text.startswith(external_report.TITLE) and command in text
    assert "1 CPU thread(s)" in text and "glibc, pinned" in text and "(the same)" in text
    assert "mlx: 3 processes over 6 rounds" in text
    lines = {line.split("|")[1].strip(): line for line in text.splitlines()
             if line.startswith("| ") and "---" not in line}
    backward = lines["ResNet-50 backward (training), batch 1, torch"]
    assert "290 ms (mean 295 ms)" in backward and "| 330 ms" in backward
    assert "| 1.034 " in backward and "| met " in backward and "| 0.909 " in backward
    mlx = lines["SDPA, MLX"]
    assert "| 1.250 " in mlx and "**missed**" in mlx
    assert "not run: no GPU hardware here" in lines["SDPA, torch"]
    check, target, measured, verdict = external_report.summary_row(external_findings())
    assert (target, measured, verdict) == ("every ratio in 0.9 to 1.1",
                                           "1.034 to 1.250 (1 of 2 outside)", "**missed**")


def test_the_section_says_when_the_references_ran_with_another_state():
    from mpsbench.selfcheck import external_report

    found = external_findings()
    found.threads = {2}
    assert "**not the same**" in "\n".join(external_report.section(found, "mpsbench"))


def test_the_section_can_be_run_alone_and_its_options_are_shown():
    from mpsbench.cli import build_parser
    from mpsbench.commands.selfcheck import command_line

    typed = ["selfcheck", "--skip", "fidelity", "--skip", "overhead", "--skip", "stability",
             "--skip", "regression", "--table-iterations", "4"]
    args = build_parser().parse_args(typed)
    assert "external" not in args.skip and args.table_iterations == 4
    assert command_line(args) == ("mpsbench selfcheck --table-iterations 4 --skip fidelity "
                                  "--skip overhead --skip stability --skip regression")
    assert "--skip external" in command_line(build_parser().parse_args(
        ["selfcheck", "--skip", "external"]))


@pytest.mark.slow
def test_an_op_unit_reads_asvs_stored_value_with_a_reference_after_each_round(tmp_path):
    from mpsbench.launch import default_launch_method
    from mpsbench.selfcheck.asvrun import AsvScratch

    from .conftest import ROOT

    unit = external.Unit("external-ops-torch-cpu", "cpu",
                         (external.op_case("softmax", "torch"),), ("softmax",))
    scratch = AsvScratch(ROOT, tmp_path, [unit.label])
    found = external.ExternalFindings()
    (row,) = external.op_rows(scratch, unit, default_launch_method(), found)
    assert not row.unavailable and row.used == "cpu"
    assert row.suite > 0 and row.reference > 0 and row.as_written is None
    assert 0 < row.cpu_share <= 1.05
    assert found.op_processes == {"torch": (2, external.asv_rounds(scratch, unit))} \
        == {"torch": (2, 2)}
    assert found.threads == {torch_cpu_threads(torch)}
    stored = json.loads(scratch.result_file(unit.label).read_text())
    (values,) = (v for k, v in stored["results"].items() if k == unit.cases[0].benchmark)
    columns = dict(zip(stored["result_columns"], values, strict=False))
    assert columns["stats_repeat"][0] >= 6  # both rounds' samples, kept as asv keeps them
    assert columns.get("samples") is None


def test_on_cuda_each_region_is_bracketed_by_events_and_a_synchronize():
    from types import SimpleNamespace

    log: list[str] = []

    class Event:
        def __init__(self, enable_timing: bool) -> None:
            assert enable_timing

        def record(self) -> None:
            log.append("record")

        def elapsed_time(self, end: Event) -> float:
            return 2.0  # milliseconds

    fake = SimpleNamespace(cuda=SimpleNamespace(Event=Event,
                                                synchronize=lambda: log.append("sync")))
    regions = resnet_table.Regions(fake, "cuda")
    with regions.timed("backward_training"):
        log.append("work")
    assert log == ["sync", "record", "work", "record", "sync"]
    assert regions.gpu["backward_training"] == [0.002]
    assert len(regions.wall["backward_training"]) == 1


def test_a_unit_whose_reference_fails_is_reported_and_the_section_goes_on(monkeypatch):
    from mpsbench.errors import UserError

    def broken(*args):
        raise UserError("reference mpsbench.selfcheck.references.layer_harness failed "
                        "(exit 1):\nTraceback")

    monkeypatch.setattr(external, "op_rows", broken)
    findings = external.measure(None, ["cpu"], "spawn", external.ExternalFindings(),
                                only="ops-")
    assert len(findings.rows) == 2 * len(external.OPS)  # torch's and MLX's units, both
    assert {row.unavailable for row in findings.rows} == {
        "reference mpsbench.selfcheck.references.layer_harness failed (exit 1):"}


def test_the_section_shows_the_references_own_aa_where_both_variants_ran_one_procedure():
    from mpsbench.selfcheck import external_report

    found = external_findings()
    assert not external_report.reference_aa(found)  # no forward (inference) row: no A/A
    for batch, written in ((1, 0.0102), (16, 0.0150)):
        found.rows.append(FidelityRow(external.resnet_case("forward-inference", batch), "gpu",
                                      "ResNet table", "cuda", suite=0.011, reference=0.010,
                                      as_written=written))
    assert [round(aa, 3) for _, aa in external_report.reference_aa(found)] == [1.02, 1.5]
    text = "\n".join(external_report.section(found, "mpsbench"))
    assert "gpu, batch 1: 1.020; gpu, batch 16: 1.500; 1 of 2 outside the target" in text
    measured = external_report.summary_row(found)[2]
    assert measured.endswith("; the reference against itself: 1.020 to 1.500")
