"""Launch method and the forkserver's one-time import of torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mpsbench import launch

from .conftest import ROOT


def test_forkserver_on_linux_spawn_on_macos():
    assert launch.default_launch_method("linux") == "forkserver"
    assert launch.default_launch_method("darwin") == "spawn"


def test_a_users_launch_method_is_kept():
    assert launch.launch_args(["--bench", "x"], "linux") == ["--launch-method", "forkserver"]
    assert launch.launch_args(["--launch-method", "spawn"], "linux") == []
    assert launch.launch_args(["--launch-method=spawn"], "linux") == []


def test_only_asvs_forkserver_is_recognized():
    assert launch.in_asv_forkserver(["benchmark.py", "run_server", "dir", "socket"])
    assert not launch.in_asv_forkserver(["benchmark.py", "run", "dir", "name"])
    assert not launch.in_asv_forkserver(["benchmark.py", "discover", "dir", "out"])
    assert not launch.in_asv_forkserver(["python"])


def test_no_preimport_outside_the_forkserver_or_on_macos():
    assert launch.preimport_for_forkserver(["benchmark.py", "run", "d", "n"], "linux") == []
    assert launch.preimport_for_forkserver(["benchmark.py", "run_server", "d", "s"],
                                           "darwin") == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="preimport is Linux-only")
def test_the_forkserver_imports_torch_without_initializing_a_device():
    code = (
        "import sys; sys.argv = ['benchmark.py', 'run_server', 'dir', 'socket']\n"
        "import benchmarks, torch\n"
        "assert 'torchvision' in sys.modules and 'mlx' not in sys.modules\n"
        "assert not torch.cuda.is_initialized()\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
