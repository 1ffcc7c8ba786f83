"""docs/performance.md, written whole from one self-check's findings (``Findings``)."""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass, field

from mpsbench.history.stack import installed_version
from mpsbench.machine import gpu_name
from mpsbench.report.units import seconds
from mpsbench.selfcheck import analysis, external_report, markdown
from mpsbench.selfcheck.external import ExternalFindings
from mpsbench.selfcheck.measure import (
    FACTOR,
    FIDELITY_ROUNDS,
    REGRESSION_BENCHMARK,
    SLOWDOWN,
    Comparison,
    FidelityRow,
    ProbedRun,
    summary_cells,
)


@dataclass
class Findings:
    """Everything one self-check measured."""

    started: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    seconds: float = 0.0
    import_torch: float = float("nan")
    import_torch_vision: float = float("nan")
    fidelity: list[FidelityRow] = field(default_factory=list)
    launch: dict[str, ProbedRun] = field(default_factory=dict)
    default_runs: list[ProbedRun] = field(default_factory=list)
    stability: Comparison | None = None
    spreads: list[tuple[str, float]] = field(default_factory=list)
    regression: Comparison | None = None
    external: ExternalFindings | None = None


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


def _package(name: str) -> str:
    return installed_version(name) or "not installed"


def _cpu() -> str:
    import cpuinfo

    return cpuinfo.get_cpu_info().get("brand_raw") or platform.machine()


OWN_LOAD = 1.0  # asv runs one benchmark process at a time: the self-check's own load


def header(findings: Findings, command: str) -> list[str]:
    cores = os.cpu_count() or 1
    before, after = findings.load_before, findings.load_after
    loaded = max(before[0], after[0] - OWN_LOAD) > 0.5 * cores
    lines = [
        "# mpsbench's own fidelity, overhead and stability, measured",
        "",
        "Written whole by this command (run from the repository root); every figure below "
        "was measured by it, in one run, on the machine described here:",
        "",
        "```bash",
        command,
        "```",
        "",
        f"- when: {time.strftime('%Y-%m-%d %H:%M %Z', time.localtime(findings.started))}; "
        f"the whole self-check took {findings.seconds / 60:.1f} min",
        f"- machine: {_cpu()}, {cores} logical cores, GPU: {gpu_name() or 'none'}, "
        f"{platform.platform()}, Python {platform.python_version()}",
        f"- release measured: torch {_package('torch')}, torchvision "
        f"{_package('torchvision')}, mlx {_package('mlx')}; asv {_package('asv')}, "
        f"asv_runner {_package('asv_runner')}",
        f"- load average (1, 5, 15 min) before: {before[0]:.2f}, {before[1]:.2f}, "
        f"{before[2]:.2f}; after: {after[0]:.2f}, {after[1]:.2f}, {after[2]:.2f}",
    ]
    if loaded:
        lines += ["", f"> The machine was busy with other work (load, less the self-check's "
                  f"own benchmark process, above half of its {cores} cores), so every time "
                  "here carries that contention; run the command again on a quiet machine "
                  "for figures to publish."]
    return lines


def summary(findings: Findings) -> list[str]:
    return ["## Summary", "", *markdown.table(["check", "target", "measured", "verdict"],
                                              _summary_rows(findings))]


def _summary_rows(findings: Findings) -> list[tuple[str, str, str, str]]:
    rows = []
    if fidelity := summary_cells("fidelity (suite / reference)", findings.fidelity):
        rows.append(fidelity)
    if findings.default_runs:
        grid = findings.default_runs[0].attribution
        limit = analysis.OVERHEAD_TARGET * findings.import_torch
        target = (f"at most {analysis.OVERHEAD_TARGET}x bare `import torch` "
                  f"({seconds(findings.import_torch)}): {seconds(limit)}")
        for what, per in [("overhead per measuring process (all not sampling)",
                           grid.overhead_per_measuring_process),
                          ("... without the warm-up calls",
                           grid.launch_overhead_per_measuring_process)]:
            rows.append((what, target,
                         f"{seconds(per)} ({per / findings.import_torch:.2f}x)",
                         markdown.verdict(per <= limit)))
        rows.append(("default-grid run of one release", "stated",
                     f"{seconds(grid.wall)} wall, {seconds(grid.timed)} inside timed "
                     f"regions ({_pct(grid.timed, grid.wall)})", "-"))
    if findings.stability:
        as_stored, strict = _judged(findings.stability.as_stored, findings.stability.with_samples)
        target = f"at most {analysis.AA_TARGET:.0%}"
        rows.append((f"A/A: flagged by `asv compare --factor {FACTOR}` (results as `asv "
                     "run` stores them)", target, _flagged(as_stored),
                     markdown.verdict(as_stored.fraction <= analysis.AA_TARGET)))
        for metric, (compared, flagged) in sorted(as_stored.by_metric.items()):
            rows.append((f"... {metric} only", target,
                         f"{flagged / compared:.1%} ({flagged} of {compared})",
                         markdown.verdict(flagged / compared <= analysis.AA_TARGET)))
        rows.append(("... judged on every sample (Mann-Whitney U)", "stated",
                     _flagged(strict), "-"))
    if findings.external and (row := external_report.summary_row(findings.external)):
        rows.append(row)
    failed = sorted({name for run in findings.default_runs for name in run.failed})
    if findings.default_runs:
        rows.append(("benchmarks that failed in the grid runs", "none",
                     ", ".join(f"`{n}`" for n in failed) or "none", markdown.verdict(not failed)))
    if findings.regression:
        for judge, found in _regression_rows(findings):
            shown = f"ratio {found.ratio.strip()}, mark `{found.mark or ' '}`" if found \
                else "missing"
            rows.append((f"A/B: a {SLOWDOWN:.0%} slowdown is flagged ({judge})", "flagged",
                         shown, markdown.verdict(bool(found and found.mark == "+"))))
    return rows


def fidelity_section(findings: Findings) -> list[str]:
    if not findings.fidelity:
        return []
    lines = [
        "## Fidelity", "",
        "The suite's time is the median asv recorded for the benchmark at that grid point, "
        f"in a real `asv run` ({FIDELITY_ROUNDS} rounds, one process each) into a scratch results "
        "directory. In each of those processes the reference clock times the same warmed-up "
        "step just before asv's sampling and just after it (`MPSBENCH_REFERENCE_SECONDS`), "
        "so both clocks see the same process, step and moment; the reference never goes "
        "through the suite's step call, its synchronize or asv's timer. torch: "
        "`torch.utils.benchmark.Timer('work(); sync()').blocked_autorange()` with the "
        "device's own synchronize in the statement and the suite's thread count (Timer "
        "defaults to one thread); on CUDA also CUDA events around each call (GPU time only, "
        "so below the wall time for launch-bound steps). MLX: a warm loop of calls each "
        "ending in `mx.eval`. The reference is the median over all its blocks. An operator's "
        "asv sample is itself a block of back-to-back steps of about 10 ms, read per step "
        "(`TimedStep.block`); a ResNet-50 sample is one step.",
        "",
    ]
    return lines + markdown.table(["case", "device", "suite (asv)", "reference", "ratio",
                                   "CUDA events", "verdict"],
                                  [_fidelity_cells(row) for row in findings.fidelity])


def _fidelity_cells(row: FidelityRow) -> tuple[str, ...]:
    if row.unavailable:
        return (row.case.title, row.device, "n/a", "n/a", "n/a", "n/a",
                f"not run: {row.unavailable.splitlines()[0][:160]}")
    events = seconds(row.events) if row.events is not None else "-"
    return (row.case.title, f"{row.device} ({row.used})", seconds(row.suite),
            seconds(row.reference), f"{row.ratio:.3f}", events, markdown.verdict(row.within))


def _parts_table(runs: dict[str, ProbedRun]) -> list[str]:
    parts = [run.attribution for run in runs.values()]
    rows = [(part, *(f"{seconds(a.parts[part])} ({_pct(a.parts[part], a.wall)})"
                     for a in parts)) for part in analysis.PARTS]
    rows += [
        ("**wall time of `asv run`**", *(f"**{seconds(a.wall)}**" for a in parts)),
        ("benchmark processes (of them measuring)",
         *(f"{a.processes} ({a.measuring})" for a in parts)),
        ("not sampling, per measuring process",
         *(seconds(a.overhead_per_measuring_process) for a in parts)),
        ("in-process overhead, median (max)",
         *(f"{seconds(analysis.median(a.overheads))} "
           f"({seconds(max(a.overheads, default=float('nan')))})" for a in parts)),
        ("of sampling: first-call samples' fresh interpreters",
         *(seconds(a.fresh_interpreters) for a in parts)),
    ]
    return markdown.table(["part", *runs], rows)


def overhead_section(findings: Findings, launch_subset: str, grid: str,
                     settings: list[str]) -> list[str]:
    lines = [
        "## Overhead", "",
        f"Bare `python -c \"import torch\"`: {seconds(findings.import_torch)}; "
        f"`python -c \"import torch, torchvision\"`: {seconds(findings.import_torch_vision)} "
        "(medians of 3).", "",
        "Each benchmark process records, through `MPSBENCH_PROBE`, when it was created, its "
        "framework imports, asv's first `setup` (models, inputs), the warm-up calls, and "
        "asv's sampling with the sum of the timed samples. 'The rest' is the wall time no "
        "process accounts for: asv's own start and discovery, starting and reaping "
        "processes, writing results. The forkserver's own start and imports count once, "
        "under 'interpreter start and imports'. A first-call sample (`timeraw_first_call`) "
        "is a fresh interpreter that imports and builds before its one timed call: that "
        "set-up is how a first call is measured, and it counts under 'asv sampling: setup "
        "and asv between samples' (its total is the last row).",
    ]
    if findings.launch:
        lines += ["", f"### Launch method, on `{launch_subset}`", ""]
        lines += _parts_table(findings.launch)
    if findings.default_runs:
        runs = {f"run {i + 1}": run for i, run in enumerate(findings.default_runs)}
        lines += ["", f"### The default grid ({grid}), each benchmark in its asv rounds", ""]
        lines += _parts_table(runs)
    lines += ["", "### What the suite does to keep overhead down", ""] + settings
    return lines


JUDGES = ("results as `asv run` stores them", "every sample kept")


def _judged(*comparisons: list[analysis.CompareRow]) -> list[analysis.Stability]:
    return [analysis.stability(rows) for rows in comparisons]


def _flagged(judged: analysis.Stability) -> str:
    return f"{judged.fraction:.1%} ({judged.flagged} of {judged.compared})"


def _regression_rows(findings: Findings) -> list[tuple[str, analysis.CompareRow | None]]:
    comparison = findings.regression
    return [(judge, analysis.find_row(rows, REGRESSION_BENCHMARK)) for judge, rows in
            zip(JUDGES, (comparison.as_stored, comparison.with_samples), strict=True)]


def _pattern(judged: analysis.Stability) -> str:
    """Where the flags fall, and what their directions say."""
    families = ", ".join(f"{name} {count}" for name, count in
                         sorted(judged.by_family.items(), key=lambda item: -item[1]))
    text = (f"Of the {judged.flagged} flagged ({JUDGES[0]}), {judged.slower} read slower in "
            f"run 2 and {judged.flagged - judged.slower} faster; by framework and device: "
            f"{families}.")
    if judged.one_direction:
        text += (" All in one direction: the machine drifted between the two runs' time "
                 "windows, which more rounds (processes spread over the run) average out.")
    return text


def stability_section(findings: Findings) -> list[str]:
    if findings.stability is None:
        return []
    as_stored, strict = _judged(findings.stability.as_stored, findings.stability.with_samples)
    lines = ["## Stability (A/A)", "",
             "The default grid run twice against the same release (runs 1 and 2 above), "
             f"round by round in alternation, as `asv run` interleaves releases, then `asv "
             f"compare --factor {FACTOR}`. A benchmark is flagged when asv marks it `+` or "
             "`-`; only benchmarks with a value in both runs count.", "",
             "asv judges a difference in one of two ways. A plain `asv run` keeps the "
             "statistics of all its rounds' samples but not the samples, and `asv compare` "
             "then flags a ratio beyond the factor only where the two 99% confidence "
             "intervals of the median do not overlap: that is what users comparing two "
             "releases get, and what the target is judged on. Results recorded with "
             "`--record-samples` are tested with a Mann-Whitney U test over the pooled "
             "samples, which also calls a shift between processes significant; the "
             "self-check records samples to interleave its rounds, so it reports that "
             "judgement too.", ""]
    rows = []
    for metric, (compared, flagged) in sorted(as_stored.by_metric.items()):
        flagged_strictly = strict.by_metric.get(metric, (0, 0))[1]
        rows.append((metric, str(compared), f"{flagged} ({flagged / compared:.0%})",
                     f"{flagged_strictly} ({flagged_strictly / compared:.0%})"))
    rows.append(("**all**", str(as_stored.compared),
                 f"{as_stored.flagged} ({as_stored.fraction:.1%})",
                 f"{strict.flagged} ({strict.fraction:.1%})"))
    lines += markdown.table(["metric", "compared", f"flagged ({JUDGES[0]})",
                             f"flagged ({JUDGES[1]})"], rows)
    if as_stored.flagged:
        lines += ["", _pattern(as_stored)]
    for judge, judged in zip(JUDGES, (as_stored, strict), strict=True):
        if judged.flagged_names:
            lines += ["", f"Flagged, {judge}:", ""] + [f"- `{n}`" for n in judged.flagged_names]
    if findings.spreads:
        lines += ["", f"The noisiest values of run 2, by interquartile range over median (a "
                  f"value whose spread nears {FACTOR - 1:.0%} cannot be compared reliably at "
                  f"--factor {FACTOR}; give it more samples, a longer minimum time, or more "
                  "rounds):", ""]
        lines += markdown.table(["benchmark", "IQR / median"],
                                [(f"`{name}`", f"{spread:.1%}")
                                 for name, spread in findings.spreads[:8]])
    return lines


def regression_section(findings: Findings) -> list[str]:
    if findings.regression is None:
        return []
    lines = ["## Regression detection (A/B)", "",
             "`tests/regression_bench/slowed.py` (test-only, never shipped or run by the "
             "suite) times the suite's ResNet-50 forward (inference) step at batch 1 on the "
             f"CPU, and with `MPSBENCH_TEST_SLOWDOWN={SLOWDOWN}` sleeps after each step for "
             f"{SLOWDOWN:.0%} of the step's median time. Run plain and slowed, round by round "
             f"in alternation, then `asv compare --factor {FACTOR}`, judged both ways (see "
             "the A/A):", ""]
    rows = [(judge, "missing", "-", "-", "-", f"`{REGRESSION_BENCHMARK}`") if found is None
            else (judge, f"`{found.mark or ' '}`", found.before, found.after, found.ratio,
                  f"`{found.benchmark}`")
            for judge, found in _regression_rows(findings)]
    return lines + markdown.table(["judged on", "change", "before", "after", "ratio",
                                   "benchmark"], rows)


def external_section(findings: Findings, command: str) -> list[str]:
    if findings.external is None:
        return []
    return external_report.section(findings.external, command)


def render(findings: Findings, command: str, launch_subset: str, grid: str,
           settings: list[str]) -> str:
    """The whole report, as Markdown."""
    sections = [header(findings, command), summary(findings), fidelity_section(findings),
                external_section(findings, command),
                overhead_section(findings, launch_subset, grid, settings),
                stability_section(findings), regression_section(findings)]
    return "\n\n".join("\n".join(s) for s in sections if s) + "\n"
