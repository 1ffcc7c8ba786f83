"""The history's named selection picks exactly the intended points of the default grid,
and the recorder plans, passes over and resumes commits as it says."""

from __future__ import annotations

import itertools
import json

import pytest
from asv_runner.discovery import disc_benchmarks

from mpsbench.history import record, selection

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


def test_a_commit_counts_as_recorded_only_with_its_frameworks_results(tmp_path):
    sha = "0123456789abcdef0123"
    write_result(tmp_path / "m", sha, {"transformer.MLXLinear.time_step": 1.0})
    assert record.recorded(tmp_path, "m", sha, "mlx")
    assert not record.recorded(tmp_path, "m", sha, "torch")
    assert not record.recorded(tmp_path, "other", sha, "mlx")
    (tmp_path / "m" / f"{sha[:8]}-broken.json").write_text("{not json")
    assert record.recorded(tmp_path, "m", sha, "mlx")  # a corrupt file is passed over


def test_the_plan_runs_from_one_tag_to_another_in_date_order(monkeypatch):
    commits = [("a1", "torch-2.5.1"), ("b2", "mlx-0.19.3"), ("c3", "torch-2.6.0"),
               ("d4", "mlx-0.22.1")]
    monkeypatch.setattr(record, "tagged_commits", lambda history: commits)
    assert record.planned(ROOT, ["torch", "mlx"], "mlx-0.19.3", "torch-2.6.0") == \
        commits[1:3]
    assert record.planned(ROOT, ["mlx"], None, None) == [commits[1], commits[3]]


def test_a_failed_benchmark_makes_the_commit_due_again(tmp_path):
    sha = "0123456789abcdef0123"
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / f"{sha[:8]}-env.json").write_text(json.dumps({"results": {
        "transformer.MLXLinear.time_step": [[0.1, float("nan")]],
        "transformer.MLXLinearFirstCall.timeraw_first_call": [[None, float("nan")]]}}))
    assert not record.recorded(tmp_path, "m", sha, "mlx")


def test_a_failed_benchmark_makes_its_commit_due_again(tmp_path):
    sha = "0123456789abcdef0123"
    write_result(tmp_path / "m", sha, {"transformer.MLXLinear.time_step": None,
                                       "transformer.MLXSoftmax.time_step": float("nan")})
    assert not record.recorded(tmp_path, "m", sha, "mlx")  # None: failed
    write_result(tmp_path / "n", sha, {"transformer.MLXSoftmax.time_step": float("nan")})
    assert record.recorded(tmp_path, "n", sha, "mlx")  # NaN: skipped here, not due
