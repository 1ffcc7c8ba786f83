"""Speed against release: one benchmark at one param point, a line per framework variant.

Each framework's variants are drawn over that framework's own releases, on an axis of
their own (torch's at ``torch-*`` commits, MLX's at ``mlx-*``; the history's commits
alternate, and at another framework's release a framework's version does not change).
Commits are in date order and named by their full release tag when the published site
knows it, else by short hash (such a commit is on every axis). A line joins the values a
variant has; the y-axis is logarithmic where its values span more than 10x.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mpsbench.catalogue import FRAMEWORKS
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


LOG_SPAN = 10  # a y-axis whose values span more than this factor is logarithmic
ROW_HEIGHT = 300


def release_framework(tag: str | None) -> str | None:
    """The framework label whose release ``tag`` is ('torch-2.13.0' -> 'torch'), else None."""
    for framework in FRAMEWORKS:
        if tag and any(t.startswith(f"{framework.id}-") for t in tag.split(", ")):
            return framework.label
    return None


def trend_figure(rows: pd.DataFrame, point: dict[str, Any], title: str,
                 facts: dict[str, Any], tags: dict[str, str]) -> go.Figure:
    """A line per variant over its framework's releases, an axis per framework (one
    machine, one point)."""
    commits = list(rows.sort_values("date", kind="stable")
                   .drop_duplicates("commit", keep="last")["commit"])
    variants = variant_order(rows["variant"].tolist())
    frameworks = list(dict.fromkeys(str(rows.loc[rows["variant"] == v, "framework"].iloc[0])
                                    for v in variants))
    fig = make_subplots(rows=len(frameworks) or 1, cols=1, vertical_spacing=0.28
                        if len(frameworks) > 1 else 0.1)
    for row_number, framework in enumerate(frameworks, 1):
        own = [c for c in commits if release_framework(tags.get(c)) in (framework, None)]
        values: list[float] = []
        for variant in variants:
            mine = rows[(rows["variant"] == variant) & (rows["framework"] == framework)]
            if mine.empty:
                continue
            by_commit = mine.drop_duplicates("commit", keep="last").set_index("commit",
                                                                                drop=False)
            shown = [c for c in own if c in by_commit.index
                     and not is_missing(by_commit.loc[c, "value"])]
            ys = [float(by_commit.loc[c, "value"]) for c in shown]
            values.extend(ys)
            fig.add_trace(go.Scatter(
                x=[commit_label(c, tags) for c in shown], y=ys, mode="lines+markers",
                name=variant + ("" if ys else " (missing)"),
                hovertext=[_hover(variant, by_commit.loc[c], point, facts, tags) for c in shown],
                hoverinfo="text"), row=row_number, col=1)
        positive = [v for v in values if v > 0]
        log = bool(positive) and max(positive) / min(positive) > LOG_SPAN
        fig.update_xaxes(type="category", categoryorder="array",
                         categoryarray=[commit_label(c, tags) for c in own], tickangle=-60,
                         automargin=True, title=dict(text=f"{framework} releases"),
                         row=row_number, col=1)
        fig.update_yaxes(type="log" if log else "linear", automargin=True,
                         rangemode="normal" if log else "tozero",
                         title=dict(text=_unit(rows)), row=row_number, col=1)
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=13)),
        height=ROW_HEIGHT * max(1, len(frameworks)) + 60,
        margin=dict(l=60, r=20, t=80, b=40),
        legend=dict(orientation="h", x=1, xanchor="right", y=1.0, yanchor="bottom"),
    )
    return fig


def _unit(rows: pd.DataFrame) -> str:
    return str(rows["unit"].iloc[0]) if not rows.empty else ""


def point_label(point: dict[str, Any]) -> str:
    return ", ".join(f"{param}={label(value)}" for param, value in point.items()) or "no params"


def _hover(variant: str, row: pd.Series, point: dict[str, Any], facts: dict[str, Any],
           tags: dict[str, str]) -> str:
    device = device_label(point["device"], row["framework"], facts) if "device" in point else ""
    return (f"{variant}: {format_value(row['value'], row['unit'])}"
            + (f" on {device}" if device else "")
            + f"<br>{point_label(point)}<br>{source_line(row, tags)}")
