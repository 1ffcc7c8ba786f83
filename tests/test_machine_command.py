"""``mpsbench machine``: asv's machine file and the facts file, under the hostname too."""

from __future__ import annotations

import json
import socket

from mpsbench.cli import main


def test_hostname_machine_is_stored_for_asv_with_the_gpu_field(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    name = socket.gethostname()  # the name 'asv machine' itself fails to store
    assert main(["machine", "--name", name, "--results", str(tmp_path / "results")]) == 0

    stored = json.loads((tmp_path / ".asv-machine.json").read_text())[name]
    assert stored["machine"] == name
    assert stored["cpu"].endswith(("; no GPU",)) or "; GPU: " in stored["cpu"]
    assert stored["num_cpu"] and stored["arch"]

    facts = json.loads((tmp_path / "results" / name / "machine.facts").read_text())
    assert facts["machine"] == name and "torch" in facts["packages"]
