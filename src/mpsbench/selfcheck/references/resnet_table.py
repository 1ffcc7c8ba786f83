"""The ResNet table's procedure, run in its own process: the suite's outside reference.

``python -m mpsbench.selfcheck.references.resnet_table --device cpu --batch 1 --iterations 10``
prints JSON: seconds per iteration (mean and median) of the ResNet table's three phases, and
the process's CPU time over its wall time inside the timed regions (``cpu_share``).
Written from the original script's published procedure, not from the suite's steps:

1. ``warmup`` forwards in eval mode, grad enabled;
2. ``iterations`` forwards under ONE ``torch.inference_mode()`` block (forward, inference);
3. ``iterations`` train-mode forwards (forward, training), each followed by
   ``loss = out.abs().mean()`` (untimed) and a timed ``loss.backward()`` (backward,
   training).

The device is synchronized before every clock read (nothing to wait for on the CPU);
on CUDA, events around each timed region give the GPU's own time too. The model and
images are the suite's (torchvision's resnet50 with seeded random weights, never
downloaded; seeded images), so only the procedure differs.

``--grads accumulate`` (the original script) never zeroes gradients, so each backward adds into
the last one's; ``--grads zero`` (the faithful variant) sets them to None before each
training iteration, untimed, as the suite's backward step does.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from mpsbench.catalogue import RESNET_TABLE_PHASES
from mpsbench.selfcheck.references import refprocess

WARMUP = 10
GRADS = ("accumulate", "zero")
PHASES = tuple(phase.id for phase in RESNET_TABLE_PHASES)


class Regions:
    """Wall time (and CUDA-event time on CUDA) of timed regions, per phase.

    The device is synchronized before each clock read: before the region starts and
    after its work.
    """

    def __init__(self, torch: Any, device: str) -> None:
        from mpsbench.selfcheck.reference_clock import torch_sync

        self.torch = torch
        self.sync = torch_sync(torch, device)
        self.events = device == "cuda"
        self.wall: dict[str, list[float]] = {phase: [] for phase in PHASES}
        self.gpu: dict[str, list[float]] = {phase: [] for phase in PHASES}
        self.cpu = 0.0  # this process's CPU seconds inside the regions

    @property
    def cpu_share(self) -> float:
        """The process's CPU time over the wall time inside the regions (on the CPU,
        below 1 when other work took the core)."""
        wall = sum(sum(times) for times in self.wall.values())
        return self.cpu / wall if wall else float("nan")

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        if self.events:
            start, end = (self.torch.cuda.Event(enable_timing=True) for _ in range(2))
        self.sync()
        began, cpu = time.perf_counter(), time.process_time()
        if self.events:
            start.record()
        yield
        if self.events:
            end.record()
        self.sync()
        self.wall[phase].append(time.perf_counter() - began)
        self.cpu += time.process_time() - cpu
        if self.events:
            self.gpu[phase].append(start.elapsed_time(end) / 1000.0)


def forward_inference(torch: Any, model: Any, x: Any, iterations: int,
                      regions: Regions) -> None:
    """Every forward under one ``torch.inference_mode()`` block, eval mode."""
    model.eval()
    with torch.inference_mode():
        for _ in range(iterations):
            with regions.timed("forward_inference"):
                model(x)


def training(model: Any, x: Any, iterations: int, grads: str, regions: Regions) -> None:
    """Train-mode forwards, each followed by ``out.abs().mean()`` and its backward.

    ``grads='accumulate'`` leaves the gradients to add up over the iterations (the
    seed); ``'zero'`` sets them to None before each iteration, outside the clocks.
    """
    if grads not in GRADS:
        raise ValueError(f"grads must be one of {GRADS}, not {grads!r}")
    model.train()
    for _ in range(iterations):
        if grads == "zero":
            model.zero_grad(set_to_none=True)
        with regions.timed("forward_training"):
            out = model(x)
        loss = out.abs().mean()
        with regions.timed("backward_training"):
            loss.backward()


def procedure(torch: Any, model: Any, x: Any, iterations: int, grads: str, device: str,
              warmup: int = WARMUP) -> Regions:
    """The ResNet table's three phases on ``model`` and ``x``, after its eval-mode warm-up."""
    regions = Regions(torch, device)
    model.eval()
    for _ in range(warmup):
        model(x)
    regions.sync()
    forward_inference(torch, model, x, iterations, regions)
    training(model, x, iterations, grads, regions)
    return regions


def measure(device: str, batch: int, iterations: int, grads: str,
            warmup: int = WARMUP) -> dict[str, Any]:
    """Build the suite's model and images on ``device`` and run the ResNet table's procedure."""
    from mpsbench.backends.torch_backend import resolve_torch_device
    from mpsbench.frameworks import require
    from mpsbench.workloads.resnet_torch import build_resnet50, images

    torch = require("torch")
    require("torchvision")
    threads = refprocess.torch_threads(torch)
    used = resolve_torch_device(device, torch.backends.mps.is_available(),
                                torch.cuda.is_available())
    model = build_resnet50().to(used)
    x = torch.from_numpy(images(batch)).to(used)
    regions = procedure(torch, model, x, iterations, grads, used, warmup)
    phases = {}
    for phase in PHASES:
        phases[phase] = refprocess.summary(regions.wall[phase])
        if regions.gpu[phase]:
            phases[phase]["events"] = refprocess.summary(regions.gpu[phase])
    return {"procedure": "ResNet table", "device": device, "used": used,
            "batch": batch, "iterations": iterations, "warmup": warmup, "grads": grads,
            "threads": threads, "torch": torch.__version__, "cpu_share": regions.cpu_share,
            "phases": phases}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mpsbench.selfcheck.references.resnet_table",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=10,
                        help="timed iterations of each phase (default: 10)")
    parser.add_argument("--warmup", type=int, default=WARMUP,
                        help=f"eval-mode warm-up forwards (default: {WARMUP})")
    parser.add_argument("--grads", choices=GRADS, default="accumulate",
                        help="accumulate (the original script) or zero before each training "
                        "iteration")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    return refprocess.main(partial(measure, args.device, args.batch, args.iterations,
                                   args.grads, args.warmup))


if __name__ == "__main__":
    raise SystemExit(main())
