"""The main job's plan (processes, skips), estimate, progress line and first-look tables."""

from __future__ import annotations

import argparse
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from mpsbench import envinfo
from mpsbench.cli import build_parser
from mpsbench.estimate import estimate, recorded_per_process
from mpsbench.firstlook import FIRST_LOOK, caveats, grid_chunks, versus_markdown, versus_table
from mpsbench.hardware import NO_GPU_HARDWARE
from mpsbench.plan import Benchmark, Plan, discover_in_subprocess, short_reason
from mpsbench.progress import INSTALL, Progress, duration, install_item, work_items

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def default_plan() -> Plan:
    return discover_in_subprocess(ROOT / "benchmarks", {"MPSBENCH_GRID": "default"})


def test_discovery_counts_every_combination_and_round(default_plan):
    bench = {b.name: b for b in default_plan.benchmarks}
    resnet = bench["resnet50.TorchForwardInference.time_step"]
    assert resnet.rounds == 2 and len(resnet.combos) == 6  # cpu, gpu x batch 1, 4, 16
    assert resnet.combos[0] == "resnet50.TorchForwardInference.time_step('cpu', 1)"
    assert bench["transformer.MLXSoftmax.time_step"].rounds == 6
    assert default_plan.processes == sum(len(b.combos) * b.rounds
                                         for b in default_plan.benchmarks)


def test_skips_are_decided_without_importing_a_framework(default_plan, monkeypatch):
    bench = {b.name: b for b in default_plan.benchmarks}
    skips = dict(zip(bench["transformer.TorchSoftmax.time_step"].combos,
                     bench["transformer.TorchSoftmax.time_step"].skips, strict=True))
    compiled_cpu = [c for c in skips if "'cpu'" in c and "'compiled'" in c]
    assert compiled_cpu and all("torch.compile on the CPU" in skips[c] for c in compiled_cpu)
    eager_cpu = [c for c in skips if "'cpu'" in c and "'eager'" in c]
    assert eager_cpu and all(skips[c] is None for c in eager_cpu)  # would import torch: runs


def test_first_look_selects_points_of_the_default_grid_under_their_names(default_plan):
    names = {b.name for b in default_plan.benchmarks}
    for chunk in FIRST_LOOK:
        selected = default_plan.select(list(chunk.regexes))
        assert selected.benchmarks and {b.name for b in selected.benchmarks} <= names
    versus = default_plan.select(list(FIRST_LOOK[0].regexes))
    names = {b.name for b in versus.benchmarks}
    assert names >= {"transformer.TorchSDPA.time_step", "transformer.MLXSDPA.time_step",
                     "resnet50.MLXForwardInference.time_step", "llm.TorchPrefill.time_step",
                     "llm.MLXDecode.time_step"}
    assert all("'eager'" in c for b in versus.benchmarks if not b.name.startswith("resnet50")
               for c in b.combos)
    assert all("'forward'" in c for b in versus.benchmarks
               if b.name.startswith("transformer") for c in b.combos)
    assert all("'tiny'" in c for b in versus.benchmarks if b.name.startswith("llm")
               for c in b.combos)
    assert len(FIRST_LOOK) == 1 and "rounds=1" in FIRST_LOOK[0].asv_args
    assert "resnet50.TorchBackwardTraining.time_step" in names
    assert all(c.endswith(", 1)") for b in versus.benchmarks
               if b.name.startswith("resnet50") for c in b.combos)


def test_grid_chunks_cover_every_benchmark_once(default_plan):
    chunks = grid_chunks(default_plan)
    covered = [b.name for c in chunks for b in default_plan.select(list(c.regexes)).benchmarks]
    assert sorted(covered) == sorted(b.name for b in default_plan.benchmarks)


def readme_count(pattern: str) -> int:
    match = re.search(pattern, (ROOT / "README.md").read_text())
    assert match, f"README states no count matching {pattern!r}"
    return int(match[1].replace(",", ""))


def run_without_gpu(plan: Plan) -> int:
    """The processes that run on a machine without a GPU: every cpu combination that does
    not skip before an import (the same on any machine), rounds included."""
    return sum(b.rounds for b in plan.benchmarks for combo, skip in zip(b.combos, b.skips,
                                                                         strict=True)
               if skip is None and "'gpu'" not in combo)


def test_readme_states_the_process_counts_discovery_finds(default_plan):
    first_look = [default_plan.select(list(c.regexes)).with_rounds(1 if c.asv_args else None)
                  for c in FIRST_LOOK]
    assert readme_count(r"first\s+look\s+starts\s+([\d,]+)\s+benchmark\s+processes") == \
        sum(p.processes for p in first_look)
    assert readme_count(r"of\s+which\s+([\d,]+)\s+run\s+on\s+a\s+machine\s+without\s+a\s+GPU") \
        == sum(run_without_gpu(p) for p in first_look)
    assert readme_count(r"whole\s+default\s+grid\s+starts\s+([\d,]+)\s+benchmark\s+"
                        r"processes") == default_plan.processes
    assert readme_count(r"processes,\s+([\d,]+)\s+of\s+which\s+run\s+without\s+a\s+GPU") == \
        run_without_gpu(default_plan)
    assert readme_count(r"run\s+without\s+a\s+GPU,\s+in\s+([\d,]+)\s+chunks") == \
        len(grid_chunks(default_plan))


def test_readme_states_the_operator_grid_discovery_finds(default_plan):
    combos = {metric: sum(len(b.combos) for b in default_plan.benchmarks
                          if b.name.startswith("transformer.") and b.name.endswith(metric))
              for metric in (".time_step", ".track_peak_memory", ".timeraw_first_call")}
    assert readme_count(r"([\d,]+)\s+param\s+combinations\s+of\s+`time_step`\s+and\s+"
                        r"`track_peak_memory`") == \
        combos[".time_step"] + combos[".track_peak_memory"]
    assert readme_count(r"and\s+([\d,]+)\s+of\s+`timeraw_first_call`") == \
        combos[".timeraw_first_call"]


def test_short_reasons():
    assert short_reason(NO_GPU_HARDWARE) == "no GPU"
    assert short_reason("x" * 200).endswith("...") is False or len(short_reason("x " * 80)) < 70


ASV_OUTPUT = """\
· Discovering benchmarks
[ 0.00%] · For mpsbench commit 1735e522 <torch-2.15.0>:
[ 0.00%] ·· Benchmarking existing-py
[ 2.47%] ··· Running (transformer.MLXA.time_step--)..
[50.00%] ··· transformer.MLXA.time_step                ok
              For parameters: 'gpu', 1
              asv: skipped: Unavailable("NO_GPU")
[75.00%] ··· ...former.MLXB.time_step                failed
""".replace("NO_GPU", NO_GPU_HARDWARE)


def test_progress_follows_dots_names_and_skips():
    plan = Plan([Benchmark("transformer.MLXA.time_step", 2, ["a(1)", "a(2)"], [None, "x"]),
                 Benchmark("transformer.MLXB.time_step", 2, ["b(1)"], [None])])
    clock = iter(range(0, 1000, 10))
    progress = Progress(work_items(plan, lambda name: 5.0), now=lambda: next(clock))
    assert [(i.name[-14:], i.round) for i in progress.items] == [
        ("MLXA.time_step", 2), ("MLXB.time_step", 2), ("MLXA.time_step", 1),
        ("MLXB.time_step", 1)]
    shown = progress.feed(ASV_OUTPUT[:ASV_OUTPUT.index("[50")])
    assert progress.done == 2 and progress.processes_done == 3 and not shown
    shown = progress.feed(ASV_OUTPUT[ASV_OUTPUT.index("[50"):])
    assert progress.done == 4 and progress.processes_total == 6
    assert progress.skips == {"no GPU": 1}
    assert shown == ["[75.00%] ··· ...former.MLXB.time_step                failed"]
    assert re.match(r"\[6/6 processes, 100%\] saving · \d+ s so far", progress.line())


def test_durations_read_as_people_do():
    assert duration(42) == "42 s" and duration(600) == "10 min" and duration(7300) == "2 h 02 min"


def write_result(path: Path, name: str, values: list, seconds: float) -> None:
    columns = ["result", "params", "version", "started_at", "duration"]
    path.write_text(json.dumps({"result_columns": columns, "results": {
        name: [values, [["'cpu'", "'gpu'"]], "1", 1, seconds]}}))


def test_estimate_uses_this_machines_recorded_durations(tmp_path):
    (tmp_path / "box").mkdir()
    write_result(tmp_path / "box" / "abc-env.json", "m.A.time_step", [0.1, None], 8.0)
    assert recorded_per_process(tmp_path, "box") == {"m.A.time_step": 8.0}
    plan = Plan([Benchmark("m.A.time_step", 2, ["m.A.time_step('cpu')", "x"], [None, "no"]),
                 Benchmark("m.B.time_step", 1, ["m.B.time_step('cpu')"], [None])])
    found = estimate(plan, tmp_path, "box", asv_runs=0)
    assert found.per_round["m.A.time_step"] == pytest.approx(4.0 + 0.03)
    assert found.from_history == {"m.A.time_step"} and "1 of 2" in found.source()
    assert found.seconds(plan) == pytest.approx(2 * 4.03 + found.per_round["m.B.time_step"])


def test_versus_table_puts_torch_and_mlx_side_by_side_with_a_verdict():
    base = {"machine": "box", "commit": "c1", "metric": "time_step", "device": "cpu",
            "mode": "eager"}
    op = {**base, "module": "transformer", "dtype": "float16", "batch": 1, "seq": 128,
          "phase": "forward", "heads": float("nan"), "mask": float("nan")}
    rows = [{**op, "cls": "TorchSoftmax", "value": 0.002},
            {**op, "cls": "MLXSoftmax", "value": 0.001},
            {**op, "cls": "MLXSoftmax", "mode": "compiled", "value": 0.0005},
            {**op, "cls": "TorchSoftmax", "batch": 8, "value": 9.0},
            {**op, "cls": "TorchGELU", "value": 0.0031},
            {**op, "cls": "MLXGELU", "value": 0.0030},
            {**op, "cls": "TorchLinear", "device": "gpu", "value": 1.0},
            {**base, "module": "resnet50", "cls": "TorchForwardInference", "batch": 1,
             "mode": float("nan"), "value": 0.1},
            {**base, "module": "resnet50", "cls": "MLXForwardInference", "batch": 1,
             "mode": float("nan"), "value": 2.3},
            {**base, "module": "llm", "cls": "TorchPrefill", "model": "tiny",
             "dtype": "float32", "batch": 1, "prompt": 128, "value": 0.01},
            {**base, "module": "llm", "cls": "MLXDecode", "model": "tiny",
             "dtype": "float32", "batch": 1, "prompt": 128, "value": 0.02}]
    table = versus_table(pd.DataFrame(rows), "box", "c1", "cpu")
    assert list(table.index) == ["ResNet-50 forward (inference), batch 1", "GELU", "Softmax",
                                 "tiny LLM, 128-token prompt", "tiny LLM, per generated token"]
    assert table.loc["Softmax", "torch"] == 0.002 and table.loc["Softmax", "MLX"] == 0.001
    assert table.loc["Softmax", "verdict"] == "MLX 2.0x faster"
    assert table.loc["GELU", "verdict"] == "about even (within 10%)"
    assert table.loc["ResNet-50 forward (inference), batch 1", "verdict"] == "torch 23x faster"
    assert table.loc["tiny LLM, 128-token prompt", "verdict"] == "no MLX value"
    assert table.loc["tiny LLM, per generated token", "verdict"] == "no torch value"
    shown = versus_markdown(table)
    assert "torch (ms)" in shown and "| 2 " in shown.replace("  ", " ") or "2.000" in shown
    assert versus_table(pd.DataFrame(rows), "box", "c1", "gpu").loc[
        "Linear", "verdict"] == "no MLX value"


def test_the_linux_cpu_caveat_stands_beside_cpu_numbers_only():
    assert any("reference BLAS" in note for note in caveats("cpu", "Linux-6.1-x86_64"))
    assert not any("reference BLAS" in note for note in caveats("gpu", "Linux-6.1-x86_64"))
    assert not any("reference BLAS" in note for note in caveats("cpu", "macOS-15.1-arm64"))
    assert all(any("float16" in note for note in caveats(d, "Linux")) for d in ("cpu", "gpu"))


def test_progress_counts_the_environment_install_before_the_benchmarks():
    plan = Plan([Benchmark("transformer.MLXA.time_step", 1, ["a(1)"], [None])])
    clock = iter(range(0, 1000, 30))
    progress = Progress([install_item(120.0), *work_items(plan, lambda name: 10.0)],
                        now=lambda: next(clock))
    assert INSTALL in progress.line() and "about 2 min left" in progress.line()
    progress.feed("[ 0.00%] ··· Running (transformer.MLXA.time_step--).")
    assert progress.done == 2 and progress.processes_done == 1


def test_benchmarked_versions_go_into_the_facts(tmp_path, monkeypatch):
    (tmp_path / "box").mkdir()
    earlier = {"old": {"venv-py3.12": {"python": "3.12.1", "packages": {"torch": "2.14.1"}}}}
    (tmp_path / "box" / "machine.facts").write_text(json.dumps(
        {"machine": "box", "packages": {"torch": "2.14.1"}, "python": "3.11.7",
         "environments": earlier}))
    monkeypatch.setattr(envinfo, "asv_environments", lambda extra: [("venv-py3.12", "py")])
    monkeypatch.setattr(envinfo, "versions_of", lambda python: {
        "python": "3.12.1", "packages": {"torch": "2.15.0", "torchvision": "0.29.2"}})
    facts = envinfo.record_benchmarked(tmp_path, "box", ["--set-commit-hash", "new"])
    saved = json.loads((tmp_path / "box" / "machine.facts").read_text())
    assert saved == facts and saved["packages"]["torch"] == "2.15.0"
    assert set(saved["environments"]) == {"old", "new"}
    assert envinfo.versions_at(saved, "new") == "torch 2.15.0, torchvision 0.29.2"
    assert envinfo.versions_at(saved, "old") == "torch 2.14.1"


def test_versions_of_reads_an_interpreter():
    import sys

    found = envinfo.versions_of(sys.executable)
    assert found and found["python"].count(".") == 2 and "torch" in found["packages"]


def help_texts(parser: argparse.ArgumentParser) -> list[str]:
    """``parser``'s --help and that of every subcommand under it, nested ones too."""
    texts = [parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                texts.extend(help_texts(sub))
    return texts


def test_help_reads_as_plain_text():
    texts = help_texts(build_parser())
    assert any("usage: mpsbench history generate" in t for t in texts)  # nested ones too
    for text in texts:
        assert "``" not in text and "%%" not in text, text[:200]


def test_run_plan_only_prints_the_plan(monkeypatch, tmp_path):
    from mpsbench.commands import run

    monkeypatch.setattr(run.history, "generate", lambda: 0)
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    with redirect_stdout(out):
        args = build_parser().parse_args(["run", "--name", "box", "--plan"])
        assert args.handler(args) == 0
    text = out.getvalue()
    assert "the first look" in text and "benchmark processes in 1 asv run(s)" in text
    assert "estimated wall time: about" in text and "results: " in text
