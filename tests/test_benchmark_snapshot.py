"""The discovered benchmark list, compared whole against a committed snapshot.

Names, param names and values, versions, units and types are what asv files results
under: a change to any of them starts a new series or drops an old one. This test makes
every such change deliberate: when it is meant, regenerate the snapshot with
``python -m tests.test_benchmark_snapshot`` and commit it with the change (and bump the
``version`` of every benchmark whose values change).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

SNAPSHOT = Path(__file__).with_name("benchmark_snapshot.json")


def discovered() -> dict[str, dict]:
    """What asv's discovery lists for the default grid, in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from asv_runner.discovery import disc_benchmarks\n"
        f"found = {{b.name: {{'type': type(b).__name__, 'version': str(b.version),\n"
        "    'unit': getattr(b, 'unit', ''), 'param_names': list(b.param_names),\n"
        "    'params': [[repr(v) for v in axis] for axis in b._params]}\n"
        f"    for b in disc_benchmarks({str(ROOT / 'benchmarks')!r})}}\n"
        "json.dump(found, sys.stdout, indent=1, sort_keys=True)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPSBENCH_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, check=True, timeout=300)
    return json.loads(done.stdout)


def test_the_benchmark_list_is_the_committed_one():
    now, then = discovered(), json.loads(SNAPSHOT.read_text())
    added, removed = sorted(now.keys() - then.keys()), sorted(then.keys() - now.keys())
    changed = sorted(name for name in now.keys() & then.keys() if now[name] != then[name])
    assert not (added or removed or changed), (
        f"added {added}, removed {removed}, changed {changed}: if meant, run "
        "'python -m tests.test_benchmark_snapshot' and commit tests/benchmark_snapshot.json")


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(discovered(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")
