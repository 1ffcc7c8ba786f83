"""Test-only benchmark: whether a 16 MiB block is mmapped in asv's benchmark process.

With the suite's pinned thresholds it comes from the heap (0); with glibc's defaults a
fresh process mmaps it (1). The value shows whether the setting reached the process.
"""

from mpsbench import allocator


class AllocatorProbe:
    def track_block_mmapped(self) -> int:
        mapped = allocator.block_is_mmapped(16 * 2**20)
        if mapped is None:
            raise NotImplementedError("not glibc 2.33 or later: nothing to probe")
        return int(mapped)
