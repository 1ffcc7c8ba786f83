"""The framework-free parts of the transformer ops: spec, grid and cool-down."""

import numpy as np
import pytest

from mpsbench import cooldown, grids
from mpsbench.ops.spec import OPS, Setting, causal_mask, get_op, input_arrays, weight_arrays


def test_causal_mask_is_lower_right_aligned():
    square = causal_mask(3, 3)
    assert (square == np.tril(np.ones((3, 3), bool))).all()
    wide = causal_mask(2, 4)  # two new queries after two cached keys
    assert wide.tolist() == [[True, True, True, False], [True, True, True, True]]


@pytest.mark.parametrize("name", sorted(OPS))
def test_data_is_seeded_and_shaped_by_the_spec(name):
    spec, setting = get_op(name), Setting(2, 8, 32, heads=4)
    inputs, weights = input_arrays(spec, setting), weight_arrays(spec, setting)
    assert {k: v.shape for k, v in inputs.items()} == spec.inputs(setting)
    assert {k: v.shape for k, v in weights.items()} == spec.weights(setting)
    again = input_arrays(spec, setting) | weight_arrays(spec, setting)
    for key, value in (inputs | weights).items():
        assert value.dtype == np.float32
        np.testing.assert_array_equal(value, again[key])


def test_inputs_differ_between_names():
    q, k, v = input_arrays(get_op("sdpa"), Setting(1, 4, 8, heads=2)).values()
    assert not np.allclose(q, k) and not np.allclose(k, v)


def test_flops():
    setting = Setting(batch=2, seq=8, dim=32, heads=4)
    linear = 2 * 2 * 8 * 32 * 32
    assert get_op("linear").flops(setting, "forward") == linear
    assert get_op("linear").flops(setting, "forward_backward") == 3 * linear
    attention = 4 * 2 * 8 * 8 * 32
    assert get_op("sdpa").flops(setting, "forward") == attention
    causal = Setting(2, 8, 32, heads=4, causal=True)
    assert get_op("sdpa").flops(causal, "forward") == attention // 2
    assert get_op("mha").flops(setting, "forward") == 4 * linear + attention
    with pytest.raises(ValueError, match="no FLOP count"):
        get_op("softmax").flops(setting, "forward")


def test_unknown_op_lists_the_known_ones():
    with pytest.raises(ValueError, match="linear"):
        get_op("conv")


@pytest.mark.parametrize("smaller", ["default", "dtypes"])
def test_smaller_grids_are_part_of_the_full_grid(smaller):
    default, full = grids.GRIDS[smaller], grids.GRIDS["full"]
    for spec in OPS.values():
        names, small = grids.op_params(spec, default)
        full_names, large = grids.op_params(spec, full)
        assert names == full_names
        for values, full_values in zip(small, large, strict=True):
            assert set(values) <= set(full_values)
            assert {type(v) for v in values} == {type(v) for v in full_values}


def test_axes_follow_the_spec():
    names, _ = grids.op_params(get_op("linear"), grids.GRIDS["full"])
    assert names == ["device", "dtype", "mode", "phase", "batch", "seq"]
    assert grids.op_params(get_op("rope"), grids.GRIDS["full"])[0][-1] == "heads"
    assert grids.op_params(get_op("sdpa"), grids.GRIDS["full"])[0][-2:] == ["heads", "mask"]


def test_the_full_grid_is_the_seeds():
    full = grids.GRIDS["full"]
    assert (full.batch, full.seq, full.heads) == ((1, 8, 16, 32, 64), (64, 128, 256, 512), (1, 8))
    assert set(full.mask) == {"none", "causal"} and grids.DIM == 768


def test_grid_switch(capsys):
    assert grids.selected_grid({}) is grids.GRIDS["default"]
    assert grids.selected_grid({"MPSBENCH_GRID": " Full "}) is grids.GRIDS["full"]
    assert grids.selected_grid({"MPSBENCH_GRID": "ful"}) is grids.GRIDS["default"]
    assert "'ful' is not one of" in capsys.readouterr().err


def test_default_grid_leaves_torch_compile_on_cpu_to_the_full_grid():
    default, full = grids.GRIDS["default"], grids.GRIDS["full"]
    assert "MPSBENCH_GRID=full" in default.skip_reason("torch", "cpu", "compiled")
    assert default.skip_reason("torch", "gpu", "compiled") is None
    assert default.skip_reason("mlx", "cpu", "compiled") is None
    assert full.skip_reason("torch", "cpu", "compiled") is None


@pytest.mark.parametrize(("text", "fraction"),
                         [("", 0.0), ("0.1", 0.1), ("2", 2.0), ("-1", 0.0), ("x", 0.0)])
def test_cooldown_fraction(text, fraction):
    assert cooldown.cooldown_fraction({"MPSBENCH_COOLDOWN": text}) == fraction


def test_cool_down_sleeps_the_fraction(monkeypatch):
    slept = []
    monkeypatch.setattr(cooldown.time, "sleep", slept.append)
    assert cooldown.cool_down(2.0, {"MPSBENCH_COOLDOWN": "0.25"}) == 0.5
    assert cooldown.cool_down(2.0, {}) == 0.0
    assert slept == [0.5]
