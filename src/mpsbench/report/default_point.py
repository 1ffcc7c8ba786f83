"""The operators at the default point, torch against MLX (docs/gpu.md's table), from results.

The default point is the default grid's operator shape: float16, batch 1, sequence 128,
8 heads, causal mask (where the op takes heads and a mask). One row per operator and
phase; seconds per step of eager torch, eager MLX and compiled MLX, each framework at its
own newest commit with values on that machine (torch and MLX are recorded under their
own releases' commits), and torch's time over each MLX variant (above 1: MLX is faster).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import pandas as pd

from mpsbench.catalogue import DEVICE_PARAMS, TRANSFORMER
from mpsbench.ops.spec import PHASES
from mpsbench.report.llm_table import at_newest_commits
from mpsbench.report.naming import BASELINE, describe

DEFAULT_POINT = {"dtype": "float16", "batch": 1, "seq": 128}
OPTIONAL_POINT = {"heads": 8, "mask": "causal"}  # params only some ops take
VARIANTS = [BASELINE, "MLX", "MLX compiled"]
RATIOS = [f"{BASELINE}/{variant}" for variant in VARIANTS[1:]]
PHASE_LABELS = {"forward": "forward", "forward_backward": "fwd+bwd"}
MEANING = ("Seconds per step (us) of each operator at the default grid's point: float16, "
           "batch 1, sequence 128, 8 heads, causal mask; each framework at its newest "
           "release recorded on the machine. A ratio is torch's time over MLX's: above 1, "
           "MLX is faster. On a Linux CPU, MLX runs a single-threaded reference BLAS, which "
           "says little about MLX on a Mac.")


def at_default_point(rows: pd.DataFrame) -> pd.DataFrame:
    """The operator rows of ``rows`` at the default point (none where a param is absent)."""
    rows = rows[rows["module"] == TRANSFORMER.module]
    for name, value in DEFAULT_POINT.items():
        if name not in rows.columns:
            return rows.iloc[0:0]
        rows = rows[rows[name] == value]
    for name, value in OPTIONAL_POINT.items():
        if name in rows.columns:
            rows = rows[rows[name].isna() | (rows[name] == value)]
    return rows


def default_point_rows(frame: pd.DataFrame, machine: str, device: str) -> pd.DataFrame:
    """``machine``'s operator timings at the default point on ``device``, each variant at
    its newest commit with values there."""
    rows = frame[(frame["machine"] == machine) & (frame["metric"] == "time_step")
                 & frame["value"].notna()]
    if "device" not in rows.columns:
        return rows.iloc[0:0].assign(variant=None)
    rows = describe(at_default_point(rows[rows["device"] == device]))
    return at_newest_commits(rows[rows["variant"].isin(VARIANTS)])


def default_point_table(rows: pd.DataFrame) -> pd.DataFrame:
    """(op, phase) x torch, MLX, MLX compiled (seconds) and the two ratios, of
    ``default_point_rows``."""
    if rows.empty:
        return pd.DataFrame(columns=VARIANTS + RATIOS)
    table = rows.pivot_table(index=["op", "phase"], columns="variant", values="value",
                             aggfunc="first").reindex(columns=VARIANTS)
    order = [(op, phase) for op in sorted(set(rows["op"])) for phase in PHASES
             if (op, phase) in table.index]
    table = table.reindex(order)
    for variant, ratio in zip(VARIANTS[1:], RATIOS, strict=True):
        table[ratio] = table[BASELINE] / table[variant]
    return table


def has_default_point(frame: pd.DataFrame, machine: str) -> bool:
    """Whether ``machine`` recorded an operator timing at the default point, on any device."""
    return any(not default_point_rows(frame, machine, device).empty
               for device in DEVICE_PARAMS)


def default_point_html(table: pd.DataFrame) -> str:
    """The table as HTML: seconds in us, ratios with two decimals, '-' where missing; no
    column for a variant without values (compiled MLX where it was not recorded)."""
    shown = table.dropna(axis=1, how="all").rename_axis(columns=None).reset_index()
    shown["phase"] = shown["phase"].map(PHASE_LABELS)
    for column in shown.columns[2:]:
        scale, digits = (1e6, 0) if column in VARIANTS else (1, 2)
        shown[column] = shown[column].map(
            lambda v, scale=scale, digits=digits: "-" if pd.isna(v) else f"{v * scale:,.{digits}f}")
    shown = shown.rename(columns={v: f"{v} (us)" for v in VARIANTS})
    return shown.to_html(index=False, classes="phase-table compact", escape=True)


def default_point_block(frame: pd.DataFrame, machine: str,
                        label: Callable[[str], str] = lambda c: c[:8]) -> str:
    """The report's default-point section for one machine: a table per device with values."""
    parts = []
    for device in reversed(DEVICE_PARAMS):  # the GPU's first: the question the suite asks
        rows = default_point_rows(frame, machine, device)
        if rows.empty:
            continue
        source = "; ".join(f"{variant}: {label(commit)}" for variant, commit in
                           rows.groupby("variant")["commit"].first().items())
        parts.append(f"<h5>{escape(device)}</h5><p class='source'>{escape(source)}</p>"
                     f"<div class='wide'>{default_point_html(default_point_table(rows))}</div>")
    if not parts:
        return "<p class='missing'>missing: no operator timings at the default point</p>"
    return "".join(parts)
