"""The first look and the chunks of a grid run: which benchmarks, in which ``asv run``s.

The first look is a selection of the default grid's own points (asv's ``--bench``
regexes against ``name(param, ...)``), under the same names, params and versions, so
it is part of the history and a later run of the default grid takes its points over.

One ``asv run`` of one round (``-a rounds=1``; the grid's are 2, and 6 for MLX's
operators, and a run of the grid records over these), so that the tables come within
minutes of a clone:

- the ResNet table's three torch phases at batch 1 on cpu and gpu, and MLX's forward
  (inference) beside torch's;
- every operator's ``time_step`` at the default point (float16, batch 1, sequence 128, 8
  heads, causal), eager, forward, torch against MLX;
- the tiny LLM's prompt and generation at its grid point (float32), torch against MLX.

Compiled modes are left to the grid: a cold ``mx.compile`` on the CPU builds C++ for
tens of seconds.

float16 is the default grid's dtype, the one the recorded history uses and the one an
Apple GPU runs models in; docs/decisions.md says why the first look keeps it on a CPU.

A grid run goes in chunks, one ``asv run`` each, so an interrupted run keeps every
finished chunk: asv loads the results file of the commit before it runs and saves it
after, keeping the other benchmarks' results (``asv.commands.run``: ``load_data``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from mpsbench.catalogue import (
    LLM,
    MLX,
    RESNET50,
    RESNET_TABLE_PHASES,
    TORCH,
    class_names,
)
from mpsbench.grids import TINY
from mpsbench.plan import Plan
from mpsbench.report.default_point import at_default_point
from mpsbench.report.naming import describe
from mpsbench.report.tables import number


@dataclass(frozen=True)
class Chunk:
    """One ``asv run``: a label, its ``--bench`` regexes and extra asv arguments."""

    label: str
    regexes: tuple[str, ...]
    asv_args: tuple[str, ...] = ()


RESNET_TABLE_CLASSES = class_names(RESNET50, TORCH.id,
                                   tuple(phase.id for phase in RESNET_TABLE_PHASES))
MLX_FORWARD = class_names(RESNET50, MLX.id, (RESNET_TABLE_PHASES[0].id,))[0]
DEVICES = "(cpu|gpu)"
FIRST_LOOK = (
    Chunk("one round: the ResNet-50 table and torch against MLX",
          (rf"^resnet50\.({'|'.join(RESNET_TABLE_CLASSES)})\.time_step\('{DEVICES}', 1\)$",
           rf"^resnet50\.{MLX_FORWARD}\.time_step\('{DEVICES}', 1\)$",
           rf"^transformer\.(Torch|MLX)[A-Za-z]+\.time_step\('{DEVICES}', 'float16', "
           r"'eager', 'forward', 1, 128[,)]",
           rf"^llm\.(Torch|MLX)(Prefill|Decode)\.time_step\('{DEVICES}', '{TINY}', "
           r"'float32', 'eager', 1, 128[,)]"),
          ("-a", "rounds=1")),
)
METRIC_KINDS = (("time_", "timings"), ("track_", "peak memory"), ("timeraw_", "first calls"))


def grid_chunks(plan: Plan) -> list[Chunk]:
    """One chunk per module and metric kind, in the suite's order, covering every benchmark."""
    chunks: dict[tuple[str, str], list[str]] = {}
    for bench in plan.benchmarks:
        module, _, rest = bench.name.partition(".")
        metric = rest.rpartition(".")[2]
        kind = next((label for prefix, label in METRIC_KINDS if metric.startswith(prefix)),
                    "other")
        chunks.setdefault((module, kind), []).append(bench.name)
    out = []
    for (module, kind), names in chunks.items():
        pattern = "|".join(re.escape(name) for name in names)
        out.append(Chunk(f"{module} {kind}", (rf"^({pattern})(\(|$)",)))
    return out


LLM_POINT = {"model": TINY, "dtype": "float32", "batch": 1, "prompt": 128}
RESNET_ROW = "ResNet-50 forward (inference), batch 1"
LLM_ROWS = {"Prefill": "tiny LLM, 128-token prompt", "Decode": "tiny LLM, per generated token"}
SIDES = (TORCH.label, MLX.label)
EVEN = 1.1  # a ratio within 10% either way is no verdict: one round of one point


def _at(rows: pd.DataFrame, point: dict[str, object]) -> pd.DataFrame:
    """The rows whose params equal ``point``'s (none where a param is not a column)."""
    for name, value in point.items():
        if name not in rows.columns:
            return rows.iloc[0:0]
        rows = rows[rows[name] == value]
    return rows


def versus_table(frame: pd.DataFrame, machine: str, commit: str, device: str) -> pd.DataFrame:
    """torch against MLX (eager) per workload on ``device``: seconds per step and a verdict.

    Rows: ResNet-50's forward at batch 1, each operator at the default point (forward),
    the tiny LLM's prompt and generation. Columns: torch, MLX (seconds; NaN where
    missing) and the verdict ('torch 3.1x faster').
    """
    rows = frame[(frame["machine"] == machine) & (frame["commit"] == commit)
                 & (frame["metric"] == "time_step") & frame["value"].notna()]
    rows = describe(_at(rows, {"device": device}))
    rows = rows[rows["variant"].isin(SIDES)]
    resnet = _at(rows[(rows["module"] == RESNET50.module)
                      & (rows["op"] == RESNET_TABLE_PHASES[0].name)], {"batch": 1})
    ops = _at(at_default_point(rows), {"phase": "forward"})
    llm = _at(rows[rows["module"] == LLM.module], LLM_POINT)
    picked = pd.concat([resnet.assign(row=RESNET_ROW), ops.assign(row=ops["op"]),
                        llm.assign(row=llm["op"].map(LLM_ROWS))])
    if picked.empty:
        return pd.DataFrame(columns=[*SIDES, "verdict"])
    order = [RESNET_ROW, *sorted(set(ops["op"])), *LLM_ROWS.values()]
    order = [row for row in order if row in set(picked["row"])]
    table = picked.pivot_table(index="row", columns="variant", values="value",
                               aggfunc="first").reindex(index=order, columns=list(SIDES))
    table["verdict"] = [verdict(t, m) for t, m in zip(table[SIDES[0]], table[SIDES[1]],
                                                       strict=True)]
    return table.rename_axis(index=None, columns=None)


def verdict(torch_seconds: float, mlx_seconds: float) -> str:
    """'torch 3.1x faster', 'MLX 1.4x faster', 'about even (within 10%)', 'no MLX value'."""
    for label, value in zip(SIDES, (torch_seconds, mlx_seconds), strict=True):
        if pd.isna(value):
            return f"no {label} value"
    ratio = mlx_seconds / torch_seconds
    if 1 / EVEN < ratio < EVEN:
        return "about even (within 10%)"
    faster, times = (SIDES[0], ratio) if ratio > 1 else (SIDES[1], 1 / ratio)
    return f"{faster} {times:.{1 if times < 10 else 0}f}x faster"


def versus_markdown(table: pd.DataFrame) -> str:
    """The versus table as Markdown, seconds shown in ms."""
    shown = table.copy()
    for side in SIDES:
        shown[side] = shown[side].map(lambda v: number(v * 1e3, 3))
    shown = shown.rename(columns={side: f"{side} (ms)" for side in SIDES})
    return shown.rename_axis("workload").reset_index().to_markdown(index=False)


def caveats(device: str, os_name: str) -> list[str]:
    """What a reader must know beside this device's numbers on a machine running ``os_name``."""
    notes = ["operators in float16: the default grid's dtype, which the history records "
             "and an Apple GPU runs models in; float32 is a CPU's usual dtype, and "
             "'mpsbench run --grid dtypes' adds it"]
    if device == "cpu" and os_name.lower().startswith("linux"):
        notes.insert(0, "MLX on a Linux CPU (mlx[cpu]) runs a single-threaded reference "
                     "BLAS, not the Accelerate and Metal kernels of a Mac: these verdicts "
                     "say which is faster on this machine, and little about MLX on a Mac")
    return notes
