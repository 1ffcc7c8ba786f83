"""The first look and the chunks of a grid run: which benchmarks, in which ``asv run``s.

The first look is a selection of the default grid's own points (asv's ``--bench``
regexes against ``name(param, ...)``), under the same names, params and versions, so
it is part of the history and a later run of the default grid takes its points over.

- ``resnet50``: the ResNet table's three phases at batch 1 on cpu and gpu, 2 rounds
  (as in the grid);
- ``operators``: every operator's ``time_step`` at the default point (float16, batch 1,
  sequence 128, 8 heads, causal), eager, forward, torch against MLX, cpu and gpu, in
  one round (``-a rounds=1``; the grid's are 2 for torch and 6 for MLX, and a run of
  the grid records over these). Compiled modes are left to the grid: a cold
  ``mx.compile`` on the CPU builds C++ for tens of seconds.

A grid run goes in chunks, one ``asv run`` each, so an interrupted run keeps every
finished chunk: asv loads the results file of the commit before it runs and saves it
after, keeping the other benchmarks' results (``asv.commands.run``: ``load_data``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from mpsbench.catalogue import RESNET50, RESNET_TABLE_PHASES, TORCH, class_names
from mpsbench.plan import Plan
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
FIRST_LOOK = (
    Chunk("ResNet-50 table, batch 1",
          (rf"^resnet50\.({'|'.join(RESNET_TABLE_CLASSES)})\.time_step\('(cpu|gpu)', 1\)$",)),
    Chunk("operators at the default point, eager, forward, 1 round",
          (r"^transformer\.(Torch|MLX)[A-Za-z]+\.time_step\('(cpu|gpu)', 'float16', "
           r"'eager', 'forward', 1, 128[,)]",),
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


DEFAULT_POINT = {"dtype": "float16", "batch": 1, "seq": 128, "phase": "forward"}
OPTIONAL_POINT = {"heads": 8, "mask": "causal"}
VARIANTS = ("torch", "MLX", "MLX compiled")


def operator_table(frame: pd.DataFrame, machine: str, commit: str, device: str) -> pd.DataFrame:
    """Operators' seconds per step at the default point on ``device``, torch against MLX.

    Rows are operators; columns torch, MLX, MLX compiled (seconds) and torch's time over
    each MLX variant (above 1: MLX is faster). Missing values stay NaN.
    """
    rows = frame[(frame["machine"] == machine) & (frame["commit"] == commit)
                 & (frame["module"] == "transformer") & (frame["metric"] == "time_step")]
    for name, value in {"device": device, **DEFAULT_POINT}.items():
        if name not in rows.columns:
            return pd.DataFrame(columns=[*VARIANTS])
        rows = rows[rows[name] == value]
    for name, value in OPTIONAL_POINT.items():
        if name in rows.columns:
            rows = rows[rows[name].isna() | (rows[name] == value)]
    rows = describe(rows)
    table = rows.pivot_table(index="op", columns="variant", values="value", aggfunc="first")
    table = table.reindex(columns=list(VARIANTS))
    for variant in VARIANTS[1:]:
        table[f"torch/{variant}"] = table["torch"] / table[variant]
    return table.rename_axis(index=None, columns=None)


def operator_markdown(table: pd.DataFrame) -> str:
    """The operator table as Markdown: seconds in ms, ratios with two decimals."""
    shown = pd.DataFrame(index=table.index)
    for column in table.columns:
        if column in VARIANTS:
            shown[f"{column} (ms)"] = table[column].map(
                lambda v: number(v * 1e3, 3))
        else:
            shown[column] = table[column].map(lambda v: number(v, 2))
    return shown.rename_axis("op").reset_index().to_markdown(index=False)
