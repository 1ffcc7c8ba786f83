"""The comparison report: one static HTML page beside asv's site, with plotly.js beside it.

It needs no server and no network: it opens from the file system and from any static
server (``asv preview``). Bad input becomes a note on the page, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from html import escape
from pathlib import Path

import pandas as pd
from plotly.offline import get_plotlyjs

from mpsbench.facts import read_facts
from mpsbench.files import write_whole
from mpsbench.history.repo import DEFAULT_PATH as HISTORY
from mpsbench.report.banner import banner
from mpsbench.report.changes import changes_block
from mpsbench.report.default_point import MEANING as DEFAULT_POINT_MEANING
from mpsbench.report.default_point import default_point_block, has_default_point
from mpsbench.report.flops import METRIC as FLOPS_METRIC
from mpsbench.report.flops import with_achieved_flops
from mpsbench.report.llm_table import llm_block
from mpsbench.report.naming import BASELINE, describe
from mpsbench.report.provenance import commit_label, read_tags, run_settings
from mpsbench.report.sections import (
    Figures,
    Machine,
    grid_section,
    machine_card,
    panels_with,
    resnet_table_block,
    side_by_side,
    trend_section,
)
from mpsbench.report.skipped import skipped_block
from mpsbench.report.trends import TrendSpec, default_specs, trend_problem, trend_problems
from mpsbench.results import current_rows, load_results

REPORT_DIR = "mpsbench"  # under asv's html_dir
PLOTLY_FILE = "plotly.min.js"
# Charts are drawn as the page is read, before the panels beside them exist; once all
# are laid out, fit each chart to its panel.
RESIZE = ("window.addEventListener('load', () => document.querySelectorAll("
          "'.plotly-graph-div').forEach(d => Plotly.Plots.resize(d)));")
STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
nav a { margin-right: 1em; }
.machines { display: flex; flex-wrap: wrap; gap: 1em; }
.machine-panel { flex: 1 1 560px; min-width: 0; border: 1px solid #ddd; border-radius: 6px;
  padding: 0 1em 1em; }
.missing { color: #a33; font-style: italic; }
.banner { background: #eef4fb; border: 1px solid #b6cde8; border-radius: 6px;
  padding: 0.6em 1em; max-width: 75em; }
.notes li { color: #a33; }
.source { color: #666; font-size: 0.9em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; }
dt { font-weight: 600; }
table.phase-table { border-collapse: collapse; }
.wide { max-width: 100%; overflow-x: auto; }
table.phase-table td, table.phase-table th { border: 1px solid #ccc; padding: 0.2em 0.6em;
  text-align: right; }
table.phase-table td:nth-child(-n+2) { text-align: left; }
table.compact { font-size: 0.85em; }
.machines.fit .machine-panel { flex: 1 1 auto; }
table.compact td { white-space: nowrap; padding: 0.15em 0.45em; }
table.compact th { padding: 0.15em 0.45em; }
"""


@dataclass
class Report:
    """The page's HTML and the notes about the input it was built from."""

    html: str
    notes: list[str]
    figures: int


def _machines(frame: pd.DataFrame, results_dir: Path) -> list[Machine]:
    machines = []
    for name in sorted(frame["machine"].unique()):
        try:
            info = json.loads((results_dir / name / "machine.json").read_text())
        except (OSError, ValueError):
            info = {}
        facts = {**read_facts(results_dir, name), "settings": run_settings(results_dir, name)}
        machines.append(Machine(name, frame[frame["machine"] == name], facts, info))
    return machines


def _op_keys(frame: pd.DataFrame, prefix: str | tuple[str, ...]) -> pd.DataFrame:
    rows = frame[frame["framework"].notna() & frame["metric"].str.startswith(prefix)]
    return rows[["module", "op", "metric"]].drop_duplicates().sort_values(
        ["metric", "module", "op"])


def _comparable(frame: pd.DataFrame, keys: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The keys with torch and some other variant recorded; the rest, named for a note."""
    variants = frame.groupby(["module", "op", "metric"])["variant"].agg(lambda v: sorted(set(v)))
    found = [variants[tuple(key)] for key in keys.itertuples(index=False)]
    both = [BASELINE in v and len(v) > 1 for v in found]
    alone = [f"{m}.{o} ({', '.join(v)})" for (m, o, _), v, ok in
             zip(keys.itertuples(index=False), found, both, strict=True) if not ok]
    return keys[both], alone


def build_report(results_dir: Path, html_dir: Path, specs: list[TrendSpec] | None) -> Report:
    """Read ``results_dir`` (and the tags of the site in ``html_dir``) into a page; the
    trends of ``specs`` come first, then every operator's default one."""
    loaded = load_results(results_dir)
    notes = list(loaded.problems)
    frame = with_achieved_flops(describe(current_rows(loaded.frame)))
    tags = read_tags(html_dir)
    machines = _machines(frame, results_dir)
    figures = Figures()
    specs = [*(specs or []), *(s for s in default_specs(frame) if s not in (specs or []))]
    notes.extend(trend_problems(frame, specs))
    compared, alone = _comparable(frame, _op_keys(frame, "time_"))
    label = partial(commit_label, tags=tags)
    body = [
        banner(machines, results_dir),
        "<h2 id='machines'>Machines</h2>",
        side_by_side(machines, lambda m: machine_card(m, tags)) if machines
        else "<p class='missing'>missing: no results to report</p>",
        "<h2 id='resnet-table'>ResNet-50: cpu against the GPU</h2>",
        side_by_side(machines, lambda m: resnet_table_block(m, tags)),
        "<h2 id='llm'>Small-LLM inference: tokens per second</h2>",
        panels_with(machines, lambda m: bool((m.rows["module"] == "llm").any()),
                    lambda m: llm_block(m.rows, m.name, label), "LLM results"),
        "<h2 id='default-point'>Operators at the default point: torch against MLX</h2>",
        f"<p>{escape(DEFAULT_POINT_MEANING)}</p>",
        panels_with(machines, lambda m: has_default_point(m.rows, m.name),
                    lambda m: default_point_block(m.rows, m.name, label),
                    "operator timings at the default point"),
        "<h2 id='compare'>torch against MLX against compiled MLX</h2>",
        "<p>Each cell is torch's time divided by the other framework's time at the same "
        "params: above 1 (blue) it is faster than torch, below 1 (red) slower. Pick the "
        "other params (device, heads, ...) in each chart's menu; hover for the values "
        "and where they came from.</p>",
        grid_section(machines, compared, tags, figures, ratios=True),
        f"<p class='source'>Only one framework recorded: {escape(', '.join(alone))}</p>"
        if alone else "",
        "<h2 id='skipped'>Releases skipped here</h2>",
        "<p>Releases recorded with no value for their framework on a machine, and why.</p>",
        side_by_side(machines, lambda m: skipped_block(m, tags, HISTORY)),
        "<h2 id='changes'>Changes between releases</h2>",
        side_by_side(machines, lambda m: changes_block(results_dir, m.name)),
        "<h2 id='trends'>Speed against release</h2>",
        trend_section(machines, [s for s in specs if trend_problem(frame, s) is None], tags,
                      figures),
        "<h2 id='metrics'>Peak memory, FLOP/s and first-call cost</h2>",
        grid_section(machines, _op_keys(frame, ("track_", "timeraw_", FLOPS_METRIC)), tags, figures,
                     ratios=False),
    ]
    return Report(_page("".join(body), notes, results_dir), notes, figures.count)


def _page(body: str, notes: list[str], results_dir: Path) -> str:
    note_list = "".join(f"<li>{escape(n)}</li>" for n in notes)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>mpsbench: torch and MLX compared</title>
<script src="{PLOTLY_FILE}"></script><style>{STYLE}</style></head>
<body>
<h1>mpsbench: torch and MLX compared</h1>
<nav><a href="../index.html">asv's site (history per benchmark)</a>
<a href="#machines">machines</a><a href="#resnet-table">ResNet-50 table</a><a href="#llm">LLM</a>
<a href="#default-point">operators</a>
<a href="#compare">torch vs MLX</a><a href="#skipped">skipped releases</a>
<a href="#trends">against release</a>
<a href="#metrics">memory and FLOP/s</a></nav>
<p class="source">Built from {escape(results_dir.name)}/ on {stamp}. Values from results
recorded by the benchmarks as they are now; missing values read "missing", never 0.</p>
{f'<details><summary>Notes on the input ({len(notes)})</summary><ul class="notes">'
  f'{note_list}</ul></details>' if notes else ''}
{body}
<script>{RESIZE}</script>
</body></html>
"""


def write_report(report: Report, out_dir: Path) -> Path:
    """Write index.html and plotly.min.js (once) into ``out_dir``; returns the page.

    Each file is replaced whole or not at all; a folder that cannot be written is a
    ``UserError``.
    """
    fix = "make the folder writable, or pass another with --html"
    plotly_js = out_dir / PLOTLY_FILE
    script = get_plotlyjs()
    if not plotly_js.exists() or plotly_js.stat().st_size != len(script.encode()):
        write_whole(plotly_js, script, fix)
    page = out_dir / "index.html"
    write_whole(page, report.html, fix)
    return page
