"""asv timing settings every benchmark class takes, in one place the self-check reads too.

Why these values (rounds especially): docs/decisions.md, "Rounds".
"""

MLX_OP_ROUNDS = 6  # MLX operators' time_step: their processes vary most (decisions.md)


class StepTiming:
    """asv settings for a benchmark whose setup builds and warms its own step.

    One call per sample (setup re-runs between samples and must stay cheap), no asv
    warm-up (the step is warmed in setup), a generous timeout for the first build, and
    two rounds: each combination is sampled in two processes (decisions.md, "Rounds").
    """

    number = 1
    repeat = (3, 10, 30.0)
    rounds = 2
    warmup_time = 0.0
    timeout = 900


class ColdStartTiming:
    """asv settings for ``timeraw_first_call``, whose every sample is a fresh interpreter.

    A first call happens once per process, so its samples are processes: three a round,
    two rounds, no asv warm-up (which would start processes that time nothing).
    """

    number = 1
    repeat = 3
    rounds = 2
    warmup_time = 0.0
    timeout = 900
