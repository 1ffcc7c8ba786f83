"""How long an ``asv run`` of a plan will take here: earlier runs first, else a cost model.

asv stores, per benchmark, the seconds its last run took (the ``duration`` column of a
results file: every round and combination of that run). Where this machine has such a
record, a process of that benchmark is estimated at that duration over the processes
it ran then. Elsewhere the suite's cost model applies: seconds per process measured on
a 2-core Linux CPU with the forkserver (a skipped process is a fork).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from mpsbench.plan import Benchmark, Plan

SKIP_SECONDS = 0.03
RUN_OVERHEAD_SECONDS = 15.0  # one asv run: discovery, the forkserver's torch import
# asv installing the newest release's stack into a new environment (5.7 GB of wheels:
# torch with its CUDA libraries, mlx, transformers), measured on the 2-core machine
INSTALL_SECONDS = 120.0
# (regex on 'name(params)', seconds per process that runs), first match wins
COST_MODEL: tuple[tuple[str, float], ...] = (
    (r"^resnet50\.MLX.*\('cpu'", 40.0),  # reference BLAS: seconds per image
    (r"^resnet50\.MLXPeakMemory.*'cpu'", 20.0),
    (r"^resnet50\.Torch.*, 16\)$", 25.0),
    (r"^resnet50\.Torch.*, 4\)$", 9.0),
    (r"^resnet50\.", 10.0),
    (r"^transformer\.MLXTransformerDecoderLayer", 16.0),
    (r"^transformer\.MLXTransformerEncoderLayer", 6.0),
    (r"^transformer\.MLXMultiHeadAttention", 4.0),
    (r"^transformer\.MLX.*FirstCall", 3.0),
    (r"^transformer\.MLX", 0.6),
    (r"^transformer\.Torch.*FirstCall", 12.0),
    (r"^transformer\.TorchTransformer", 0.8),
    (r"^transformer\.", 0.3),
    (r"", 2.0),
)


@dataclass
class Estimate:
    """Seconds per benchmark round, and where each figure came from."""

    per_round: dict[str, float] = field(default_factory=dict)
    from_history: set[str] = field(default_factory=set)
    asv_runs: int = 1

    def seconds(self, plan: Plan, rounds_override: int | None = None) -> float:
        rounds = {b.name: rounds_override or b.rounds for b in plan.benchmarks}
        return (sum(self.per_round.get(name, 0.0) * n for name, n in rounds.items())
                + self.asv_runs * RUN_OVERHEAD_SECONDS)

    def source(self) -> str:
        known = len(self.from_history)
        total = len(self.per_round)
        if known == 0:
            return "from the suite's cost model (2-core Linux CPU)"
        if known == total:
            return "from earlier runs on this machine"
        return f"from earlier runs on this machine for {known} of {total} benchmarks, the " \
               "suite's cost model for the rest"


def model_seconds(combo: str) -> float:
    return next(seconds for pattern, seconds in COST_MODEL if re.search(pattern, combo))


def recorded_per_process(results_dir: Path, machine: str) -> dict[str, float]:
    """Seconds per process that ran, per benchmark, from this machine's newest results."""
    found: dict[str, tuple[int, float]] = {}
    for path in sorted((results_dir / machine).glob("*.json")):
        if path.name in ("machine.json", "benchmarks.json"):
            continue
        try:
            data = json.loads(path.read_text())
            columns = data["result_columns"]
            at = {name: columns.index(name) for name in ("result", "duration", "started_at")}
        except (OSError, ValueError, KeyError):
            continue
        for name, row in (data.get("results") or {}).items():
            try:
                values = row[at["result"]]
                seconds = float(row[at["duration"]])
                started = int(row[at["started_at"]] or 0)
            except (IndexError, TypeError, ValueError):
                continue
            values = values if isinstance(values, list) else [values]
            ran = sum(v is not None and not (isinstance(v, float) and math.isnan(v))
                      for v in values)
            if ran and seconds > 0 and started >= found.get(name, (-1, 0.0))[0]:
                found[name] = (started, seconds / ran)
    return {name: seconds for name, (_, seconds) in found.items()}


def estimate(plan: Plan, results_dir: Path, machine: str, asv_runs: int = 1,
             rounds_override: int | None = None) -> Estimate:
    """Seconds per round of each benchmark in ``plan`` on ``machine``.

    A recorded duration counts every round and skipped process of that run, so it is
    divided by the combinations that gave a value and by the benchmark's rounds now.
    """
    recorded = recorded_per_process(results_dir, machine)
    out = Estimate(asv_runs=asv_runs)
    for bench in plan.benchmarks:
        out.per_round[bench.name] = round_seconds(bench, recorded, out, rounds_override)
    return out


def round_seconds(bench: Benchmark, recorded: dict[str, float], out: Estimate,
                  rounds_override: int | None) -> float:
    skipped = sum(reason is not None for reason in bench.skips) * SKIP_SECONDS
    running = [combo for combo, reason in zip(bench.combos, bench.skips, strict=True)
               if reason is None]
    if bench.name in recorded and running:
        out.from_history.add(bench.name)
        rounds = rounds_override or bench.rounds
        return skipped + len(running) * recorded[bench.name] / rounds
    return skipped + sum(model_seconds(combo) for combo in running)
