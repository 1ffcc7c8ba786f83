"""Transformer operators and layers: torch against MLX, eager against compiled.

One class per framework and operator, named ``<Framework><Op>`` (``TorchSDPA``,
``MLXSDPA``) so ``--bench 'transformer\\.Torch'`` picks a framework; peak memory is in
``<Framework><Op>Memory`` classes. Params: device, dtype, mode (eager or compiled),
phase (forward or forward_backward), batch, seq, and heads and mask where they apply.

The grid is ``mpsbench.ops.grid``: one representative shape in float16 by default, the
seed's full sweep with ``MPSBENCH_GRID=full``. ``MPSBENCH_COOLDOWN=0.1`` rests the
device between samples (see ``mpsbench.cooldown``).
"""

from typing import Any

from mpsbench.cooldown import cool_down
from mpsbench.errors import Unavailable
from mpsbench.ops import steps
from mpsbench.ops.grid import op_params, selected_grid
from mpsbench.ops.spec import get_op

from .common import StepTiming, skip_if_no_gpu_hardware

GRID = selected_grid()


class _Step(StepTiming):
    """Params from the op's spec and the grid; the step is built once per process."""

    version = 1
    framework: str
    op: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "op" in cls.__dict__:
            cls.param_names, cls.params = op_params(get_op(cls.op), GRID)

    def setup(self, *params: Any) -> None:
        device, _, mode = params[:3]
        skip_if_no_gpu_hardware(device)
        reason = GRID.skip_reason(self.framework, device, mode)
        if reason:
            raise Unavailable(reason)
        self.point = steps.point_from_params(self.framework, self.op, *params)
        self.step = steps.cached_step(self.point)
        cool_down(self.step.last_seconds)


class _Timing(_Step):
    def time_step(self, *params: Any) -> None:
        """Seconds per synchronized step, warmed up."""
        self.step()

    def track_first_call(self, *params: Any) -> float:
        """Seconds of the first step in a fresh process; includes the compile if compiled."""
        return self.step.first_call_seconds

    track_first_call.unit = "seconds"


class _FLOPs(_Timing):
    def track_flops(self, *params: Any) -> float:
        """Achieved FLOP/s: matmul FLOPs (a backward counts twice the forward) per second."""
        return steps.achieved_flops(self.point, self.step)

    track_flops.unit = "FLOP/s"


class _Memory(_Step):
    def setup(self, *params: Any) -> None:
        if self.framework == "torch" and params[0] == "cpu":
            raise Unavailable("torch keeps no memory counter on the CPU")
        super().setup(*params)

    def track_peak_memory(self, *params: Any) -> int:
        """Peak device memory of a warmed-up step, weights and inputs included."""
        return self.step.backend.peak_memory()

    track_peak_memory.unit = "bytes"


class TorchLinear(_FLOPs):
    framework, op = "torch", "linear"


class MLXLinear(_FLOPs):
    framework, op = "mlx", "linear"


class TorchMatMul(_FLOPs):
    framework, op = "torch", "matmul"


class MLXMatMul(_FLOPs):
    framework, op = "mlx", "matmul"


class TorchSoftmax(_Timing):
    framework, op = "torch", "softmax"


class MLXSoftmax(_Timing):
    framework, op = "mlx", "softmax"


class TorchLayerNorm(_Timing):
    framework, op = "torch", "layer_norm"


class MLXLayerNorm(_Timing):
    framework, op = "mlx", "layer_norm"


class TorchRMSNorm(_Timing):
    framework, op = "torch", "rms_norm"


class MLXRMSNorm(_Timing):
    framework, op = "mlx", "rms_norm"


class TorchGELU(_Timing):
    framework, op = "torch", "gelu"


class MLXGELU(_Timing):
    framework, op = "mlx", "gelu"


class TorchGELUTanh(_Timing):
    framework, op = "torch", "gelu_tanh"


class MLXGELUTanh(_Timing):
    framework, op = "mlx", "gelu_tanh"


class TorchRoPE(_Timing):
    framework, op = "torch", "rope"


class MLXRoPE(_Timing):
    framework, op = "mlx", "rope"


class TorchSDPA(_FLOPs):
    framework, op = "torch", "sdpa"


class MLXSDPA(_FLOPs):
    framework, op = "mlx", "sdpa"


class TorchMultiHeadAttention(_FLOPs):
    framework, op = "torch", "mha"


class MLXMultiHeadAttention(_FLOPs):
    framework, op = "mlx", "mha"


class TorchTransformerEncoderLayer(_Timing):
    framework, op = "torch", "encoder_layer"


class MLXTransformerEncoderLayer(_Timing):
    framework, op = "mlx", "encoder_layer"


class TorchTransformerDecoderLayer(_Timing):
    framework, op = "torch", "decoder_layer"


class MLXTransformerDecoderLayer(_Timing):
    framework, op = "mlx", "decoder_layer"


class TorchLinearMemory(_Memory):
    framework, op = "torch", "linear"


class MLXLinearMemory(_Memory):
    framework, op = "mlx", "linear"


class TorchMatMulMemory(_Memory):
    framework, op = "torch", "matmul"


class MLXMatMulMemory(_Memory):
    framework, op = "mlx", "matmul"


class TorchSoftmaxMemory(_Memory):
    framework, op = "torch", "softmax"


class MLXSoftmaxMemory(_Memory):
    framework, op = "mlx", "softmax"


class TorchLayerNormMemory(_Memory):
    framework, op = "torch", "layer_norm"


class MLXLayerNormMemory(_Memory):
    framework, op = "mlx", "layer_norm"


class TorchRMSNormMemory(_Memory):
    framework, op = "torch", "rms_norm"


class MLXRMSNormMemory(_Memory):
    framework, op = "mlx", "rms_norm"


class TorchGELUMemory(_Memory):
    framework, op = "torch", "gelu"


class MLXGELUMemory(_Memory):
    framework, op = "mlx", "gelu"


class TorchGELUTanhMemory(_Memory):
    framework, op = "torch", "gelu_tanh"


class MLXGELUTanhMemory(_Memory):
    framework, op = "mlx", "gelu_tanh"


class TorchRoPEMemory(_Memory):
    framework, op = "torch", "rope"


class MLXRoPEMemory(_Memory):
    framework, op = "mlx", "rope"


class TorchSDPAMemory(_Memory):
    framework, op = "torch", "sdpa"


class MLXSDPAMemory(_Memory):
    framework, op = "mlx", "sdpa"


class TorchMultiHeadAttentionMemory(_Memory):
    framework, op = "torch", "mha"


class MLXMultiHeadAttentionMemory(_Memory):
    framework, op = "mlx", "mha"


class TorchTransformerEncoderLayerMemory(_Memory):
    framework, op = "torch", "encoder_layer"


class MLXTransformerEncoderLayerMemory(_Memory):
    framework, op = "mlx", "encoder_layer"


class TorchTransformerDecoderLayerMemory(_Memory):
    framework, op = "torch", "decoder_layer"


class MLXTransformerDecoderLayerMemory(_Memory):
    framework, op = "mlx", "decoder_layer"
