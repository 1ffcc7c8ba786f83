"""A tiny operator for the report's tests: the suite's own MatMul benchmarks, small grid.

The real classes (``transformer.TorchMatMul``, ``MLXMatMul``, ``MLXMatMulMemory``) over
batch 1, 2 x sequence 8, 16 in float32, so that a quick asv run records in seconds
everything the report draws; the report derives their FLOP/s as it does the suite's.
``tests/asv_recording.py`` puts this module beside the real suite.
"""

from mpsbench.grids import Grid

from . import transformer

TINY = Grid("tiny", dtype=("float32",), batch=(1, 2), seq=(8, 16), heads=(8,),
            mask=("causal",), torch_compile_cpu=False, first_call_modes=("compiled",))


class TorchMatMul(transformer.TorchMatMul):
    op, grid, modes = "matmul", TINY, ("eager",)


class MLXMatMul(transformer.MLXMatMul):
    op, grid = "matmul", TINY


class MLXMatMulMemory(transformer.MLXMatMulMemory):
    op, grid, modes = "matmul", TINY, ("eager",)
