"""``mpsbench report`` on results that real quick asv runs record (two machines)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from mpsbench.cli import main
from mpsbench.report import cells
from mpsbench.report.naming import describe
from mpsbench.results import load_results

from .asv_recording import asv

pytestmark = pytest.mark.slow


def report_page(site) -> str:
    return (site / "html" / "mpsbench" / "index.html").read_text()


def test_report_sits_beside_asvs_site_and_needs_no_network(published_site):
    html = published_site / "html"
    assert (html / "index.html").is_file()  # asv's own site
    page = report_page(published_site)
    assert (html / "mpsbench" / "plotly.min.js").stat().st_size > 1_000_000
    assert '<script src="plotly.min.js">' in page
    assert "<script src=\"http" not in page and "cdn." not in page
    assert 'href="../index.html"' in page
    # the page names its results folder, never where it lay on the machine that built it
    assert "Built from results/ on" in page and str(published_site) not in page


def test_both_machines_side_by_side_with_their_facts(published_site):
    page = report_page(published_site)
    assert page.count("<h4>alpha</h4>") >= 3 and page.count("<h4>beta</h4>") >= 3
    facts = json.loads((published_site / "results" / "alpha" / "machine.facts").read_text())
    assert facts["cpu"] in page
    assert "no machine.facts beside these results" in page  # beta was described by asv only


def test_resnet_table_has_alphas_recorded_time_and_beta_says_missing(published_site):
    frame = load_results(published_site / "results").frame
    recorded = frame[(frame["machine"] == "alpha") & (frame["cls"] == "TorchForwardInference")
                     & (frame["device"] == "cpu") & (frame["batch"] == 1)]["value"].item()
    page = report_page(published_site)
    assert f"{recorded:.6f}" in page
    assert "missing: no ResNet-50 torch timings recorded" in page


def test_ratios_are_torch_time_over_mlx_time_from_the_recorded_values(published_site):
    frame = describe(load_results(published_site / "results").frame)
    rows = frame[(frame["machine"] == "alpha") & (frame["op"] == "MatMul")
                 & (frame["metric"] == "time_step") & (frame["phase"] == "forward")
                 & (frame["device"] == "cpu")]
    layout = cells.layout_of(rows)
    assert (layout.x, layout.y, layout.row) == ("batch", "seq", "dtype")
    grid = cells.ratio_cells(rows, layout, {}, {})
    torch = rows[(rows["variant"] == "torch") & (rows["batch"] == 2) & (rows["seq"] == 16)]
    mlx = rows[(rows["variant"] == "MLX") & (rows["batch"] == 2) & (rows["seq"] == 16)]
    cell = grid[(grid["col"] == "MLX vs torch") & (grid["x"] == "2") & (grid["y"] == "16")]
    assert cell["z"].item() == pytest.approx(torch["value"].item() / mlx["value"].item())
    assert grid["z"].notna().all()
    page = report_page(published_site)
    assert "MLX compiled vs torch" in page
    assert "no grid point has torch and another framework both recorded" in page  # beta


def test_peak_memory_and_flops_where_recorded(published_site):
    page = report_page(published_site)
    assert "report_fixture.MatMul track_peak_memory" in page
    assert "report_fixture.MatMul achieved_flops" in page
    assert "FLOP/s" in page


def corrupt_json(results):  # issue 28: the gate leaves the whole folder out, named
    (results / "beta" / "0123abcd-existing-broken.json").write_text('{"commit_hash": ')
    return "beta: 0123abcd-existing-broken.json: it is not whole JSON"


def older_suite(results):
    (path,) = (results / "alpha").glob("*-existing-*.json")
    data = json.loads(path.read_text())
    version = data["result_columns"].index("version")
    data["results"]["report_fixture.MLXMatMul.time_step"][version] = "0"
    path.write_text(json.dumps(data))
    return ("left out report_fixture.MLXMatMul.time_step from alpha @ "
            f"{data['commit_hash'][:8]}: recorded by an older suite (version 0, the suite now "
            "has version 3)")


def test_results_of_an_older_suite_get_one_note_per_file_and_reason(published_site, tmp_path):
    shutil.copytree(published_site / "results", tmp_path / "results")
    (path,) = (tmp_path / "results" / "alpha").glob("*-existing-*.json")
    data = json.loads(path.read_text())
    version = data["result_columns"].index("version")
    for row in data["results"].values():
        row[version] = "0"
    path.write_text(json.dumps(data))
    notes = [n for n in load_results(tmp_path / "results").problems if "older suite" in n]
    stale = len(data["results"])
    # one note per reason: the suite's current version differs between benchmarks
    current = {note.rsplit("has version ", 1)[1] for note in notes}
    assert stale > 3 and len(notes) == len(current) >= 1
    counted = [int(re.search(r"left out (\d+) benchmarks", n).group(1))
               if re.search(r"left out (\d+) benchmarks", n)
               else len(n.removeprefix("left out ").split(" from ")[0].split(", "))
               for n in notes]
    assert sum(counted) == stale and all(" from alpha @ " in n for n in notes)


def corrupt_machine_json(results):
    (results / "beta" / "machine.json").write_text("{")
    return "beta: machine.json: it is not whole JSON"


@pytest.mark.parametrize("damage", [corrupt_json, older_suite, corrupt_machine_json])
def test_bad_input_gives_a_note_and_a_partial_report(published_site, tmp_path, capsys, damage):
    shutil.copytree(published_site / "results", tmp_path / "results")
    note = damage(tmp_path / "results")
    assert main(["report", "--results", str(tmp_path / "results"),
                 "--html", str(tmp_path / "html")]) == 0
    captured = capsys.readouterr()
    assert note in captured.err
    page = (tmp_path / "html" / "mpsbench" / "index.html").read_text()
    assert note.replace("'", "&#x27;") in page or note in page
    assert "plotly-graph-div" in page and "<h4>alpha</h4>" in page


def test_asv_publish_stops_on_a_corrupt_machine_json_which_the_report_explains(
        published_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(published_site / "results", site / "results")
    config = json.loads((published_site / "asv.conf.json").read_text())
    config.update(results_dir=str(site / "results"), html_dir=str(site / "html"))
    (site / "asv.conf.json").write_text(json.dumps(config))
    corrupt_machine_json(site / "results")
    with pytest.raises(AssertionError, match="machine.json"):
        asv(site, "publish", "--config", str(site / "asv.conf.json"))


def test_empty_results_folder_writes_a_page_that_says_so(tmp_path, capsys):
    (tmp_path / "results").mkdir()
    assert main(["report", "--results", str(tmp_path / "results"),
                 "--html", str(tmp_path / "html")]) == 0
    assert "no results found" in capsys.readouterr().err
    assert "missing: no results to report" in (tmp_path / "html" / "mpsbench" /
                                               "index.html").read_text()


def test_trend_for_a_chosen_benchmark_and_a_bad_spec(published_site, tmp_path, capsys):
    args = ["report", "--results", str(published_site / "results"), "--html", str(tmp_path)]
    charts = re.compile(r"\((\d+) charts\)")
    assert main(args) == 0
    default = int(charts.search(capsys.readouterr().out)[1])
    assert main([*args, "--trend", "report_fixture.MatMul:batch=1,seq=8"]) == 0
    assert int(charts.search(capsys.readouterr().out)[1]) > default  # added, not instead
    page = (tmp_path / "mpsbench" / "index.html").read_text()
    # the trend's title: the benchmark, then (a line below) the point it is drawn at
    assert "at device=cpu, dtype=float32, phase=forward_backward, batch=1, seq=8" in page
    assert main([*args, "--trend", "report_fixture.MatMul:batchsize=1"]) == 0
    assert "no param batchsize (its params: " in capsys.readouterr().err
    assert main([*args, "--trend", "MatMul"]) == 2
    assert "expected MODULE.OP" in capsys.readouterr().err
