"""ResNet-50 forward (inference) in one fresh process per allocator variant.

Run: python3 docs/experiments/allocator_variants.py MODE BATCH, MODE one of default,
gradfirst (one grad-mode forward first, as seed 000 does), mallopt (the suite's pinned
thresholds) or env (run with MALLOC_MMAP_THRESHOLD_=33554432
MALLOC_TRIM_THRESHOLD_=4294967296 set). T=N sets torch's threads (default 1).
Prints the median of calls 2-6 and every call.
"""

import ctypes
import os
import statistics
import sys
import time

mode, batch = sys.argv[1], int(sys.argv[2])
if mode == "mallopt":
    libc = ctypes.CDLL("libc.so.6")
    assert libc.mallopt(-3, 32 * 2**20) == 1  # M_MMAP_THRESHOLD
    assert libc.mallopt(-1, 2**31 - 1) == 1  # M_TRIM_THRESHOLD

import torch  # noqa: E402  (after the allocator is set)
import torchvision  # noqa: E402

torch.set_num_threads(int(os.environ.get("T", "1")))
torch.manual_seed(0)
model = torchvision.models.resnet50(weights=None).eval()
x = torch.randn(batch, 3, 224, 224)
if mode == "gradfirst":
    model(x)
times = []
for _ in range(6):
    start = time.perf_counter()
    with torch.inference_mode():
        model(x)
    times.append(time.perf_counter() - start)
print(mode, batch, f"{statistics.median(times[1:]):.4f}", " ".join(f"{t:.3f}" for t in times))
