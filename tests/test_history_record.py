"""'mpsbench history record' converges: every combination of the selection ends as a
value, a skip or a failure with its reason, and a second recording starts no benchmark.

asv runs for real over a generated two-release history, on the fixture benchmark
``outcome_fixture`` (one combination measured, one skipped, one failed); only the
environment is this Python's own (``tests/asv_existing.py``), so nothing is installed.
"""

from __future__ import annotations

import subprocess

import pytest

from mpsbench.cli import main
from mpsbench.history import ledger, record
from mpsbench.results import MEASURED

from . import recording_project

TAGS = recording_project.TAGS
FAILED = "outcome_fixture.OutcomeProbe.track_outcome('fail')"
GATED = "ruled_fixture.RuledProbe.track_ran('sdpa')"
UNGATED = "ruled_fixture.RuledProbe.track_ran('linear')"
SKIPPED = "outcome_fixture.OutcomeProbe.track_outcome('skip')"


@pytest.fixture
def project(tmp_path, monkeypatch):
    return recording_project.make_project(tmp_path, monkeypatch)


def test_a_second_recording_starts_no_benchmark_and_failures_wait_for_retry(project, capsys):
    args = ["history", "record", "--name", "box", "--history", "history"]
    assert main(args) == 2
    first, said = capsys.readouterr()
    assert "2 combinations failed" in said, first
    assert first.count("recording 3 of 3 combinations") == 2

    book = ledger.read_ledger(project / "results", "box")
    assert {r.tag for r in book.values()} == set(TAGS)
    for entry in book.values():
        assert entry.failed == {FAILED: "RuntimeError: this case fails, by design"}
        assert entry.skipped == {SKIPPED: "this case skips here, by design"}

    assert main(args) == 0  # converged: nothing due, no asv run
    second = capsys.readouterr().out
    assert "Benchmarking" not in second and "recording" not in second
    assert second.count("recorded (1 values, 1 skipped, 1 failed), passed over") == 2
    assert "--retry-failed" in second

    assert main([*args, "--retry-failed", "--from", "mlx-0.32.4"]) == 2
    assert "recording 1 of 3 combinations" in capsys.readouterr().out


def test_a_narrower_run_of_the_same_commit_leaves_the_rest_due(project, capsys):
    """asv stores NaN for what a narrower --bench left out (as 'mpsbench run' does): that
    is no skip, so the recording still asks for it."""
    sha = subprocess.run(["git", "--git-dir=history", "rev-parse", "mlx-0.32.4"],
                         capture_output=True, text=True, check=True).stdout.strip()
    (project / "one.txt").write_text(sha + "\n")
    subprocess.run([*record.ASV, "run", "HASHFILE:one.txt", "--machine", "box", "--bench",
                    r"outcome_fixture.*\('value'\)"], check=True, capture_output=True)
    assert main(["history", "record", "--name", "box", "--history", "history",
                 "--from", "mlx-0.32.4"]) == 2  # its failure, newly stored
    out = capsys.readouterr().out
    assert "recording 2 of 3 combinations of mlx's selection on cpu (1 values, 0 skipped" in out


def test_what_a_release_rule_skips_is_ledgered_without_asv_and_the_rest_runs(
        tmp_path, monkeypatch, capsys):
    """The suite's own rules, judged for each release before its environment: mlx 0.2.0
    lacks SDPA, and a release with no wheel here skips whole. asv, run in this Python
    (a recent mlx, no history commit installed), would give every combination a value, so
    a rule's skip in the ledger is one asv never ran."""
    project = recording_project.make_project(
        tmp_path, monkeypatch, tags=("mlx-0.0.11", "mlx-0.2.0"), fixture="ruled_fixture",
        no_wheel_here=("mlx-0.0.11",))
    args = ["history", "record", "--name", "box", "--history", "history"]
    assert main(args) == 0
    out = capsys.readouterr().out
    book = {entry.tag: (sha, entry) for sha, entry in
            ledger.read_ledger(project / "results", "box").items()}

    sha, no_wheel = book["mlx-0.0.11"]
    assert not no_wheel.asked and set(no_wheel.ruled_out) == {GATED, UNGATED}
    assert all("mlx 0.0.11, pinned at history commit mlx-0.0.11" in why and "has no wheel for"
               in why for why in no_wheel.ruled_out.values())
    assert not list((project / "results" / "box").glob(f"{sha[:8]}-*.json"))  # no asv run

    sha, gated = book["mlx-0.2.0"]
    assert gated.ruled_out == {GATED: "mlx 0.2.0 has no mx.fast.scaled_dot_product_attention "
                                      "(from 0.6.0 on): unavailable in this release"}
    assert gated.asked == {UNGATED}  # no rule decides it: asv ran it, and it has a value
    assert record.stored_statuses(project / "results", "box", sha)[UNGATED] == MEASURED
    assert "recording 1 of 2 combinations" in out and "Benchmarking" in out

    assert main(args) == 0  # converged: the rules' skips are not asked again
    second = capsys.readouterr().out
    assert second.count("passed over") == 2 and "Benchmarking" not in second


def test_results_names_the_folder_asv_writes_to(project, capsys):
    (project / "elsewhere" / "box").mkdir(parents=True)
    (project / "elsewhere" / "box" / "machine.facts").write_text("{}")
    assert main(["history", "record", "--name", "box", "--history", "history",
                 "--results", "elsewhere", "--to", "torch-2.14.1"]) == 2
    assert list((project / "elsewhere" / "box").glob("*-existing*.json"))
    assert not list((project / "results" / "box").glob("*-existing*.json"))
    assert ledger.ledger_path(project / "elsewhere", "box").is_file()
    assert not list(project.glob(".record-*"))  # the config copy is gone
