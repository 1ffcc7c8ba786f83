"""torch and MLX compute the same function for every operator, forward and backward."""

import math

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("mlx.core")

import mlx.core as mx  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from mpsbench.ops import mlx_ops, torch_ops  # noqa: E402
from mpsbench.ops.spec import OPS, PHASES, Setting, causal_mask, input_arrays  # noqa: E402
from mpsbench.ops.steps import Point, build_op  # noqa: E402

# Relative error (norm of the difference over the norm of MLX's value) allowed per dtype.
TOLERANCE = {"float32": 1e-5, "float16": 1e-2, "bfloat16": 6e-2}


def run(framework, op, setting, dtype="float32", phase="forward", mode="eager"):
    """Named numpy results of one CPU step."""
    backend, built = build_op(Point(framework, op, "cpu", dtype, mode, phase, setting))
    outputs = built.run()
    backend.synchronize(outputs)
    return built.results(outputs)


def relative_errors(actual, expected):
    """Per result, |a - b| / |b|, with a floor of a tenth of the typical element size.

    The floor keeps a gradient that is zero in exact arithmetic (the key projection's
    bias: softmax ignores a shift shared by all keys) from dividing noise by noise.
    """
    assert actual.keys() == expected.keys()
    typical = max(float(np.sqrt(np.mean(v.astype(np.float64) ** 2))) for v in expected.values())
    errors = {}
    for key, want in expected.items():
        floor = 0.1 * typical * math.sqrt(want.size)
        errors[key] = float(np.linalg.norm(actual[key] - want) / max(np.linalg.norm(want), floor))
    return errors


def assert_parity(actual, expected, tolerance):
    bad = {k: e for k, e in relative_errors(actual, expected).items() if not e <= tolerance}
    assert not bad, f"relative errors above {tolerance}: {bad}"


def settings(name, dtype):
    """Small grid points: in float32, heads 1 and 4 and masks none and causal where they
    apply; in the half dtypes, the one with the most going on."""
    spec = OPS[name]
    heads = (1, 4) if spec.uses_heads else (1,)
    masks = (False, True) if spec.uses_mask else (False,)
    if dtype != "float32":
        heads, masks = heads[-1:], masks[-1:]
    for h in heads:
        for causal in masks:
            yield Setting(batch=2, seq=8, dim=32, heads=h, causal=causal)


CASES = [pytest.param(name, s, dtype, id=f"{name}-h{s.heads}{'-causal' * s.causal}-{dtype}")
         for dtype in TOLERANCE for name in OPS for s in settings(name, dtype)]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize(("op", "setting", "dtype"), CASES)
def test_parity(op, setting, dtype, phase):
    expected = run("mlx", op, setting, dtype, phase)
    actual = run("torch", op, setting, dtype, phase)
    spec = OPS[op]
    names = {"output"}
    if phase == "forward_backward":
        names |= {f"input.{n}" for n in spec.inputs(setting)}
        names |= {f"weight.{n}" for n in spec.weights(setting)}
    assert set(expected) == names
    assert_parity(actual, expected, TOLERANCE[dtype])


def reference_attention(q, k, v, allowed):
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    scores = np.where(allowed, scores, -np.inf)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    return weights / weights.sum(-1, keepdims=True) @ v


def test_causal_sdpa_with_fewer_queries_than_keys():
    """Both frameworks align the mask lower-right; torch's is_causal alone would not."""
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 4, n, 16), dtype=np.float32) for n in (3, 7, 7))
    expected = reference_attention(q, k, v, causal_mask(3, 7))
    got_torch = torch_ops.sdpa(*map(torch.from_numpy, (q, k, v)), causal=True).numpy()
    got_mlx = np.array(mlx_ops.sdpa(*map(mx.array, (q, k, v)), causal=True))
    np.testing.assert_allclose(got_torch, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_mlx, expected, rtol=1e-5, atol=1e-5)
    upper_left = F.scaled_dot_product_attention(*map(torch.from_numpy, (q, k, v)), is_causal=True)
    assert not np.allclose(upper_left.numpy(), expected, atol=1e-3)


MASKED = [name for name, spec in OPS.items() if spec.uses_mask]


@pytest.mark.parametrize("framework", ["torch", "mlx"])
@pytest.mark.parametrize("op", MASKED)
def test_causal_mask_is_applied(framework, op, monkeypatch):
    """With the mask, the first position ignores a change to the last; without, it does not."""
    module = torch_ops if framework == "torch" else mlx_ops
    original = module.input_arrays

    def last_position_changed(spec, setting):
        arrays = original(spec, setting)
        # Negated, not shifted: a layer norm would erase a shift shared by all features.
        if op == "sdpa":  # (batch, heads, seq, head_dim): the last key and value
            arrays["k"][:, :, -1] *= -1
            arrays["v"][:, :, -1] *= -1
        else:  # (batch, seq, dim): the last token (of x; a decoder's memory is unmasked)
            arrays["x"][:, -1] *= -1
        return arrays

    def first_position(causal, perturbed):
        if perturbed:
            monkeypatch.setattr(module, "input_arrays", last_position_changed)
        setting = Setting(batch=2, seq=8, dim=32, heads=4, causal=causal)
        output = run(framework, op, setting)["output"]
        monkeypatch.setattr(module, "input_arrays", original)
        return output[:, :, 0] if op == "sdpa" else output[:, 0]

    np.testing.assert_allclose(first_position(True, True), first_position(True, False),
                               rtol=1e-5, atol=1e-5)
    assert not np.allclose(first_position(False, True), first_position(False, False), atol=1e-3)


@pytest.mark.parametrize("framework", ["torch", "mlx"])
def test_both_gelu_variants_match_their_formulas(framework):
    setting = Setting(batch=2, seq=8, dim=32)
    x = input_arrays(OPS["gelu"], setting)["x"].astype(np.float64)
    exact = 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    tanh = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    assert np.abs(exact - tanh).max() > 1e-4  # the variants are distinguishable here
    np.testing.assert_allclose(run(framework, "gelu", setting)["output"], exact, atol=1e-6)
    np.testing.assert_allclose(run(framework, "gelu_tanh", setting)["output"], tanh, atol=1e-6)


def test_float16_softmax_matches_torch_and_a_float64_reference():
    """MLX's precise softmax against torch's in float16, over the last axis."""
    setting = Setting(batch=2, seq=8, dim=512)
    x = 4 * input_arrays(OPS["softmax"], setting)["x"]
    reference = np.exp(x - x.max(-1, keepdims=True))
    reference /= reference.sum(-1, keepdims=True)
    got_torch = torch.softmax(torch.from_numpy(x).half(), dim=-1).float().numpy()
    got_mlx = np.array(mlx_ops.MODULES["softmax"](setting)[1](None, mx.array(x).astype(mx.float16))
                       .astype(mx.float32))
    for got in (got_torch, got_mlx):
        np.testing.assert_allclose(got, reference, rtol=1e-2, atol=2e-4)
        np.testing.assert_allclose(got.sum(-1), 1.0, atol=5e-3)
    np.testing.assert_allclose(got_mlx, got_torch, rtol=1e-2, atol=2e-4)


@pytest.mark.parametrize(("op", "phase"), [("linear", "forward"),
                                           ("encoder_layer", "forward_backward")])
def test_torch_compiled_matches_eager(op, phase, monkeypatch):
    """The compiled path, through dynamo and AOTAutograd without a C++ build."""
    monkeypatch.setattr(torch_ops, "COMPILE_BACKEND", "aot_eager")
    setting = Setting(batch=2, seq=8, dim=32, heads=4, causal=True)
    assert_parity(run("torch", op, setting, phase=phase, mode="compiled"),
                  run("torch", op, setting, phase=phase), 1e-5)


@pytest.mark.parametrize("phase", PHASES)
def test_mlx_compiled_matches_eager(phase):
    """Weights enter the compiled vjp as inputs; Linear needs no C++ build (a layer would
    cost a cold ``mx.compile`` tens of seconds on Linux)."""
    setting = Setting(batch=2, seq=8, dim=32)
    assert_parity(run("mlx", "linear", setting, phase=phase, mode="compiled"),
                  run("mlx", "linear", setting, phase=phase), 1e-5)


def test_torch_weights_fill_every_parameter():
    setting = Setting(batch=1, seq=4, dim=8, heads=2)
    assert torch_ops.torch_location("attention.key_proj.bias", 8) == (
        "self_attn.in_proj_bias", slice(8, 16))
    module = torch_ops.MODULES["decoder_layer"](setting)
    with pytest.raises(ValueError, match="do not fill"):
        torch_ops.load_weights(module, {}, setting.dim)


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("op", ["sdpa", "mha", "encoder_layer", "decoder_layer"])
def test_the_additive_mask_of_old_mlx_releases_computes_the_string_masks_function(
        op, dtype, phase, monkeypatch):
    """Before mlx 0.24 the ops pass an additive causal mask where the string is refused:
    the same function as ``"causal"`` (and so, by test_parity, as torch's)."""
    setting = Setting(batch=2, seq=8, dim=32, heads=4, causal=True)
    with_string = run("mlx", op, setting, dtype, phase)
    monkeypatch.setattr(mlx_ops, "mlx_takes_string_mask", lambda: False)
    with_array = run("mlx", op, setting, dtype, phase)
    assert_parity(with_array, with_string, TOLERANCE[dtype])
    assert mlx_ops.causal_mask(8, mx.float16).dtype == mx.float16  # the inputs' dtype
