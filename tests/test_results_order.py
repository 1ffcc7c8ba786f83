"""Each recorded value lands on its own param combination (asv's order: last param fastest)."""

from __future__ import annotations

import json
import shutil

from mpsbench import results
from mpsbench.results import load_results

from .conftest import ROOT

H200 = ROOT / "results" / "nvidia-h200"
NAME = "resnet50.TorchForwardInference.time_step"


def test_values_map_to_their_params_as_asv_stores_them(tmp_path):
    (source,) = H200.glob("92f7be18-*.json")
    machine = tmp_path / "results" / "nvidia-h200"
    machine.mkdir(parents=True)
    shutil.copy(H200 / "machine.json", machine)
    data = json.loads(source.read_text())
    data["results"] = {NAME: data["results"][NAME]}
    (machine / source.name).write_text(json.dumps(data))
    (tmp_path / "results" / "benchmarks.json").write_text(json.dumps({
        NAME: {"name": NAME, "param_names": ["device", "batch"], "unit": "seconds",
               "version": "2", "params": [["'cpu'", "'gpu'"], ["1", "4", "16"]]},
        "version": 2}))
    frame = load_results(tmp_path / "results").frame
    stored = dict(zip([(d, b) for d in ("cpu", "gpu") for b in (1, 4, 16)],
                      data["results"][NAME][0], strict=True))
    for row in frame[frame["benchmark"] == NAME].itertuples():
        want = stored[(row.device, row.batch)]
        assert (row.value != row.value and want != want) or row.value == want
    # the rows differ between batches: a reversed loop would put cpu's n/a on gpu's rows
    gpu = frame[(frame["benchmark"] == NAME) & (frame["device"] == "gpu")]
    assert gpu["value"].notna().all() and gpu["value"].nunique() == 3


class OneResult:
    """Stands in for asv's ``Results``: one benchmark over a 2 x 3 grid, distinct values."""

    commit_hash, date, env_name, params = "c" * 40, 0, "env", {}
    benchmark_version = {NAME: "2"}
    combos = [("'cpu'", "1"), ("'cpu'", "4"), ("'cpu'", "16"),
              ("'gpu'", "1"), ("'gpu'", "4"), ("'gpu'", "16")]  # asv's order: last fastest

    def get_all_result_keys(self):
        return [NAME]

    def get_result_params(self, key):
        return [["'cpu'", "'gpu'"], ["1", "4", "16"]]

    def get_result_value(self, key, params):
        return [float(index) for index in range(len(self.combos))]


def test_each_value_gets_the_combination_asv_stored_it_under():
    index = {NAME: {"param_names": ["device", "batch"], "version": "2"}}
    rows = results._rows(OneResult(), "m", index)
    got = [(row["device"], row["batch"], row["value"]) for row in rows]
    want = [(results.parse_param(device), results.parse_param(batch), float(index))
            for index, (device, batch) in enumerate(OneResult.combos)]
    assert got == want
