"""Screenshots of the published history (asv's site and mpsbench's report), in Chromium.

Run after 'asv publish' and 'mpsbench report', from the repository root:
    python3 docs/experiments/screenshots.py
Writes docs/history-*.png and docs/report.png (the report's pages must name no test
fixture: the script refuses to shoot one that does).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.browser import Page, browser, serve, serve_cdn_from_npm, wait_for_charts  # noqa: E402

MACHINE = "linux-cpu-2core"
ASV_VIEWS = {
    "history-resnet50-torch.png": "#resnet50.TorchForwardInference.time_step"
                                  f"?machine={MACHINE}&p-device=%27cpu%27&p-batch=4",
    "history-sdpa-mlx.png": "#transformer.MLXSDPA.time_step"
                            f"?machine={MACHINE}&p-device=%27cpu%27&p-phase=%27forward%27"
                            "&p-mode=%27eager%27",
    "history-regressions.png": "#regressions",
}


def main() -> None:
    html = Path("html")
    report = (html / "mpsbench" / "index.html").read_text()
    if "report_fixture" in report:
        raise SystemExit("html/mpsbench/index.html shows test fixtures; publish real results")
    with serve(html) as url, browser() as chromium:
        for name, view in ASV_VIEWS.items():
            page = Page(chromium)
            serve_cdn_from_npm(page.page)
            opened = page.open(f"{url}/index.html{view}")
            opened.wait_for_timeout(4000)
            opened.screenshot(path=f"docs/{name}")
        page = Page(chromium)
        opened = page.open(f"{url}/mpsbench/index.html")
        wait_for_charts(opened, 60_000)
        opened.locator("#trends").scroll_into_view_if_needed()
        opened.screenshot(path="docs/history-report-trends.png")
        opened.locator("#seed").scroll_into_view_if_needed()
        opened.screenshot(path="docs/report.png")
    print("wrote", ", ".join(["docs/report.png", "docs/history-report-trends.png",
                              *(f"docs/{n}" for n in ASV_VIEWS)]))


if __name__ == "__main__":
    main()
