"""The self-check's machinery against real asv runs (one small grid point, two rounds)."""

from __future__ import annotations

import json

import pytest

from mpsbench.launch import default_launch_method
from mpsbench.selfcheck import analysis, measure
from mpsbench.selfcheck.asvrun import AsvScratch
from mpsbench.spans import FORKSERVER

from .conftest import ROOT

BENCH = r"^resnet50\.TorchForwardInference\.time_step\('cpu', 1\)$"


@pytest.mark.slow
def test_two_probed_runs_are_attributed_and_compared(tmp_path):
    scratch = AsvScratch(ROOT, tmp_path, ["A", "B"])
    method = default_launch_method()
    assert scratch.rounds(BENCH) == {"resnet50.TorchForwardInference.time_step": 2}
    assert scratch.rounds(BENCH, minimum=4)["resnet50.TorchForwardInference.time_step"] == 4
    assert scratch.rounds(r"^resnet50\.TorchPeakMemory\.") == {
        "resnet50.TorchPeakMemory.track_peak_memory": 1}  # asv: no rounds, one
    assert set(scratch.rounds(r"FirstCall\.timeraw_first_call").values()) == {2}
    runs = measure.interleaved(scratch, [measure.Plan("A", BENCH, method),
                                         measure.Plan("B", BENCH, method)])
    for run in runs.values():
        att = run.attribution
        assert sum(att.parts.values()) == pytest.approx(att.wall)
        assert (att.processes, att.measuring) == (2, 2)
        assert att.timed > 0 and att.parts["warm-up"] > 0
        assert att.server == (method == "forkserver")
        if att.server:  # the children did not import torch themselves
            children = [c for c in run.costs if c.benchmark != FORKSERVER]
            assert len(children) == 2 and all(c.imports == 0.0 for c in children)
    comparison = measure.compare(scratch, "A", "B")
    for rows in (comparison.with_samples, comparison.as_stored):
        st = analysis.stability(rows)
        assert st.compared == 1 and st.by_metric.keys() == {"time_step"}
    stored = json.loads(scratch.result_file("B").read_text())
    (row,) = stored["results"].values()
    columns = dict(zip(stored["result_columns"], row, strict=False))
    assert columns.get("samples") is None  # as a plain asv run keeps it
    assert columns["stats_q_25"] and columns["stats_repeat"][0] >= 6  # both rounds' samples
