"""The small-LLM table: tokens per second, torch against compiled torch against MLX.

One row per model, dtype, phase and shape; one column per variant, then the ratios
against eager torch. What each number is:

- **prompt** rows: prompt tokens per second, batch x prompt / the time to first token
  (``llm.<Framework>Prefill.time_step``);
- **generation** rows: generated tokens per second, batch / the seconds per token of
  ``new_tokens`` greedy tokens after the prompt (``llm.<Framework>Decode.time_step``).

A ratio is the variant's tokens per second over eager torch's: above 1, faster than
torch. Cells with no recorded value read 'missing', and values that failed in asv
'failed'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

import pandas as pd

from mpsbench.backends.base import DTYPES
from mpsbench.report.naming import BASELINE, describe
from mpsbench.report.tables import cell_texts, failed_lines, gap_notes, missing_lines, rate
from mpsbench.results import FAILED

MODULE = "llm"
PHASES = {"Prefill": "prompt", "Decode": "generation"}
VARIANTS = [BASELINE, f"{BASELINE} compiled", "MLX"]
INDEX = ["model", "dtype", "phase", "batch", "prompt", "new_tokens"]
MEANING = ("prompt: prompt tokens/s = batch x prompt / time to first token; generation: "
           "generated tokens/s = batch / seconds per token, new_tokens greedy tokens with "
           "the KV cache after the prompt; ratios: tokens/s over eager torch's (above 1: "
           "faster than torch)")


def llm_timings(results: pd.DataFrame) -> pd.DataFrame:
    """The LLM prefill and decode time_step rows, with framework and variant named."""
    rows = results[(results["module"] == MODULE) & (results["metric"] == "time_step")]
    return describe(rows)


def tokens_per_second(rows: pd.DataFrame) -> pd.Series:
    """batch x prompt / seconds for prompt rows, batch / seconds-per-token otherwise."""
    batch = rows["batch"].astype(float)
    per_step = batch * rows["prompt"].astype(float)
    return (per_step.where(rows["op"] == "Prefill", batch)) / rows["value"]


@dataclass
class LLMTable:
    """Tokens per second per (model, dtype, phase, shape) and variant, and the ratios."""

    frame: pd.DataFrame
    failed_cells: set[tuple] = field(default_factory=set)  # (*row key, variant)
    commits: dict[str, str] = field(default_factory=dict)  # variant -> the commit shown

    @property
    def missing(self) -> list[str]:
        return missing_lines(self.frame, VARIANTS, self.failed_cells)

    @property
    def failed(self) -> list[str]:
        return failed_lines(self.frame, VARIANTS, self.failed_cells)

    def source(self, label: Callable[[str], str] = lambda c: c[:8]) -> str:
        """'torch: torch-2.11.0; MLX: mlx-0.32.4': where each column's values come from."""
        return "; ".join(f"{v}: {label(self.commits[v])}" for v in VARIANTS
                         if v in self.commits)

    def display(self) -> pd.DataFrame:
        """One shape column ('2 x 128 +32': batch x prompt, + generated tokens), tokens/s as
        rates, no column for a variant with no value at all (its absence is in
        ``missing``) and none for a dtype that every row shares (``dtypes`` names it)."""
        shown = self.frame.reset_index().rename_axis(columns=None)
        shown.insert(3, "batch x prompt", shown.apply(
            lambda r: f"{r['batch']} x {r['prompt']}"
            + ("" if r["phase"] == "prompt" else f" +{int(r['new_tokens'])}"), axis=1))
        shown = shown.drop(columns=["batch", "prompt", "new_tokens"])
        if shown["dtype"].nunique() == 1:
            shown = shown.drop(columns=["dtype"])
        empty = [v for v in VARIANTS if v in shown and self.frame[v].isna().all()
                 and not any(cell[-1] == v for cell in self.failed_cells)]
        shown = shown.drop(columns=[c for c in self.frame.columns
                                    if any(c == v or c.startswith(f"{v}/") for v in empty)])
        for column in self.frame.columns.intersection(shown.columns):
            shown[column] = cell_texts(self.frame, column, 2 if "/" in column else rate,
                                       self.failed_cells)
        return shown.rename(columns={v: f"{v} tok/s" for v in VARIANTS})

    @property
    def dtypes(self) -> str:
        """The dtypes of the rows: 'bfloat16', 'float32, bfloat16'."""
        return ", ".join(dict.fromkeys(self.frame.index.get_level_values("dtype")))

    def to_markdown(self) -> str:
        return self.display().to_markdown(index=False)

    def to_html(self) -> str:
        return self.display().to_html(index=False, classes="phase-table compact")


def _model_order(models: list[str]) -> list[str]:
    from mpsbench.models.llm_configs import BENCHMARK_MODELS

    return sorted(models, key=lambda m: (BENCHMARK_MODELS.index(m)
                                         if m in BENCHMARK_MODELS else len(BENCHMARK_MODELS), m))


def at_newest_commits(rows: pd.DataFrame) -> pd.DataFrame:
    """Each variant's rows at its own newest commit with a value: torch and MLX are
    recorded on different history commits (a torch release's, an mlx release's)."""
    valued = rows[rows["value"].notna()]
    newest = valued.sort_values("date").groupby("variant")["commit"].last()
    return rows[rows["commit"] == rows["variant"].map(newest)]


def llm_table(results: pd.DataFrame, machine: str, commit: str | None,
              device: str) -> LLMTable:
    """Tokens per second of each variant on ``device`` on one machine, at ``commit``, or
    (None) at each variant's newest commit there."""
    rows = llm_timings(results)
    if rows.empty:  # no LLM results at all: no device column either
        return LLMTable(pd.DataFrame(columns=VARIANTS))
    rows = rows[(rows["machine"] == machine) & (rows["device"] == device)
                & rows["op"].isin(list(PHASES))]
    rows = at_newest_commits(rows) if commit is None else rows[rows["commit"] == commit]
    if rows.empty:
        return LLMTable(pd.DataFrame(columns=VARIANTS))
    commits = rows.groupby("variant")["commit"].first().to_dict()
    rows = rows.assign(phase=rows["op"].map(PHASES),
                       new_tokens=rows.get("new_tokens", pd.Series(index=rows.index)),
                       tokens=tokens_per_second(rows) if not rows.empty else [])
    rows["new_tokens"] = rows["new_tokens"].fillna(0).astype(int)
    values = rows.pivot_table(index=INDEX, columns="variant", values="tokens", aggfunc="first")
    values = values.reindex(columns=VARIANTS)
    if not values.empty:
        order = {"model": _model_order(list(values.index.unique("model"))),
                 "dtype": [d for d in DTYPES if d in values.index.unique("dtype")],
                 "phase": [p for p in PHASES.values() if p in values.index.unique("phase")]}
        keys = values.index.to_frame(index=False)
        keys = keys.assign(**{k: keys[k].map({v: i for i, v in enumerate(order[k])})
                              for k in order})
        values = values.iloc[keys.sort_values(INDEX).index]
    for variant in VARIANTS[1:]:
        values[f"{variant}/{BASELINE}"] = values[variant] / values[BASELINE]
    failed = rows[rows["status"] == FAILED]
    return LLMTable(values, {(*key, variant) for key, variant in zip(
        failed[INDEX].itertuples(index=False, name=None), failed["variant"], strict=True)},
        commits)


def print_tables(frame: pd.DataFrame, machines: list[str], commit: str | None, device: str,
                 html: bool) -> int:
    """``mpsbench table --llm``: one table per machine with LLM results, at ``commit`` or
    at each framework's newest commit there."""
    for machine in machines:
        table = llm_table(frame, machine, commit, device)
        if table.frame.empty:
            where = f"at commit {commit[:8]}" if commit else "recorded"
            print(f"## Small-LLM inference on {machine}: no LLM timings on {device} "
                  f"{where}\n")
            continue
        print(f"## Small-LLM inference on {machine}, {device}, {table.dtypes} "
              f"({table.source()}), "
              "tokens per second\n")
        print(f"{MEANING}.\n")
        print(table.to_html() if html else table.to_markdown())
        for note in gap_notes(table):
            print(f"\n{note}")
        print()
    return 0


def llm_block(rows: pd.DataFrame, machine: str,
              label: Callable[[str], str] = lambda c: c[:8]) -> str:
    """The report's LLM section for one machine: a table per device, each framework at
    its newest commit there (``label`` names a commit)."""
    parts = []
    for device in ("cpu", "gpu"):
        table = llm_table(rows, machine, None, device)
        if table.frame.empty:
            continue
        notes = "".join(f'<p class="missing">{escape(note)}</p>' for note in gap_notes(table))
        parts.append(f'<h5>{escape(device)}, {escape(table.dtypes)}</h5><p class="source">'
                     f'{escape(table.source(label))}</p><div class="wide">{table.to_html()}'
                     f'</div>{notes}')
    if not parts:
        return '<p class="missing">missing: no LLM results recorded</p>'
    return f'<p class="source">{escape(MEANING)}</p>' + "".join(parts)
