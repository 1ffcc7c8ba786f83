"""The published asv site and the report in headless Chromium, served on 127.0.0.1."""

from __future__ import annotations

import re

import pytest

from mpsbench.results import load_results

from . import browser

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(browser.unavailable() is not None,
                       reason=f"browser test skipped: {browser.unavailable()}"),
]


def test_report_renders_charts_and_resnet_table_without_errors(published_site, tmp_path):
    html = published_site / "html"
    expected = (html / "mpsbench" / "index.html").read_text().count('class="plotly-graph-div"')
    with browser.serve(html) as url, browser.browser() as chromium:
        page = browser.Page(chromium)
        outside = browser.block_external(page.page)
        report = page.open(f"{url}/mpsbench/index.html")
        assert browser.wait_for_charts(report) == expected >= 6
        heatmap_text = report.locator(".plotly-graph-div g.heatmap-label text").all_text_contents()
        assert any(re.fullmatch(r"[\d.]+×", text) for text in heatmap_text)
        seed = report.locator("table.phase-table").first.inner_text()
        assert "Forward (inference)" in seed and re.search(r"\d\.\d{6}", seed)
        assert report.get_by_text("missing: no ResNet-50 torch timings recorded").is_visible()
        report.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert page.errors == [] and outside == []


def test_report_opens_from_the_file_system(published_site):
    page_path = published_site / "html" / "mpsbench" / "index.html"
    with browser.browser() as chromium:
        page = browser.Page(chromium)
        assert browser.wait_for_charts(page.open(page_path.as_uri())) >= 6
    assert page.errors == []


GRAPH = re.compile(r"/graphs/(?:summary/|.*/machine-(?P<machine>[^/]+)/(?:.*/)?)"
                   r"(?P<benchmark>[^/?]+)\.json")


def asv_looked_for_a_graph_never_recorded(site):
    """asv's pages ask for the graph of every benchmark on every machine, and one never
    recorded there has none: those 404s are asv's normal behaviour, not a broken site."""
    frame = load_results(site / "results").frame
    recorded = set(zip(frame["machine"], frame["benchmark"], strict=True))

    def expected(error: str) -> bool:
        match = GRAPH.search(error)
        if "404" not in error or not match:
            return False
        machines = [match["machine"]] if match["machine"] else set(frame["machine"])
        return all((m, match["benchmark"]) not in recorded for m in machines)

    return expected


def graph_points(responses: list) -> int:
    """The values in the graph files a page loaded (asv's [revision, value] pairs)."""
    return sum(1 for response in responses for _, value in response.json()
               if value is not None)


def test_asv_site_opens_offline_on_a_machines_graph(published_site, tmp_path):
    """asv's published data read through asv-tachyon's UI: no request leaves 127.0.0.1,
    no console error but asv's own 404s for graphs never recorded on a machine."""
    expected = asv_looked_for_a_graph_never_recorded(published_site)
    html = published_site / "html"
    assert not (html / "index.legacy.html").exists()  # asv's CDN page is not kept
    with browser.serve(html) as url, browser.browser() as chromium:
        page = browser.Page(chromium)
        outside = browser.block_external(page.page)
        graphs: list = []
        page.page.on("response", lambda r: "/graphs/" in r.url and r.ok and graphs.append(r))
        view = page.open(f"{url}/#view=explore&bench=report_fixture.TorchMatMul.time_step"
                         "&machine=alpha")
        view.wait_for_selector("canvas")
        view.wait_for_load_state("networkidle")
        assert "No graph data" not in view.inner_text("body")
        assert graph_points(graphs) >= 1
        view.screenshot(path=str(tmp_path / "asv-graph.png"), full_page=True)
    # asv-tachyon also asks for samples/<graph path>, an optional sidecar asv never writes
    errors = [e for e in page.errors if not expected(e) and "/samples/" not in e]
    assert errors == [] and outside == []
