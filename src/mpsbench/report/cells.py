"""Heatmap cells from results: one operator, one metric, one machine at a time.

A cell sits at (state, row, col, x, y): x is the ``batch`` param, y the ``seq`` param,
a row per ``dtype`` and a column (panel) per framework variant or per ratio. Every
other param (device, heads, mask, phase, ...) makes a *state*, picked in a menu.
An axis a benchmark lacks has the single label ``all``. Cells with no value stay in
the grid with NaN, to be drawn as missing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from mpsbench.backends.base import DTYPES
from mpsbench.report.naming import BASELINE, MODE_PARAM, variant_order
from mpsbench.report.provenance import commit_ref, device_label
from mpsbench.report.units import format_ratio, format_value, is_missing
from mpsbench.results import param_columns

X_PARAM, Y_PARAM, ROW_PARAM = "batch", "seq", "dtype"
ALL = "all"
NO_VALUE = "—"  # a param this variant does not have
KEYS = ["state", "row", "x", "y"]
DERIVED = ("framework", "op", "variant")  # columns naming.describe adds


@dataclass
class Layout:
    """Which params go where, and every label of each axis, in display order."""

    x: str | None
    y: str | None
    row: str | None
    state: list[str]
    orders: dict[str, list[str]]


def label(value: Any) -> str:
    """A param value as an axis label; a param the row lacks reads '—'."""
    return NO_VALUE if is_missing(value) else str(value)


def sort_key(value: Any) -> tuple[int, Any]:
    if value in DTYPES:
        return 0, DTYPES.index(value)
    if isinstance(value, bool | str):
        return 2, str(value)
    return 1, value


def _labels(rows: pd.DataFrame, param: str | None) -> list[str]:
    if param is None:
        return [ALL]
    values = sorted({v for v in rows[param] if not is_missing(v)}, key=sort_key)
    return [label(v) for v in values] + ([NO_VALUE] if rows[param].isna().any() else [])


def param_names(rows: pd.DataFrame) -> list[str]:
    """The benchmark params that ``rows`` have a value for (device, batch, dtype, ...)."""
    return [c for c in param_columns(rows) if c not in DERIVED and rows[c].notna().any()]


def layout_of(rows: pd.DataFrame) -> Layout:
    """The grid for ``rows`` (one operator, one metric, one machine)."""
    present = param_names(rows)
    x, y, row = (p if p in present else None for p in (X_PARAM, Y_PARAM, ROW_PARAM))
    state = [p for p in present if p not in (x, y, row, MODE_PARAM)]
    states = [_state_label(state, combo)
              for combo in itertools.product(*(_labels(rows, p) for p in state))]
    return Layout(x, y, row, state, {"state": states, "row": _labels(rows, row),
                                     "x": _labels(rows, x), "y": _labels(rows, y)})


def _state_label(params: list[str], labels: Iterable[str]) -> str:
    return ", ".join(f"{p}={v}" for p, v in zip(params, labels, strict=True)) or ALL


def keyed(rows: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    """``rows`` with the label columns state, row, x and y added."""
    def column(param: str | None) -> list[str]:
        return [ALL] * len(rows) if param is None else [label(v) for v in rows[param]]

    states = [_state_label(layout.state, map(label, values))
              for values in rows[layout.state].itertuples(index=False)]
    return rows.assign(state=states, row=column(layout.row), x=column(layout.x),
                       y=column(layout.y))


def latest(frame: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """The newest recorded row for each machine, benchmark and param combination."""
    present = [p for p in params if p in frame.columns]
    return (frame.sort_values("date", kind="stable")
            .drop_duplicates(["machine", "benchmark", *present], keep="last"))


def full_grid(layout: Layout) -> pd.DataFrame:
    """Every (state, row, x, y) of the layout, so no missing cell is left out."""
    return pd.DataFrame(list(itertools.product(*(layout.orders[k] for k in KEYS))),
                        columns=KEYS)


def _described(rows: pd.DataFrame, facts: dict[str, Any], tags: dict[str, str]) -> list[str]:
    """'12.3 ms on gpu (mps), commit ... (tag), date' for each row: a value and its source."""
    devices = rows["device"] if "device" in rows else [None] * len(rows)
    return [
        format_value(value, unit)
        + ("" if is_missing(device) else f" on {device_label(device, framework, facts)}")
        + f", {commit_ref(commit, date, tags)}"
        for value, unit, device, framework, commit, date in zip(
            rows["value"], rows["unit"], devices, rows["framework"], rows["commit"],
            rows["date"], strict=True)
    ]


def _cell_params(cells: pd.DataFrame, layout: Layout) -> list[str]:
    """'dtype=float16, batch=8, seq=128, device=gpu, heads=8' for each cell."""
    named = [(p, cells[k]) for p, k in ((layout.row, "row"), (layout.x, "x"), (layout.y, "y"))
             if p]
    if layout.state:
        named.append((None, cells["state"]))
    return [", ".join(v if p is None else f"{p}={v}" for (p, _), v in zip(named, values,
                                                                           strict=True))
            for values in zip(*(column for _, column in named), strict=True)]


def _variant_values(rows: pd.DataFrame, variant: str, facts: dict[str, Any],
                    tags: dict[str, str]) -> pd.DataFrame:
    """One variant's value and description per grid key (the newest row wins)."""
    mine = rows[rows["variant"] == variant]
    return (mine.assign(described=_described(mine, facts, tags))[[*KEYS, "value", "described"]]
            .drop_duplicates(KEYS, keep="last"))


def ratio_cells(rows: pd.DataFrame, layout: Layout, facts: dict[str, Any],
                tags: dict[str, str]) -> pd.DataFrame:
    """Speed of each variant relative to torch: torch's time over the variant's time.

    Above 1 the variant is faster. One panel (col) per variant other than the baseline;
    empty when the operator has no variant to compare.
    """
    rows = keyed(rows, layout)
    variants = [v for v in variant_order(rows["variant"].tolist()) if v != BASELINE]
    base = _variant_values(rows, BASELINE, facts, tags)
    panels = []
    for variant in variants:
        cells = (full_grid(layout)
                 .merge(base, on=KEYS, how="left")
                 .merge(_variant_values(rows, variant, facts, tags), on=KEYS, how="left",
                        suffixes=("_base", "_other")))
        ratio = cells["value_base"] / cells["value_other"]
        texts = [format_ratio(r) for r in ratio]
        hover = [f"{variant} vs {BASELINE}: {text}<br>{params}<br>{BASELINE}: "
                 f"{_or_missing(base_text)}<br>{variant}: {_or_missing(other_text)}"
                 for text, params, base_text, other_text in zip(
                     texts, _cell_params(cells, layout), cells["described_base"],
                     cells["described_other"], strict=True)]
        panels.append(cells[KEYS].assign(col=f"{variant} vs {BASELINE}", z=ratio,
                                         text=texts, hover=hover))
    return pd.concat(panels, ignore_index=True) if panels else pd.DataFrame()


def value_cells(rows: pd.DataFrame, layout: Layout, facts: dict[str, Any],
                tags: dict[str, str]) -> pd.DataFrame:
    """The recorded values themselves, one panel (col) per variant."""
    rows = keyed(rows, layout)
    panels = []
    for variant in variant_order(rows["variant"].tolist()):
        unit = str(rows.loc[rows["variant"] == variant, "unit"].iloc[0])
        cells = full_grid(layout).merge(_variant_values(rows, variant, facts, tags), on=KEYS,
                                        how="left")
        hover = [f"{variant}: {_or_missing(text)}<br>{params}" for text, params in
                 zip(cells["described"], _cell_params(cells, layout), strict=True)]
        panels.append(cells[KEYS].assign(
            col=variant, z=cells["value"], hover=hover,
            text=[format_value(v, unit) for v in cells["value"]]))
    return pd.concat(panels, ignore_index=True) if panels else pd.DataFrame()


def _or_missing(text: Any) -> str:
    return "missing" if is_missing(text) else str(text)
