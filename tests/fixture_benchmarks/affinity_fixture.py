"""Test-only benchmark: the CPUs asv's benchmark process may run on.

Under an ``asv run`` pinned to CPU N, the process may use CPU N alone; the values show
whether the pinning reached the process.
"""

from mpsbench.selfcheck import affinity


class AffinityProbe:
    def setup(self) -> None:
        if affinity.allowed() is None:
            raise NotImplementedError("this OS has no CPU affinity: nothing to probe")

    def track_cpus(self) -> int:
        return len(affinity.allowed())

    def track_lowest_cpu(self) -> int:
        return min(affinity.allowed())
