"""`mpsbench publish` of the results this repository ships, read offline in headless
Chromium as a new user reads it: asv's pages (through asv-tachyon) and the report."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest

from . import browser
from .test_report_browser import asv_looked_for_a_graph_never_recorded

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(browser.unavailable() is not None,
                       reason=f"browser test skipped: {browser.unavailable()}"),
]

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("asv.conf.json", "releases.toml", "benchmarks")
# (benchmark, machine) -> the fewest points its asv graph must draw
ASV_VIEWS = {
    ("resnet50.TorchForwardInference.time_step", "linux-cpu-2core"): 20,
    ("transformer.MLXSDPA.time_step", "linux-cpu-2core"): 10,
    ("resnet50.MLXForwardInference.time_step", "nvidia-h200"): 2,
}
# (report trend title, machine) -> the fewest points its chart must draw
REPORT_TRENDS = {("resnet50.ForwardInference.time_step", "linux-cpu-2core"): 20}


@pytest.fixture(scope="module")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tracked results/ (no machine this host recorded) published in a scratch copy."""
    tmp = tmp_path_factory.mktemp("shipped")
    for name in SHIPPED:
        source, target = ROOT / name, tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    tracked = subprocess.run(["git", "ls-files", "results"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    for name in tracked:
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp / name)
    from mpsbench.cli import main

    assert main(["publish", "--config", str(tmp / "asv.conf.json")]) == 0
    return tmp


def numbers_in(responses: list) -> int:
    """The values asv's graph files hold ([revision, value or [values]] pairs)."""
    count = 0
    for response in responses:
        for _, value in response.json():
            values = value if isinstance(value, list) else [value]
            count += sum(v is not None for v in values)
    return count


def view_url(site: Path, bench: str, machine: str) -> str:
    """asv-tachyon's link to ``bench`` on ``machine``: every param of the machine's graph
    (its 'Copy link'); with ``machine=`` alone it keeps the first machine's other params,
    and a second machine's graph reads "No graph data"."""
    graph = next((site / "html" / "graphs").rglob(f"machine-{machine}/**/{bench}.json"))
    folders = graph.relative_to(site / "html" / "graphs").parts[:-1]
    info = json.loads((site / "results" / machine / "machine.json").read_text())
    params = {"machine": machine, "branch": "main"}
    for folder in folders:
        key, _, value = folder.partition("-")
        if key == "python":
            params["python"] = value
        elif key in info and key != "machine":
            params[f"f-{key}"] = str(info[key])
    return f"#view=explore&bench={bench}&" + urlencode(params)


def test_asv_views_draw_the_shipped_history_offline(shipped_site):
    expected_404 = asv_looked_for_a_graph_never_recorded(shipped_site)
    with browser.serve(shipped_site / "html") as url, browser.browser() as chromium:
        for (bench, machine), fewest in ASV_VIEWS.items():
            page = browser.Page(chromium)
            outside = browser.block_external(page.page)
            graphs: list = []
            wanted = (f"machine-{machine}/", f"/{bench}.json")
            page.page.on("response", lambda r, g=graphs, w=wanted: r.ok and all(
                part in r.url for part in w) and g.append(r))
            view = page.open(f"{url}/{view_url(shipped_site, bench, machine)}")
            view.wait_for_selector("canvas")
            view.wait_for_load_state("networkidle")
            assert "No graph data" not in view.inner_text("body"), bench
            assert numbers_in(graphs) >= fewest, (bench, machine)
            errors = [e for e in page.errors if not expected_404(e) and "/samples/" not in e]
            assert errors == [] and outside == [], (bench, errors, outside)


def test_report_shows_the_h200_llm_table_and_readable_trends_offline(shipped_site):
    with browser.serve(shipped_site / "html") as url, browser.browser() as chromium:
        page = browser.Page(chromium, width=1400)
        outside = browser.block_external(page.page)
        report = page.open(f"{url}/mpsbench/index.html")
        browser.wait_for_charts(report, 90_000)
        llm = report.locator("#llm + .machines .machine-panel", has_text="nvidia-h200")
        header = llm.locator("table").first.locator("thead").inner_text()
        assert "torch tok/s" in header and "MLX tok/s" in header and "MLX/torch" in header
        first = llm.locator("table").first.locator("tbody tr").first.inner_text()
        assert sum(cell.replace(",", "").replace(".", "").isdigit()
                   for cell in first.split("\t")) >= 3  # torch, MLX and their ratio
        assert report.evaluate("document.documentElement.scrollWidth") <= 1400
        assert report.evaluate("""() => [...document.querySelectorAll('table')]
            .filter(t => t.scrollWidth > t.parentElement.clientWidth).length""") == 0
        for (title, machine), fewest in REPORT_TRENDS.items():
            drawn = report.evaluate("""([title, machine]) => {
                const panel = [...document.querySelectorAll('.machine-panel')].find(p =>
                  p.querySelector('h4')?.textContent === machine &&
                  p.querySelector('.plotly-graph-div')?.layout?.title?.text?.startsWith(title));
                const div = panel.querySelector('.plotly-graph-div');
                return div.data.reduce((n, trace) => n + trace.y.length, 0); }""",
                                    [title, machine])
            assert drawn >= fewest, (title, machine, drawn)
    assert page.errors == [] and outside == []
