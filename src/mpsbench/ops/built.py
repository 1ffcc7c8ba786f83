"""What a framework module hands back for one operator at one grid point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class BuiltOp:
    """A ready operator.

    ``run`` does one step and returns every array it produced (for MLX, everything that
    must be evaluated). ``results`` turns what ``run`` returned into named float32 numpy
    arrays: ``output``, ``input.<name>`` and ``weight.<name>`` (gradients, in the
    forward+backward phase), with the spec's names, so frameworks can be compared.
    """

    run: Callable[[], Any]
    results: Callable[[Any], dict[str, np.ndarray]]
