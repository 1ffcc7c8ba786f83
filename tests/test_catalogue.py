"""The catalogue declares exactly the suite's benchmarks, and nothing is looked up twice."""

from __future__ import annotations

import json
import re
from pathlib import Path

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


def test_each_resnet_class_runs_the_phase_its_catalogue_entry_names():
    from benchmarks import resnet50

    classes = [entry for entry in catalogue.BENCHMARK_CLASSES
               if entry.workload == catalogue.RESNET50 and entry.key]
    assert len(classes) == len(catalogue.RESNET_PHASES) + len(catalogue.MLX_RESNET_PHASES) + 1
    for entry in classes:
        phase = ("compiled_" if entry.compiled else "") + entry.key
        assert getattr(resnet50, entry.name).phase == phase, entry.name


def test_no_module_but_the_catalogue_spells_a_resnet_phase_class_name():
    names = {entry.name for entry in catalogue.BENCHMARK_CLASSES
             if entry.workload == catalogue.RESNET50 and entry.key}
    source = Path(catalogue.__file__).parent
    spelled = {(str(path.relative_to(source)), name)
               for path in source.rglob("*.py") if path.name != "catalogue.py"
               for name in names if re.search(rf"\b{name}\b", path.read_text())}
    assert not spelled
