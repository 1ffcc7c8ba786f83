"""A second machine's results folder, gathered beside the first, publishes into one site."""

from __future__ import annotations

import json
import shutil

import pytest

from .asv_recording import asv, record, write_config

BENCH = r"transformer\.TorchSoftmax\.time_step\('cpu', 'float16', 'eager', 'forward'"


@pytest.mark.slow
def test_a_contributed_machine_folder_merges_into_the_same_site(tmp_path):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    record(ours, BENCH, machine="ours-linux")
    record(theirs, BENCH, machine="their-mac")
    # what a contributor sends back: one folder, copied in beside ours
    shutil.copytree(theirs / "results" / "their-mac", ours / "results" / "their-mac")
    asv(ours, "publish", "--config", str(write_config(ours)))
    index = json.loads((ours / "html" / "index.json").read_text())
    assert set(index["params"]["machine"]) == {"ours-linux", "their-mac"}
    graphs = [p.as_posix() for p in (ours / "html" / "graphs").rglob("*.json")]
    for machine in ("ours-linux", "their-mac"):
        assert any(f"machine-{machine}/" in g and "TorchSoftmax" in g for g in graphs)
