"""Every timed step waits for its device, and the benchmark classes cover every op."""

import pytest

pytest.importorskip("torch")
pytest.importorskip("mlx.core")

import torch  # noqa: E402

import benchmarks.transformer as bench  # noqa: E402
from mpsbench import grids  # noqa: E402
from mpsbench.backends.mlx_backend import MLXBackend, arrays_in  # noqa: E402
from mpsbench.errors import Unavailable  # noqa: E402
from mpsbench.ops import steps  # noqa: E402
from mpsbench.ops.spec import OPS, PHASES, Setting  # noqa: E402
from mpsbench.timing import TimedStep  # noqa: E402

SMALL = Setting(batch=1, seq=4, dim=16, heads=2, causal=True)


def point(framework, op, phase, mode="eager"):
    return steps.Point(framework, op, "cpu", "float32", mode, phase, SMALL)


def expected_arrays(op, phase):
    """The output, and in a backward phase a gradient for every input and weight."""
    spec = OPS[op]
    if phase == "forward":
        return 1
    return 1 + len(spec.inputs(SMALL)) + len(spec.weights(SMALL))


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("op", sorted(OPS))
def test_every_mlx_step_evaluates_all_it_produced(op, phase, monkeypatch):
    evaluated = []
    real = MLXBackend.synchronize

    def spy(self, outputs=None):
        evaluated.append(len(arrays_in(outputs)))
        real(self, outputs)

    monkeypatch.setattr(MLXBackend, "synchronize", spy)
    step = steps.build_step(point("mlx", op, phase))
    evaluated.clear()
    step()
    step()
    assert evaluated == [expected_arrays(op, phase)] * 2


def test_an_mlx_compiled_step_evaluates_all_it_produced(monkeypatch):
    evaluated = []
    real = MLXBackend.synchronize
    monkeypatch.setattr(MLXBackend, "synchronize",
                        lambda self, out=None: (evaluated.append(len(arrays_in(out))),
                                                real(self, out)))
    steps.build_step(point("mlx", "linear", "forward_backward", mode="compiled"))()
    assert evaluated[-1] == expected_arrays("linear", "forward_backward")


TORCH_GPU_CASES = [(op, phase, "mps") for op in sorted(OPS) for phase in PHASES] + [
    ("linear", "forward", "cuda"), ("encoder_layer", "forward_backward", "cuda")]


@pytest.mark.parametrize(("op", "phase", "device"), TORCH_GPU_CASES)
def test_every_torch_gpu_step_synchronizes(op, phase, device, monkeypatch):
    """Built on the CPU, then told it is on a GPU: each call must wait for that GPU."""
    waits = []
    accelerator = torch.mps if device == "mps" else torch.cuda
    monkeypatch.setattr(accelerator, "synchronize", lambda *a: waits.append(device))
    backend, built = steps.build_op(point("torch", op, phase))
    monkeypatch.setattr(backend, "device", device)
    step = TimedStep(backend, built.run).warmed_up()  # the first call and one more
    step()
    assert waits == [device] * 3


def benchmark_classes():
    return {name: cls for name, cls in vars(bench).items()
            if isinstance(cls, type) and not name.startswith("_") and hasattr(cls, "op")}


def test_every_op_has_timing_and_memory_classes_per_framework():
    classes = benchmark_classes()
    for prefix, framework in (("Torch", "torch"), ("MLX", "mlx")):
        for name, spec in OPS.items():
            timing = classes[f"{prefix}{spec.title}"]
            memory = classes[f"{prefix}{spec.title}Memory"]
            assert (timing.framework, timing.op) == (memory.framework, memory.op) == (
                framework, name)
            assert not hasattr(timing, "track_flops")  # the report derives FLOP/s
            assert hasattr(memory, "track_peak_memory") and not hasattr(memory, "time_step")
            first_call = classes[f"{prefix}{spec.title}FirstCall"]
            assert (first_call.framework, first_call.op) == (framework, name)
            assert first_call.param_names == timing.param_names
    assert len(classes) == 6 * len(OPS)


class FakeStep:
    """Stands in for a TimedStep: blocks of 4 calls, each 0.25 s on a fake clock."""

    last_seconds = 0.25
    calls_per_block = 4

    def __init__(self, clock: list[float]):
        self.clock = clock
        self.blocks = 0

    def peak_memory(self):
        return 1234

    def block(self):
        self.blocks += 1
        self.clock[0] += self.last_seconds * self.calls_per_block


def test_benchmark_methods_use_the_cached_step(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("mpsbench.timing.time.perf_counter", lambda: clock[0])
    fake = FakeStep(clock)
    built = []
    monkeypatch.setattr(steps, "cached_step", lambda p: built.append(p) or fake)
    params = ("cpu", "float16", "eager", "forward", 1, 128, 8, "causal")
    benchmark = bench.MLXSDPA()
    benchmark.setup(*params)
    benchmark.time_step(*params)
    assert fake.blocks == 1
    assert built[0] == steps.point_from_params("mlx", "sdpa", *params)
    assert built[0].setting == Setting(1, 128, 768, 8, causal=True)
    assert benchmark.timer() == pytest.approx(clock[0] / 4)  # asv reads seconds per call
    memory = bench.MLXSDPAMemory()
    memory.setup(*params)
    assert memory.track_peak_memory(*params) == 1234


@pytest.mark.parametrize(("cls", "params", "reason"), [
    (bench.TorchLinearMemory, ("cpu", "float16", "eager", "forward", 1, 128),
     "no device-memory counter"),
    (bench.TorchLinear, ("cpu", "float16", "compiled", "forward", 1, 128), "MPSBENCH_GRID"),
])
def test_skips_before_building(cls, params, reason, monkeypatch):
    monkeypatch.setattr(steps, "cached_step", lambda p: pytest.fail("built a step"))
    monkeypatch.setattr(bench._OpBenchmark, "grid", grids.GRIDS["default"])
    with pytest.raises(Unavailable, match=reason):
        cls().setup(*params)


def test_the_default_grid_times_the_first_call_of_compiled_steps_only():
    assert grids.GRIDS["default"].first_call_modes == ("compiled",)
    names, values = grids.op_params(OPS["linear"], grids.GRIDS["default"],
                                   grids.GRIDS["default"].first_call_modes)
    assert dict(zip(names, values, strict=True))["mode"] == ["compiled"]


def test_a_first_call_is_timed_in_a_fresh_interpreter():
    """asv's own timeraw timer runs the source: the cold step's first call, compiled."""
    from asv_runner.benchmarks.timeraw import _SeparateProcessTimer

    params = ("cpu", "float32", "compiled", "forward", 1, 128)  # a default-grid shape
    benchmark = bench.MLXLinearFirstCall()
    benchmark.setup(*params)
    stmt, setup = benchmark.timeraw_first_call(*params)
    assert stmt == "step()" and "step_from_params" in setup
    assert _SeparateProcessTimer(lambda: (stmt, setup)).timeit(1) > 0
