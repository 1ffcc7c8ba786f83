"""Pinning to one CPU: what a spec names, and that it reaches every process it should."""

from __future__ import annotations

import json
import math

import pytest

from mpsbench.errors import UserError
from mpsbench.selfcheck import affinity, external
from mpsbench.selfcheck.references import refprocess
from mpsbench.threads import THREADS_ENV

from .asv_recording import suite_with

linux_only = pytest.mark.skipif(affinity.allowed() is None,
                                reason="this OS lets no process choose its CPU (macOS)")


def test_a_spec_names_a_cpu_the_last_or_none():
    assert affinity.resolve("none", {0, 1}) is None
    assert affinity.resolve("last", {0, 3, 5}) == 5
    assert affinity.resolve("3", {0, 3}) == 3
    assert affinity.resolve("last", set()) is None  # an OS without affinity: unpinned
    assert affinity.pin_at_start(None) is None


@pytest.mark.parametrize("spec, cpus, message", [
    ("7", {0, 1}, "CPU 7 is not one this process may run on (0, 1)"),
    ("first", {0, 1}, "a CPU is a number, 'last' or 'none', not 'first'"),
    ("-1", {0, 1}, "a CPU is a number"),
])
def test_a_wrong_spec_says_what_would_do(spec, cpus, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        affinity.resolve(spec, cpus)


def test_a_cpu_number_on_an_os_without_affinity_says_to_pass_none(monkeypatch):
    monkeypatch.delattr(affinity.os, "sched_getaffinity")
    assert affinity.allowed() is None and affinity.resolve("last") is None
    with pytest.raises(UserError, match="pass 'none'"):
        affinity.resolve("0")


def test_the_selfcheck_refuses_a_wrong_cpu_before_it_measures(tmp_path, monkeypatch):
    from mpsbench.cli import main

    from .conftest import ROOT

    monkeypatch.chdir(ROOT)
    assert main(["selfcheck", "--gpu-cpu", "4096", "--output", str(tmp_path / "r.md")]) != 0
    assert not (tmp_path / "r.md").exists()


class FakeScratch:
    """Records each ``asv run`` the unit makes; stores nothing."""

    results_dir = None
    hashes = {"unit": "0" * 40}

    def __init__(self) -> None:
        self.runs: list[tuple[dict, tuple]] = []

    def rounds(self, bench, minimum=1):
        return {"transformer.TorchSoftmax.time_step": max(2, minimum)}

    def run(self, label, bench, launch_method, env=None, extra=(), cpu=None):
        self.runs.append((env, cpu))

    def drop_samples(self, label):
        pass


@pytest.mark.parametrize("device, pinned", [("gpu", True), ("cpu", False)])
def test_a_gpu_unit_pins_asv_and_its_references_to_the_same_cpu(monkeypatch, device, pinned):
    started = []
    monkeypatch.setattr(refprocess, "run", lambda module, args, cpu, env:
                        started.append((cpu, env)) or {"unavailable": "not started"})
    monkeypatch.setattr(external, "suite_value", lambda *args: math.nan)
    unit = external.Unit("unit", device, (external.op_case("softmax", "torch"),), ("softmax",))
    scratch = FakeScratch()
    found = external.ExternalFindings(gpu_cpu=3, rounds=4)
    external.interleaved(scratch, unit, "spawn", [[("layer_harness", [])]] * 2, found)
    assert len(scratch.runs) == 4  # the rounds asked for, one asv run each
    env = {THREADS_ENV: "1"} if pinned else {}
    assert scratch.runs == [(env, 3 if pinned else None)] * 4
    assert started == [(3, env) if pinned else (None, env)] * 2


@linux_only
def test_a_reference_is_pinned_from_its_start_with_the_threads_it_is_given():
    cpu = min(affinity.allowed())
    record = refprocess.run("layer_harness", ["--framework", "torch", "--op", "softmax",
                                             "--params", json.dumps(
                                                 ["cpu", "float32", "eager", "forward", 1, 8]),
                                             "--min-ms", "5", "--warmup", "1"],
                            cpu=cpu, env={THREADS_ENV: "1"})
    assert record["cpus"] == [cpu] and record["threads"] == 1
    found = external.ExternalFindings(gpu_cpu=cpu)
    found.note(record, pinned=True)
    assert found.pinned_threads == {1} and found.threads == set()


@linux_only
@pytest.mark.slow
@pytest.mark.parametrize("launch_method", ["spawn", "forkserver"])
def test_a_pinned_asv_run_pins_every_benchmark_process(tmp_path, launch_method):
    """The self-check's pinned ``asv run``, under both the suite's launch methods: the
    benchmark processes (forkserver children too) may run on that CPU alone."""
    from mpsbench.selfcheck.asvrun import MACHINE, AsvScratch

    from .conftest import ROOT

    cpu = max(affinity.allowed())
    scratch = AsvScratch(ROOT, tmp_path, ["pinned"],
                         benchmark_dir=suite_with(tmp_path, ["affinity_fixture"]))
    scratch.run("pinned", "AffinityProbe", launch_method, extra=("--quick",), cpu=cpu)
    [result_file] = (tmp_path / "results" / MACHINE).glob(
        f"{scratch.hashes['pinned'][:8]}-*.json")
    results = json.loads(result_file.read_text())["results"]
    assert results["affinity_fixture.AffinityProbe.track_cpus"][0] == [1]
    assert results["affinity_fixture.AffinityProbe.track_lowest_cpu"][0] == [cpu]
