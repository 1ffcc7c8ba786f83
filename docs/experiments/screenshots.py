"""Screenshots of the published history (asv's site and mpsbench's report), in Chromium.

Run after 'mpsbench publish' of real results, from the repository root, with every
request off 127.0.0.1 refused (the site must draw offline):
    python3 docs/experiments/screenshots.py [--html DIR]
Writes docs/asv-index.png, docs/history-*.png, docs/report*.png, and beside them
docs/screenshots.json: the page each image shows and that page's text as Chromium
rendered it, which tests/test_docs_images.py keeps free of test fixtures' names. It
refuses to write anything from a page that names a fixture.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.browser import Page, block_external, browser, serve, wait_for_charts  # noqa: E402
from tests.fixture_names import fixture_names_in  # noqa: E402

DOCS = Path("docs")
MANIFEST = DOCS / "screenshots.json"
MACHINE = "linux-cpu-2core"
ASV_VIEWS = {  # asv's published tree, read through asv-tachyon's UI
    "asv-index.png": "index.html",
    "history-resnet50-torch.png": "index.html#view=explore"
                                  f"&bench=resnet50.TorchForwardInference.time_step&machine={MACHINE}",
    "history-sdpa-mlx.png": f"index.html#view=explore&bench=transformer.MLXSDPA.time_step"
                            f"&machine={MACHINE}",
    "history-regressions.png": "index.html#view=regressions",
}
REPORT = "mpsbench/index.html"
REPORT_SECTIONS = {  # image -> the report's section (its id, or a chart's heading) at its top
    "history-report-trends.png": "resnet50.ForwardInference.time_step",
    "report.png": "machines",
    "report-llm.png": "llm",
    "report-operators.png": "default-point",
    "report-changes.png": "changes",
    "report-metrics.png": "metrics",
}


def page_text(opened, page: str) -> str:
    """The rendered text of ``page``; exits if it names a test fixture."""
    text = opened.evaluate("document.body.innerText")
    if found := fixture_names_in(text):
        raise SystemExit(f"{page} shows test fixtures ({', '.join(found)}); publish real "
                         "results")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=Path("html"),
                        help="the published site (asv publish, then mpsbench report)")
    html = parser.parse_args().html
    pages: dict[str, str] = {}
    images: dict[str, str] = {}
    with serve(html) as url, browser() as chromium:
        for name, view in ASV_VIEWS.items():
            page = Page(chromium)
            outside = block_external(page.page)
            opened = page.open(f"{url}/{view}")
            opened.wait_for_timeout(4000)
            pages[view] = page_text(opened, view)
            opened.screenshot(path=DOCS / name)
            images[name] = view
            if outside:
                raise SystemExit(f"{view} asked for {outside[0]}: the site must draw offline")
        opened = Page(chromium).open(f"{url}/{REPORT}")
        wait_for_charts(opened, 60_000)
        pages[REPORT] = page_text(opened, REPORT)
        for name, section in REPORT_SECTIONS.items():
            opened.evaluate("s => (document.getElementById(s) || [...document.querySelectorAll("
                            "'h3')].find(h => h.textContent === s)).scrollIntoView()", section)
            opened.screenshot(path=DOCS / name)
            images[name] = REPORT
    MANIFEST.write_text(json.dumps({"images": images, "pages": pages}, indent=1) + "\n")
    print("wrote", ", ".join(str(DOCS / n) for n in images), "and", MANIFEST)


if __name__ == "__main__":
    main()
