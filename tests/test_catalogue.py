"""The catalogue declares exactly the suite's benchmarks, and nothing is looked up twice."""

from __future__ import annotations

import json

import pytest

from mpsbench import catalogue

from .test_benchmark_snapshot import SNAPSHOT


def test_the_catalogue_declares_every_discovered_benchmark_and_no_other():
    snapshot = json.loads(SNAPSHOT.read_text())
    assert set(catalogue.BY_BENCHMARK) == set(snapshot)
    assert len(catalogue.BY_BENCHMARK) == len(catalogue.BENCHMARK_CLASSES)
    for name, entry in catalogue.BY_BENCHMARK.items():
        assert snapshot[name]["unit"] == entry.metric.unit, name


def test_a_class_name_means_the_same_in_every_module():
    for entry in catalogue.BENCHMARK_CLASSES:
        found = catalogue.described(entry.name)
        assert (found.framework, found.subject, found.compiled) == \
            (entry.framework, entry.subject, entry.compiled)


def test_lookups_name_what_a_class_measures():
    sdpa = catalogue.described("MLXSDPA")
    assert (sdpa.framework.label, sdpa.subject, sdpa.key) == ("MLX", "SDPA", "sdpa")
    compiled = catalogue.described("MLXCompiledTrainStep")
    assert (compiled.subject, compiled.key, compiled.compiled) == ("TrainStep", "train_step",
                                                                   True)
    assert catalogue.described("TorchLinearMemory").metric == catalogue.PEAK_MEMORY
    assert catalogue.described("TorchSomethingElse") is None
    assert catalogue.find(catalogue.RESNET50, "torch", "train_step").name == "TorchTrainStep"
    with pytest.raises(ValueError, match="backward_training"):
        catalogue.find(catalogue.RESNET50, "mlx", "backward_training")
    with pytest.raises(ValueError, match="expected one of"):
        catalogue.framework("jax")
