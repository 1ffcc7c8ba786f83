"""The docs' images show real runs: no test fixture's name on the pages they were taken from.

``docs/experiments/screenshots.py`` saves, beside the images, the text Chromium rendered
on each page it photographed (``docs/screenshots.json``).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixture_names import fixture_names, fixture_names_in

DOCS = Path(__file__).resolve().parents[1] / "docs"
MANIFEST = json.loads((DOCS / "screenshots.json").read_text())


def test_every_image_in_docs_has_the_page_it_was_taken_from():
    images = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.png")}
    assert images == set(MANIFEST["images"])
    assert set(MANIFEST["images"].values()) == set(MANIFEST["pages"])


def test_the_pages_show_the_suite_and_no_fixture():
    for page, text in MANIFEST["pages"].items():
        assert "transformer." in text or "resnet50." in text, f"{page} shows no benchmark"
        assert not fixture_names_in(text), f"{page} shows {fixture_names_in(text)}"


def test_fixture_names_are_the_test_suites_benchmarks():
    names = fixture_names()
    assert {"report_fixture.MatMul", "report_fixture.TorchMatMul",
            "allocator_fixture.AllocatorProbe", "slowed.TorchForwardInference"} <= names
    assert fixture_names_in("report_fixture.MatMul track_flops") == ["report_fixture.MatMul"]
    assert not fixture_names_in("resnet50.TorchForwardInference.time_step")
