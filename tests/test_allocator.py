"""The C allocator is pinned in every kind of benchmark process, and says so when it is not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mpsbench import allocator
from mpsbench.firstcall import first_call_source

from .asv_recording import asv, git, suite_with, write_config

SRC = str(Path(allocator.__file__).resolve().parents[1])
glibc_only = pytest.mark.skipif(
    not allocator.library_name().startswith("glibc"),
    reason="the thresholds exist only in glibc; macOS's allocator is left as it is")


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", **env}, timeout=120, check=True)


def test_a_wrong_setting_is_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match="MPSBENCH_MALLOC='pinnd' is not one of pinned, system"):
        allocator.requested_mode({"MPSBENCH_MALLOC": "pinnd"})
    assert allocator.requested_mode({}) == "pinned"
    assert allocator.requested_mode({"MPSBENCH_MALLOC": " System "}) == "system"


@glibc_only
def test_a_wrong_setting_warns_and_pins_the_default():
    probe = ("from mpsbench import allocator\nstate = allocator.configure()\n"
             "print(state.mode, allocator.block_is_mmapped(16 * 2**20))")
    done = run_python(probe, MPSBENCH_MALLOC="bogus", PYTHONPATH=SRC)
    assert done.stdout.split() == ["pinned", "False"]
    assert "MPSBENCH_MALLOC='bogus' is not one of pinned, system" in done.stderr


@glibc_only
def test_without_pinning_a_fresh_process_mmaps_the_block():
    """The control: the probe can tell pinned from glibc's defaults."""
    probe = ("from mpsbench import allocator\nallocator.configure()\n"
             "print(allocator.block_is_mmapped(16 * 2**20))")
    done = run_python(probe, MPSBENCH_MALLOC="system", PYTHONPATH=SRC)
    assert done.stdout.strip() == "True"


@glibc_only
def test_first_call_interpreters_pin_before_building_the_step():
    _, setup = first_call_source("mpsbench.ops.steps:step_from_params")
    prologue = setup.split("from mpsbench.firstcall")[0]  # what runs before the build
    done = run_python(prologue + "print(allocator.block_is_mmapped(16 * 2**20))")
    assert done.stdout.strip() == "False"


def test_the_label_names_the_library_and_the_thresholds():
    state = allocator.AllocatorState("glibc 2.36", "pinned", 32 * 2**20, 2**31 - 1)
    assert state.label() == ("glibc 2.36, pinned: mmap threshold 32 MiB, "
                             "trim threshold 2047 MiB")
    assert allocator.AllocatorState("macOS libmalloc", "system").label() == \
        "macOS libmalloc, system"


@glibc_only
@pytest.mark.slow
@pytest.mark.parametrize("launch_method", ["spawn", "forkserver"])
@pytest.mark.parametrize("mode, mapped", [("pinned", 0), ("system", 1)])
def test_asv_benchmark_processes_get_the_setting(tmp_path, monkeypatch, launch_method, mode,
                                                 mapped):
    """asv's spawned processes and forkserver children (forked after torch's import)."""
    monkeypatch.setenv("MPSBENCH_MALLOC", mode)
    config = write_config(tmp_path, suite_with(tmp_path, ["allocator_fixture"]))
    asv(tmp_path, "machine", "--yes", "--machine", "probe", "--config", str(config))
    asv(tmp_path, "run", "--config", str(config), "--machine", "probe", "--quick",
        "--environment", f"existing:{sys.executable}", "--set-commit-hash",
        git("rev-parse", "HEAD"), "--launch-method", launch_method,
        "--bench", "AllocatorProbe", "--show-stderr")
    [result_file] = [p for p in (tmp_path / "results" / "probe").glob("*.json")
                     if p.name != "machine.json"]
    results = json.loads(result_file.read_text())["results"]
    [value] = results["allocator_fixture.AllocatorProbe.track_block_mmapped"][0]
    assert value == mapped
