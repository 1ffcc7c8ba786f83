"""The benchmarks a release history records: a representative subset, named once.

A full default grid costs ~40 minutes a release on 2 cores; this subset costs a few, so a
history of every release fits in an afternoon. Per framework (a release of one framework
re-runs only that framework's benchmarks), on each chosen device (``cpu`` and ``gpu``,
the machine's accelerator: the same points on both):

- ResNet-50 forward (inference) and the SGD train step: torch at batch 1 and 4, MLX at
  batch 1 (Linux's reference-BLAS MLX runs larger batches in the full grid only);
- six operators at the default point (float16, batch 1, sequence 128, 8 heads, causal),
  eager, forward and forward+backward: Linear, Softmax, LayerNorm, SDPA,
  MultiHeadAttention and TransformerEncoderLayer;
- MLX: the first call of the compiled encoder layer (``mx.compile`` included). torch's
  compiled first call on the CPU is in the full grid only (a C++ build per shape).

Every entry is a point of the default grid, under its usual name, so a default or full
run of the same release fills the same series. Names come from ``mpsbench.catalogue``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mpsbench.catalogue import DEVICE_PARAMS, FIRST_CALL, RESNET50, TRANSFORMER, class_names, find
from mpsbench.hardware import gpu_hardware_present

RESNET_PHASES = ("forward_inference", "train_step")
RESNET_BATCHES = {"torch": (1, 4), "mlx": (1,)}
OPS = ("linear", "softmax", "layer_norm", "sdpa", "mha", "encoder_layer")
DEFAULT_POINT = "'float16', 'eager', '(forward|forward_backward)', 1, 128"
COMPILED_FIRST_CALL = {"mlx": "encoder_layer"}
DEVICE_CHOICES = {"cpu": ("cpu",), "gpu": ("gpu",), "both": DEVICE_PARAMS}


def default_devices() -> tuple[str, ...]:
    """Both devices where the machine has a GPU, else the CPU alone."""
    return DEVICE_CHOICES["both" if gpu_hardware_present() else "cpu"]


def devices_said(devices: Sequence[str]) -> str:
    """'cpu and gpu': what a recording says it records on."""
    return " and ".join(devices)


def patterns(framework: str, devices: Sequence[str] = ("cpu",)) -> list[str]:
    """One regex per family of benchmarks, as asv matches them: ``name(params)``."""
    device = f"'({'|'.join(devices)})'"
    batches = "|".join(str(batch) for batch in RESNET_BATCHES[framework])
    resnet = "|".join(class_names(RESNET50, framework, RESNET_PHASES))
    ops = "|".join(class_names(TRANSFORMER, framework, OPS))
    found = [rf"^resnet50\.({resnet})\.time_step\({device}, ({batches})\)$",
             rf"^transformer\.({ops})\.time_step\("
             rf"{device}, {DEFAULT_POINT}[,)]"]
    if framework in COMPILED_FIRST_CALL:
        first_call = find(TRANSFORMER, framework, COMPILED_FIRST_CALL[framework], FIRST_CALL)
        found.append(rf"^transformer\.{first_call.name}\.timeraw_first_call\({device}, "
                     r"'float16', 'compiled', 'forward', 1, 128[,)]")
    return found


def bench_regex(framework: str, devices: Sequence[str] = ("cpu",)) -> str:
    """The whole selection on ``devices`` as one ``asv run --bench`` regex."""
    return "|".join(f"(?:{pattern})" for pattern in patterns(framework, devices))


def selects(framework: str, name_with_params: str, devices: Sequence[str] = ("cpu",)) -> bool:
    """Whether ``bench_regex(framework, devices)`` picks this ``name(params)``, as asv's
    re.search."""
    return re.search(bench_regex(framework, devices), name_with_params) is not None
