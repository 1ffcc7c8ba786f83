"""Params and timing settings shared by every benchmark class."""

from mpsbench.errors import Unavailable
from mpsbench.hardware import NO_GPU_HARDWARE, gpu_hardware_present

DEVICES = ["cpu", "gpu"]

WHY_ROUNDS = (
    "Two rounds: each timed combination is sampled in two processes, so a process that "
    "happens to run slow (thread placement, allocator state, a busy neighbour) moves the "
    "median less; with the forkserver a second process costs a model build and a warm-up, "
    "not an import."
)

MLX_OP_ROUNDS = 6
WHY_MLX_OP_ROUNDS = (
    "Six rounds for MLX operators' time_step: on Linux's CPU backend (float16 emulated, "
    "steps of 2-40 ms) full self-checks' A/A compares flagged MLX operators almost "
    "alone, every flag in one direction, 10-30% apart between runs made minutes apart, "
    "while a process's own median held within 2-4%: the machine's slow spells, which "
    "processes spread over more of the run average out. There two rounds gave 9 such "
    "flags, four gave 5 and six 5 again; on an H100, MLX CUDA's eager operators went "
    "from 4 flags of 24 at four rounds to 2 at six. asv sets rounds per class, not per "
    "device, so every MLX combination gets them, at a build and warm-up each."
)

WHY_FIRST_CALL_ROUNDS = (
    "Two rounds for first calls: with one, a benchmark's three fresh interpreters ran "
    "within seconds of each other, and an A/A compare flagged 3 of 24 MLX compiled first "
    "calls at 1.40-1.66, all three samples of one run inside one slow spell; a second "
    "process, minutes away, puts half the samples outside it, at the cost of an import "
    "and a build per sample (about 0.2 s each for MLX here)."
)


def skip_for(reason: str | None) -> None:
    """Skip the combination with ``reason``, if there is one."""
    if reason:
        raise Unavailable(reason)


def skip_if_no_gpu_hardware(device: str) -> None:
    """Skip a 'gpu' combination before importing any framework when no GPU can exist."""
    if device == "gpu" and not gpu_hardware_present():
        raise Unavailable(NO_GPU_HARDWARE)


class StepTiming:
    """asv settings for a benchmark whose setup builds and warms its own step.

    One call per sample (setup re-runs between samples and must stay cheap), no asv
    warm-up (the step is warmed in setup), a generous timeout for the first build, and
    ``rounds`` set on purpose (``WHY_ROUNDS``) rather than left to asv's default.
    """

    number = 1
    repeat = (3, 10, 30.0)
    rounds = 2
    warmup_time = 0.0
    timeout = 900


class ColdStartTiming:
    """asv settings for ``timeraw_first_call``, whose every sample is a fresh interpreter.

    A first call happens once per process, so its samples are processes. Three of them
    a round (``repeat = 3``) give asv a spread to compare by (its confidence intervals),
    where one value per process flagged most first calls in an A/A compare. Two rounds
    (``WHY_FIRST_CALL_ROUNDS``), and no asv warm-up, which would start processes that
    time nothing.
    """

    number = 1
    repeat = 3
    rounds = 2
    warmup_time = 0.0
    timeout = 900
