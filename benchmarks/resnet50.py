"""ResNet-50 (224x224) in torch (torchvision) and MLX, one class per phase.

Names are ``resnet50.<Framework><Phase>.<metric>`` so that ``--bench`` can pick a
framework (``--bench 'resnet50\\.Torch'``, ``--bench 'resnet50\\.MLX'``) after a release
of only that framework; ``<Framework>PeakMemory`` and ``<Framework>FirstCall`` hold the
per-phase memory and first-call metrics. The workload modules import their framework
lazily, so a torch process never loads MLX and an MLX process never loads torch.
"""

from types import ModuleType

from mpsbench import apigaps
from mpsbench.catalogue import MLX, RESNET50, TORCH
from mpsbench.firstcall import first_call_source, release_reason, resnet_cpu_reason
from mpsbench.grids import RESNET_BATCHES, resnet_reference_cpu_reason
from mpsbench.workloads import resnet_mlx, resnet_torch

from .common import (
    DEVICES,
    ColdStartTiming,
    StepTiming,
    skip_for,
    skip_torch_cpu_memory,
    skip_unless_gpu_ready,
)

BATCHES = list(RESNET_BATCHES)


class _Phase(StepTiming):
    """One ResNet-50 phase of ``workload``; subclasses name the workload and the phase.

    Version 2: every process pins the C allocator (``mpsbench.allocator``); version 1's
    CPU times depended on what the process had allocated before (up to 1.9x).
    """

    version = 2
    framework: str
    workload: ModuleType
    phase: str
    params = (DEVICES, BATCHES)
    param_names = ["device", "batch"]

    def setup(self, device: str, batch: int) -> None:
        skip_for(apigaps.reason(self.framework, RESNET50.module, device))
        skip_unless_gpu_ready(self.framework, device)
        self.step = self.workload.cached_step(self.phase, device, batch)
        self.step.prepare()

    def time_step(self, device: str, batch: int) -> None:
        """Seconds per synchronized (torch) or evaluated (MLX) step, warmed up."""
        self.step()


class _TorchPhase(_Phase):
    framework = TORCH.id
    workload = resnet_torch


class TorchForwardInference(_TorchPhase):
    phase = "forward_inference"


class TorchForwardTraining(_TorchPhase):
    phase = "forward_training"


class TorchBackwardTraining(_TorchPhase):
    """``loss.backward()`` alone, as in the original script; the forward pass runs in setup."""

    phase = "backward_training"


class TorchForwardBackward(_TorchPhase):
    phase = "forward_backward"


class TorchTrainStep(_TorchPhase):
    """Forward, backward and an SGD (momentum 0.9) step."""

    phase = "train_step"


def skip_reference_cpu(device: str, batch: int) -> None:
    """Skip MLX batches above 1 on Linux's reference-BLAS CPU unless the full grid is on."""
    skip_for(resnet_reference_cpu_reason(device, batch))


class _MLXPhase(_Phase):
    framework = MLX.id
    workload = resnet_mlx

    def setup(self, device: str, batch: int) -> None:
        skip_reference_cpu(device, batch)
        super().setup(device, batch)


class MLXForwardInference(_MLXPhase):
    phase = "forward_inference"


class MLXForwardTraining(_MLXPhase):
    """Train-mode forward; the updated BatchNorm running statistics are evaluated too."""

    phase = "forward_training"


class MLXForwardBackward(_MLXPhase):
    """``nn.value_and_grad``: loss and gradients (MLX has no backward-only step)."""

    phase = "forward_backward"


class MLXTrainStep(_MLXPhase):
    """Forward, backward and an SGD (momentum 0.9) step, eager."""

    phase = "train_step"


class MLXCompiledTrainStep(_MLXPhase):
    """The train step under ``mx.compile``; its first call includes the compilation."""

    phase = "compiled_train_step"


class _PerPhase:
    """A metric over (phase, device, batch) of ``workload``."""

    version = 1
    framework: str
    workload: ModuleType
    param_names = ["phase", "device", "batch"]

    def skip(self, device: str, batch: int) -> None:
        """Raise ``Unavailable`` for a combination that cannot run here."""
        skip_for(apigaps.reason(self.framework, RESNET50.module, device))
        skip_unless_gpu_ready(self.framework, device)


class _MLXPerPhase(_PerPhase):
    framework = MLX.id
    workload = resnet_mlx
    params = (list(resnet_mlx.PHASES), DEVICES, BATCHES)

    def skip(self, device: str, batch: int) -> None:
        skip_reference_cpu(device, batch)
        super().skip(device, batch)


class _TorchPerPhase(_PerPhase):
    framework = TORCH.id
    workload = resnet_torch
    params = (list(resnet_torch.PHASES), DEVICES, BATCHES)


class _PeakMemory(_PerPhase):
    """Peak device memory of one warmed-up step of a phase, in bytes (``TimedStep.peak_memory``).

    Version 2: version 1 was the process's peak from its start, first call included.
    """

    version = 2
    timeout = 900

    def setup(self, phase: str, device: str, batch: int) -> None:
        skip_torch_cpu_memory(self.framework, device)
        self.skip(device, batch)
        self.step = self.workload.cached_step(phase, device, batch)

    def track_peak_memory(self, phase: str, device: str, batch: int) -> int:
        return self.step.peak_memory()

    track_peak_memory.unit = "bytes"


class TorchPeakMemory(_TorchPerPhase, _PeakMemory):
    pass


class MLXPeakMemory(_MLXPerPhase, _PeakMemory):
    """MLX counts its own allocations, on the CPU too."""


class _FirstCall(_PerPhase, ColdStartTiming):
    """The first step of a phase in a fresh interpreter (MPS graph builds, compiling).

    Version 2: the interpreter pins the C allocator first, as every benchmark process does.
    """

    version = 2

    def setup(self, phase: str, device: str, batch: int) -> None:
        self.skip(device, batch)

    def skip(self, device: str, batch: int) -> None:
        skip_for(resnet_cpu_reason(device))
        skip_for(release_reason(*self.workload.DISTS))
        super().skip(device, batch)

    def timeraw_first_call(self, phase: str, device: str, batch: int) -> tuple[str, str]:
        """Seconds of the first step after a fresh interpreter has built the model."""
        return first_call_source(f"{self.workload.__name__}:phase_step", phase, device, batch)


class TorchFirstCall(_TorchPerPhase, _FirstCall):
    pass


class MLXFirstCall(_MLXPerPhase, _FirstCall):
    pass
