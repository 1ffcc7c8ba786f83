"""torchvision ResNet-50 phases on one device, as synchronized steps."""

from __future__ import annotations

from functools import cache, partial
from typing import Any

from mpsbench.backends import get_backend
from mpsbench.catalogue import RESNET_PHASES, TORCH
from mpsbench.frameworks import require
from mpsbench.inputs import DEFAULT_SEED, normal
from mpsbench.timing import TimedStep, warmed_once

IMAGE_SIZE = 224
NUM_CLASSES = 1000
SGD_LEARNING_RATE = 0.01
SGD_MOMENTUM = 0.9
DISTS = ("torch", "torchvision")  # the distributions this workload runs on
PHASES = tuple(phase.id for phase in RESNET_PHASES)


def build_resnet50(seed: int = DEFAULT_SEED) -> Any:
    """torchvision's resnet50 with seeded random weights (nothing is downloaded)."""
    torch = require("torch")
    models = require("torchvision").models
    torch.manual_seed(seed)
    return models.resnet50(weights=None, num_classes=NUM_CLASSES)


def images(batch: int, seed: int = DEFAULT_SEED):
    """A seeded NCHW float32 batch of 224x224 images, as numpy."""
    return normal((batch, 3, IMAGE_SIZE, IMAGE_SIZE), seed)


@cache
def model_on(device: str) -> tuple[Any, Any]:
    """(backend, model) for ``device``; built once per process, after a peak-memory reset."""
    backend = get_backend("torch", device)
    require("torchvision")
    backend.reset_peak_memory()
    return backend, build_resnet50().to(backend.device)


def phase_step(phase: str, device: str, batch: int) -> TimedStep:
    """A cold synchronized step for one ResNet-50 phase (nothing has run yet)."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}; expected one of {PHASES}")
    backend, model = model_on(device)
    torch = backend.torch
    x = backend.asarray(images(batch))

    if phase == "forward_inference":
        model.eval()

        def run():
            with torch.inference_mode():
                return model(x)

        return TimedStep(backend, run)

    model.train()
    if phase == "forward_training":
        return TimedStep(backend, lambda: model(x))

    def loss():
        model.zero_grad(set_to_none=True)
        return model(x).abs().mean()

    if phase == "backward_training":
        pending: list[Any] = []

        def forward():
            pending[:] = [loss()]
            return pending[0]

        return TimedStep(backend, lambda: pending[0].backward(), prepare=forward)

    if phase == "forward_backward":

        def run():
            value = loss()
            value.backward()
            return value

        return TimedStep(backend, run)

    optimizer = torch.optim.SGD(
        model.parameters(), lr=SGD_LEARNING_RATE, momentum=SGD_MOMENTUM
    )

    def train_step():
        value = loss()
        value.backward()
        optimizer.step()
        return value

    return TimedStep(backend, train_step)


def describe(framework: str, phase: str, device: str, batch: int) -> str:
    """'ResNet-50 torch train_step on gpu, batch 16': a combination, as a skip names it."""
    return f"ResNet-50 {framework} {phase} on {device}, batch {batch}"


cached_step = warmed_once(phase_step, partial(describe, TORCH.label))
