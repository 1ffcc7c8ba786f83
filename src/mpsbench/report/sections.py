"""The report's sections as HTML fragments, machines side by side in each.

Each section takes the described results (``naming.describe``) of every machine and
returns HTML; figures go through ``Figures`` so that each gets a stable id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from mpsbench.catalogue import TORCH
from mpsbench.report import cells as grid_cells
from mpsbench.report.grid import grid_figure, ratio_colors, value_colors
from mpsbench.report.provenance import source_line
from mpsbench.report.resnet_table import resnet_table
from mpsbench.report.tables import gap_notes, resnet_timings
from mpsbench.report.trends import (
    TrendSpec,
    at_point,
    choose_point,
    point_label,
    spec_rows,
    trend_figure,
)

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass
class Machine:
    """One results/<machine>/ folder: its described rows and what is known about it."""

    name: str
    rows: pd.DataFrame
    facts: dict[str, Any]
    asv_info: dict[str, Any]


@dataclass
class Figures:
    """Turns plotly figures into divs with ids fig1, fig2, ... (the page loads plotly.js)."""

    count: int = 0

    def div(self, figure: go.Figure | dict[str, Any]) -> str:
        self.count += 1
        return pio.to_html(figure, full_html=False, include_plotlyjs=False, validate=False,
                           div_id=f"fig{self.count}", config=PLOTLY_CONFIG)


def side_by_side(machines: list[Machine], block: Callable[[Machine], str],
                 fit: bool = False) -> str:
    """One panel per machine in a row that wraps; ``fit``: each panel as wide as its
    content needs (tables), rather than all alike (charts)."""
    panels = "".join(f'<div class="machine-panel"><h4>{escape(m.name)}</h4>{block(m)}</div>'
                     for m in machines)
    return f'<div class="machines{" fit" if fit else ""}">{panels}</div>'


def panels_with(machines: list[Machine], has: Callable[[Machine], bool],
                block: Callable[[Machine], str], what: str) -> str:
    """Panels only for the machines that ``has`` data for, so each gets the width it
    needs; one line names the machines without ``what``."""
    shown = [m for m in machines if has(m)]
    others = [m.name for m in machines if not has(m)]
    note = f'<p class="source">No {escape(what)} recorded on {escape(", ".join(others))}.</p>' \
        if others else ""
    return (side_by_side(shown, block, fit=True) if shown
            else missing(f"no {what} recorded")) + note


def missing(text: str) -> str:
    return f'<p class="missing">missing: {escape(text)}</p>'


def machine_card(machine: Machine, tags: dict[str, str]) -> str:
    """Chip, GPU, memory, OS, versions and what 'gpu' means there; the newest commit."""
    facts, info = machine.facts, machine.asv_info
    known = bool(set(facts) - {"settings"})  # a machine.facts file was read
    packages = ", ".join(f"{k} {v}" for k, v in (facts.get("packages") or {}).items() if v)
    gpu_means = ", ".join(f"{k}: {v or 'none'}" for k, v in
                          (facts.get("gpu_devices") or {}).items())
    ram = facts.get("ram_bytes")
    items = [
        ("CPU", facts.get("cpu") or info.get("cpu")),
        ("GPU", facts.get("gpu") or ("none" if known else None)),
        ("memory", f"{ram / 2**30:.0f} GiB" if ram else info.get("ram")),
        ("OS", facts.get("os") or info.get("os")),
        ("python", facts.get("python")),
        ("benchmarked with" if facts.get("packages_from") else "installed",
         f"{packages} ({facts['packages_from']})" if packages and facts.get("packages_from")
         else packages or None),
        ("measured under", facts.get("settings")),
        ("'gpu' means", gpu_means or None),
    ]
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in items if v)
    note = "" if known else missing("no machine.facts beside these results (write them with "
                                    f"'mpsbench machine --name {machine.name}')")
    return f"<dl>{body}</dl>{note}{_commits(machine.rows, tags)}"


def _commits(rows: pd.DataFrame, tags: dict[str, str]) -> str:
    """Every commit with results here, newest first, with its environment and versions."""
    runs = rows.sort_values("date", ascending=False).drop_duplicates(["commit", "env"])
    lines = "".join(f"<li>{escape(source_line(row, tags))}</li>" for _, row in runs.iterrows())
    return (f"<details><summary>results of {rows['commit'].nunique()} commit(s)</summary>"
            f"<ul class='source'>{lines}</ul></details>") if lines else ""


def resnet_table_block(machine: Machine, tags: dict[str, str]) -> str:
    """The ResNet-50 table (phase x batch, cpu, GPU, speedup) at the newest commit with any."""
    rows = machine.rows
    timings = resnet_timings(rows, TORCH.id)
    if timings.empty:
        return missing("no ResNet-50 torch timings recorded")
    newest = timings.sort_values("date").iloc[-1]
    gpu = (machine.facts.get("gpu_devices") or {}).get("torch") or "gpu"
    table = resnet_table(rows, machine.name, str(newest["commit"]), gpu)
    notes = "".join(f'<p class="missing">{escape(note)}</p>' for note in gap_notes(table))
    return (f'<p class="source">seconds per iteration; {escape(source_line(newest, tags))}</p>'
            f"{table.to_html()}{notes}")


def _grid_block(rows: pd.DataFrame, machine: Machine, tags: dict[str, str], figures: Figures,
                ratios: bool, title: str) -> str:
    layout = grid_cells.layout_of(rows)
    make = grid_cells.ratio_cells if ratios else grid_cells.value_cells
    cells = make(rows, layout, machine.facts, tags)
    if cells.empty or cells["z"].isna().all():
        what = "no grid point has torch and another framework both recorded" if ratios \
            else "every value is missing (n/a here, or not run)"
        return missing(what)
    unit = str(rows["unit"].iloc[0])
    colors, axis = ratio_colors(cells["z"]) if ratios else value_colors(cells["z"], unit)
    return figures.div(grid_figure(cells, layout, colors, axis, title))


def grid_section(machines: list[Machine], keys: pd.DataFrame, tags: dict[str, str],
                 figures: Figures, ratios: bool) -> str:
    """A block per (module, op, metric) in ``keys``, each with a figure per machine."""
    blocks = []
    for module, op, metric in keys.itertuples(index=False):
        name = f"{module}.{op} {metric}"

        def block(machine: Machine, module: str = module, op: str = op,
                  metric: str = metric, name: str = name) -> str:
            rows = machine.rows
            mine = rows[(rows["module"] == module) & (rows["op"] == op)
                        & (rows["metric"] == metric)]
            if mine.empty:
                return missing("not recorded on this machine")
            latest = grid_cells.latest(mine, grid_cells.param_names(mine))
            return _grid_block(latest, machine, tags, figures, ratios, name)

        blocks.append(f"<h3>{escape(name)}</h3>{side_by_side(machines, block)}")
    return "".join(blocks)


def trend_section(machines: list[Machine], specs: list[TrendSpec], tags: dict[str, str],
                  figures: Figures) -> str:
    """A block per trend, with a figure per machine and a link to asv's own graph."""
    blocks = []
    for spec in specs:
        def block(machine: Machine, spec: TrendSpec = spec) -> str:
            rows = spec_rows(machine.rows, spec)
            if rows.empty:
                return missing("not recorded on this machine")
            point = choose_point(rows, grid_cells.param_names(rows), spec.fixed)
            chosen = at_point(rows, point)
            if chosen["value"].isna().all():
                return missing(f"no value recorded at {point_label(point)}")
            title = f"{spec.name}<br><sup>at {point_label(point)}</sup>"
            return figures.div(trend_figure(chosen, point, title, machine.facts, tags))

        benchmarks = sorted({b for m in machines for b in spec_rows(m.rows, spec)["benchmark"]})
        links = " · ".join(f'<a href="../index.html#{escape(b)}">{escape(b)}</a>'
                           for b in benchmarks)
        blocks.append(f"<h3>{escape(spec.name)}</h3><p class=\"source\">asv's graphs: "
                      f"{links or 'none'}</p>{side_by_side(machines, block)}")
    return "".join(blocks)
