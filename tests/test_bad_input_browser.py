"""A machine name holding markup, which the old ``mpsbench machine`` accepted, in Chromium.

asv's published pages show each machine's fields in Bootstrap tooltips with ``html: true``,
so a name like the one below runs in every visitor's browser. The control half of the
test shows that it does, for results filed under it by other means (asv alone); the other
half shows that ``mpsbench machine`` refuses the name, so its site never carries it.
"""

from __future__ import annotations

import json
import shutil

import pytest

from mpsbench.cli import main

from . import browser
from .asv_recording import asv
from .test_bad_input import rename_machine, snapshot

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(browser.unavailable() is not None,
                       reason=f"browser test skipped: {browser.unavailable()}"),
    pytest.mark.skipif(browser.asv_assets_missing() is not None,
                       reason=f"asv site check skipped: {browser.asv_assets_missing()}"),
]

HOSTILE = "<img src=x onerror=window.__xss=1>"  # no slash: a legal folder name


def publish(published_site, site):
    config = json.loads((published_site / "asv.conf.json").read_text())
    config.update(results_dir=str(site / "results"), html_dir=str(site / "html"))
    (site / "asv.conf.json").write_text(json.dumps(config))
    asv(site, "publish", "--config", str(site / "asv.conf.json"))


def ran_script_on_hover(site, buttons: list[str]) -> tuple[list[str], bool]:
    """Open the graph page, hover every machine button; the buttons' names and whether
    any markup in a machine's fields ran."""
    with browser.serve(site / "html") as url, browser.browser() as chromium:
        page = browser.Page(chromium)
        unknown = browser.serve_cdn_from_npm(page.page)
        graph = page.open(f"{url}/#report_fixture.TorchMatMul.time_step")
        graph.wait_for_selector("#main-graph canvas.flot-base")
        found = graph.locator("#range .btn, .btn").all_inner_texts()
        for name in buttons:
            graph.get_by_role("button", name=name, exact=True).first.hover()
            graph.wait_for_selector(".tooltip")
            graph.mouse.move(0, 0)
        ran = graph.evaluate("() => window.__xss === 1")
    assert unknown == []
    return [text.strip() for text in found], ran


def test_a_hostile_machine_name_is_refused_and_never_reaches_the_site(published_site,
                                                                      tmp_path, capsys,
                                                                      monkeypatch):
    # control: filed by asv alone, the name's markup runs when its tooltip shows
    control = tmp_path / "control"
    shutil.copytree(published_site / "results", control / "results")
    rename_machine(control / "results", "alpha", HOSTILE)
    publish(published_site, control)
    _, ran = ran_script_on_hover(control, ["beta", HOSTILE])
    assert ran, "asv's tooltip no longer runs machine fields as HTML: the control is void"

    # through mpsbench: refused, nothing written, and the published site has no such name
    site = tmp_path / "site"
    shutil.copytree(published_site / "results", site / "results")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    before = snapshot(site)
    assert main(["machine", "--name", HOSTILE, "--results", str(site / "results")]) == 2
    assert f"machine name {HOSTILE!r} is not allowed" in capsys.readouterr().err
    assert snapshot(site) == before and not (tmp_path / "home").exists()
    publish(published_site, site)
    buttons, ran = ran_script_on_hover(site, ["alpha", "beta"])
    assert not ran
    assert not any("img" in b or "onerror" in b for b in buttons)
    assert HOSTILE not in (site / "html" / "index.json").read_text()


def hostile_contribution(published_site, site) -> None:
    """results/evilbox: alpha's results under a valid name, with markup in every
    machine.json field asv shows and in a key of its results' params."""
    results = site / "results"
    shutil.copytree(published_site / "results", results)
    shutil.copytree(results / "alpha", results / "evilbox")
    rename_machine(results, "evilbox", "evilbox")
    info = results / "evilbox" / "machine.json"
    fields = ("cpu", "os", "arch", "ram", "num_cpu", "allocator", "torch_threads")
    info.write_text(json.dumps({**json.loads(info.read_text()),
                                **dict.fromkeys(fields, HOSTILE)}))
    for path in (results / "evilbox").glob("*-existing-*.json"):
        data = json.loads(path.read_text())
        data["params"][HOSTILE] = "x"
        path.write_text(json.dumps(data))


def test_a_hostile_contributed_folder_is_refused_by_publishing_and_named(published_site,
                                                                         tmp_path, capsys):
    from mpsbench.commands.publish import admitted_publish

    # control: asv alone publishes it, and its markup runs in the browser
    control = tmp_path / "control"
    hostile_contribution(published_site, control)
    publish(published_site, control)
    _, ran = ran_script_on_hover(control, ["alpha", "evilbox"])
    assert ran, "asv's site no longer runs machine fields or param keys: the control is void"

    # through the gate: the folder is left out, named, and nothing of it reaches html/
    site = tmp_path / "site"
    hostile_contribution(published_site, site)
    config = json.loads((published_site / "asv.conf.json").read_text())
    config.update(results_dir=str(site / "results"), html_dir=str(site / "html"))
    (site / "asv.conf.json").write_text(json.dumps(config))
    before = snapshot(site / "results")
    admitted_publish(site / "asv.conf.json", site / "results")
    assert snapshot(site / "results") == before
    (note,) = [line for line in capsys.readouterr().err.splitlines() if "left out" in line]
    assert note.startswith(f"note: left out {site / 'results' / 'evilbox'}: ")
    assert "holds characters outside letters, digits" in note
    buttons, ran = ran_script_on_hover(site, ["alpha", "beta"])
    assert not ran and "evilbox" not in buttons
    published = "".join(p.read_text(errors="replace") for p in (site / "html").rglob("*.json"))
    assert "evilbox" not in published and "onerror" not in published
