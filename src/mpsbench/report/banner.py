"""The report's first lines: whose machines the numbers come from, and what is missing."""

from __future__ import annotations

from html import escape
from pathlib import Path

from mpsbench.report.sections import Machine

CONTRIBUTE = ("https://github.com/mpsbench/mpsbench"
              "#recording-a-history-and-contributing-your-machine")


def is_apple_silicon(asv_info: dict) -> bool:
    """A Mac with an Apple GPU, by what asv recorded of the machine."""
    return asv_info.get("arch") == "arm64" and str(asv_info.get("os", "")).startswith(
        ("macOS", "Darwin"))


def banner(machines: list[Machine], results_dir: Path) -> str:
    """Which machines recorded what the page shows, which folders it leaves out, and
    whether any Apple-silicon machine has contributed yet (with how to)."""
    shown = [f"<b>{escape(m.name)}</b> ({escape(str(m.asv_info.get('cpu', 'unknown CPU')))})"
             for m in machines]
    folders = sorted(p.name for p in results_dir.iterdir()
                     if p.is_dir() and any(f.name != "machine.json" for f in p.glob("*.json")))
    left_out = [name for name in folders if name not in {m.name for m in machines}]
    parts = [f"Recorded on {', '.join(shown) or 'no machine yet'}."]
    if left_out:
        parts.append(f"Left out: {escape(', '.join(left_out))}, whose results were all "
                     "recorded by an older version of the suite (its benchmarks have "
                     "changed since; details under 'Notes on the input').")
    if not any(is_apple_silicon(m.asv_info) for m in machines):
        parts.append("No Apple-silicon machine has contributed yet, so nothing here is torch "
                     f"on MPS or MLX on Metal: <a href=\"{CONTRIBUTE}\">record and send "
                     "yours</a> (two commands).")
    return f'<div class="banner">{" ".join(parts)}</div>'
