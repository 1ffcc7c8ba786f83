"""The fidelity case table: every case names a real benchmark and grid point."""

from __future__ import annotations

import importlib
import itertools
import re

import pytest

from mpsbench.selfcheck.cases import CASES, find_case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.key)
def test_each_case_names_a_suite_benchmark_at_a_grid_point(case):
    module_name, cls_name, method = case.benchmark.split(".")
    cls = getattr(importlib.import_module(f"benchmarks.{module_name}"), cls_name)
    assert method.startswith("time_") and callable(getattr(cls, method))
    for device in ("cpu", "gpu"):
        assert case.asv_params(device) in set(itertools.product(*cls.params))


def test_the_bench_regex_selects_exactly_one_grid_point():
    case = find_case("resnet50-forward-inference-b1-torch")
    regex = re.compile(case.bench_regex("cpu"))
    assert regex.search("resnet50.TorchForwardInference.time_step('cpu', 1)")
    for other in ("resnet50.TorchForwardInference.time_step('cpu', 16)",
                  "resnet50.TorchForwardInference.time_step('gpu', 1)",
                  "resnet50.TorchFirstCall.timeraw_first_call('forward_inference', 'cpu', 1)"):
        assert not regex.search(other)


def test_case_keys_are_unique_and_unknown_ones_are_named():
    assert len({c.key for c in CASES}) == len(CASES)
    with pytest.raises(ValueError, match="known"):
        find_case("nope")
