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


def test_report_renders_charts_and_seed_table_without_errors(published_site, tmp_path):
    html = published_site / "html"
    expected = (html / "mpsbench" / "index.html").read_text().count('class="plotly-graph-div"')
    with browser.serve(html) as url, browser.browser() as chromium:
        page = browser.Page(chromium)
        outside = browser.block_external(page.page)
        report = page.open(f"{url}/mpsbench/index.html")
        assert browser.wait_for_charts(report) == expected >= 6
        heatmap_text = report.locator(".plotly-graph-div g.heatmap-label text").all_text_contents()
        assert any(re.fullmatch(r"[\d.]+×", text) for text in heatmap_text)
        seed = report.locator("table.seed-table").first.inner_text()
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


@pytest.mark.skipif(browser.asv_assets_missing() is not None,
                    reason=f"asv site check skipped: {browser.asv_assets_missing()}")
def test_asv_site_shows_the_graphs_and_each_machines_facts(published_site, tmp_path):
    expected = asv_looked_for_a_graph_never_recorded(published_site)
    with browser.serve(published_site / "html") as url, browser.browser() as chromium:
        page = browser.Page(chromium)
        unknown = browser.serve_cdn_from_npm(page.page)
        grid = page.open(f"{url}/")
        grid.wait_for_selector(".benchmark-container .benchmark-plot canvas")
        grid.screenshot(path=str(tmp_path / "asv-grid.png"), full_page=True)
        graph = page.open(f"{url}/#report_fixture.TorchMatMul.time_step")
        graph.wait_for_selector("#main-graph canvas.flot-base")
        graph.get_by_role("button", name="alpha", exact=True).hover()
        facts = graph.locator(".tooltip").inner_text()
        graph.screenshot(path=str(tmp_path / "asv-graph.png"), full_page=True)
    assert "cpu:" in facts and "GPU" in facts and "ram:" in facts
    errors = [e for e in page.errors if not expected(e)]
    assert errors == [], errors
    assert unknown == []
