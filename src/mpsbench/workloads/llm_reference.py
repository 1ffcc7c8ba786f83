"""Outside references for the LLM benchmarks: the libraries' own generation, same weights.

``python -m mpsbench.workloads.llm_reference FRAMEWORK MODEL DTYPE [options]`` prints
one JSON line of prompt and generation tokens per second for the same model, seeded
weights and shape the suite times:

- ``torch``: ``model.generate()`` of transformers (greedy, EOS off). Time to first token
  is ``generate(max_new_tokens=1)``; a generated token is
  ``(generate(1 + G) - generate(1)) / G``; medians over ``--trials``;

``torch`` and ``mlx`` also time the suite's own steps (the benchmarks' ``cached_step``,
one sample each as asv takes it) in the same process, a round of each in turn, and
report them as ``suite``: on a busy machine both then see the same load;
- ``mlx``: ``mlx_lm.stream_generate`` (what ``mlx_lm.generate`` reports), given the
  model object and a tokenizer built in code (a word-level ``tokenizers`` vocabulary of
  the model's size); its ``prompt_tps`` and ``generation_tps``, averaged over trials as
  ``mlx_lm.benchmark`` does. mlx-lm counts the first token in ``generation_tps`` but
  starts its clock after it (G+1 tokens over G tokens' time); ``generation_tps`` here
  is scaled by G/(G+1) to count what the suite counts, and the reported value is kept
  as ``generation_tps_as_reported``;
- ``mlx-benchmark``: mlx-lm's own ``mlx_lm.benchmark`` command, unchanged, on a model
  folder written here (``config.json``, ``model.safetensors`` with the seeded weights,
  the code-built tokenizer): ``mlx_lm.load`` takes a local path without the hub. Its
  prompt is its own random one (``mx.random.randint``), of the same length.

Nothing is downloaded: the model and the tokenizer are made from code, HF_HUB_OFFLINE is
set before any library is imported, and a local folder never reaches the hub.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def code_tokenizer(vocab_size: int) -> Any:
    """A word-level tokenizer of ``vocab_size`` tokens ('t0', 't1', ...), built in code."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordLevel({f"t{i}": i for i in range(vocab_size)},
                                           unk_token="t0"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="t0")


def suite_steps(args: argparse.Namespace, workload: Any) -> tuple[Any, Any]:
    """The benchmarks' own prefill and decode steps (``cached_step``), warmed up."""
    point = (args.device, args.model, args.dtype, "eager", args.batch, args.prompt)
    return (workload.cached_step("prefill", *point),
            workload.cached_step("decode", *point, args.new_tokens))


def suite_round(prefill: Any, decode: Any, new_tokens: int) -> tuple[float, float]:
    """One sample of each, as asv takes them: (seconds to first token, seconds per token)."""
    start = time.perf_counter()
    prefill()
    ttft = time.perf_counter() - start
    decode.prepare()
    start = time.perf_counter()
    decode()
    return ttft, (time.perf_counter() - start) / new_tokens


def rates(batch: int, prompt: int, ttft: list[float], per_token: list[float]) -> dict[str, Any]:
    return {"prompt_tps": batch * prompt / statistics.median(ttft),
            "generation_tps": batch / statistics.median(per_token)}


def torch_generate(args: argparse.Namespace) -> dict[str, Any]:
    """transformers' generate() on the suite's torch model, rounds interleaved with the
    suite's own steps (so a busy machine slows both alike)."""
    from mpsbench.workloads import llm_torch

    gen = llm_torch.generation(args.device, args.model, args.dtype, "eager", args.batch,
                               args.prompt, args.new_tokens)
    model, torch, backend = gen.model, gen.backend.torch, gen.backend
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0
    attention = torch.ones_like(gen.ids)

    def timed(new: int) -> float:
        backend.synchronize()
        start = time.perf_counter()
        with torch.no_grad():
            out = model.generate(gen.ids, attention_mask=attention, max_new_tokens=new,
                                 min_new_tokens=new, do_sample=False)
        backend.synchronize()
        assert out.shape[1] == args.prompt + new
        return time.perf_counter() - start

    timed(1 + args.new_tokens)  # warm-up
    prefill, decode = suite_steps(args, llm_torch)
    ref_ttft, ref_token, suite_ttft, suite_token = [], [], [], []
    for _ in range(args.trials):
        first, whole = timed(1), timed(1 + args.new_tokens)
        ref_ttft.append(first)
        ref_token.append((whole - first) / args.new_tokens)
        ttft, per_token = suite_round(prefill, decode, args.new_tokens)
        suite_ttft.append(ttft)
        suite_token.append(per_token)
    return {**rates(args.batch, args.prompt, ref_ttft, ref_token),
            "suite": rates(args.batch, args.prompt, suite_ttft, suite_token),
            "trials": args.trials}


def _mlx_model(args: argparse.Namespace) -> tuple[Any, Any]:
    from mpsbench.workloads import llm_mlx

    gen = llm_mlx.generation(args.device, args.model, args.dtype, "eager", 1, args.prompt,
                             args.new_tokens)
    return gen, code_tokenizer(gen.config.vocab_size)


def mlx_stream_generate(args: argparse.Namespace) -> dict[str, Any]:
    """mlx_lm.stream_generate's own statistics, on the suite's MLX model (batch 1)."""
    import mlx_lm

    from mpsbench.workloads import llm_mlx

    gen, tokenizer = _mlx_model(args)
    prompt = gen.ids[0].tolist()

    def once() -> Any:
        *_, last = mlx_lm.stream_generate(gen.model, tokenizer, prompt,
                                          max_tokens=1 + args.new_tokens)
        return last

    once()  # warm-up, as mlx_lm.benchmark
    prefill, decode = suite_steps(args, llm_mlx)
    runs, suite_ttft, suite_token = [], [], []
    for _ in range(args.trials):  # interleaved with the suite's own steps
        runs.append(once())
        ttft, per_token = suite_round(prefill, decode, args.new_tokens)
        suite_ttft.append(ttft)
        suite_token.append(per_token)
    assert all(r.generation_tokens == 1 + args.new_tokens for r in runs)
    raw = statistics.mean(r.generation_tps for r in runs)
    return {"prompt_tps": statistics.mean(r.prompt_tps for r in runs),
            "generation_tps": raw * args.new_tokens / (1 + args.new_tokens),
            "generation_tps_as_reported": raw,
            "peak_memory_gb": max(r.peak_memory for r in runs),
            "suite": rates(1, args.prompt, suite_ttft, suite_token), "trials": args.trials}


def write_model_folder(args: argparse.Namespace, folder: Path) -> Path:
    """config.json, model.safetensors (the seeded weights) and the code-built tokenizer."""
    import mlx.core as mx

    from mpsbench.models.llm_configs import get_config
    from mpsbench.models.llm_convert import mlx_weights

    config = get_config(args.model)
    fields = {k: v for k, v in config.shared_fields().items() if v is not None}
    (folder / "config.json").write_text(json.dumps(fields, indent=1))
    mx.save_safetensors(str(folder / "model.safetensors"),
                        dict(mlx_weights(config, getattr(mx, args.dtype))))
    code_tokenizer(config.vocab_size).save_pretrained(str(folder))
    return folder


def mlx_benchmark_command(args: argparse.Namespace) -> dict[str, Any]:
    """``python -m mlx_lm.benchmark`` on a folder holding the suite's model."""
    with tempfile.TemporaryDirectory(prefix="mpsbench-llm-") as tmp:
        folder = write_model_folder(args, Path(tmp))
        command = [sys.executable, "-m", "mlx_lm.benchmark", "--model", str(folder),
                   "-p", str(args.prompt), "-g", str(1 + args.new_tokens),
                   "-n", str(args.trials), "-b", str(args.batch)]
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if done.returncode != 0:
        raise SystemExit(f"mlx_lm.benchmark failed:\n{done.stderr[-2000:]}")
    found = re.search(r"Averages: prompt_tps=([\d.]+), generation_tps=([\d.]+), "
                      r"peak_memory=([\d.]+)", done.stdout)
    if not found:
        raise SystemExit(f"no averages in mlx_lm.benchmark's output:\n{done.stdout}")
    raw = float(found[2])
    return {"prompt_tps": float(found[1]),
            "generation_tps": raw * args.new_tokens / (1 + args.new_tokens),
            "generation_tps_as_reported": raw,
            "peak_memory_gb": float(found[3]), "command": " ".join(command[1:]),
            "trials": args.trials}


REFERENCES = {"torch": torch_generate, "mlx": mlx_stream_generate,
              "mlx-benchmark": mlx_benchmark_command}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", choices=sorted(REFERENCES))
    parser.add_argument("model")
    parser.add_argument("dtype")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--prompt", type=int, default=128)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args(argv)
    result = REFERENCES[args.reference](args)
    print(json.dumps({"reference": args.reference, "model": args.model, "dtype": args.dtype,
                      "device": args.device, "batch": args.batch, "prompt": args.prompt,
                      "new_tokens": args.new_tokens, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
