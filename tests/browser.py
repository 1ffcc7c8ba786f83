"""Headless Chromium (Debian's) driven by Playwright, and a static server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def unavailable() -> str | None:
    """Why no browser test can run here, or None when one can."""
    if not Path(CHROMIUM).exists():
        return (f"no {CHROMIUM}: install Debian's chromium (apt-get install chromium; "
                ".ci/run does this when it runs as root)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is missing: pip install -e '.[test]'"
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) while in the block; yields the URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium for the block's duration."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Page:
    """A page that records console errors, page errors and failed requests."""

    def __init__(self, chromium: Any, width: int = 1400) -> None:
        self.page = chromium.new_page(viewport={"width": width, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"{m.text} ({m.location.get('url', '')})"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed",
                     lambda r: self.errors.append(f"failed: {r.url} {r.failure}"))

    def open(self, url: str) -> Any:
        self.page.goto(url, wait_until="load")
        return self.page


def wait_for_charts(page: Any, timeout_ms: int = 30_000) -> int:
    """Wait until every plotly chart on ``page`` has drawn its SVG; returns how many."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.plotly-graph-div')]"
        ".every(d => d.querySelector('.main-svg'))", timeout=timeout_ms)
    return page.locator(".plotly-graph-div").count()


ASSETS = Path(__file__).resolve().parent / "browser_assets" / "node_modules"
CDN_FILES = {  # what asv 0.6.6's index.html loads from CDNs -> the npm copy in ASSETS
    "https://code.jquery.com/jquery-3.3.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js":
        "flot/jquery.flot.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js":
        "flot/jquery.flot.time.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js":
        "flot/jquery.flot.selection.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js":
        "flot/jquery.flot.categories.js",
    "https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js":
        "stupid-table-plugin/stupidtable.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js":
        "blueimp-md5/js/md5.min.js",
}
JSDELIVR_NPM = re.compile(r"^https://cdn\.jsdelivr\.net/npm/(?P<package>[^@/]+)@[^/]+/(?P<path>.+)$")
INTEGRITY = re.compile(r'\s+integrity="[^"]*"')
EXTERNAL = re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*")


def block_external(page: Any) -> list[str]:
    """Refuse every request that leaves 127.0.0.1; returns the URLs that were tried."""
    tried: list[str] = []
    page.route(EXTERNAL, lambda route: (tried.append(route.request.url), route.abort()))
    return tried


def asv_assets_missing() -> str | None:
    """Why asv's site cannot be loaded offline here, or None when it can."""
    if not (ASSETS / "jquery").is_dir():
        return (f"asv's site loads jQuery, flot and bootstrap from CDNs and this network is "
                f"closed; install copies with: npm install --prefix {ASSETS.parent} "
                "--no-package-lock (.ci/run does)")
    return None


def serve_cdn_from_npm(page: Any) -> list[str]:
    """Answer asv's CDN requests from the npm copies; returns the URLs it could not.

    cdnjs's minified flot and stupidtable builds are on no registry, so the page's
    subresource-integrity attributes are dropped (only in what this test serves).
    """
    unknown: list[str] = []

    def cdn(route: Any) -> None:
        url = route.request.url
        match = JSDELIVR_NPM.match(url)
        relative = CDN_FILES.get(url) or (match and f"{match['package']}/{match['path']}")
        path = ASSETS / relative if relative else None
        if path is None or not path.is_file():
            unknown.append(url)
            route.abort()
        else:
            route.fulfill(path=str(path))

    def without_integrity(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=INTEGRITY.sub("", response.text()))

    page.route(EXTERNAL, cdn)
    page.route(re.compile(r"^http://127\.0\.0\.1:\d+/(index\.html)?$"), without_integrity)
    return unknown
