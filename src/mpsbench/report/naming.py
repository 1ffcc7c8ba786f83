"""What a benchmark's class name and params say: framework, compiled or not, operator.

Classes are named ``<Framework><Op>`` (``TorchLinear``, ``MLXForwardInference``), and
may carry ``Compiled`` (``MLXCompiledLinear``) or a ``mode`` / ``compiled`` param
(``'eager'``/``'compiled'``, ``False``/``True``). Nothing here knows any operator.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FRAMEWORKS = {"Torch": "torch", "MLX": "MLX"}  # class-name prefix -> label
BASELINE = "torch"  # the variant every ratio is taken against
VARIANT_PARAMS = ("mode", "compiled")  # params that choose how a framework runs
CLASS_PATTERN = re.compile(rf"^(?P<framework>{'|'.join(FRAMEWORKS)})(?P<compiled>Compiled)?"
                           r"(?P<op>[A-Z0-9].*?)(?P<suffix>Memory|FirstCall)?$")


def split_class(cls: str) -> tuple[str | None, str, bool]:
    """'MLXCompiledLinear' -> ('MLX', 'Linear', True); an unknown prefix -> (None, cls, False).

    A class that holds one metric of an op, 'TorchLinearMemory' or 'TorchLinearFirstCall',
    names op 'Linear'.
    """
    match = CLASS_PATTERN.match(cls)
    if not match:
        return None, cls, False
    return FRAMEWORKS[match["framework"]], match["op"], bool(match["compiled"])


def mode_suffix(compiled_by_name: bool, params: dict[str, Any]) -> str:
    """'' for eager, ' compiled' for compiled, ' <mode>' for any other named mode."""
    if compiled_by_name:
        return " compiled"
    for name in VARIANT_PARAMS:
        value = params.get(name)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            continue
        if value in (True, "compiled"):
            return " compiled"
        if value not in (False, "eager"):
            return f" {value}"
    return ""


def describe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``framework``, ``op`` and ``variant`` ('torch', 'MLX compiled') added.

    Rows of classes with no known framework prefix get framework None and are kept.
    """
    if frame.empty:
        return frame.assign(framework=None, op=None, variant=None)
    parts = frame["cls"].map(split_class)
    modes = [column for column in VARIANT_PARAMS if column in frame.columns]
    suffixes = [
        mode_suffix(by_name, dict(zip(modes, values, strict=True)))
        for by_name, values in zip(parts.str[2], frame[modes].itertuples(index=False),
                                   strict=True)
    ]
    framework = parts.str[0]
    return frame.assign(framework=framework, op=parts.str[1],
                        variant=[None if f is None else f + s
                                 for f, s in zip(framework, suffixes, strict=True)])


def variant_order(variants: list[str]) -> list[str]:
    """The baseline first, then the rest by framework and mode ('MLX', 'MLX compiled')."""
    return sorted(set(variants), key=lambda v: (v != BASELINE, not v.startswith(BASELINE), v))
