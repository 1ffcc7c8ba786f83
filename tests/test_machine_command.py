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


def test_rewriting_a_machines_facts_keeps_which_versions_ran_each_commit(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    results = tmp_path / "results"
    assert main(["machine", "--name", "box", "--results", str(results)]) == 0
    path = results / "box" / "machine.facts"
    ran = {"abc123": {"existing-py": {"python": "3.12.3", "packages": {"mlx": "0.30.6"}}}}
    path.write_text(json.dumps({**json.loads(path.read_text()), "environments": ran}))

    assert main(["machine", "--name", "box", "--results", str(results)]) == 0
    assert json.loads(path.read_text())["environments"] == ran
