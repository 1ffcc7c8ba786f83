"""The LLM benchmarks: discovered with explicit versions, skipped with reasons before any
import, lazy about frameworks, and timing steps that wait for their device."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import pytest
from asv_runner.discovery import disc_benchmarks

from mpsbench import grids
from mpsbench.errors import Unavailable
from mpsbench.models import llm_stack
from mpsbench.models.llm_configs import CONFIGS, get_config
from mpsbench.workloads import llm_common

from .conftest import ROOT

CLASSES = ["TorchPrefill", "MLXPrefill", "TorchDecode", "MLXDecode", "TorchGenerationMemory",
           "MLXGenerationMemory", "TorchFirstCall", "MLXFirstCall"]
TINY = ("cpu", "tiny", "float32", "eager", 1, 128)


def test_every_llm_benchmark_is_discovered_under_its_name_with_a_version():
    import benchmarks.llm as llm

    found = {b.name: b for b in disc_benchmarks(str(ROOT / "benchmarks"))}
    for name in ("llm.TorchPrefill.time_step", "llm.MLXDecode.time_step",
                 "llm.TorchGenerationMemory.track_peak_memory",
                 "llm.MLXFirstCall.timeraw_first_call"):
        assert name in found
    assert found["llm.MLXFirstCall.timeraw_first_call"].rounds == 2
    for cls in CLASSES:
        assert "version" in vars(getattr(llm, cls)) or getattr(llm, cls).version == 1


def test_the_default_grid_is_tiny_float32_and_qwen_at_batch_1():
    grid = grids.LLM_GRIDS["default"]
    names, params = grids.llm_params(grid, with_new_tokens=True)
    assert names == ["device", "model", "dtype", "mode", "batch", "prompt", "new_tokens"]
    assert params[1] == ["tiny", "qwen2.5-0.5b"] and params[4:] == [[1], [128], [32]]
    assert grid.point_reason("tiny", "float32") is None
    assert grid.point_reason("qwen2.5-0.5b", "bfloat16") is None
    assert "full" in grid.point_reason("tiny", "bfloat16")
    assert "full" in grid.point_reason("qwen2.5-0.5b", "float16")
    assert "full" in grid.point_reason("qwen2.5-0.5b", "float32")
    full = grids.LLM_GRIDS["full"]
    for axis, default_axis in zip(grids.llm_params(full, True)[1], params, strict=True):
        assert set(default_axis) <= set(axis)  # default points are full-grid points


def test_mlx_on_linux_cpu_leaves_real_shapes_to_the_full_grid(monkeypatch):
    monkeypatch.setattr(grids.sys, "platform", "linux")
    default = grids.LLM_GRIDS["default"]
    reason = llm_common.skip_reason("mlx", "decode", default, "cpu", "qwen2.5-0.5b",
                                    "bfloat16", "eager")
    assert "without BLAS" in reason and "full" in reason
    assert "reference BLAS" in grids.llm_reference_cpu_reason(
        "mlx", "cpu", "qwen2.5-0.5b", "float32", default)
    for args in (("mlx", "cpu", "tiny", "float32"), ("mlx", "gpu", "qwen2.5-0.5b",
                 "bfloat16"), ("torch", "cpu", "qwen2.5-0.5b", "bfloat16")):
        assert grids.llm_reference_cpu_reason(*args, default) is None
    assert grids.llm_reference_cpu_reason("mlx", "cpu", "qwen2.5-0.5b", "bfloat16",
                                           grids.LLM_GRIDS["full"]) is None


def test_what_cannot_be_compiled_says_why():
    default, full = grids.LLM_GRIDS["default"], grids.LLM_GRIDS["full"]
    assert "mlx-lm has no compiled generation" in llm_common.compile_reason(
        "mlx", "decode", "gpu", full)
    assert "compiles decoding only" in llm_common.compile_reason("torch", "prefill", "gpu", full)
    assert "not in the default grid" in llm_common.compile_reason(
        "torch", "decode", "cpu", default)
    assert llm_common.compile_reason("torch", "decode", "gpu", default) is None
    assert llm_common.compile_reason("torch", "decode", "cpu", full) is None


def test_a_model_too_big_for_the_memory_available_is_skipped_before_building():
    reason = llm_common.memory_reason("llama-3.2-1b", "bfloat16", 8, 640,
                                      available=2 * 2**30)
    assert "needs about" in reason and "2.0 GiB of memory is available" in reason
    assert llm_common.memory_reason("tiny", "float32", 1, 160, available=2 * 2**30) is None
    need = llm_common.footprint_bytes(get_config("qwen2.5-0.5b"), "bfloat16", 1, 160)
    assert 0.9e9 < need < 3e9  # ~1 GB of weights, and margin


def test_real_shapes_have_their_published_sizes():
    assert get_config("qwen2.5-0.5b").parameter_count() == 494_032_768
    assert round(get_config("llama-3.2-1b").parameter_count() / 1e6) == 1236
    assert get_config("tiny").parameter_count() < 1e6
    assert set(grids.LLM_GRIDS["full"].models) <= set(CONFIGS)


def test_a_missing_library_skips_with_the_install_hint(monkeypatch):
    monkeypatch.setattr(llm_stack, "installed_version",
                        lambda dist: None if dist == "transformers" else "2.14.1")
    assert llm_stack.library_reason("transformers") == (
        "transformers is not installed; pip install -e '.[llm]'")
    import benchmarks.llm as llm

    with pytest.raises(Unavailable, match="transformers is not installed"):
        llm.TorchPrefill().setup(*TINY)


def test_another_version_of_the_library_skips_rather_than_joining_the_series(monkeypatch):
    monkeypatch.setattr(llm_stack, "installed_version",
                        {"transformers": "5.17.0", "torch": "2.11.0"}.get)
    reason = llm_stack.library_reason("transformers")
    assert "held at transformers 5.24.0" in reason and "5.17.0 is installed" in reason


def test_a_release_older_than_the_pinned_library_supports_is_skipped(monkeypatch):
    versions = {"transformers": "5.24.0", "torch": "2.5.1", "mlx-lm": "0.32.2", "mlx": "0.28.0"}
    monkeypatch.setattr(llm_stack, "installed_version", versions.get)
    assert "needs torch >= 2.6" in llm_stack.library_reason("transformers")
    assert "start at torch 2.6" in llm_stack.library_reason("transformers")
    assert "needs mlx >= 0.29" in llm_stack.library_reason("mlx-lm")
    versions.update(torch="2.6.0+cu124", mlx="0.32.4")
    assert llm_stack.library_reason("transformers") == ""
    assert llm_stack.library_reason("mlx-lm") == ""


def test_the_pins_agree_in_pyproject_asv_conf_and_the_code():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert sorted(extras["llm"]) == sorted(f"{k}=={v}" for k, v in llm_stack.LLM_PINS.items())
    assert "llm" in extras["all"][0]
    commands = " ".join(json.loads((ROOT / "asv.conf.json").read_text())["install_command"])
    for package, version in llm_stack.LLM_PINS.items():
        assert f"{package}=={version}" in commands
    assert "--no-deps mlx-lm" in commands  # its mlx>=0.32.2 would replace older pinned mlx


def run_fresh(code: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
           "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


LOADED = ("import json, sys\n"
          "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & "
          "{'torch', 'torchvision', 'mlx', 'transformers', 'mlx_lm'})))")


def test_importing_the_llm_benchmarks_imports_no_framework_or_library():
    assert run_fresh("import benchmarks.llm\n" + LOADED) == []


def test_an_mlx_llm_step_imports_neither_torch_nor_transformers():
    pytest.importorskip("mlx_lm")
    loaded = run_fresh("from mpsbench.workloads import llm_mlx\n"
                       "llm_mlx.cached_step('decode', 'cpu', 'tiny', 'float32', 'eager', 1, "
                       "16, 4)()\n" + LOADED)
    assert loaded == ["mlx", "mlx_lm"]


def test_mlx_lm_still_loads_whole_after_its_models_were_imported_alone():
    pytest.importorskip("mlx_lm")
    loaded = run_fresh("from mpsbench.models.llm_stack import mlx_lm_model_module\n"
                       "mlx_lm_model_module('qwen2')\n"
                       "import mlx_lm\nassert callable(mlx_lm.stream_generate)\n" + LOADED)
    assert "mlx_lm" in loaded


def test_a_torch_llm_step_imports_no_mlx():
    pytest.importorskip("transformers")
    loaded = run_fresh("from mpsbench.workloads import llm_torch\n"
                       "llm_torch.cached_step('prefill', 'cpu', 'tiny', 'float32', 'eager', 1, "
                       "16)()\n" + LOADED)
    assert "mlx" not in loaded and "mlx_lm" not in loaded


@pytest.mark.parametrize("cls", ["TorchDecode", "MLXDecode"])
def test_decode_reads_per_token_and_waits_for_every_token(cls, sync_calls):
    pytest.importorskip("transformers" if cls.startswith("Torch") else "mlx_lm")
    import benchmarks.llm as llm

    bench = getattr(llm, cls)()
    bench.setup(*TINY, 32)
    assert bench.timer.calls == 32  # asv records seconds per token
    before = len(sync_calls)
    bench.time_step(*TINY, 32)
    assert len(sync_calls) - before >= 32


@pytest.mark.parametrize("cls", ["TorchPrefill", "MLXPrefill"])
def test_prefill_gives_the_first_token_of_every_prompt(cls):
    pytest.importorskip("transformers" if cls.startswith("Torch") else "mlx_lm")
    import benchmarks.llm as llm

    bench = getattr(llm, cls)()
    bench.setup("cpu", "tiny", "float32", "eager", 1, 128)
    out = bench.step()
    first = out if cls.startswith("Torch") else out[0]
    assert tuple(first.shape) == (1, 1)


def test_mlx_generation_memory_counts_weights_and_cache():
    pytest.importorskip("mlx_lm")
    import benchmarks.llm as llm

    bench = llm.MLXGenerationMemory()
    bench.setup(*TINY, 32)
    weights = get_config("tiny").parameter_count() * 4
    assert bench.track_peak_memory(*TINY, 32) > weights


def test_torch_memory_on_the_cpu_and_mlx_compiled_skip_with_reasons():
    import benchmarks.llm as llm

    with pytest.raises(Unavailable, match="no device-memory counter"):
        llm.TorchGenerationMemory().setup(*TINY, 32)
    with pytest.raises(Unavailable, match="mlx-lm has no compiled generation"):
        llm.MLXDecode().setup("cpu", "tiny", "float32", "compiled", 1, 128, 32)
    with pytest.raises(Unavailable, match="full grid only"):
        llm.TorchFirstCall().setup("prefill", *TINY)


def test_first_call_source_builds_a_cold_step_of_the_phase():
    import benchmarks.llm as llm

    stmt, setup = llm.MLXFirstCall().timeraw_first_call("decode", *TINY)
    assert stmt == "step()"
    assert "mpsbench.workloads.llm_mlx:phase_step" in setup and "'decode'" in setup


def test_an_llm_too_big_for_memory_is_na_with_its_size():
    def generation(*args):
        raise MemoryError("Unable to allocate 64.0 GiB")

    _, cached_step = llm_common.phase_steps("torch", generation)
    with pytest.raises(Unavailable, match=r"^memory ran out at torch tiny prefill \(eager\) in "
                       r"float32 on cpu, batch 8 x prompt 512 \+ 1 new tokens \(MemoryError"):
        cached_step("prefill", "cpu", "tiny", "float32", "eager", 8, 512)
