"""The host's canary: spooled per process, filed per commit, merged, summarised, flagged."""

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asv.runner import BENCHMARK_RUN_SCRIPT

from mpsbench import canary
from mpsbench.history import record

from .asv_recording import asv, git, write_config

SHA = "a" * 40


def _spool(folder: Path, benchmark: str, params: list[str], kernel: float,
           commit: str | None = SHA) -> None:
    environ = {canary.SPOOL_ENV: str(folder), **({"ASV_COMMIT": commit} if commit else {})}
    assert canary.spool(benchmark, params, {"python": 1e-3, "numpy": kernel, "waited": 0.0},
                        environ)


def test_measure_times_both_kernels():
    found = canary.measure(repeats=1)
    assert set(found) == set(canary.KERNELS) and all(v > 0 for v in found.values())


def test_the_host_index_counts_the_time_spent_waiting_for_a_cpu():
    assert canary.slowness({"numpy": 1.0, "waited": 0.5}) == 2.0
    assert canary.slowness({"numpy": 1.0}) == 1.0  # no run-queue figure (not Linux)
    assert canary.slowness({"python": 1.0}) is None
    waiting = canary.Waiting()
    share = waiting.share()
    assert share is None or 0 <= share <= 1


def test_no_spool_outside_asv():
    assert canary.spool_folder({}) is None
    assert canary.spool_folder({"ASV_CONF_DIR": "/x"}) == Path("/x") / canary.DEFAULT_SPOOL


def test_filing_merges_processes_of_one_point_and_keeps_earlier_records(tmp_path):
    spool, results = tmp_path / "spool", tmp_path / "results"
    _spool(spool, "m.C.time_step", ["'cpu'", "1"], 1.0)
    _spool(spool, "m.C.time_step", ["'cpu'", "1"], 3.0)
    _spool(spool, "m.C.time_step", ["'cpu'", "4"], 2.0, commit=None)  # --set-commit-hash
    assert canary.file_spool(spool, results, "box", SHA) == (3, [])
    _spool(spool, "m.C.time_step", ["'cpu'", "1"], 2.0)
    assert canary.file_spool(spool, results, "box")[0] == 1
    stored = json.loads((results / "box" / "canary" / f"{SHA}.canary").read_text())
    assert [r["numpy"] for r in stored["m.C.time_step('cpu', 1)"]] == [1.0, 3.0, 2.0]
    assert canary.commit_canaries(results, "box", SHA) == {"m.C.time_step('cpu', 1)": 2.0,
                                                          "m.C.time_step('cpu', 4)": 2.0}
    assert not list(spool.iterdir())
    # asv walks results/ for results files: it must not take canary/ for a machine folder
    from unittest import mock

    from asv import results as asv_results
    with mock.patch.object(asv_results.log, "warning") as warning:
        list(asv_results.iter_results_paths(str(results)))
    assert not warning.called, warning.call_args


def test_an_unreadable_record_stays_in_the_spool_and_is_named(tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "bad.json").write_text("{not json")
    _spool(spool, "m.C.time_step", [], 1.0, commit=None)
    count, problems = canary.file_spool(spool, tmp_path / "results", "box")  # no commit known
    assert count == 0 and len(problems) == 2 and any("bad.json" in p for p in problems)
    assert len(list(spool.iterdir())) == 2


def _file_many(args: tuple[str, str, int]) -> None:
    spool, results, index = args
    folder = Path(spool) / str(index)
    for n in range(5):
        _spool(folder, "m.C.time_step", [str(index)], float(n + 1))
    canary.file_spool(folder, Path(results), "box")


def test_processes_filing_at_once_lose_nothing(tmp_path):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_file_many, [(str(tmp_path / "s"), str(tmp_path / "r"), i) for i in range(8)])
    stored = canary.read_canary_file(canary.canary_file(tmp_path / "r", "box", SHA))
    assert sorted(stored) == [f"m.C.time_step({i})" for i in range(8)]
    assert all(len(records) == 5 for records in stored.values())


def test_summary_and_flag_against_the_machines_usual_speed(tmp_path):
    spool, results = tmp_path / "spool", tmp_path / "results"
    for commit, speed in (("b" * 40, 1.0), ("c" * 40, 1.02), ("d" * 40, 1.5)):
        for point in ("1", "2", "3"):
            _spool(spool, "m.C.time_step", [point], speed, commit)
    canary.file_spool(spool, results, "box")
    summary = canary.summary(results, "box")
    assert summary["b" * 40]["median"] == 1 / 1.02 and summary["d" * 40]["points"] == 3
    assert "FLAGGED" in canary.describe(results, "box", "d" * 40)
    assert "FLAGGED" not in canary.describe(results, "box", "b" * 40)
    assert "not on record" in canary.describe(results, "box", "e" * 40)
    assert record.rerecord_reason(results, "box", "d" * 40, "slow").startswith("recorded in")
    assert record.rerecord_reason(results, "box", "b" * 40, "slow") is None
    assert record.rerecord_reason(results, "box", "e" * 40, "no-canary")
    assert record.rerecord_reason(results, "box", "b" * 40, "no-canary") is None


def test_a_replacing_recording_drops_the_replaced_records(tmp_path):
    spool, results = tmp_path / "spool", tmp_path / "results"
    _spool(spool, "m.C.time_step", [], 1.0)
    canary.file_spool(spool, results, "box")
    since = canary.read_canary_file(canary.canary_file(results, "box", SHA))[
        "m.C.time_step()"][0]["time"] + 1e-6
    _spool(spool, "m.C.time_step", [], 2.0)
    canary.file_spool(spool, results, "box")
    assert canary.drop_before(results, "box", SHA, since) == 1
    assert canary.commit_canaries(results, "box", SHA) == {"m.C.time_step()": 2.0}


def test_spooled_sets_the_folder_for_asv_and_files_it_on_leaving(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = []
    with canary.spooled(tmp_path / "results", "box", SHA, say=lines.append) as folder:
        assert os.environ[canary.SPOOL_ENV] == str(folder)
        _spool(folder, "m.C.time_step", [], 1.0, commit=None)
    assert canary.SPOOL_ENV not in os.environ and not folder.exists()
    assert "1 benchmark processes" in lines[0]


BENCH = '''
class Suite:
    def setup(self, *params):
        if not params:
            raise NotImplementedError("not here")
    def time_it(self, n):
        sum(range(100))
    time_it.params = ['cpu', 'gpu']
    time_it.number = 1
    time_it.repeat = 2
    time_it.warmup_time = 0.0
    def time_skipped(self):
        pass
'''


def test_every_asv_process_that_samples_spools_a_canary(tmp_path):
    """A real asv_runner benchmark process, with the hook the suite installs."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "__init__.py").write_text(
        "from mpsbench import canary\ncanary.install()\n")
    (suite / "bench.py").write_text(BENCH)
    spool = tmp_path / "spool"
    src = str(Path(canary.__file__).parents[1])
    env = {**os.environ, canary.SPOOL_ENV: str(spool), "ASV_COMMIT": SHA,
           "PYTHONPATH": src, "ASV_PYTHONPATH": src}
    for benchmark in ("bench.Suite.time_it-1", "bench.Suite.time_skipped"):
        subprocess.run([sys.executable, BENCHMARK_RUN_SCRIPT, "run", str(suite), benchmark,
                        "{}", "None", str(tmp_path / "out")], env=env, check=True, cwd=tmp_path)
    canary.file_spool(spool, tmp_path / "results", "box")
    assert list(canary.commit_canaries(tmp_path / "results", "box", SHA)) == [
        "bench.Suite.time_it('gpu')"]  # the point as asv's results name it


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/cwd").exists(),
                    reason="asv's existing environment passes no ASV_CONF_DIR; the canary "
                           "finds asv's conf dir through /proc, which this OS lacks")
@pytest.mark.parametrize("launch_method", ["spawn", "forkserver"])
def test_a_plain_asv_run_in_an_existing_environment_spools_under_the_conf_dir(
        tmp_path, monkeypatch, launch_method):
    """``asv run -E existing`` as docs/gpu/h200.sh runs it, with no spool named: asv
    passes its benchmark processes none of its ASV_* variables, and the canary must still
    land in ``.asv/canary-spool`` under the conf dir, ready to be filed."""
    suite = tmp_path / "suite"
    suite.mkdir()
    src = str(Path(canary.__file__).parents[1])
    (suite / "__init__.py").write_text(
        f"import sys\nsys.path.insert(0, {src!r})\n"
        "from mpsbench import canary\ncanary.install()\n")
    (suite / "bench.py").write_text(BENCH)
    config = write_config(tmp_path, suite)
    for name in (canary.SPOOL_ENV, "ASV_CONF_DIR", "ASV_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    commit = git("rev-parse", "HEAD")
    asv(tmp_path, "machine", "--yes", "--machine", "box", "--config", str(config))
    asv(tmp_path, "run", "--config", str(config), "--machine", "box", "--quick",
        "--environment", f"existing:{sys.executable}", "--set-commit-hash", commit,
        "--launch-method", launch_method, "--bench", "time_it", "--show-stderr")
    count, problems = canary.file_spool(tmp_path / canary.DEFAULT_SPOOL, tmp_path / "results",
                                        "box", commit)
    assert (count, problems) == (2, [])  # one process per point
    assert sorted(canary.commit_canaries(tmp_path / "results", "box", commit)) == [
        "bench.Suite.time_it('cpu')", "bench.Suite.time_it('gpu')"]
