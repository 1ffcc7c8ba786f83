"""Benchmark discovery imports no framework, and an MLX step never loads torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)


def test_importing_the_resnet_benchmarks_imports_no_framework():
    run_python(
        "import sys, benchmarks.resnet50\n"
        "loaded = {'torch', 'torchvision', 'mlx'} & {m.split('.')[0] for m in sys.modules}\n"
        "assert not loaded, loaded"
    )


def test_building_an_mlx_step_imports_no_torch():
    pytest.importorskip("mlx.core")
    run_python(
        "import sys\n"
        "from mpsbench.workloads import resnet_mlx\n"
        "from mpsbench.models.resnet_mlx import ResNet\n"
        "backend = resnet_mlx.backend_on('cpu')\n"
        "x = backend.asarray(resnet_mlx.images_nhwc(2)[:, :32, :32])\n"
        "resnet_mlx.make_step('train_step', backend, ResNet((1, 1, 1, 1), 10), x)\n"
        "assert 'torch' not in sys.modules and 'torchvision' not in sys.modules"
    )
