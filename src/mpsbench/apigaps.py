"""What a framework release lacks of what the suite calls, decided from its version alone.

Each gap was read in the framework's own source at its release tags (the mlx repository;
docs/decisions.md, "Old releases"). Where the same computation exists in the older API,
the ops use it (``mlx_takes_string_mask``); where it does not, or where the release would
end the process in C++ instead of raising, the combination skips up front with the
release's reason. Any other missing function or rejected argument is recognised when it
is raised (``lacks_api``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from mpsbench.hardware import apple_silicon
from mpsbench.history.stack import installed_version

FRAMEWORK_PACKAGES = ("mlx", "torch", "torchvision")


def _version(dist: str) -> tuple[int, ...] | None:
    found = installed_version(dist)
    if found is None:
        return None
    parts = []
    for part in found.split("+")[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _below(dist: str, since: str) -> bool:
    found = _version(dist)
    return found is not None and found < tuple(int(p) for p in since.split("."))


@dataclass(frozen=True)
class Gap:
    """Something the suite calls that ``dist`` has only from ``since``; ``subjects`` are
    the ops (``mpsbench.ops.spec`` names) or workloads that call it."""

    dist: str
    since: str
    what: str
    subjects: tuple[str, ...]

    def reason(self) -> str:
        return (f"{self.dist} {installed_version(self.dist)} has no {self.what} (from "
                f"{self.since} on): unavailable in this release")


GAPS = (
    Gap("mlx", "0.3.0", "mx.fast (mx.fast.rope)", ("rope",)),
    Gap("mlx", "0.6.0", "mx.fast.scaled_dot_product_attention", ("sdpa",)),
    Gap("mlx", "0.9.0", "precise= in mx.softmax", ("softmax",)),
    Gap("mlx", "0.3.0", "nn.MaxPool2d", ("resnet50",)),
)
STRING_MASK_SINCE = "0.24.0"  # SDPA, nn.MultiHeadAttention and the layers take "causal"
CPU_HALF_MATMUL_SINCE = "0.29.3"  # mlx/backend/cpu/matmul.cpp dispatches float16/bfloat16
CPU_ERRORS_RAISE_SINCE = "0.22.0"  # before the CPU backend's rewrite, its errors abort
TORCH_MPS_INDUCTOR_SINCE = "2.7.0"


def mlx_takes_string_mask() -> bool:
    """Whether the installed mlx takes ``mask="causal"`` (else: an additive mask array)."""
    return not _below("mlx", STRING_MASK_SINCE)


def reason(framework: str, subject: str, device: str, dtype: str = "float32",
           mode: str = "eager") -> str | None:
    """Why the installed release cannot run ``subject`` (an op or a workload) here, or
    None; decided without importing the framework."""
    if framework == "mlx":
        for gap in GAPS:
            if subject in gap.subjects and _below(gap.dist, gap.since):
                return gap.reason()
        if device == "cpu" and dtype != "float32" and _below("mlx", CPU_HALF_MATMUL_SINCE):
            ends = ("aborts the process" if _below("mlx", CPU_ERRORS_RAISE_SINCE) else
                    "can crash the process as it exits (exit status -11 with 0.27.1)")
            return (f"mlx {installed_version('mlx')}'s CPU backend has no {dtype} matmul "
                    f"(from {CPU_HALF_MATMUL_SINCE} on): its '[Matmul::eval_cpu] Currently "
                    f"only supports float32.' {ends}, so it is skipped up front")
    if framework == "torch" and device == "gpu" and mode == "compiled" and apple_silicon() \
            and _below("torch", TORCH_MPS_INDUCTOR_SINCE):
        return (f"torch {installed_version('torch')} has no inductor code generation for "
                f"MPS (from {TORCH_MPS_INDUCTOR_SINCE} on; 2.6.0 raises 'Unsupported device "
                "type: mps'): unavailable in this release")
    return None


def lacks_api(error: BaseException) -> bool:
    """Whether ``error`` is a framework release refusing what the suite calls: a function
    its module lacks, arguments its C++ binding rejects, or a value its own Python code
    cannot take. An error raised in the suite's own code is not one."""
    if isinstance(error, AttributeError) and isinstance(getattr(error, "obj", None),
                                                        ModuleType):
        return error.obj.__name__.split(".")[0] in FRAMEWORK_PACKAGES
    if isinstance(error, TypeError) and "incompatible function arguments" in str(error):
        return True
    if isinstance(error, AttributeError | TypeError) and error.__traceback__ is not None:
        frame = error.__traceback__
        while frame.tb_next is not None:
            frame = frame.tb_next
        module = frame.tb_frame.f_globals.get("__name__", "")
        return module.split(".")[0] in FRAMEWORK_PACKAGES
    return False
