"""The benchmarks a release history records: a representative subset, named once.

A full default grid costs ~40 minutes a release on 2 cores; this subset costs a few, so a
history of every release fits in an afternoon. Per framework (a release of one framework
re-runs only that framework's benchmarks):

- ResNet-50 forward (inference) and the SGD train step on the CPU: torch at batch 1 and
  4, MLX at batch 1 (Linux's reference-BLAS MLX runs larger batches in the full grid only);
- six operators at the default point (float16, batch 1, sequence 128, 8 heads, causal),
  eager, forward and forward+backward: Linear, Softmax, LayerNorm, SDPA,
  MultiHeadAttention and TransformerEncoderLayer;
- MLX: the first call of the compiled encoder layer (``mx.compile`` included). torch's
  compiled first call on the CPU is in the full grid only (a C++ build per shape).

Every entry is a point of the default grid, under its usual name, so a default or full
run of the same release fills the same series.
"""

from __future__ import annotations

import re

FRAMEWORK_PREFIX = {"torch": "Torch", "mlx": "MLX"}
RESNET_PHASES = ("ForwardInference", "TrainStep")
RESNET_BATCHES = {"torch": (1, 4), "mlx": (1,)}
OPS = ("Linear", "Softmax", "LayerNorm", "SDPA", "MultiHeadAttention",
       "TransformerEncoderLayer")
DEFAULT_POINT = "'cpu', 'float16', 'eager', '(forward|forward_backward)', 1, 128"
COMPILED_FIRST_CALL = {"mlx": "TransformerEncoderLayer"}


def patterns(framework: str) -> list[str]:
    """One regex per family of benchmarks, as asv matches them: ``name(params)``."""
    prefix = FRAMEWORK_PREFIX[framework]
    batches = "|".join(str(batch) for batch in RESNET_BATCHES[framework])
    found = [rf"^resnet50\.{prefix}({'|'.join(RESNET_PHASES)})\.time_step\('cpu', "
             rf"({batches})\)$",
             rf"^transformer\.{prefix}({'|'.join(OPS)})\.time_step\({DEFAULT_POINT}[,)]"]
    if framework in COMPILED_FIRST_CALL:
        found.append(rf"^transformer\.{prefix}{COMPILED_FIRST_CALL[framework]}FirstCall"
                     r"\.timeraw_first_call\('cpu', 'float16', 'compiled', 'forward', 1, 128[,)]")
    return found


def bench_regex(framework: str) -> str:
    """The whole selection as one ``asv run --bench`` regex."""
    return "|".join(f"(?:{pattern})" for pattern in patterns(framework))


def selects(framework: str, name_with_params: str) -> bool:
    """Whether ``bench_regex(framework)`` picks this ``name(params)``, as asv's re.search."""
    return re.search(bench_regex(framework), name_with_params) is not None
