"""The ResNet-50 asv benchmarks: skips, synchronization, and what each phase computes."""

from __future__ import annotations

import pytest

from benchmarks import resnet50
from mpsbench import hardware
from mpsbench.workloads import resnet_torch

TORCH_PHASE_CLASSES = [resnet50.TorchForwardInference, resnet50.TorchForwardTraining,
                       resnet50.TorchBackwardTraining, resnet50.TorchForwardBackward,
                       resnet50.TorchTrainStep]


def test_every_phase_has_a_class_and_a_version():
    assert sorted(c.phase for c in TORCH_PHASE_CLASSES) == sorted(resnet_torch.PHASES)
    assert all(isinstance(c.version, int) for c in TORCH_PHASE_CLASSES)


def test_gpu_without_hardware_skips_with_reason(monkeypatch):
    monkeypatch.setattr(hardware, "apple_silicon", lambda: False)
    monkeypatch.setattr(hardware, "nvidia_device_present", lambda: False)
    with pytest.raises(NotImplementedError, match="no GPU hardware"):
        resnet50.TorchTrainStep().setup("gpu", 1)


def test_gpu_hardware_without_a_torch_gpu_skips_with_torch_reason(monkeypatch):
    import torch

    monkeypatch.setattr(hardware, "nvidia_device_present", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(NotImplementedError, match="no GPU for torch"):
        resnet50.TorchForwardInference().setup("gpu", 1)


def test_cpu_peak_memory_skips_with_reason():
    with pytest.raises(NotImplementedError, match="no device-memory counter"):
        resnet50.TorchPeakMemory().setup("train_step", "cpu", 1)


@pytest.mark.parametrize("cls", TORCH_PHASE_CLASSES, ids=lambda c: c.__name__)
def test_each_timed_step_synchronizes(cls, sync_calls):
    bench = cls()
    bench.setup("cpu", 1)
    sync_calls.clear()
    bench.time_step("cpu", 1)
    assert sync_calls == ["torch"]


def test_first_call_on_the_cpu_is_left_to_the_full_grid(monkeypatch):
    monkeypatch.delenv("MPSBENCH_GRID", raising=False)
    with pytest.raises(NotImplementedError, match="MPSBENCH_GRID=full"):
        resnet50.TorchFirstCall().setup("train_step", "cpu", 1)
    monkeypatch.setenv("MPSBENCH_GRID", "full")
    bench = resnet50.TorchFirstCall()
    assert bench.setup("train_step", "cpu", 1) is None  # no skip: the full grid runs it
    _, setup = bench.timeraw_first_call("train_step", "cpu", 1)
    assert "resnet_torch:phase_step" in setup and "'train_step'" in setup


def test_first_call_source_builds_a_cold_step_of_the_phase():
    from mpsbench.firstcall import cold_step

    stmt, setup = resnet50.TorchFirstCall().timeraw_first_call("train_step", "cpu", 1)
    namespace: dict = {}
    exec(setup, namespace)  # what asv's fresh interpreter runs, untimed
    step = namespace["step"]
    assert stmt == "step()" and namespace["cold_step"] is cold_step
    _, model = resnet_torch.model_on("cpu")
    before = model.fc.weight.detach().clone()
    assert step.last_seconds == 0.0 and model.fc.weight.detach().equal(before)  # cold
    step()
    assert not model.fc.weight.detach().equal(before)  # the timed call is a train step


def test_backward_phase_times_backward_only():
    step = resnet_torch.cached_step("backward_training", "cpu", 1)
    _, model = resnet_torch.model_on("cpu")
    step.prepare()
    assert all(p.grad is None for p in model.parameters())  # forward done, no grads yet
    step()
    assert all(p.grad is not None for p in model.parameters())


def test_train_step_changes_the_weights():
    step = resnet_torch.phase_step("train_step", "cpu", 1)
    _, model = resnet_torch.model_on("cpu")
    before = model.fc.weight.detach().clone()
    step()
    assert not model.fc.weight.detach().equal(before)


def test_unknown_phase_is_rejected():
    with pytest.raises(ValueError, match="unknown phase"):
        resnet_torch.phase_step("inference", "cpu", 1)
