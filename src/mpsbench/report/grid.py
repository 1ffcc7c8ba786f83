"""Heatmap grids as plotly figures: a row per dtype, a panel per column, a menu per state.

Missing cells have no color (the grey background shows) and read "missing".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from plotly.subplots import make_subplots

from mpsbench.report.cells import Layout
from mpsbench.report.units import is_missing

MISSING_COLOR = "#e6e6e6"
# Slower than torch red, as fast white, faster blue (ColorBrewer RdBu, spelled out: plotly.js
# and plotly.py disagree on which end of the named "RdBu" is red).
RATIO_SCALE = [[0.0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"],
               [1.0, "#2166ac"]]


def ratio_colors(values: pd.Series) -> tuple[pd.Series, dict]:
    """log2 of the ratios (so 2x faster and 2x slower are equally far from white) and a
    red-white-blue color axis labelled in ratios, at most 5 ticks."""
    logs = np.log2(values.where(values > 0))
    reach = max(1, math.ceil(float(np.nanmax(np.abs(logs)))) if logs.notna().any() else 1)
    step = math.ceil(reach / 2)
    powers = range(-(reach // step) * step, reach + 1, step)  # 1x is always a tick
    axis = dict(colorscale=RATIO_SCALE, cmin=-reach, cmax=reach, cmid=0,
                colorbar=dict(title=dict(text="× torch's<br>speed"), tickvals=list(powers),
                              ticktext=[f"1/{2**-k}×" if k < 0 else f"{2**k}×"
                                        for k in powers]))
    return logs, axis


def value_colors(values: pd.Series, unit: str) -> tuple[pd.Series, dict]:
    """The values themselves on a sequential color axis titled with the unit."""
    return values, dict(colorscale="Viridis",
                        colorbar=dict(title=dict(text=unit), exponentformat="SI"))


def grid_figure(cells: pd.DataFrame, layout: Layout, colors: pd.Series, coloraxis: dict,
                title: str) -> dict[str, Any]:
    """One heatmap per (state, row, col) of ``cells``; ``colors`` gives each cell's color
    value. The first state with a recorded value is shown (a machine with only GPU
    results opens on the GPU); a menu switches between states.

    Returns the figure as plotly JSON: traces are plain dicts, since plotly's validation
    of hundreds of heatmaps costs more than everything else in the report.
    """
    cols = list(dict.fromkeys(cells["col"]))
    rows, states = layout.orders["row"], layout.orders["state"]
    xs, ys = layout.orders["x"], layout.orders["y"]
    fig = make_subplots(rows=len(rows), cols=len(cols), column_titles=cols,
                        horizontal_spacing=0.06, vertical_spacing=min(0.12, 0.3 / len(rows)),
                        x_title=layout.x or "")
    for r, row in enumerate(rows, start=1):  # the dtype (row param) heads each row's y axis
        head = f"<b>{row}</b><br>" if layout.row else ""
        fig.update_yaxes(title_text=head + (layout.y or ""), row=r, col=1)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=xs)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=ys)
    position = {"x": {x: i for i, x in enumerate(xs)}, "y": {y: i for i, y in enumerate(ys)}}
    cells = cells.assign(color=colors, xi=cells["x"].map(position["x"]),
                         yi=cells["y"].map(position["y"]))
    parts = dict(iter(cells.groupby(["state", "row", "col"], sort=False)))
    recorded = set(cells.loc[[not is_missing(v) for v in cells["color"]], "state"])
    shown = next((state for state in states if state in recorded), states[0])
    data, owners = [], []
    for state in states:
        for r, row in enumerate(rows):
            for c, col in enumerate(cols):
                axis = "" if r == c == 0 else str(r * len(cols) + c + 1)
                data.append(_heatmap(parts.get((state, row, col)), xs, ys, axis,
                                     state == shown))
                owners.append(state)
    figure = fig.to_dict()
    figure["data"] = data
    figure["layout"].update(
        title=dict(text=title, x=0, xanchor="left"), coloraxis=coloraxis,
        height=170 + 190 * len(rows), margin=dict(l=70, r=30, t=110, b=60),
        plot_bgcolor=MISSING_COLOR,
        updatemenus=[_state_menu(states, owners, states.index(shown))]
        if len(states) > 1 else [],
    )
    return figure


def _heatmap(part: pd.DataFrame | None, xs: list[str], ys: list[str], axis: str,
             visible: bool) -> dict[str, Any]:
    """A heatmap trace on subplot axes x<axis>/y<axis>; cells not in ``part`` are None."""
    def grid(column: str) -> list[list[Any]]:
        table = np.full((len(ys), len(xs)), None, dtype=object)
        if part is not None:
            values = [None if is_missing(v) else v for v in part[column]]
            table[part["yi"].to_numpy(), part["xi"].to_numpy()] = values
        return table.tolist()

    return dict(type="heatmap", x=xs, y=ys, z=grid("color"), text=grid("text"),
                hovertext=grid("hover"), texttemplate="%{text}", hoverinfo="text",
                coloraxis="coloraxis", xgap=2, ygap=2, hoverongaps=True, visible=visible,
                xaxis=f"x{axis}", yaxis=f"y{axis}")


def _state_menu(states: list[str], owners: list[str], active: int) -> dict[str, Any]:
    """A dropdown with one entry per state, ``active`` first; each shows only that
    state's heatmaps."""
    buttons = [dict(label=state, method="restyle",
                    args=[{"visible": [owner == state for owner in owners]}])
               for state in states]
    return dict(buttons=buttons, active=active, direction="down", x=1.0, xanchor="right", y=1.0,
                yanchor="bottom", pad=dict(b=34), showactive=True)
