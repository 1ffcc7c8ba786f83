"""mpsbench's asv benchmarks. They import ``mpsbench`` from this working tree's src/.

Importing this package first pins the C allocator's thresholds (``mpsbench.allocator``),
so every benchmark process starts from the same allocator state. It imports no
framework, except in asv's forkserver on Linux, which imports torch and torchvision once
so that its forked children need not (``mpsbench.launch``). ``MPSBENCH_PROBE`` turns
on ``mpsbench selfcheck``'s recording. Every benchmark process that runs its samples
times the host's canary after them and spools it (``mpsbench.canary``).
"""

import sys
from pathlib import Path

_SRC = str(Path(__file__).resolve().parents[1] / "src")
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)

from mpsbench import allocator, canary, launch  # noqa: E402  (needs src on the path)
from mpsbench.selfcheck import probe  # noqa: E402

allocator.configure()  # first: before any framework allocates (mpsbench.allocator)
probe.install_if_requested()
canary.install()
launch.preimport_for_forkserver()
