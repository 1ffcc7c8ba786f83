"""Test-only asv benchmarks for ``mpsbench selfcheck``'s A/B check; never shipped.

They live under tests/, outside the package and outside benchmarks/, so no real run
ever sees them.
"""

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
for _path in (str(_ROOT), str(_ROOT / "src")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
