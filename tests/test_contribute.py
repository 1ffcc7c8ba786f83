"""A contribution, and a rehearsal of the Mac that records one.

GitHub's and this project's machines have no Apple GPU, so the tests patch the platform
and the device's availability (here, never in the library) to run every macOS-only
branch: the Python refused or taken, spawn launch, the allocator left alone, gpu in the
selection, the per-release wait check, the old releases' skips, and a contributed
recording end to end on the fixture benchmarks. The same command, unpatched, records
one release on this CPU as the history workflow's jobs do.
"""

from __future__ import annotations

import functools
import platform
import subprocess
import sys
import tarfile
from types import SimpleNamespace

import pytest

from mpsbench import allocator, contribute, hardware, launch, waitcheck
from mpsbench.cli import main
from mpsbench.commands import history as history_command
from mpsbench.history import ledger, record, selection
from mpsbench.history.stack import Host, wheel_missing

from . import recording_project
from .test_waitcheck import FakeDevice, figures

RELEASES = {"torch-2.12.1": {"wheels": {"macos-arm64": ["3.11", "3.12"]}, "min_macos": "14.0"},
            "mlx-0.30.6": {"wheels": {"macos-arm64": ["3.11"]}, "min_macos": "13.5"}}


@pytest.fixture
def mac(monkeypatch):
    """An Apple-silicon Mac on macOS 14.5 as this process sees it; ``translated`` is what
    sysctl.proc_translated says (1: under Rosetta)."""
    state = SimpleNamespace(translated="0")
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(platform, "machine", lambda: "arm64")
    monkeypatch.setattr(platform, "mac_ver", lambda: ("14.5", ("", "", ""), "arm64"))
    real_run = subprocess.run

    def run(command, *args, **kwargs):
        if command[:3] == ["sysctl", "-n", "sysctl.proc_translated"]:
            return SimpleNamespace(stdout=state.translated + "\n", returncode=0)
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    return state


def test_a_native_mac_python_is_taken(mac):
    assert contribute.host_problem() is None


def test_a_python_under_rosetta_is_refused_with_the_fix(mac, monkeypatch):
    mac.translated = "1"
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")  # what Rosetta reports
    problem = contribute.host_problem()
    assert "runs under Rosetta" in problem and "native arm64 Python 3.11 or 3.12" in problem
    with pytest.raises(Exception, match="cannot record a contribution here"):
        contribute.check_host()


def test_macos_below_14_and_an_intel_mac_are_refused(mac, monkeypatch):
    monkeypatch.setattr(platform, "mac_ver", lambda: ("13.6.1", ("", "", ""), "arm64"))
    assert "macOS 13.6.1" in contribute.host_problem()
    assert "Update macOS to 14" in contribute.host_problem()
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    assert "not Apple silicon" in contribute.host_problem()


def test_a_python_below_311_is_refused(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 10, 14))
    assert "needs 3.11 or later" in contribute.host_problem()


def test_on_the_mac_benchmarks_spawn_and_the_allocator_is_left_alone(mac):
    assert launch.default_launch_method(sys.platform) == "spawn"
    assert launch.launch_args([], sys.platform) == ["--launch-method", "spawn"]
    assert launch.preimport_for_forkserver(["benchmark.py", "run_server"], sys.platform) == []
    state = allocator.expected_state({})
    assert state.library == "macOS libmalloc" and state.mode == "system"


def test_on_the_mac_the_selection_holds_gpu(mac):
    assert hardware.apple_silicon() and hardware.gpu_hardware_present()
    assert selection.default_devices() == ("cpu", "gpu")
    regex = selection.bench_regex("torch", selection.default_devices())
    assert selection.selects("torch", "resnet50.TorchTrainStep.time_step('gpu', 1)",
                             ("cpu", "gpu"))
    assert "gpu" in regex


@pytest.mark.parametrize("waits", [True, False])
def test_the_macs_wait_check_passes_or_skips_each_release(tmp_path, monkeypatch, waits):
    kept = tmp_path / waitcheck.FILE_NAME
    monkeypatch.setenv(waitcheck.WAITCHECK_ENV, str(kept))
    monkeypatch.setenv("ASV_COMMIT", "c" * 40)
    monkeypatch.setattr(waitcheck, "check", lambda backend, version: figures(FakeDevice(waits)))
    monkeypatch.setattr("mpsbench.backends.get_backend", lambda framework, device: None)
    waitcheck.gpu_reason.cache_clear()
    try:
        reason = waitcheck.gpu_reason("torch")
    finally:
        waitcheck.gpu_reason.cache_clear()
    if waits:
        assert reason is None
    else:
        assert "wait returns before the work is done on mps" in reason
    assert waitcheck.stored(kept, "torch")["waits"] is waits


def test_old_releases_skip_on_an_old_or_translated_mac_with_their_reason():
    sonoma, ventura = Host("macos-arm64", "3.11", "14.5"), Host("macos-arm64", "3.11", "13.6")
    assert wheel_missing(RELEASES["torch-2.12.1"], sonoma) == ""
    assert wheel_missing(RELEASES["torch-2.12.1"], ventura) == \
        "no wheel for macOS 13.6 (needs macOS 14.0 or later)"
    assert wheel_missing(RELEASES["mlx-0.30.6"], Host("macos-x86_64", "3.11", "14.5")) \
        .startswith("no wheel for macos-x86_64")


@pytest.fixture
def project(tmp_path, monkeypatch):
    return recording_project.make_project(tmp_path, monkeypatch)


def unpacked(archive) -> set[str]:
    with tarfile.open(archive) as tar:
        return set(tar.getnames())


def test_a_contributed_recording_on_a_mac_end_to_end(project, mac, monkeypatch, capsys):
    asked = []
    monkeypatch.setattr(history_command, "launch_args",
                        functools.partial(launch.launch_args, platform=sys.platform))
    real_run = record.asv_run_commit
    monkeypatch.setattr(record, "asv_run_commit", lambda sha, regex, machine, extra, *rest,
                        **kw: asked.append(extra) or real_run(sha, regex, machine, extra,
                                                              *rest, **kw))
    code = main(["contribute", "--name", "box", "--history", "history", "--to", "torch-2.14.1"])
    out, err = capsys.readouterr()
    assert code == 2 and "1 combinations failed" in err  # the fixture's failure, stored
    assert "selection on cpu and gpu (this machine has a GPU)" in err
    assert "1 of 1 releases to record (1 torch, 0 mlx)" in err
    assert "--launch-method" in asked[0] and "spawn" in asked[0]
    names = unpacked(project / "mpsbench-results-box.tar.gz")
    assert {"box/machine.json", "box/machine.facts", "box/history.ledger"} <= names
    assert any(name.endswith(".json") and name.startswith("box/") and "-existing" in name
               for name in names)

    again = ["contribute", "--name", "box", "--history", "history", "--to", "torch-2.14.1"]
    assert main(again) == 0  # resumed: nothing due
    out, err = capsys.readouterr()
    assert "0 of 1 releases to record" in err and "passed over" in out


def test_the_workflows_command_records_one_release_on_this_cpu(project, capsys):
    """What .github/workflows/history.yml runs on each machine, here for one release."""
    code = main(["contribute", "--name", "box", "--history", "history", "--device", "cpu",
                 "--from", "mlx-0.32.4", "--archive", "out/box.tar.gz"])
    assert code == 2  # the fixture's failure, stored with its reason
    book = ledger.read_ledger(project / "results", "box")
    assert [entry.tag for entry in book.values()] == ["mlx-0.32.4"]
    assert "box/history.ledger" in unpacked(project / "out" / "box.tar.gz")
    assert subprocess.run(["tar", "-tzf", "out/box.tar.gz"], capture_output=True).returncode == 0
