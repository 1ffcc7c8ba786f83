"""torchvision's ResNet and the MLX ResNet compute the same function (float32, CPU).

torchvision's model gets seeded random weights and randomized BatchNorm statistics, is
converted with ``load_torch_state_dict``, and both run the benchmarked steps on the same
seeded images. Errors are relative to the largest magnitude (``relative_error``).

Gradients of a random ResNet in train mode are sensitive in float32: an activation that
lands within rounding of a ReLU's kink flips its gradient, and train-mode BatchNorm
cancels much of the rest. torch's own float32 step then differs from its float64 step
by ~3e-3 on some weights. So an SGD step is checked against torch in float64: MLX must
land about as close to it as torch's float32 step does.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")
mx = pytest.importorskip("mlx.core")

from mlx.utils import tree_flatten  # noqa: E402

from mpsbench.backends import get_backend  # noqa: E402
from mpsbench.models.convert import load_torch_state_dict  # noqa: E402
from mpsbench.models.resnet_mlx import ResNet, resnet50  # noqa: E402
from mpsbench.workloads import resnet_mlx, resnet_torch  # noqa: E402

RESNET50_PARAMETERS = 25_557_032
TOLERANCE = 1e-4


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """max |actual - expected| / max |expected|."""
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


def randomize_batchnorm(model, seed: int = 1) -> None:
    """Give every BatchNorm non-trivial affine parameters and running statistics."""
    generator = torch.Generator().manual_seed(seed)

    def uniform(size: int, low: float, high: float):
        return torch.rand(size, generator=generator) * (high - low) + low

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                size = module.num_features
                module.weight.copy_(uniform(size, 0.5, 1.5))
                module.bias.copy_(uniform(size, -0.2, 0.2))
                module.running_mean.copy_(uniform(size, -0.2, 0.2))
                module.running_var.copy_(uniform(size, 0.5, 2.0))
                module.num_batches_tracked.fill_(7)


def mlx_copy(torch_model, model: ResNet | None = None) -> ResNet:
    """An MLX ResNet (ResNet-50 unless given) holding ``torch_model``'s weights."""
    return load_torch_state_dict(model or resnet50(), torch_model.state_dict())


def torch_layout(model: ResNet) -> dict[str, np.ndarray]:
    """The MLX model's parameters as numpy, conv weights back in torch's OIHW."""
    return {
        key: np.array(array).transpose(0, 3, 1, 2) if array.ndim == 4 else np.array(array)
        for key, array in tree_flatten(model.parameters())
    }


def torch_sgd_steps(model, nchw: np.ndarray, steps: int, dtype) -> dict[str, np.ndarray]:
    """``steps`` of torch's benchmarked train step on a copy of ``model`` in ``dtype``."""
    model = copy.deepcopy(model).to(dtype).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=resnet_torch.SGD_LEARNING_RATE,
                                momentum=resnet_torch.SGD_MOMENTUM)
    x = torch.from_numpy(nchw).to(dtype)
    for _ in range(steps):
        model.zero_grad(set_to_none=True)
        model(x).abs().mean().backward()
        optimizer.step()
    return {key: value.numpy() for key, value in model.state_dict().items()}


FLOAT32_FLOOR = 5e-5  # float32 rounding over two SGD steps of a deep net


def assert_as_close_to_float64_as_torch(mlx_state, torch32, torch64, keys) -> None:
    """MLX's worst relative error against float64 is at most twice torch float32's, or
    float32's own floor: torch's error depends on its thread count (1 thread read 1.4e-6,
    MLX 1.5e-5), a broken step is off by 1e-2 and more."""
    def worst(state):
        return max((relative_error(state[key], torch64[key]), key) for key in keys)

    (mlx_error, mlx_key), (torch_error, torch_key) = worst(mlx_state), worst(torch32)
    assert mlx_error <= max(2 * torch_error, FLOAT32_FLOOR), (
        f"MLX is {mlx_error:.2e} from float64 ({mlx_key}); torch float32 is "
        f"{torch_error:.2e} ({torch_key})"
    )


@pytest.fixture(scope="module")
def torch_model():
    model = resnet_torch.build_resnet50()
    randomize_batchnorm(model)
    return model


def test_parameter_count_matches_torchvision(torch_model):
    torch_count = sum(p.numel() for p in torch_model.parameters() if p.requires_grad)
    mlx_count = sum(a.size for _, a in tree_flatten(mlx_copy(torch_model).trainable_parameters()))
    assert torch_count == mlx_count == RESNET50_PARAMETERS


def test_eval_outputs_match(torch_model):
    """Three random 224x224 images, BatchNorm on its (randomized) running statistics."""
    nchw = resnet_torch.images(3, seed=2)
    with torch.no_grad():
        expected = torch_model.eval()(torch.from_numpy(nchw)).numpy()
    x = mx.array(resnet_mlx.images_nhwc(3, seed=2))
    actual = np.array(resnet_mlx.step_function("forward_inference", mlx_copy(torch_model), x)())
    assert actual.shape == expected.shape == (3, 1000)
    assert relative_error(actual, expected) < TOLERANCE


def test_train_mode_forward_matches_with_its_running_statistics(torch_model):
    """Train-mode logits, and the running statistics that forward pass updates."""
    model = mlx_copy(torch_model)
    reference = copy.deepcopy(torch_model).train()
    with torch.no_grad():
        expected = reference(torch.from_numpy(resnet_torch.images(1, seed=3))).numpy()
    x = mx.array(resnet_mlx.images_nhwc(1, seed=3))
    logits, _ = resnet_mlx.step_function("forward_training", model, x)()
    assert relative_error(np.array(logits), expected) < TOLERANCE

    state, mlx_state = reference.state_dict(), torch_layout(model)
    stats = [key for key in mlx_state if key.endswith(("running_mean", "running_var"))]
    assert len(stats) == 2 * 53
    for key in stats:
        assert relative_error(mlx_state[key], state[key].numpy()) < TOLERANCE, key


def test_sgd_step_gives_the_same_parameters(torch_model):
    """One train step (train-mode forward, backward, SGD with momentum) on one image.

    112x112 rather than 224x224 keeps the three training passes short; the network is
    the same function at any size (its pooling is a mean over H and W).
    """
    nchw = np.ascontiguousarray(resnet_torch.images(1, seed=4)[:, :, :112, :112])
    torch32 = torch_sgd_steps(torch_model, nchw, 1, torch.float32)
    torch64 = torch_sgd_steps(torch_model, nchw, 1, torch.float64)
    model = mlx_copy(torch_model)
    x = mx.array(np.ascontiguousarray(nchw.transpose(0, 2, 3, 1)))
    resnet_mlx.step_function("train_step", model, x)()
    mlx_state = torch_layout(model)

    keys = [key for key, _ in torch_model.named_parameters()]
    assert_as_close_to_float64_as_torch(mlx_state, torch32, torch64, keys)
    worst = max((relative_error(mlx_state[key], torch32[key]), key) for key in keys)
    assert worst[0] < 1e-2, worst


def test_two_timed_train_steps_match_torch_on_a_small_resnet():
    """The benchmark's TimedStep (first call and warm-up: two steps, so momentum acts)."""
    torch.manual_seed(0)
    tiny = torchvision.models.resnet.ResNet(torchvision.models.resnet.Bottleneck, [1, 1, 1, 1],
                                            num_classes=10)
    randomize_batchnorm(tiny)
    nchw = np.ascontiguousarray(resnet_torch.images(2, seed=5)[:, :, :64, :64])
    torch32 = torch_sgd_steps(tiny, nchw, 2, torch.float32)
    torch64 = torch_sgd_steps(tiny, nchw, 2, torch.float64)
    model = mlx_copy(tiny, ResNet((1, 1, 1, 1), num_classes=10))
    backend = get_backend("mlx", "cpu")
    x = backend.asarray(np.ascontiguousarray(nchw.transpose(0, 2, 3, 1)))
    resnet_mlx.make_step("train_step", backend, model, x).warmed_up(calls=2)
    mlx_state = torch_layout(model)

    assert_as_close_to_float64_as_torch(mlx_state, torch32, torch64, list(mlx_state))
    for key in mlx_state:
        assert relative_error(mlx_state[key], torch32[key]) < 1e-3, key
