"""The "External fidelity" section of docs/performance.md, from ``ExternalFindings``."""

from __future__ import annotations

import os
import time

from mpsbench.grids import GRIDS
from mpsbench.report.units import seconds
from mpsbench.selfcheck import analysis, markdown
from mpsbench.selfcheck.cases import resnet_case
from mpsbench.selfcheck.external import PINNED_THREADS, ExternalFindings
from mpsbench.selfcheck.measure import FidelityRow, summary_cells
from mpsbench.selfcheck.references import layer_harness, resnet_table

TITLE = "## External fidelity"
HEADERS = ["case", "device", "outside procedure", "suite (asv stored)", "reference",
           "ratio", "verdict", "as written", "ratio as written", "CUDA events",
           "reference's CPU share"]


def _optional(value: float | None) -> str:
    """Seconds, or '-' where the procedure has no such figure (no CUDA events on the CPU)."""
    return "-" if value is None else seconds(value)


def _row(row: FidelityRow) -> list[str]:
    where = f"{row.device} ({row.used})" if row.used else row.device
    if row.unavailable:
        reason = row.unavailable.splitlines()[0][:160]
        return [row.case.title, where, row.procedure, "n/a", "n/a", "n/a",
                f"not run: {reason}", "-", "-", "-", "-"]
    reference = seconds(row.reference)
    if row.reference_mean is not None:
        reference += f" (mean {seconds(row.reference_mean)})"
    written = row.ratio_as_written
    return [row.case.title, where, row.procedure, seconds(row.suite), reference,
            f"{row.ratio:.3f}", markdown.verdict(row.within),
            _optional(row.as_written), "-" if written is None else f"{written:.3f}",
            _optional(row.events), "-" if row.cpu_share is None else f"{row.cpu_share:.2f}"]


def summary_row(found: ExternalFindings) -> tuple[str, str, str, str] | None:
    """The section's row in the report's summary table, or None when nothing ran; the
    measured cell adds the range of the reference's own A/A where it was measured."""
    cells = summary_cells("external fidelity (suite / outside procedure in its own process)",
                          found.rows)
    aa = [value for _, value in reference_aa(found)]
    if cells is None or not aa:
        return cells
    check, target, measured, verdict = cells
    return check, target, (f"{measured}; the reference against itself: "
                           f"{min(aa):.3f} to {max(aa):.3f}"), verdict


def _load(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in load)


def _processes(found: ExternalFindings) -> str:
    return "; ".join(f"{framework}: {count} processes over {rounds} rounds"
                     for framework, (count, rounds) in sorted(found.op_processes.items())) \
        or "none ran"


def _point() -> str:
    grid = GRIDS["default"]
    return (f"{grid.dtype[0]}, batch {grid.batch[0]}, sequence {grid.seq[0]}, "
            f"{grid.heads[0]} heads where an op has them, mask {grid.mask[0]}")


def _state(found: ExternalFindings) -> str:
    suite_threads, suite_allocator = found.suite_threads, found.suite_allocator
    if not found.allocators:
        return "No reference process ran."
    threads = ", ".join(str(t) for t in sorted(found.threads)) or "n/a"
    allocators = "; ".join(sorted(found.allocators)) or "n/a"
    same = found.threads <= {suite_threads} and found.allocators <= {suite_allocator}
    return (f"Every reference process pinned the C allocator first, as every benchmark "
            f"process does (`allocator.configure()`: {allocators}), and gave torch "
            f"{threads} CPU thread(s) (`threads.torch_cpu_threads`); the suite's processes "
            f"here: {suite_threads} thread(s), {suite_allocator} "
            f"({'the same' if same else '**not the same**'}).")


def _pinning(found: ExternalFindings) -> str:
    """How the GPU units' processes were placed on the host's CPUs."""
    if not any(row.device == "gpu" and not row.unavailable for row in found.rows):
        return ""
    if found.gpu_cpu is None:
        return ("The GPU units ran on whichever CPUs the OS chose (`--gpu-cpu none`, or an "
                "OS without CPU affinity). ")
    threads = ", ".join(str(t) for t in sorted(found.pinned_threads)) or "n/a"
    return (f"The GPU units ran on CPU {found.gpu_cpu} alone, both sides, each from its "
            f"start: asv's runs (as `taskset -c {found.gpu_cpu} asv run`; its forkserver and "
            "benchmark processes inherit the CPU) and every reference, torch with "
            f"{PINNED_THREADS} CPU thread in the suite's "
            f"(`MPSBENCH_CPU_THREADS`) and {threads} in the references'. A launch-bound "
            "GPU step is the host CPU launching kernels, and moves with the CPU the OS "
            "puts the process on (docs/gpu.md, \"Suite and outside procedure in one "
            "process\"). ")


def reference_aa(found: ExternalFindings) -> list[tuple[FidelityRow, float]]:
    """Each measured forward (inference) row with its reference's A/A: the as-written
    variant's median over the zeroed one's. Both run that phase the same way (gradients
    matter only in training, after it), in processes of their own."""
    inference = resnet_case("forward-inference", 1).benchmark
    return [(row, analysis.ratio(row.as_written, row.reference)) for row in found.measured
            if row.case.benchmark == inference and row.as_written is not None]


def _reference_aa(found: ExternalFindings) -> list[str]:
    pairs = reference_aa(found)
    if not pairs:
        return []
    figures = "; ".join(f"{row.device}, batch {row.case.params[1]}: {aa:.3f}"
                        for row, aa in pairs)
    outside = [row for row, aa in pairs if not analysis.within(aa)]
    verdict = ("every one within the target, so the machine lets two runs of one "
               "procedure agree as closely as the target asks" if not outside else
               f"{len(outside)} of {len(pairs)} outside the target: there, two runs of one "
               "outside procedure disagree by more than the target allows the suite, and "
               "a miss of that unit cannot tell the suite from the machine")
    return ["The reference against itself: both variants of the ResNet table's procedure "
            "run forward (inference) "
            "the same way, in processes of their own, so the ratio of their medians (as "
            f"written / zeroed) is an A/A of the outside procedure: {figures}; {verdict}.",
            ""]


def _rounds(found: ExternalFindings) -> str:
    if found.rounds <= 1:
        return "the class's own rounds"
    return f"the class's own rounds or {found.rounds} (`-a rounds={found.rounds}`), the more"


def section(found: ExternalFindings, command: str) -> list[str]:
    """The section as Markdown lines (its own command included, so it can stand alone)."""
    if not found.rows:
        return []
    state = _state(found)
    table = "\n".join(markdown.table(HEADERS, [_row(row) for row in found.rows]))
    return [
        TITLE, "",
        "The suite's numbers against procedures nobody here wrote, each run in its own "
        "fresh interpreter, so process-level state (the allocator, thread pools, what the "
        "process ran before) is not shared with the benchmark process. Made by:", "",
        "```bash", command, "```", "",
        "The suite's value is what a plain `asv run` stored in its results JSON: the "
        f"median over {_rounds(found)}, one process each, in a scratch results "
        "directory under a commit of its own. The rounds run one at a time, with "
        "reference processes between them, so the suite and its references share the same "
        f"stretch of the machine's load. {_pinning(found)}{state}", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z', time.localtime(found.started))}, in "
        f"{found.seconds / 60:.1f} min, on {os.cpu_count()} logical cores; load average (1, "
        f"5, 15 min) before: {_load(found.load_before)}; after: {_load(found.load_after)}.",
        "",
        "- **the ResNet table's procedure** "
        "(`python -m mpsbench.selfcheck.references.resnet_table`): the original script's "
        f"ResNet-50 procedure: {resnet_table.WARMUP} warm-up forwards in eval mode with grad "
        "enabled, then "
        f"{found.table_iterations} forwards under one `torch.inference_mode()` block, then "
        f"{found.table_iterations} train-mode forwards, each followed by `loss = "
        "out.abs().mean()` and a timed `loss.backward()`; the device synchronized before "
        "every clock read. One process of each variant (below) after each of asv's "
        f"{found.table_processes} rounds, in the order ABBA...; a figure is the median over "
        "the pooled iterations of a variant's processes "
        f"({found.table_processes * found.table_iterations} in all; the reference's mean "
        "beside it).",
        f"- **aukejw** (`python -m mpsbench.selfcheck.references.layer_harness`): "
        f"aukejw/mlx_transformers_benchmark's layer procedure: {layer_harness.WARMUP} warm-up "
        f"calls, then at least {layer_harness.ITERATIONS} calls and at least "
        f"{layer_harness.MIN_MS:.0f} ms of them back to back, each call ending in the "
        "device's synchronize (torch) or `mx.eval` (MLX); the mean per call, median over "
        f"its processes, spread over asv's rounds ({_processes(found)}). The op, weights "
        f"and inputs are the suite's (`mpsbench.ops`), at the default grid's point "
        f"({_point()}; eager, forward).",
        "- On CUDA, events around each timed region (seed) or call (aukejw, a separate "
        "loop) give the GPU's own time.",
        "- The reference's CPU share is its process's CPU time over its wall time while "
        "timing (median over its processes). On the CPU, below 1.00 means other work "
        "shared the core; the suite's processes, timed at other moments, may have had "
        "another share, and the ratio moves with the difference.", "",
        "Intended differences, each shown both ways:", "",
        "- The original script never zeroes gradients, so every `loss.backward()` adds into "
        "the last "
        "one's gradients; the suite's backward step sets them to None first "
        "(`model.zero_grad(set_to_none=True)`, untimed), so its backward writes fresh "
        "gradients. The reference is the ResNet table's procedure with that zeroing (the faithful "
        "variant, in processes of its own); 'as written' is the ResNet table's procedure "
        "unchanged.",
        "- aukejw's torch call enters `torch.inference_mode()` on every call, in eval mode; "
        "the suite's forward steps do the same (`mpsbench.ops.torch_ops.build`), so the "
        "harness as written is its faithful variant.",
        "- Differences of procedure that are not varied, so they show in the ratio: the "
        "original script runs its whole inference loop in one `inference_mode` block (the suite "
        "enters it per call) and follows each training forward with a backward (the "
        "suite's forward (training) step is the forward alone); aukejw times one block of "
        "calls (the suite: asv's samples of about 10 ms, their median).", "",
        *_reference_aa(found),
        table,
    ]
