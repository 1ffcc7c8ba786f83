"""A grid point of an operator as a synchronized step: cold, or warmed up once per process."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from mpsbench.apigaps import lacks_api
from mpsbench.backends import get_backend
from mpsbench.backends.base import Backend
from mpsbench.errors import Unavailable, is_out_of_memory
from mpsbench.grids import DIM, MASKS, MODES
from mpsbench.ops.built import BuiltOp
from mpsbench.ops.spec import PHASES, Setting, get_op
from mpsbench.timing import TimedStep, warmed_once

FRAMEWORK_MODULES = {"torch": "mpsbench.ops.torch_ops", "mlx": "mpsbench.ops.mlx_ops"}


@dataclass(frozen=True)
class Point:
    """Everything that picks one benchmark combination."""

    framework: str
    op: str
    device: str
    dtype: str
    mode: str
    phase: str
    setting: Setting

    def __post_init__(self) -> None:
        get_op(self.op)
        for value, allowed in ((self.framework, tuple(FRAMEWORK_MODULES)),
                               (self.mode, MODES), (self.phase, PHASES)):
            if value not in allowed:
                raise ValueError(f"unknown value {value!r}; expected one of {allowed}")


def point_from_params(framework: str, op: str, *params: Any, dim: int = DIM) -> Point:
    """Read asv's positional params (the order of ``grid.op_params``) as a ``Point``."""
    spec = get_op(op)
    device, dtype, mode, phase, batch, seq, *rest = params
    heads = rest.pop(0) if spec.uses_heads else 1
    mask = rest.pop(0) if spec.uses_mask else "none"
    if rest or mask not in MASKS:
        raise ValueError(f"params {params!r} do not fit {op}")
    setting = Setting(batch, seq, dim, heads, causal=mask == "causal")
    return Point(framework, op, device, dtype, mode, phase, setting)


def build_op(point: Point) -> tuple[Backend, BuiltOp]:
    """The backend and the framework's ``BuiltOp`` for ``point``, peak memory reset first."""
    backend = get_backend(point.framework, point.device)
    backend.reset_peak_memory()
    module = importlib.import_module(FRAMEWORK_MODULES[point.framework])
    built = module.build(get_op(point.op), backend, point.setting, point.dtype, point.mode,
                         point.phase)
    return backend, built


def build_step(point: Point) -> TimedStep:
    """``point`` as a cold TimedStep (nothing has run; a compiled mode compiles at its
    first call)."""
    backend, built = build_op(point)
    return TimedStep(backend, built.run)


def step_from_params(framework: str, op: str, *params: Any) -> TimedStep:
    """``build_step`` of the point asv's params name (the first-call benchmarks' builder)."""
    return build_step(point_from_params(framework, op, *params))


def build_failure_reason(error: Exception, point: Point) -> str | None:
    """Why ``point`` cannot run here, from the error building or warming it, or None.

    An op the framework's release says it does not support (``unsupported``), and a
    compiled mode that fails to build or compile here (``torch.compile`` without a working
    backend on this device, ``mx.compile`` without a C++ compiler on Linux), are skipped
    with the framework's error as the reason; running out of memory is not a compile
    failure.
    """
    if unsupported(error):
        return unsupported_reason(point, error)
    if point.mode != "compiled" or is_out_of_memory(error):
        return None
    return (f"{point.framework} compile does not work for {point.op} on {point.device} "
            f"in {point.dtype} ({point.phase}) here: {type(error).__name__}: {error}")


# What frameworks say when a release lacks a kernel, e.g. mlx 0.26's CPU backend:
# "[AddMM::eval_cpu] Currently only supports float32."
UNSUPPORTED = re.compile(r"only supports|not supported|not implemented|not yet implemented",
                         re.IGNORECASE)


def unsupported(error: BaseException) -> bool:
    """Whether ``error`` is the framework saying it cannot do this: a kernel it lacks, or
    a function or argument its release does not have (``apigaps.lacks_api``)."""
    if isinstance(error, Unavailable):
        return False
    return lacks_api(error) or (
        isinstance(error, RuntimeError | NotImplementedError | TypeError | ValueError)
        and bool(UNSUPPORTED.search(str(error))))


def unsupported_reason(point: Point, error: BaseException) -> str:
    return (f"this {point.framework} release cannot run {describe(point)}: "
            f"{type(error).__name__}: {error}")


@cache
def eager_reason(point: Point) -> str | None:
    """Why ``point``'s op cannot run eagerly here (a kernel its release lacks), or None.

    One eager call, so that a first-call benchmark, whose samples run in fresh
    interpreters, is skipped in its own process instead of failing in theirs; eager, so
    that no compile cache is warmed for the interpreters that time the first call.
    """
    eager = replace(point, mode="eager")
    try:
        build_step(eager).warmed_up(1)
    except Exception as error:
        if unsupported(error):
            return unsupported_reason(point, error)
        raise
    return None


def describe(point: Point) -> str:
    """'torch Linear (eager, forward) in float32 on gpu, batch 64 x seq 512 x dim 768'."""
    s = point.setting
    return (f"{point.framework} {point.op} ({point.mode}, {point.phase}) in {point.dtype} on "
            f"{point.device}, batch {s.batch} x seq {s.seq} x dim {s.dim}"
            + (f", {s.heads} heads" if s.heads > 1 else ""))


cached_step = warmed_once(build_step, describe, build_failure_reason)
