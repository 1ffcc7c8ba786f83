"""The probe: off by default, and when on, one record per benchmark process."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
from asv_runner.benchmarks._base import Benchmark
from asv_runner.benchmarks.time import TimeBenchmark

from mpsbench import spans
from mpsbench.selfcheck import analysis, probe
from mpsbench.timing import PerCallClock, TimedStep


class NoBackend:
    def synchronize(self, outputs=None) -> None:
        pass

    wait = synchronize


class Tiny:
    """An asv-style benchmark class whose setup imports and warms up, as the suite's do."""

    number = 1
    repeat = (2, 2, 10.0)
    warmup_time = 0.0
    params = ([1, 2],)
    param_names = ["n"]

    def setup(self, n):
        with spans.span("import"):
            pass
        self.step = TimedStep(NoBackend(), lambda: n).warmed_up()

    def time_it(self, n):
        self.step()


@pytest.fixture
def probe_file(tmp_path, monkeypatch):
    """Turn the probe on for this test; asv_runner's methods come back afterwards."""
    path = tmp_path / "probe.jsonl"
    monkeypatch.setenv(spans.ENV, str(path))
    monkeypatch.setattr(Benchmark, "do_setup", Benchmark.do_setup)
    monkeypatch.setattr(Benchmark, "do_run", Benchmark.do_run)
    monkeypatch.setattr(Benchmark, "_mpsbench_probe", False, raising=False)
    monkeypatch.setattr(probe, "_process", {})
    monkeypatch.setattr(spans, "_spans", [])
    return path


def test_off_by_default_nothing_is_patched_or_recorded(monkeypatch):
    monkeypatch.delenv(spans.ENV, raising=False)
    before, count = Benchmark.do_setup, len(spans._spans)
    assert probe.install_if_requested() is False
    assert Benchmark.do_setup is before
    with spans.span("import"):
        pass
    assert len(spans._spans) == count


def test_timed_seconds_come_from_asvs_samples():
    assert probe.timed_seconds({"samples": [0.5, 0.25], "number": 2}) == pytest.approx(1.5)
    assert probe.timed_seconds(3.0) is None  # a track_ value
    assert probe.timed_seconds(None) is None


def test_a_block_samples_timed_length_counts_every_call_in_it():
    class Benchmark:
        def time_step(self) -> None:
            """A benchmark method."""

    instance = Benchmark()
    bench = SimpleNamespace(func=instance.time_step)
    assert probe._calls_per_sample(bench) == 1  # asv's own timer: one call per sample
    instance.timer = PerCallClock(40)
    assert probe._calls_per_sample(bench) == 40
    result = {"samples": [0.001, 0.002], "number": 1}  # per call, as asv records them
    assert probe.timed_seconds(result, 40) == pytest.approx(0.12)


def test_a_benchmark_process_writes_one_record_with_its_spans(probe_file):
    assert probe.install_if_requested()
    tiny = Tiny()
    bench = TimeBenchmark("tiny.Tiny.time_it", tiny.time_it, [tiny.time_it, tiny])
    bench.set_param_idx(1)
    assert bench.do_setup() is False
    result = bench.do_run()
    bench.do_teardown()
    (line,) = probe_file.read_text().splitlines()
    record = json.loads(line)
    assert record["benchmark"] == "tiny.Tiny.time_it" and record["params"] == ["2"]
    assert record["created"] <= record["setup_start"] <= record["setup_end"]
    assert record["setup_end"] <= record["run_start"] <= record["run_end"]
    assert [s["kind"] for s in record["spans"]][:2] == ["import", "warmup"]
    cost = analysis.process_cost(record)  # later spans are asv's per-sample setups
    assert cost.warmup == pytest.approx(record["spans"][1]["seconds"])
    assert record["timed"] == pytest.approx(sum(result["samples"]) * result["number"])
    assert record["skipped"] is False


def test_a_skipped_process_is_recorded_at_setup(probe_file):
    class Skips(Tiny):
        def setup(self, n):
            raise NotImplementedError("no GPU here")

    probe.install_if_requested()
    skips = Skips()
    bench = TimeBenchmark("tiny.Skips.time_it", skips.time_it, [skips.time_it, skips])
    bench.set_param_idx(0)
    assert bench.do_setup() is True
    record = json.loads(probe_file.read_text())
    assert record["skipped"] is True and "run_start" not in record


def test_the_reference_clock_runs_around_sampling_when_asked(probe_file, monkeypatch):
    monkeypatch.setenv(probe.REFERENCE_ENV, "0.02")
    probe.install_if_requested()
    tiny = Tiny()
    bench = TimeBenchmark("tiny.Tiny.time_it", tiny.time_it, [tiny.time_it, tiny])
    bench.set_param_idx(0)
    bench.do_setup()
    calls = []
    monkeypatch.setattr("mpsbench.selfcheck.reference_clock.measure_step",
                        lambda step, seconds: calls.append(seconds) or {"times": [0.5]})
    monkeypatch.setattr(NoBackend, "device", "cpu", raising=False)
    bench.do_run()
    record = json.loads(probe_file.read_text())
    assert calls == [pytest.approx(0.01)] * 2  # half before the sampling, half after
    assert record["reference"] == {"times": [0.5, 0.5]} and record["device"] == "cpu"


def test_process_creation_is_on_the_wall_clock():
    import psutil

    created = spans._created()
    assert created <= time.time()
    assert abs(created - psutil.Process().create_time()) < 2.0


def test_the_forkserver_records_itself(probe_file):
    spans.record_forkserver()
    record = json.loads(probe_file.read_text())
    assert record["benchmark"] == spans.FORKSERVER and record["ready"] >= record["created"]


def test_an_unknown_asv_runner_turns_the_probe_off_and_says_so(probe_file, monkeypatch, capsys):
    monkeypatch.setattr(probe, "KNOWN_ASV_RUNNER", ("0.0.1",))
    before = Benchmark.do_setup
    assert probe.install_if_requested() is False
    assert Benchmark.do_setup is before
    assert "mpsbench probe: off" in capsys.readouterr().err
