"""Which canary predicts the spread between fresh benchmark processes on this machine?

Starts N fresh processes one after another; each builds the suite's ResNet-50 forward
(inference) at batch 1 on DEVICE (cpu, or gpu: CUDA/MPS, the suite's device names) and a
small launch-bound torch op (Softmax, 1x128x768, synchronized),
times the canary's two kernels (``mpsbench.canary``) before and after, and times the
steps in between. Prints, per candidate canary (each kernel's best of 3 before
and after the steps, the loop's median of 3, and the share of wall time the process
waited for a CPU while it ran the steps), its correlation (Pearson r) with each step's
per-process median, and the steps' coefficient of variation across processes, before
and after dividing by the host index the suite keeps (``canary.slowness``).
Results: docs/decisions.md, "The canary".

    nice -n 10 python docs/experiments/canary_choice.py [N [DEVICE]]
"""

import json
import statistics
import subprocess
import sys
import time

from mpsbench import canary

CHILD = r"""
import json, statistics, sys, time, numpy, torch
from mpsbench import canary
from mpsbench.threads import torch_cpu_threads
torch.set_num_threads(torch_cpu_threads(torch))
from mpsbench.workloads import resnet_torch
device, steps = sys.argv[1], int(sys.argv[2])
step = resnet_torch.cached_step("forward_inference", device, 1)
backend = step.backend
x = torch.randn(1, 128, 768, device=backend.device)
def softmax():
    start = time.perf_counter()
    for _ in range(50):
        torch.softmax(x, -1)
    backend.synchronize()
    return (time.perf_counter() - start) / 50
softmax()
before = canary.measure()
waiting = canary.Waiting()
resnet = []
for _ in range(steps):
    start = time.perf_counter(); step(); resnet.append(time.perf_counter() - start)
small = [softmax() for _ in range(20)]
waited = waiting.share()
after = canary.measure()
loop = statistics.median(canary.python_loop() for _ in range(3))
print(json.dumps({"before": before, "after": after, "resnet": statistics.median(resnet),
                  "softmax": statistics.median(small), "waited": waited, "loop_median": loop}))
"""


def cv(values):
    return statistics.stdev(values) / statistics.mean(values)


def main(n: int, device: str) -> None:
    steps = 5 if device == "cpu" else 30  # a GPU forward at batch 1 takes milliseconds
    rows = []
    for i in range(n):
        done = subprocess.run([sys.executable, "-c", CHILD, device, str(steps)],
                              capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(i, rows[-1], file=sys.stderr, flush=True)
        time.sleep(1)
    print(f"{n} fresh processes, ResNet-50 on {device}")
    for step in ("resnet", "softmax"):
        times = [r[step] for r in rows]
        print(f"{step}: median {statistics.median(times) * 1e3:.3f} ms, CV {cv(times):.1%}")
        candidates = {f"{kernel} {when}": [r[when][kernel] for r in rows]
                      for kernel in ("python", "numpy") for when in ("before", "after")}
        candidates["python loop, median of 3, after"] = [r["loop_median"] for r in rows]
        candidates["run-queue wait share while sampling"] = [r["waited"] for r in rows]
        index = [canary.slowness({**r["after"], "waited": r["waited"]}) for r in rows]
        candidates["host index (numpy after, over 1 - wait share)"] = index
        for name, canaries in candidates.items():
            print(f"  {name}: r = {statistics.correlation(canaries, times):+.2f}")
        divided = [t / i for t, i in zip(times, index, strict=True)]
        print(f"  divided by the host index: CV {cv(divided):.1%}")
    print(f"canary kernels spread: python {cv([r['before']['python'] for r in rows]):.1%}, "
          f"numpy {cv([r['before']['numpy'] for r in rows]):.1%} (CV, before)")
    print(json.dumps(rows))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 16,
         sys.argv[2] if len(sys.argv) > 2 else "cpu")
