"""The report names every release a machine skipped, with the reason its stack gives."""

from __future__ import annotations

import pandas as pd

from mpsbench.report import skipped
from mpsbench.report.sections import Machine
from mpsbench.results import FAILED, MEASURED

LINUX = {"os": "Linux-6.1-x86_64-with-glibc2.36", "arch": "x86_64", "python": "3.11.7"}
STACKS = {
    "c1": {"mlx": {"version": "0.19.3", "wheels": {"macos-arm64": ["3.11"]}}},
    "c2": {"mlx": {"version": "0.30.6", "wheels": {"linux-x86_64": ["3.11"]}}},
    "c3": {"mlx": {"version": "0.30.7", "wheels": {"linux-x86_64": ["3.11"]}}},
}


def machine(values: dict[str, float]) -> Machine:
    """One value per commit; a NaN one failed in asv."""
    rows = pd.DataFrame([{"commit": commit, "cls": "MLXLinear", "value": value,
                          "status": FAILED if pd.isna(value) else MEASURED,
                          "date": pd.Timestamp(f"2025-01-0{i}")}
                         for i, (commit, value) in enumerate(values.items(), 1)])
    return Machine("m", rows, LINUX, {})


def test_skipped_releases_come_with_their_reason_in_release_order(monkeypatch):
    monkeypatch.setattr(skipped, "stack_at", lambda history, commit: STACKS[commit])
    tags = {"c1": "mlx-0.19.3", "c2": "mlx-0.30.6", "c3": "mlx-0.30.7"}
    found = skipped.skipped(machine({"c1": float("nan"), "c2": 0.1, "c3": float("nan")}),
                            tags, history=None)
    assert found == [("mlx-0.19.3", "no wheel for linux-x86_64 (wheels for: macos-arm64)"),
                     ("mlx-0.30.7", skipped.ALL[FAILED])]
    assert "failed in asv" in skipped.ALL[FAILED]
    html = skipped.skipped_block(machine({"c1": float("nan")}), tags, history=None)
    assert "<b>mlx-0.19.3</b>: no wheel for linux-x86_64" in html


def test_a_mac_machine_is_judged_as_a_mac():
    host = skipped.host_of({"os": "macOS 14.5", "arch": "arm64", "python": "3.12.1"})
    assert (host.platform, host.python, host.macos) == ("macos-arm64", "3.12", "14.5")
