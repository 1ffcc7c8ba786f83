"""Are the GPU's launch-bound steps slow by procedure, or by process?

Each child process times, alternating three times (ABAB, so neither goes first each
time), the suite's step against the outside procedure for the cases that missed on the
H200: ResNet-50 (torch CUDA) at batch 4 and 16, seed 000's loops against the suite's
``TimedStep`` sampled as asv samples (``timeit``, number=1, a per-sample setup); and
two operators at the default point, aukejw's mean of back-to-back calls against the
suite's blocks. Children start three ways: fresh interpreters, fresh interpreters
pinned to one CPU (``taskset``), and forks of a parent that imported torch (as asv's
forkserver does). Prints one JSON line per child, then a table of medians.

The suite's steps share one model here (each benchmark process builds one), so each is
sampled in the mode its phase builds it in. The H200 log (docs/gpu/h200/session7/)
was made before that line was added (commit 85e9bac): there the training steps left
the model in train mode after the first pass, so only that pass compares forward
(inference), as docs/gpu.md says beside the figures.

Usage: ``PYTHONPATH=$PWD/src python3 docs/gpu/experiments/process_levels.py [PROCESSES]``
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import timeit

BATCHES = tuple(int(b) for b in os.environ.get("BATCHES", "4,16").split(","))
ITERATIONS = 15
PASSES = 3
OPS = {"linear": (), "mha": (8, "causal")}
DEVICE = os.environ.get("DEVICE", "gpu")  # DEVICE=cpu: a smoke test anywhere
USED = "cuda" if DEVICE == "gpu" else "cpu"
PINS = os.environ.get("PINS", "8,9").split(",")  # the CPUs pinned children take in turn


def cpu_now() -> int:
    """The CPU this process last ran on (/proc/self/stat, field 39)."""
    with open("/proc/self/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[36])


def median_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1e3, 4)


def asv_samples(step, setup) -> list[float]:
    """``ITERATIONS`` samples of ``step`` as asv takes them: a timeit of one call, each
    after the per-sample setup."""
    timer = timeit.Timer(stmt=step, setup=setup)
    return [timer.timeit(1) for _ in range(ITERATIONS)]


def resnet(found: dict, batch: int, order: int) -> None:
    import torch

    from mpsbench.selfcheck import seed_resnet
    from mpsbench.workloads import resnet_torch

    model = resnet_torch.model_on(DEVICE)[1]
    x = resnet_torch.images(batch)
    x = torch.from_numpy(x).to(USED)

    def seed() -> None:
        regions = seed_resnet.Regions(torch, USED)
        seed_resnet.forward_inference(torch, model, x, ITERATIONS, regions)
        seed_resnet.training(model, x, ITERATIONS, "zero", regions)
        for phase, times in regions.wall.items():
            found.setdefault(f"seed {phase} b{batch}", []).append(median_ms(times))

    def suite() -> None:
        for phase in seed_resnet.PHASES:
            step = resnet_torch.cached_step(phase, DEVICE, batch)
            model.train(phase != "forward_inference")  # the mode the step was built in
            times = asv_samples(step, step.prepare)
            found.setdefault(f"suite {phase} b{batch}", []).append(median_ms(times))

    for run in (seed, suite) if order % 2 == 0 else (suite, seed):
        run()


def op_harness(found: dict, op: str, params: list) -> None:
    from mpsbench.selfcheck import aukejw_layer

    record = aukejw_layer.measure("torch", op, params, min_ms=300.0)
    found.setdefault(f"aukejw {op}", []).append(round(record["median"] * 1e6, 2))


def op_suite(found: dict, op: str, params: list) -> None:
    from mpsbench.ops import steps
    from mpsbench.timing import PerCallClock

    point = steps.point_from_params("torch", op, *params)
    step = steps.cached_step(point)
    timer = timeit.Timer(stmt=step.block, setup=lambda: steps.cached_step(point),
                         timer=PerCallClock(step.calls_per_block))
    samples = [timer.timeit(1) for _ in range(30)]
    found.setdefault(f"suite {op}", []).append(round(statistics.median(samples) * 1e6, 2))


def ops(found: dict, order: int) -> None:
    for op, extra in OPS.items():
        params = [DEVICE, "float16", "eager", "forward", 1, 128, *extra]
        for run in (op_harness, op_suite) if order % 2 == 0 else (op_suite, op_harness):
            run(found, op, params)


def child(how: str) -> dict:
    from mpsbench.selfcheck import refprocess

    record = refprocess.start() | {"how": how}
    import torch

    refprocess.torch_threads(torch)
    found: dict = {}
    for order in range(PASSES):
        for batch in BATCHES:
            resnet(found, batch, order)
        ops(found, order)
    record |= {"cpu_end": cpu_now(), "affinity": sorted(os.sched_getaffinity(0)),
               "found": found}
    return record


def forked(count: int) -> list[dict]:
    """``count`` children forked from this process, which has imported torch and
    torchvision (no CUDA), one after the other."""
    import torch  # noqa: F401
    import torchvision  # noqa: F401

    records = []
    for _ in range(count):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            with os.fdopen(write, "w") as out:
                out.write(json.dumps(child("forked")))
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as source:
            records.append(json.loads(source.read()))
        os.waitpid(pid, 0)
    return records


def fresh(pin: str | None) -> dict:
    command = [sys.executable, __file__, "--child", "pinned" if pin else "fresh"]
    if pin:
        command = ["taskset", "-c", pin, *command]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2])))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    records = []
    for index in range(count):
        records.append(fresh(None))
        records.append(fresh(PINS[index % len(PINS)]))
        for record in records[-2:]:
            print(json.dumps(record), flush=True)
    for record in forked(count):
        print(json.dumps(record), flush=True)
        records.append(record)
    keys = list(records[0]["found"])
    print("\nmedian of each pass (ms for ResNet-50, us for the ops), per child:")
    for record in records:
        cells = " ".join(f"{key}={'/'.join(str(v) for v in record['found'][key])}"
                         for key in keys)
        print(f"{record['how']:7} cpu={record['cpu_end']:2} {cells}")


if __name__ == "__main__":
    main()
