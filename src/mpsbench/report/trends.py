"""Speed against release: one benchmark at one param point, a line per framework variant.

Commits are in date order and named by their release tag when the published site
knows it (``torch-2.13.0``), else by short hash. A commit with no value leaves a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from mpsbench.errors import UserError
from mpsbench.report.cells import label, param_names, sort_key
from mpsbench.report.naming import MODE_PARAM, variant_order
from mpsbench.report.provenance import commit_label, device_label, source_line
from mpsbench.report.units import format_value, is_missing
from mpsbench.results import parse_param

PREFERRED = {"device": "gpu", "dtype": "float32"}  # on a tie; else the largest value wins


@dataclass(frozen=True)
class TrendSpec:
    """A benchmark without its framework, e.g. resnet50.TrainStep, and fixed params."""

    module: str
    op: str
    metric: str = "time_step"
    fixed: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.module}.{self.op}.{self.metric}"


def parse_trend(text: str) -> TrendSpec:
    """'resnet50.TrainStep[.time_step][:batch=16,device=gpu]' -> a TrendSpec."""
    name, colon, params = text.strip().partition(":")
    parts = name.split(".")
    pairs = [pair.partition("=") for pair in params.split(",")] if colon else []
    if len(parts) not in (2, 3) or not all(part.isidentifier() for part in parts) \
            or (len(parts) == 3 and not parts[2].startswith("time_")) \
            or any(not sep or not key.strip() for key, sep, _ in pairs):
        raise UserError(f"bad --trend {text!r}; expected MODULE.OP[.time_METRIC][:PARAM=VALUE,"
                        "...], e.g. resnet50.TrainStep:batch=16,device=gpu (OP is the class "
                        "name without Torch/MLX)")
    fixed = {key.strip(): parse_param(value.strip()) for key, _, value in pairs}
    return TrendSpec(parts[0], parts[1], parts[2] if len(parts) == 3 else "time_step", fixed)


def default_specs(frame: pd.DataFrame) -> list[TrendSpec]:
    """One trend per operator and timing metric, every param left to ``choose_point``."""
    timed = frame[frame["framework"].notna() & frame["metric"].str.startswith("time_")]
    keys = timed[["module", "op", "metric"]].drop_duplicates().sort_values(["module", "op"])
    return [TrendSpec(module, op, metric) for module, op, metric in keys.itertuples(index=False)]


def spec_rows(frame: pd.DataFrame, spec: TrendSpec) -> pd.DataFrame:
    """The rows of ``spec``'s benchmark (every framework variant)."""
    return frame[(frame["module"] == spec.module) & (frame["op"] == spec.op)
                 & (frame["metric"] == spec.metric)]


def trend_problem(frame: pd.DataFrame, spec: TrendSpec) -> str | None:
    """Why ``spec`` has nothing to draw: a benchmark, a param or a param value that the
    results lack (naming what they hold); None when it has."""
    rows = spec_rows(frame, spec)
    known = param_names(rows)
    if rows.empty:
        return f"--trend {spec.name}: no such benchmark in the results"
    if unknown := sorted(set(spec.fixed) - set(known)):
        return f"--trend {spec.name}: no param {', '.join(unknown)} (its params: " \
               f"{', '.join(known)})"
    point: dict[str, Any] = {}
    for param, value in spec.fixed.items():
        recorded = sorted(set(rows[param].dropna()), key=sort_key)
        if value not in recorded:
            where = f" at {point_label(point)}" if point else ""
            return (f"--trend {spec.name}: no result recorded with {param}={label(value)}; "
                    f"recorded{where}: {param}={', '.join(label(v) for v in recorded)}")
        point[param] = value
        rows = rows[rows[param] == value]
    return None


def trend_problems(frame: pd.DataFrame, specs: list[TrendSpec]) -> list[str]:
    """A note for each spec that has nothing to draw (see ``trend_problem``)."""
    return [problem for spec in specs if (problem := trend_problem(frame, spec))]


def choose_point(rows: pd.DataFrame, params: list[str], fixed: dict[str, Any]) -> dict[str, Any]:
    """A value for every param: the fixed one, else the one with the most recorded values;
    on a tie gpu, float32, else the largest (the biggest batch: the least noisy time)."""
    point: dict[str, Any] = {}
    for param in params:
        if param == MODE_PARAM or param not in rows or rows[param].isna().all():
            continue
        if param in fixed:
            value = fixed[param]
        else:
            counts = rows.groupby(param, dropna=True)["value"].count()
            value = max(counts.index, key=lambda v, p=param: (
                counts[v], PREFERRED.get(p) == v, sort_key(v)))
        point[param] = value
        rows = rows[rows[param] == value]
    return point


def at_point(rows: pd.DataFrame, point: dict[str, Any]) -> pd.DataFrame:
    """The rows recorded at ``point`` (every other param as chosen)."""
    for param, value in point.items():
        rows = rows[rows[param] == value]
    return rows


def trend_figure(rows: pd.DataFrame, point: dict[str, Any], title: str,
                 facts: dict[str, Any], tags: dict[str, str]) -> go.Figure:
    """A line per variant over ``rows``' commits in date order (one machine, one point)."""
    commits = rows.sort_values("date", kind="stable").drop_duplicates("commit", keep="last")
    xs = [commit_label(c, tags) for c in commits["commit"]]
    fig = go.Figure()
    for variant in variant_order(rows["variant"].tolist()):
        mine = rows[rows["variant"] == variant].drop_duplicates("commit", keep="last")
        by_commit = mine.set_index("commit", drop=False)
        ys, hovers = [], []
        for commit in commits["commit"]:
            row = by_commit.loc[commit] if commit in by_commit.index else None
            value = None if row is None or is_missing(row["value"]) else float(row["value"])
            ys.append(value)
            hovers.append(_hover(variant, row, point, facts, tags) if row is not None else "")
        name = variant + ("" if any(v is not None for v in ys) else " (missing)")
        fig.add_trace(go.Scatter(x=xs, y=ys, name=name, mode="lines+markers",
                                 connectgaps=False, hovertext=hovers, hoverinfo="text"))
    unit = str(rows["unit"].iloc[0]) if not rows.empty else ""
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"), height=360,
        margin=dict(l=70, r=30, t=70, b=60), legend=dict(orientation="h", y=-0.25),
        xaxis=dict(type="category", title="commit (release tag where known), by date"),
        yaxis=dict(title=unit, rangemode="tozero"),
    )
    return fig


def point_label(point: dict[str, Any]) -> str:
    return ", ".join(f"{param}={label(value)}" for param, value in point.items()) or "no params"


def _hover(variant: str, row: pd.Series, point: dict[str, Any], facts: dict[str, Any],
           tags: dict[str, str]) -> str:
    device = device_label(point["device"], row["framework"], facts) if "device" in point else ""
    return (f"{variant}: {format_value(row['value'], row['unit'])}"
            + (f" on {device}" if device else "")
            + f"<br>{point_label(point)}<br>{source_line(row, tags)}")
