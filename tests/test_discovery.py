"""asv discovers exactly the suite's benchmark methods, and nothing it merely imports."""

from __future__ import annotations

from asv_runner.discovery import disc_benchmarks

from .conftest import ROOT


def test_every_discovered_benchmark_is_a_method_of_a_benchmark_class():
    names = [b.name for b in disc_benchmarks(str(ROOT / "benchmarks"))]
    assert names
    loose = [n for n in names if n.count(".") != 2]  # module.Class.method
    assert not loose, f"module-level names asv takes for benchmarks: {loose}"


def test_the_first_call_metrics_are_discovered_as_separate_process_timings():
    found = {b.name: b for b in disc_benchmarks(str(ROOT / "benchmarks"))}
    first_calls = [b for n, b in found.items() if n.endswith(".timeraw_first_call")]
    assert "resnet50.TorchFirstCall.timeraw_first_call" in found
    assert "transformer.MLXLinearFirstCall.timeraw_first_call" in found
    assert {type(b).__name__ for b in first_calls} == {"TimerawBenchmark"}
    assert len({b.rounds for b in first_calls}) == 1  # one setting for every first call
    assert first_calls[0].rounds > 1  # samples spread over more than one process


def test_mlx_operator_timings_run_more_rounds_than_the_rest():
    found = {b.name: b for b in disc_benchmarks(str(ROOT / "benchmarks"))}
    rounds = {name: b.rounds for name, b in found.items() if name.endswith(".time_step")}
    mlx_ops = {name for name in rounds if name.startswith("transformer.MLX")}
    assert mlx_ops and {rounds[name] for name in mlx_ops} == {max(rounds.values())}
    assert {rounds[name] for name in set(rounds) - mlx_ops} == {min(rounds.values())}
    assert max(rounds.values()) > min(rounds.values())
