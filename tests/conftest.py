"""Shared fixtures: the repo root, and a spy on backend synchronization."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `benchmarks` is importable as a package, as asv does


@pytest.fixture
def sync_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every backend synchronize call (torch and MLX), still doing the real work."""
    from mpsbench.backends.mlx_backend import MLXBackend
    from mpsbench.backends.torch_backend import TorchBackend

    calls: list[str] = []
    for cls in (TorchBackend, MLXBackend):
        real = cls.synchronize

        def spy(self, outputs=None, _real=real):
            calls.append(self.framework)
            return _real(self, outputs)

        monkeypatch.setattr(cls, "synchronize", spy)
    return calls
