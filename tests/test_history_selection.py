"""The history's named selection picks exactly the intended points of the default grid,
and the recorder tells a value, a skip, a failure and what is due apart."""

from __future__ import annotations

import itertools
import re

import pytest
from asv_runner.discovery import disc_benchmarks

from mpsbench.errors import UserError
from mpsbench.history import ledger, record, selection

from .conftest import ROOT


def discovered_points() -> list[str]:
    """Every ``name(params)`` asv's --bench sees in the default grid."""
    points = []
    for benchmark in disc_benchmarks(str(ROOT / "benchmarks")):
        params = [[repr(value) for value in axis] for axis in benchmark._params]
        points += ([f"{benchmark.name}({', '.join(combo)})"
                    for combo in itertools.product(*params)] if params else [benchmark.name])
    return points


@pytest.fixture(scope="module")
def points() -> list[str]:
    return discovered_points()


def test_torch_selection_is_resnet_and_six_ops_on_the_cpu(points):
    chosen = [p for p in points if selection.selects("torch", p)]
    assert len(chosen) == 2 * 2 + 6 * 2  # ResNet phases x batches; ops x phases
    assert "resnet50.TorchTrainStep.time_step('cpu', 4)" in chosen
    assert ("transformer.TorchSDPA.time_step('cpu', 'float16', 'eager', 'forward_backward', "
            "1, 128, 8, 'causal')") in chosen
    assert all("'cpu'" in p and "MLX" not in p and "'compiled'" not in p for p in chosen)


def test_mlx_selection_adds_the_compiled_first_call(points):
    chosen = [p for p in points if selection.selects("mlx", p)]
    assert len(chosen) == 2 + 6 * 2 + 1
    assert [p for p in chosen if "FirstCall" in p] == [
        "transformer.MLXTransformerEncoderLayerFirstCall.timeraw_first_call('cpu', "
        "'float16', 'compiled', 'forward', 1, 128, 8, 'causal')"]
    assert not any("Torch" in p or "resnet50.MLXTrainStep.time_step('cpu', 4)" in p
                   for p in chosen)


def test_linears_gpu_point_is_not_in_the_history(points):
    assert not any(selection.selects(fw, p, selection.DEVICE_CHOICES["both"])
                   for fw in ("torch", "mlx") for p in points if ", 64, 512" in p)


@pytest.mark.parametrize("framework", ["torch", "mlx"])
def test_the_gpu_selection_is_the_cpu_selection_on_the_gpu(points, framework):
    on = {device: [p for p in points if selection.selects(framework, p, (device,))]
          for device in ("cpu", "gpu")}
    assert on["gpu"] == [p.replace("('cpu'", "('gpu'") for p in on["cpu"]]
    both = [p for p in points if selection.selects(framework, p, ("cpu", "gpu"))]
    assert sorted(both) == sorted(on["cpu"] + on["gpu"])


def test_both_devices_are_the_default_only_where_a_gpu_exists(monkeypatch):
    monkeypatch.setattr(selection, "gpu_hardware_present", lambda: True)
    assert selection.default_devices() == ("cpu", "gpu")
    monkeypatch.setattr(selection, "gpu_hardware_present", lambda: False)
    assert selection.default_devices() == ("cpu",)


def test_the_selection_command_says_its_devices(monkeypatch, capsys):
    from mpsbench import cli

    monkeypatch.setattr(selection, "gpu_hardware_present", lambda: True)
    assert cli.main(["history", "selection", "--framework", "torch"]) in (0, None)
    out, err = capsys.readouterr()
    assert "'(cpu|gpu)'" in out and "selection on cpu and gpu (this machine has a GPU)" in err
    cli.main(["history", "selection", "--framework", "mlx", "--device", "cpu"])
    out, err = capsys.readouterr()
    assert "'(cpu)'" in out and "gpu" not in out and err == "selection on cpu\n"


def write_result(folder, sha: str, values: dict[str, float | None]) -> None:
    """asv's results file for ``sha`` (asv's own classes): each benchmark one value."""
    from asv import results as asv_results
    from asv import runner

    folder.mkdir(parents=True, exist_ok=True)
    result = asv_results.Results({"machine": folder.name}, {}, sha, 0, "3.11", "virtualenv-py3.11",
                                 {})
    for name, value in values.items():
        result.add_result({"name": name, "params": [], "version": "1"}, runner.BenchmarkResult(
            result=[value], samples=[None], number=[None], errcode=0, stderr="", profile=None))
    result.save(str(folder.parent))


def test_stored_statuses_name_each_combination_as_asv_selects_it(tmp_path):
    sha = "0123456789abcdef0123"
    write_result(tmp_path / "m", sha, {"transformer.MLXLinear.time_step": 1.0,
                                       "transformer.MLXSoftmax.time_step": float("nan"),
                                       "transformer.MLXSDPA.time_step": None})
    (tmp_path / "m" / f"{sha[:8]}-broken.json").write_text("{not json")  # passed over
    assert record.stored_statuses(tmp_path, "m", sha) == {
        "transformer.MLXLinear.time_step": "measured",
        "transformer.MLXSoftmax.time_step": "skipped",
        "transformer.MLXSDPA.time_step": "failed"}
    assert record.stored_statuses(tmp_path, "other", sha) == {}


CHOSEN = record.Selection(("a(1)", "a(2)", "a(3)", "b(1)", "b(2)"), {"a(3)": "no GPU here"},
                          frozenset({"a", "b"}))


def test_a_nan_is_a_skip_only_where_it_was_asked_for_or_a_rule_skipped_it_up_front():
    stored = {"a(1)": "measured", "a(2)": "skipped", "a(3)": "skipped", "b(1)": "failed"}
    state = record.commit_state(stored, CHOSEN, None)
    assert state.values == ["a(1)"]
    assert state.skipped == {}
    assert state.failed == {"b(1)": record.NO_REASON}
    assert state.unasked == ["a(2)", "a(3)", "b(2)"]  # NaN that a narrower run left, too
    asked = ledger.CommitRecord("mlx-0.1.0", asked={"a(2)", "b(2)"},
                                skipped={"a(2)": "mlx 0.1.0 lacks it"},
                                failed={"b(2)": "asv recorded nothing"})
    assert record.rule_out(asked, ["a(3)", "b(1)"], CHOSEN) == ["b(1)"]
    assert asked.ruled_out == {"a(3)": "no GPU here"}
    state = record.commit_state(stored, CHOSEN, asked)
    assert state.skipped == {"a(2)": "mlx 0.1.0 lacks it", "a(3)": "no GPU here"}
    assert state.failed == {"b(1)": record.NO_REASON, "b(2)": "asv recorded nothing"}
    assert state.due(retry_failed=False) == []
    assert state.due(retry_failed=True) == ["b(1)", "b(2)"]


def test_a_rule_that_now_skips_a_stored_failure_replaces_it():
    entry = ledger.CommitRecord("mlx-0.1.0", asked={"a(3)"}, failed={"a(3)": "TypeError: x"})
    assert record.rule_out(entry, ["a(3)"], CHOSEN) == []
    assert entry.failed == {} and entry.ruled_out == {"a(3)": "no GPU here"}
    assert record.commit_state({}, CHOSEN, entry).skipped == {"a(3)": "no GPU here"}


def test_the_exact_regex_selects_only_the_combinations_named():
    combos = ["transformer.TorchSDPA.time_step('cpu', 'float16', 'eager', 'forward', 1, 128, "
              "8, 'causal')", "resnet50.TorchTrainStep.time_step('cpu', 1)"]
    regex = record.exact_regex(combos)
    assert all(re.search(regex, combo) for combo in combos)
    assert not re.search(regex, "resnet50.TorchTrainStep.time_step('cpu', 16)")
    assert not re.search(regex, "resnet50.TorchTrainStep.time_step('cpu', 1)x")


ASV_OUTPUT = """\
[100.00%] ··· ...ome_fixture.OutcomeProbe.track_outcome              1/3 failed
[100.00%] ··· ======= ========
              For parameters: 'skip'
              asv: skipped: NotImplementedError('this case skips here, by design')

              For parameters: 'fail'
              Traceback (most recent call last):
                File "x.py", line 18, in track_outcome
              RuntimeError: this case fails, by design
              asv: benchmark failed (exit status 1)
"""


def test_reasons_are_read_per_combination_from_asvs_output():
    assert ledger.reasons_in_output(ASV_OUTPUT, {"outcome_fixture.OutcomeProbe.track_outcome"}) \
        == {"outcome_fixture.OutcomeProbe.track_outcome('skip')":
            "this case skips here, by design",
            "outcome_fixture.OutcomeProbe.track_outcome('fail')":
            "RuntimeError: this case fails, by design"}


def test_the_ledger_round_trips_and_a_bad_one_is_one_clear_error(tmp_path):
    book = {"abc": ledger.CommitRecord("mlx-0.1.0", {"a(1)"}, {"a(1)": "why"}, {},
                                       {"b(1)": "no GPU here"})}
    ledger.write_ledger(tmp_path, "m", book)
    assert ledger.read_ledger(tmp_path, "m") == book
    ledger.ledger_path(tmp_path, "m").write_text("[1]")
    with pytest.raises(UserError, match="history.ledger is unreadable"):
        ledger.read_ledger(tmp_path, "m")


def test_the_plan_runs_from_one_tag_to_another_in_date_order(monkeypatch):
    commits = [("a1", "torch-2.5.1"), ("b2", "mlx-0.19.3"), ("c3", "torch-2.6.0"),
               ("d4", "mlx-0.22.1")]
    monkeypatch.setattr(record, "tagged_commits", lambda history: commits)
    assert record.planned(ROOT, ["torch", "mlx"], "mlx-0.19.3", "torch-2.6.0") == \
        commits[1:3]
    assert record.planned(ROOT, ["mlx"], None, None) == [commits[1], commits[3]]
