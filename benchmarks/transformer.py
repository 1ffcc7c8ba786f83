"""Transformer operators and layers: torch against MLX, eager against compiled.

One class per framework and operator, named ``<Framework><Op>`` (``TorchSDPA``,
``MLXSDPA``) so ``--bench 'transformer\\.Torch'`` picks a framework; peak memory is in
``<Framework><Op>Memory`` classes and the first call's cost (compiling included) in
``<Framework><Op>FirstCall`` classes, one line each at the end, as
``mpsbench.catalogue`` lists them. A class names its op; its params follow from the op's
spec and the grid: device, dtype, mode (eager or compiled), phase (forward or
forward_backward), batch, seq, and heads and mask where they apply.

The grid is ``mpsbench.grids``: one representative shape in float16 by default, the
original operator sweep with ``MPSBENCH_GRID=full``. ``MPSBENCH_COOLDOWN=0.1`` rests the
device between samples (see ``mpsbench.cooldown``).
"""

from typing import Any

from mpsbench import apigaps
from mpsbench.catalogue import MLX, TORCH
from mpsbench.cooldown import cool_down
from mpsbench.firstcall import first_call_source, release_reason
from mpsbench.grids import MODES, Grid, op_params, selected_grid
from mpsbench.ops import steps
from mpsbench.ops.spec import get_op
from mpsbench.timing import PerCallClock

from .common import (
    MLX_OP_ROUNDS,
    ColdStartTiming,
    StepTiming,
    skip_for,
    skip_if_no_gpu_hardware,
    skip_torch_cpu_memory,
    skip_unless_gpu_ready,
)

GRID = selected_grid()


class _OpBenchmark:
    """Params from the op's spec and the grid, and the skips decided before any import.

    A class that names its ``op`` gets that op's ``param_names`` and ``params``.
    """

    version = 1
    framework: str
    op: str
    modes = MODES
    grid: Grid = GRID

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "op" in cls.__dict__ and "params" not in cls.__dict__:
            cls.param_names, cls.params = op_params(get_op(cls.op), cls.grid, cls.modes)

    def skip(self, *params: Any) -> None:
        """Raise ``Unavailable`` for a combination that cannot run here."""
        named = dict(zip(self.param_names, params, strict=True))
        skip_if_no_gpu_hardware(named["device"])
        skip_for(self.grid.skip_reason(self.framework, named["device"], named["mode"],
                                       self.op, named["batch"], named["seq"]))
        skip_for(apigaps.reason(self.framework, self.op, named["device"], named["dtype"],
                                named["mode"]))
        skip_unless_gpu_ready(self.framework, named["device"])


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
        skip_torch_cpu_memory(self.framework, params[0])
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


class _TorchTiming(_Timing):
    framework = TORCH.id


class _MLXTiming(_Timing):
    """MLX's timings run ``MLX_OP_ROUNDS`` rounds (docs/decisions.md, "Rounds")."""

    framework = MLX.id
    rounds = MLX_OP_ROUNDS


class _TorchMemory(_Memory):
    framework = TORCH.id


class _MLXMemory(_Memory):
    framework = MLX.id


class _TorchFirstCall(_FirstCall):
    framework = TORCH.id


class _MLXFirstCall(_FirstCall):
    framework = MLX.id


# The benchmarks: one class per framework, operator and metric.

class TorchLinear(_TorchTiming): op = "linear"
class TorchMatMul(_TorchTiming): op = "matmul"
class TorchSoftmax(_TorchTiming): op = "softmax"
class TorchLayerNorm(_TorchTiming): op = "layer_norm"
class TorchRMSNorm(_TorchTiming): op = "rms_norm"
class TorchGELU(_TorchTiming): op = "gelu"
class TorchGELUTanh(_TorchTiming): op = "gelu_tanh"
class TorchRoPE(_TorchTiming): op = "rope"
class TorchSDPA(_TorchTiming): op = "sdpa"
class TorchMultiHeadAttention(_TorchTiming): op = "mha"
class TorchTransformerEncoderLayer(_TorchTiming): op = "encoder_layer"
class TorchTransformerDecoderLayer(_TorchTiming): op = "decoder_layer"

class MLXLinear(_MLXTiming): op = "linear"
class MLXMatMul(_MLXTiming): op = "matmul"
class MLXSoftmax(_MLXTiming): op = "softmax"
class MLXLayerNorm(_MLXTiming): op = "layer_norm"
class MLXRMSNorm(_MLXTiming): op = "rms_norm"
class MLXGELU(_MLXTiming): op = "gelu"
class MLXGELUTanh(_MLXTiming): op = "gelu_tanh"
class MLXRoPE(_MLXTiming): op = "rope"
class MLXSDPA(_MLXTiming): op = "sdpa"
class MLXMultiHeadAttention(_MLXTiming): op = "mha"
class MLXTransformerEncoderLayer(_MLXTiming): op = "encoder_layer"
class MLXTransformerDecoderLayer(_MLXTiming): op = "decoder_layer"

class TorchLinearMemory(_TorchMemory): op = "linear"
class TorchMatMulMemory(_TorchMemory): op = "matmul"
class TorchSoftmaxMemory(_TorchMemory): op = "softmax"
class TorchLayerNormMemory(_TorchMemory): op = "layer_norm"
class TorchRMSNormMemory(_TorchMemory): op = "rms_norm"
class TorchGELUMemory(_TorchMemory): op = "gelu"
class TorchGELUTanhMemory(_TorchMemory): op = "gelu_tanh"
class TorchRoPEMemory(_TorchMemory): op = "rope"
class TorchSDPAMemory(_TorchMemory): op = "sdpa"
class TorchMultiHeadAttentionMemory(_TorchMemory): op = "mha"
class TorchTransformerEncoderLayerMemory(_TorchMemory): op = "encoder_layer"
class TorchTransformerDecoderLayerMemory(_TorchMemory): op = "decoder_layer"

class MLXLinearMemory(_MLXMemory): op = "linear"
class MLXMatMulMemory(_MLXMemory): op = "matmul"
class MLXSoftmaxMemory(_MLXMemory): op = "softmax"
class MLXLayerNormMemory(_MLXMemory): op = "layer_norm"
class MLXRMSNormMemory(_MLXMemory): op = "rms_norm"
class MLXGELUMemory(_MLXMemory): op = "gelu"
class MLXGELUTanhMemory(_MLXMemory): op = "gelu_tanh"
class MLXRoPEMemory(_MLXMemory): op = "rope"
class MLXSDPAMemory(_MLXMemory): op = "sdpa"
class MLXMultiHeadAttentionMemory(_MLXMemory): op = "mha"
class MLXTransformerEncoderLayerMemory(_MLXMemory): op = "encoder_layer"
class MLXTransformerDecoderLayerMemory(_MLXMemory): op = "decoder_layer"

class TorchLinearFirstCall(_TorchFirstCall): op = "linear"
class TorchMatMulFirstCall(_TorchFirstCall): op = "matmul"
class TorchSoftmaxFirstCall(_TorchFirstCall): op = "softmax"
class TorchLayerNormFirstCall(_TorchFirstCall): op = "layer_norm"
class TorchRMSNormFirstCall(_TorchFirstCall): op = "rms_norm"
class TorchGELUFirstCall(_TorchFirstCall): op = "gelu"
class TorchGELUTanhFirstCall(_TorchFirstCall): op = "gelu_tanh"
class TorchRoPEFirstCall(_TorchFirstCall): op = "rope"
class TorchSDPAFirstCall(_TorchFirstCall): op = "sdpa"
class TorchMultiHeadAttentionFirstCall(_TorchFirstCall): op = "mha"
class TorchTransformerEncoderLayerFirstCall(_TorchFirstCall): op = "encoder_layer"
class TorchTransformerDecoderLayerFirstCall(_TorchFirstCall): op = "decoder_layer"

class MLXLinearFirstCall(_MLXFirstCall): op = "linear"
class MLXMatMulFirstCall(_MLXFirstCall): op = "matmul"
class MLXSoftmaxFirstCall(_MLXFirstCall): op = "softmax"
class MLXLayerNormFirstCall(_MLXFirstCall): op = "layer_norm"
class MLXRMSNormFirstCall(_MLXFirstCall): op = "rms_norm"
class MLXGELUFirstCall(_MLXFirstCall): op = "gelu"
class MLXGELUTanhFirstCall(_MLXFirstCall): op = "gelu_tanh"
class MLXRoPEFirstCall(_MLXFirstCall): op = "rope"
class MLXSDPAFirstCall(_MLXFirstCall): op = "sdpa"
class MLXMultiHeadAttentionFirstCall(_MLXFirstCall): op = "mha"
class MLXTransformerEncoderLayerFirstCall(_MLXFirstCall): op = "encoder_layer"
class MLXTransformerDecoderLayerFirstCall(_MLXFirstCall): op = "decoder_layer"
