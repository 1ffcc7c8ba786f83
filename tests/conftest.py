"""Shared fixtures: the repo root, a spy on synchronization, a published site of results."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `benchmarks` is importable as a package, as asv does


@pytest.fixture
def sync_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every backend wait (torch and MLX; ``synchronize`` waits through it too),
    still doing the real work."""
    from mpsbench.backends.mlx_backend import MLXBackend
    from mpsbench.backends.torch_backend import TorchBackend

    calls: list[str] = []
    for cls in (TorchBackend, MLXBackend):
        real = cls.wait

        def spy(self, outputs=None, _real=real):
            calls.append(self.framework)
            return _real(self, outputs)

        monkeypatch.setattr(cls, "wait", spy)
    return calls


# Real results for the report's tests: "alpha" records a ResNet-50 timing and the fixture
# operator in torch and MLX (with machine facts); "beta" records only MLX's timings.
ALPHA_BENCH = (r"^(resnet50\.TorchForwardInference\.time_step\('cpu', 1\)"
               r"|report_fixture\.(TorchMatMul\.time_step|MLXMatMul))")
BETA_BENCH = r"^report_fixture\.MLXMatMul\.time_step"


@pytest.fixture(scope="session")
def published_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two machines' results recorded by real quick asv runs, published by ``mpsbench
    publish`` (asv's site and the report); returns the folder that holds results/ and html/."""
    from mpsbench.cli import main
    from tests.asv_recording import record

    tmp = tmp_path_factory.mktemp("site")
    record(tmp, ALPHA_BENCH, "alpha", extra=["report_fixture"], facts=True)
    record(tmp, BETA_BENCH, "beta", extra=["report_fixture"])
    assert main(["publish", "--config", str(tmp / "asv.conf.json")]) == 0
    return tmp
