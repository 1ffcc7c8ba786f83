"""Do the torch and MLX models compute the same function, and does generation use its cache right?

``check`` builds both models of one configuration with the same seeded weights (fresh,
not the benchmarks' per-process models) and runs the benchmarks' own generation code
(``Generation.prefill`` and ``decode``) in both. It then compares:

1. **across frameworks, no cache**: the logits of the prompt followed by the generated
   tokens, every position, within ``tolerance``;
2. **within each framework, cache against no cache**: each decode step's logits against
   the uncached logits of the same position; and the first token against the uncached
   greedy token of the prompt's last position;
3. **across frameworks, greedy tokens**: the same first token and ``steps`` more.

Check 2 is what finds a bug that both frameworks would share: a KV cache that drops
its history, a causal mask that is never applied (the uncached pass then sees later
tokens) or a RoPE offset that is never passed (a cached token then sits at position 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mpsbench.models.llm_configs import get_config

# float32, the tiny configurations (logits of magnitude ~5): the two frameworks agree
# to ~2e-6 here; 1e-4 is 50x that and still 1000x below what any of the bugs above do.
TOLERANCE = 1e-4


@dataclass
class Run:
    """One framework's generation: tokens, cached step logits, uncached logits."""

    tokens: np.ndarray  # (batch, 1 + steps): the first token, then the decoded ones
    step_logits: np.ndarray  # (batch, steps, vocab): each decode step's logits
    full_logits: np.ndarray  # (batch, prompt + steps, vocab): no cache


@dataclass
class ParityResult:
    model: str
    torch: Run
    mlx: Run
    prompt: int
    tolerance: float
    differences: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _torch_run(model: str, batch: int, prompt: int, steps: int) -> Run:
    from mpsbench.backends import get_backend
    from mpsbench.workloads import llm_torch

    config = get_config(model)
    backend = get_backend("torch", "cpu")
    built = llm_torch.build_model(config, backend, "float32")
    gen = llm_torch.Generation(backend, built, config, batch, prompt, steps, compiled=False)
    gen.recorded = []
    first = gen.prefill()
    tokens = backend.torch.cat([first, *gen.decode()], dim=1)
    full = backend.torch.cat([gen.ids, tokens[:, :-1]], dim=1)
    return Run(tokens.numpy(), np.stack([backend.to_numpy(x) for x in gen.recorded], axis=1),
               backend.to_numpy(gen.logits(full)))


def _mlx_run(model: str, batch: int, prompt: int, steps: int) -> Run:
    from mpsbench.backends import get_backend
    from mpsbench.workloads import llm_mlx

    config = get_config(model)
    backend = get_backend("mlx", "cpu")
    mx = backend.mx
    built = llm_mlx.build_model(config, backend, "float32")
    gen = llm_mlx.Generation(backend, built, config, batch, prompt, steps)
    gen.recorded = []
    first, _ = gen.prefill()
    decoded, _ = gen.decode()
    tokens = mx.concatenate([first, *decoded], axis=1)
    full = mx.concatenate([gen.ids, tokens[:, :-1].astype(gen.ids.dtype)], axis=1)
    step_logits = mx.stack(gen.recorded, axis=1)
    return Run(np.array(tokens), backend.to_numpy(step_logits),
               backend.to_numpy(gen.logits(full)))


def _max_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)))


def check(model: str = "tiny", batch: int = 1, prompt: int = 24, steps: int = 16,
          tolerance: float = TOLERANCE) -> ParityResult:
    """Run both frameworks' generation of ``model`` in float32 on the CPU and compare."""
    result = ParityResult(model, _torch_run(model, batch, prompt, steps),
                          _mlx_run(model, batch, prompt, steps), prompt, tolerance)
    found, problems = result.differences, result.problems
    found["logits torch-mlx"] = _max_diff(result.torch.full_logits, result.mlx.full_logits)
    if found["logits torch-mlx"] > tolerance:
        problems.append(f"uncached logits differ between torch and MLX by up to "
                        f"{found['logits torch-mlx']:.3g} (tolerance {tolerance:g})")
    for name, run in (("torch", result.torch), ("mlx", result.mlx)):
        uncached = run.full_logits[:, prompt:, :]
        found[f"{name} cached-uncached"] = _max_diff(run.step_logits, uncached)
        if found[f"{name} cached-uncached"] > tolerance:
            problems.append(f"{name}: decode logits with the KV cache differ from the "
                            f"uncached logits of the same positions by up to "
                            f"{found[f'{name} cached-uncached']:.3g}")
        first = run.full_logits[:, prompt - 1, :].argmax(-1)
        if not np.array_equal(run.tokens[:, 0], first):
            problems.append(f"{name}: the prefill's first token is not the uncached greedy "
                            "token of the prompt's last position")
    if not np.array_equal(result.torch.tokens, result.mlx.tokens):
        agree = int(np.argmin(np.all(result.torch.tokens == result.mlx.tokens, axis=0)))
        problems.append(f"greedy tokens differ between torch and MLX from token {agree} on: "
                        f"torch {result.torch.tokens[0].tolist()}, "
                        f"mlx {result.mlx.tokens[0].tolist()}")
    return result
