"""The small-LLM table (``mpsbench table --llm``): tokens per second and ratios, from
values built here and from results a real asv run records in the test."""

from __future__ import annotations

import pandas as pd
import pytest

from mpsbench.cli import main
from mpsbench.report.llm_table import llm_block, llm_table

from .asv_recording import record

BENCH = r"^llm\.(Torch|MLX)(Prefill|Decode)\.time_step\('cpu', 'tiny', 'float32'"


def row(cls: str, mode: str, value: float, status: str = "measured", **params) -> dict:
    metric_params = {"device": "cpu", "model": "qwen2.5-0.5b", "dtype": "bfloat16",
                     "mode": mode, "batch": 2, "prompt": 128, **params}
    return {"machine": "m", "commit": "c" * 40, "date": pd.Timestamp("2026-11-01"),
            "module": "llm", "cls": cls, "metric": "time_step", "value": value,
            "status": status,
            "benchmark": f"llm.{cls}.time_step", **metric_params}


def test_a_failed_value_reads_failed_and_is_counted_apart_from_missing_ones():
    frame = pd.DataFrame([
        row("TorchPrefill", "eager", 0.5),
        row("TorchPrefill", "compiled", float("nan"), status="failed"),
        row("TorchDecode", "eager", 0.1, new_tokens=32),
        row("MLXDecode", "eager", 0.02, new_tokens=32),
    ])
    table = llm_table(frame, "m", "c" * 40, "cpu")
    shown = table.display().set_index("phase")
    assert shown.loc["prompt", "torch compiled tok/s"] == "failed"
    assert shown.loc["generation", "torch compiled tok/s"] == "missing"
    assert shown.loc["prompt", "MLX tok/s"] == "missing"
    assert table.missing == ["torch compiled: 1 of 2 cells missing",
                             "MLX: 1 of 2 cells missing"]
    assert table.failed == ["torch compiled: 1 of 2 cells failed in asv (`asv run "
                            "--show-stderr` shows why)"]


def test_tokens_per_second_and_ratios_say_what_they_are():
    frame = pd.DataFrame([
        row("TorchPrefill", "eager", 0.5),
        row("MLXPrefill", "eager", 0.25),
        row("TorchDecode", "eager", 0.1, new_tokens=32),
        row("TorchDecode", "compiled", 0.05, new_tokens=32),
        row("MLXDecode", "eager", 0.02, new_tokens=32),
    ])
    table = llm_table(frame, "m", "c" * 40, "cpu")
    prompt = table.frame.loc[("qwen2.5-0.5b", "bfloat16", "prompt", 2, 128, 0)]
    assert prompt["torch"] == pytest.approx(2 * 128 / 0.5)  # batch x prompt / TTFT
    assert prompt["MLX/torch"] == pytest.approx(2.0)
    assert pd.isna(prompt["torch compiled"])
    generation = table.frame.loc[("qwen2.5-0.5b", "bfloat16", "generation", 2, 128, 32)]
    assert generation["torch"] == pytest.approx(2 / 0.1)  # batch / seconds per token
    assert generation["torch compiled/torch"] == pytest.approx(2.0)
    assert generation["MLX/torch"] == pytest.approx(5.0)
    assert table.missing == ["torch compiled: 1 of 2 cells missing"]
    shown = table.to_markdown()
    assert "torch tok/s" in shown and "missing" in shown and "generation" in shown
    assert "2 x 128 +32" in shown


def test_each_framework_at_its_newest_commit_on_the_machine():
    """torch is recorded on a torch release's commit, MLX on a later mlx release's: the
    table puts both side by side, each from its own newest commit."""
    later = {"commit": "d" * 40, "date": pd.Timestamp("2026-12-01")}
    frame = pd.DataFrame([
        row("TorchPrefill", "eager", 0.5),
        row("MLXPrefill", "eager", 0.4),  # older MLX value, replaced by the later one
        row("MLXPrefill", "eager", 0.25) | later,
        row("TorchPrefill", "eager", float("nan")) | later,  # torch not recorded there
    ])
    table = llm_table(frame, "m", None, "cpu")
    prompt = table.frame.loc[("qwen2.5-0.5b", "bfloat16", "prompt", 2, 128, 0)]
    assert prompt["torch"] == pytest.approx(2 * 128 / 0.5)
    assert prompt["MLX/torch"] == pytest.approx(2.0)
    assert table.commits == {"torch": "c" * 40, "MLX": "d" * 40}
    assert "torch compiled" not in table.to_markdown()  # no value at all: no column
    block = llm_block(frame, "m")
    assert "torch: cccccccc; MLX: dddddddd" in block and "MLX/torch" in block


def test_no_llm_results_say_so():
    frame = pd.DataFrame([row("TorchLinear", "eager", 0.1) | {"module": "transformer"}])
    assert "no LLM results recorded" in llm_block(frame, "m")


@pytest.mark.slow
def test_table_command_prints_recorded_llm_results(tmp_path, capsys):
    pytest.importorskip("transformers")
    pytest.importorskip("mlx_lm")
    results = record(tmp_path, BENCH)
    assert main(["table", "--llm", "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "Small-LLM inference on test-machine, cpu, float32" in out and "tokens/s" in out
    lines = [line for line in out.splitlines() if line.startswith("| tiny")]
    assert len(lines) == 2  # prompt and generation
    cells = [cell.strip().replace(",", "") for cell in lines[0].strip("|").split("|")]
    assert cells[:3] == ["tiny", "prompt", "1 x 128"]  # one dtype: named in the heading
    assert float(cells[3]) > 0 and float(cells[4]) > 0  # torch and MLX tokens/s
    header = next(line for line in out.splitlines() if line.startswith("| model"))
    assert "torch compiled" not in header  # torch.compile on the CPU: full grid only
    assert "torch compiled: no results recorded" in out
    assert float(cells[5]) > 0  # MLX/torch
    assert main(["table", "--llm", "--html", "--results", str(results)]) == 0
    assert "<table" in capsys.readouterr().out
    commit = out.split("(torch: ")[1][:8]
    assert main(["table", "--llm", "--results", str(results), "--commit", commit,
                 "--device", "gpu"]) == 0  # a short hash resolves; nothing on the GPU here
    assert "no LLM timings on gpu at commit " + commit in capsys.readouterr().out
    assert main(["table", "--llm", "--results", str(results), "--commit", "torch-9.9.9"]) == 2
    assert "no LLM timings recorded at 'torch-9.9.9'" in capsys.readouterr().err
