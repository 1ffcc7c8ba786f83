"""Achieved FLOP/s of the operators, derived from their recorded step times.

An operator's matmul FLOP count (``mpsbench.ops.spec``) over the median step time asv
recorded: the samples asv compares between releases, so the rate is exactly as
trustworthy as the time (docs/decisions.md has why this is no benchmark of its own).
"""

from __future__ import annotations

import pandas as pd

from mpsbench import catalogue
from mpsbench.grids import GRIDS, op_params
from mpsbench.ops.spec import OPS
from mpsbench.ops.steps import point_from_params

METRIC = catalogue.ACHIEVED_FLOPS.name
UNIT = catalogue.ACHIEVED_FLOPS.unit


def counted(cls: str) -> catalogue.BenchmarkClass | None:
    """The operator timing class called ``cls`` when its operator has a FLOP count."""
    entry = catalogue.described(cls)
    if entry is None or entry.workload != catalogue.TRANSFORMER \
            or entry.metric != catalogue.TIME_STEP or OPS[entry.key].forward_flops is None:
        return None
    return entry


def step_flops(entry: catalogue.BenchmarkClass, row: pd.Series) -> int:
    """The matmul FLOPs of one step of ``entry`` at the grid point ``row`` records (its
    params read as the benchmark's own ``point_from_params`` reads them)."""
    spec = OPS[entry.key]
    names, _ = op_params(spec, GRIDS["default"])
    point = point_from_params(entry.framework.id, spec.name, *(row[name] for name in names))
    return spec.flops(point.setting, point.phase)


def with_achieved_flops(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus a FLOP/s row for each operator step time whose operator has a FLOP
    count; the new rows' metric is ``METRIC``."""
    entries = frame["cls"].map(counted)
    timed = frame[entries.notna() & (frame["metric"] == catalogue.TIME_STEP.name)
                  & (frame["value"] > 0)]
    if timed.empty:
        return frame
    flops = [step_flops(entries[index], row) for index, row in timed.iterrows()]
    derived = timed.assign(
        value=[count / seconds for count, seconds in zip(flops, timed["value"], strict=True)],
        metric=METRIC, unit=UNIT,
        benchmark=timed["module"] + "." + timed["cls"] + f".{METRIC}")
    return pd.concat([frame, derived], ignore_index=True)
