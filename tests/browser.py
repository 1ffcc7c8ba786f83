"""Headless Chromium (Debian's) driven by Playwright, and a static server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
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
    if shutil.which("chromium") is None and not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} is not a file"
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
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
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
