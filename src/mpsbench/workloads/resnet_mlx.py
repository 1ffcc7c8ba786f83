"""MLX ResNet-50 phases on one device, each ending in ``mx.eval`` of all it produced.

The steps mirror ``resnet_torch``'s phases: the same seeded images (transposed to
NHWC), the same loss (``mean(|logits|)``) and the same SGD settings. MLX has no
backward-only step (``nn.value_and_grad`` runs the forward pass too), and the train step
also runs under ``mx.compile``. This module imports MLX only inside its functions, so a
torch benchmark process that imports it never loads MLX.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import Any

import numpy as np

from mpsbench.backends import get_backend
from mpsbench.backends.base import Backend
from mpsbench.catalogue import MLX, MLX_RESNET_PHASES
from mpsbench.errors import Unavailable
from mpsbench.inputs import DEFAULT_SEED
from mpsbench.timing import TimedStep, warmed_once
from mpsbench.workloads.resnet_torch import (
    NUM_CLASSES,
    SGD_LEARNING_RATE,
    SGD_MOMENTUM,
    describe,
    images,
)

DISTS = ("mlx",)  # the distributions this workload runs on
PHASES = (*(phase.id for phase in MLX_RESNET_PHASES), "compiled_train_step")


COMPILED_ON_CUDA = (
    "the compiled ResNet-50 train step on MLX's CUDA backend did not finish its first call "
    "in 90 s (H200, mlx 0.32.4; 200 s on an H100, 0.30.6): the wait is in mx.eval, in "
    "MLX's C++ building the compiled graph's kernels, not in Python tracing "
    "(docs/gpu.md, 'The compiled MLX train step'); the eager train step runs"
)


def images_nhwc(batch: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """torch's seeded NCHW images, transposed to MLX's NHWC layout."""
    return np.ascontiguousarray(images(batch, seed).transpose(0, 2, 3, 1))


@cache
def backend_on(device: str) -> Backend:
    """The MLX backend for ``device``, with the peak-memory window opened at first use."""
    backend = get_backend("mlx", device)
    backend.reset_peak_memory()
    return backend


def phase_step(phase: str, device: str, batch: int) -> TimedStep:
    """A cold, evaluated step of a fresh, seeded MLX ResNet-50 on 224x224 images."""
    check_phase(phase)
    backend = backend_on(device)
    if phase == "compiled_train_step" and backend.device == "cuda":
        raise Unavailable(COMPILED_ON_CUDA)
    from mpsbench.models.resnet_mlx import resnet50

    backend.seed(DEFAULT_SEED)
    model = resnet50(NUM_CLASSES)
    x = backend.asarray(images_nhwc(batch))
    return make_step(phase, backend, model, x)


cached_step = warmed_once(phase_step, partial(describe, MLX.label))


def check_phase(phase: str) -> None:
    """Reject an unknown phase, listing the known ones."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}; expected one of {PHASES}")


def make_step(phase: str, backend: Backend, model: Any, x: Any) -> TimedStep:
    """``phase`` of ``model`` on ``x`` as a cold TimedStep."""
    backend.synchronize([model.parameters(), x])  # initialization stays out of the first call
    return TimedStep(backend, step_function(phase, model, x))


def step_function(phase: str, model: Any, x: Any) -> Callable[[], Any]:
    """A callable doing one step of ``phase`` on ``model`` and ``x``.

    Building it sets the model's train/eval mode, so use one model per phase. The
    callable returns every array it produced or updated: outputs, gradients, parameters
    with BatchNorm running statistics, and optimizer state.
    """
    check_phase(phase)
    return _STEP_BUILDERS[phase](model, x)


def _forward_inference(model: Any, x: Any) -> Callable[[], Any]:
    model.eval()
    return lambda: model(x)


def _forward_training(model: Any, x: Any) -> Callable[[], Any]:
    model.train()
    return lambda: (model(x), model.parameters())  # parameters hold the new running stats


def _loss_and_grad(model: Any) -> Callable[[Any], tuple[Any, Any]]:
    """``(loss, grads)`` of ``mean(|model(x)|)`` w.r.t. the trainable parameters."""
    import mlx.core as mx
    import mlx.nn as nn

    model.train()
    return nn.value_and_grad(model, lambda x: mx.abs(model(x)).mean())


def _forward_backward(model: Any, x: Any) -> Callable[[], Any]:
    loss_and_grad = _loss_and_grad(model)

    def run() -> Any:
        loss, grads = loss_and_grad(x)
        return loss, grads, model.parameters()

    return run


def _train_step(model: Any, x: Any, compiled: bool = False) -> Callable[[], Any]:
    """Forward, backward and SGD; compiled with model, optimizer and random state as state."""
    import mlx.core as mx
    import mlx.optimizers as optim

    loss_and_grad = _loss_and_grad(model)
    optimizer = optim.SGD(learning_rate=SGD_LEARNING_RATE, momentum=SGD_MOMENTUM)
    optimizer.init(model.trainable_parameters())

    def step(x: Any) -> tuple[Any, Any]:
        loss, grads = loss_and_grad(x)
        optimizer.update(model, grads)
        return loss, grads

    if compiled:
        state = [model.state, optimizer.state, mx.random.state]
        step = mx.compile(step, inputs=state, outputs=state)

    def run() -> Any:
        loss, grads = step(x)
        return loss, grads, model.parameters(), optimizer.state

    return run


_STEP_BUILDERS: dict[str, Callable[[Any, Any], Callable[[], Any]]] = {
    "forward_inference": _forward_inference,
    "forward_training": _forward_training,
    "forward_backward": _forward_backward,
    "train_step": _train_step,
    "compiled_train_step": lambda model, x: _train_step(model, x, compiled=True),
}
