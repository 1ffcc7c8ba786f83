"""Achieved FLOP/s of the operators, derived from their recorded step times.

An operator's matmul FLOP count (``mpsbench.ops.spec``) over the median step time asv
recorded: the samples asv compares between releases, so the rate is exactly as
trustworthy as the time. A separate benchmark that timed a few more calls gave one
value per process, which ``asv compare`` can judge by its ratio alone.
"""

from __future__ import annotations

import pandas as pd

from mpsbench.ops.grid import GRIDS, op_params
from mpsbench.ops.spec import OPS, OpSpec
from mpsbench.ops.steps import point_from_params

MODULE = "transformer"
METRIC = "achieved_flops"
UNIT = "FLOP/s"
COUNTED = {spec.title: spec for spec in OPS.values() if spec.forward_flops is not None}


def step_flops(spec: OpSpec, row: pd.Series) -> int:
    """The matmul FLOPs of one step at the grid point ``row`` records (its params read
    as the benchmark's own ``point_from_params`` reads them)."""
    names, _ = op_params(spec, GRIDS["default"])
    point = point_from_params(str(row["framework"]).lower(), spec.name,
                              *(row[name] for name in names))
    return spec.flops(point.setting, point.phase)


def with_achieved_flops(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (described: with ``op``) plus a FLOP/s row for each operator step time
    whose operator has a FLOP count; the new rows' metric is ``METRIC``."""
    timed = frame[(frame["module"] == MODULE) & (frame["metric"] == "time_step")
                  & frame["op"].isin(COUNTED.keys())]
    timed = timed[timed["value"] > 0]
    if timed.empty:
        return frame
    flops = [step_flops(COUNTED[row["op"]], row) for _, row in timed.iterrows()]
    derived = timed.assign(
        value=[count / seconds for count, seconds in zip(flops, timed["value"], strict=True)],
        metric=METRIC, unit=UNIT,
        benchmark=timed["benchmark"].str.replace(r"\.time_step$", f".{METRIC}", regex=True))
    return pd.concat([frame, derived], ignore_index=True)
