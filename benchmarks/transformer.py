"""Transformer operators and layers: torch against MLX, eager against compiled.

One class per framework and operator, named ``<Framework><Op>`` (``TorchSDPA``,
``MLXSDPA``) so ``--bench 'transformer\\.Torch'`` picks a framework; peak memory is in
``<Framework><Op>Memory`` classes and the first call's cost (compiling included) in
``<Framework><Op>FirstCall`` classes, all defined by the loop at the end. Params:
device, dtype, mode (eager or compiled), phase (forward or forward_backward), batch,
seq, and heads and mask where they apply.

The grid is ``mpsbench.ops.grid``: one representative shape in float16 by default, the
seed's full sweep with ``MPSBENCH_GRID=full``. ``MPSBENCH_COOLDOWN=0.1`` rests the
device between samples (see ``mpsbench.cooldown``).
"""

from typing import Any

from mpsbench.cooldown import cool_down
from mpsbench.errors import Unavailable
from mpsbench.firstcall import first_call_source, release_reason
from mpsbench.ops import steps
from mpsbench.ops.grid import MODES, op_params, selected_grid
from mpsbench.ops.spec import OPS, get_op
from mpsbench.timing import PerCallClock

from .common import (
    MLX_OP_ROUNDS,
    ColdStartTiming,
    StepTiming,
    skip_for,
    skip_if_no_gpu_hardware,
)

GRID = selected_grid()


class _OpBenchmark:
    """Params from the op's spec and the grid, and the skips decided before any import."""

    version = 1
    framework: str
    op: str
    modes = MODES

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "op" in cls.__dict__:
            cls.param_names, cls.params = op_params(get_op(cls.op), GRID, cls.modes)

    def skip(self, *params: Any) -> None:
        """Raise ``Unavailable`` for a combination that cannot run here."""
        named = dict(zip(self.param_names, params, strict=True))
        skip_if_no_gpu_hardware(named["device"])
        skip_for(GRID.skip_reason(self.framework, named["device"], named["mode"], self.op,
                                  named["batch"], named["seq"]))


class _Step(_OpBenchmark, StepTiming):
    """The step is built and warmed up once per process."""

    def setup(self, *params: Any) -> None:
        self.skip(*params)
        self.point = steps.point_from_params(self.framework, self.op, *params)
        self.step = steps.cached_step(self.point)
        cool_down(self.step.last_seconds * self.step.calls_per_block)


class _Timing(_Step):
    """Each sample is a block of back-to-back steps lasting about 10 ms, read per step.

    Version 2: version 1 timed one step per sample, which read microsecond GPU steps
    at 2-3.5x their back-to-back time, so its values are not comparable. MLX's classes
    run ``MLX_OP_ROUNDS`` rounds (docs/decisions.md, "Rounds"). Version 3: every process pins
    the C allocator (``mpsbench.allocator``), so CPU times no longer depend on what the
    process allocated before.
    """

    version = 3

    def setup(self, *params: Any) -> None:
        super().setup(*params)
        self.timer = PerCallClock(self.step.calls_per_block)

    def time_step(self, *params: Any) -> None:
        """Seconds per synchronized step, warmed up."""
        self.step.block()


class _Memory(_Step):
    """Version 2: a warmed-up step's own peak (``TimedStep.peak_memory``); version 1
    counted the process's whole peak, first call included."""

    version = 2

    def setup(self, *params: Any) -> None:
        if self.framework == "torch" and params[0] == "cpu":
            raise Unavailable("torch keeps no memory counter on the CPU")
        super().setup(*params)

    def track_peak_memory(self, *params: Any) -> int:
        """Peak device memory of a warmed-up step, weights and inputs included."""
        return self.step.peak_memory()

    track_peak_memory.unit = "bytes"


class _FirstCall(_OpBenchmark, ColdStartTiming):
    """The first synchronized step in a fresh interpreter; a compiled mode compiles in it.

    Version 2: the interpreter pins the C allocator first (``mpsbench.allocator``).
    """

    version = 2

    modes = GRID.first_call_modes

    def setup(self, *params: Any) -> None:
        self.skip(*params)
        skip_for(release_reason(self.framework))
        skip_for(steps.eager_reason(steps.point_from_params(self.framework, self.op, *params)))

    def timeraw_first_call(self, *params: Any) -> tuple[str, str]:
        """Seconds of the first step after a fresh interpreter has built it."""
        return first_call_source("mpsbench.ops.steps:step_from_params", self.framework,
                                 self.op, *params)


FRAMEWORK_PREFIXES = {"torch": "Torch", "mlx": "MLX"}


TIMING_ROUNDS = {"torch": StepTiming.rounds, "mlx": MLX_OP_ROUNDS}


def _define(name: str, base: type, framework: str, op: str, **attributes: Any) -> None:
    """Put class ``name`` (``base`` for ``framework``'s ``op``) where asv discovers it."""
    globals()[name] = type(name, (base,), {"framework": framework, "op": op,
                                           "__module__": __name__, **attributes})


for _framework, _prefix in FRAMEWORK_PREFIXES.items():
    for _op, _spec in OPS.items():
        _define(f"{_prefix}{_spec.title}", _Timing, _framework, _op,
                rounds=TIMING_ROUNDS[_framework])
        _define(f"{_prefix}{_spec.title}Memory", _Memory, _framework, _op)
        _define(f"{_prefix}{_spec.title}FirstCall", _FirstCall, _framework, _op)
