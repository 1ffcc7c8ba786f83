"""Everything one self-check measured, section by section, for the report."""

from __future__ import annotations

from dataclasses import dataclass, field

from mpsbench.selfcheck.external import ExternalFindings
from mpsbench.selfcheck.fidelity import FidelityRow
from mpsbench.selfcheck.measure import Comparison, ProbedRun


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
