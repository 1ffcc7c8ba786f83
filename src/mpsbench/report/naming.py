"""What a benchmark class measures, for the report: framework, operator and variant.

The class is looked up in ``mpsbench.catalogue``; a class it does not declare keeps
framework None. The variant is the framework's label and, unless eager, its mode:
'torch', 'MLX compiled' (by the ``mode`` param, or by a class compiled by its name,
``BenchmarkClass.compiled``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mpsbench import catalogue

BASELINE = catalogue.BASELINE.label  # the variant every ratio is taken against
MODE_PARAM = "mode"  # the param that chooses how a framework runs
COMPILED = "compiled"


def split_class(cls: str) -> tuple[str | None, str, bool]:
    """'TorchLinearMemory' -> ('torch', 'Linear', False); a class compiled by its name ->
    (its framework, its subject, True); a class the catalogue lacks -> (None, cls, False)."""
    entry = catalogue.described(cls)
    if entry is None:
        return None, cls, False
    return entry.framework.label, entry.subject, entry.compiled


def mode_suffix(compiled_by_name: bool, mode: Any) -> str:
    """'' for eager (or no mode), ' compiled' for compiled, ' <mode>' for another mode."""
    if compiled_by_name:
        return f" {COMPILED}"
    if mode is None or (isinstance(mode, float) and pd.isna(mode)) or mode == "eager":
        return ""
    return f" {mode}"


def describe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``framework``, ``op`` and ``variant`` ('torch', 'MLX compiled') added.

    Rows of classes the catalogue does not declare get framework None and are kept.
    """
    if frame.empty:
        return frame.assign(framework=None, op=None, variant=None)
    parts = frame["cls"].map(split_class)
    modes = frame[MODE_PARAM] if MODE_PARAM in frame.columns else [None] * len(frame)
    framework = parts.str[0]
    variants = [None if label is None else label + mode_suffix(by_name, mode)
                for label, by_name, mode in zip(framework, parts.str[2], modes, strict=True)]
    return frame.assign(framework=framework, op=parts.str[1], variant=variants)


def variant_order(variants: list[str]) -> list[str]:
    """The baseline first, then the rest by framework and mode ('MLX', 'MLX compiled')."""
    return sorted(set(variants), key=lambda v: (v != BASELINE, not v.startswith(BASELINE), v))
