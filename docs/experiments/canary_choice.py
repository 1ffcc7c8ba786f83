"""Which canary predicts the spread between fresh benchmark processes on this machine?

Starts N fresh processes one after another; each builds the suite's ResNet-50 forward
(inference) at batch 1 on the CPU and a small launch-bound torch op (Softmax, 1x128x768),
times the canary's two kernels (``mpsbench.canary``) before and after, and times the
steps in between. Prints, per canary kernel, its correlation (Pearson r) with each step's
per-process median and the steps' coefficient of variation across processes before and
after dividing by the canary. Results: docs/decisions.md, "The canary".

    nice -n 10 python docs/experiments/canary_choice.py [N]
"""

import json
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, statistics, time, numpy, torch
from mpsbench import canary
from mpsbench.threads import torch_cpu_threads
torch.set_num_threads(torch_cpu_threads(torch))
from mpsbench.workloads import resnet_torch
step = resnet_torch.cached_step("forward_inference", "cpu", 1)
x = torch.randn(1, 128, 768)
def softmax():
    start = time.perf_counter()
    for _ in range(50):
        torch.softmax(x, -1)
    return (time.perf_counter() - start) / 50
softmax()
before = canary.measure()
resnet = []
for _ in range(5):
    start = time.perf_counter(); step(); resnet.append(time.perf_counter() - start)
small = [softmax() for _ in range(20)]
after = canary.measure()
print(json.dumps({"before": before, "after": after, "resnet": statistics.median(resnet),
                  "softmax": statistics.median(small)}))
"""


def cv(values):
    return statistics.stdev(values) / statistics.mean(values)


def main(n: int) -> None:
    rows = []
    for i in range(n):
        done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(i, rows[-1], file=sys.stderr, flush=True)
        time.sleep(1)
    print(f"{n} fresh processes")
    for step in ("resnet", "softmax"):
        times = [r[step] for r in rows]
        print(f"{step}: median {statistics.median(times) * 1e3:.3f} ms, CV {cv(times):.1%}")
        for kernel in ("python", "numpy"):
            for when in ("before", "after", "mean"):
                canaries = [(r["before"][kernel] + r["after"][kernel]) / 2 if when == "mean"
                            else r[when][kernel] for r in rows]
                r = statistics.correlation(canaries, times)
                usual = statistics.median(canaries)
                normalised = [t / (c / usual) for t, c in zip(times, canaries, strict=True)]
                print(f"  {kernel:6} canary {when:6}: r = {r:+.2f}, CV after dividing "
                      f"{cv(normalised):.1%}")
    canaries = [r["before"][k] for r in rows for k in ("python", "numpy")]
    print(f"canary kernels spread: python {cv([r['before']['python'] for r in rows]):.1%}, "
          f"numpy {cv([r['before']['numpy'] for r in rows]):.1%} (CV, before)")
    print(json.dumps(rows))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 16)
