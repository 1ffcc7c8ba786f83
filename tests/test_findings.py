"""history findings: candidates by asv's rules, re-measured in turn, judged, resumable."""

import json
from pathlib import Path

import pytest

from mpsbench.history import page, remeasure
from mpsbench.history.findings import Candidate, Pair, State, candidates, flags
from mpsbench.history.verdict import CONFIRMED, INCONCLUSIVE, REJECTED, judge, shift_interval
from mpsbench.results import Recorded

PAIR = Pair("torch", "torch-2.2.2", "a" * 40, "torch-2.3.1", "b" * 40)
POINT = "transformer.TorchSDPA.time_step('cpu', 1)"


def _stats(value: float, spread: float) -> dict:
    return {"ci_99_a": value - spread, "ci_99_b": value + spread, "q_25": value,
            "q_75": value, "number": 1, "repeat": 10}


def test_the_interval_holds_one_for_the_same_values_and_not_for_a_shift():
    ratio, low, high = shift_interval([1.0, 1.1, 0.9, 1.05], [1.0, 0.95, 1.1, 1.02])
    assert low < 1 < high and 0.9 < ratio < 1.1
    ratio, low, high = shift_interval([1.0, 1.1, 0.9, 1.05], [1.3, 1.4, 1.25, 1.35])
    assert 1 < low <= ratio <= high


def _with_host(values, host=1.0):
    return [(v, host) for v in values]


def test_verdicts():
    steady = _with_host([1.0, 1.01, 0.99, 1.0])
    assert judge(steady, _with_host([1.25, 1.26, 1.24, 1.25])).verdict == CONFIRMED
    assert judge(steady, _with_host([1.0, 0.99, 1.01, 1.02])).verdict == REJECTED
    assert judge(steady, _with_host([0.7, 1.3, 1.0, 1.5])).verdict == INCONCLUSIVE
    busy = judge(steady, _with_host([1.25, 1.26, 1.24, 1.25], 1.3))
    assert busy.verdict == INCONCLUSIVE and "1.30x" in busy.why


def test_the_host_index_takes_out_a_busy_machine():
    """The same step, its processes slowed by a busy host, as the canary saw."""
    hosts = [1.0, 1.5, 1.0, 2.0]
    before = [(0.1 * h, h) for h in hosts]
    after = [(0.1 * h, h) for h in reversed(hosts)]
    raw = judge([(v, None) for v, _ in before], [(v, None) for v, _ in after])
    assert raw.verdict == INCONCLUSIVE
    fair = judge(before, after)
    assert fair.verdict == REJECTED and "over the host index" in fair.why


def test_asvs_rule_needs_the_factor_and_intervals_apart():
    base = Recorded(1.0, _stats(1.0, 0.01), None)
    assert flags(base, Recorded(1.5, _stats(1.5, 0.01), None)) == (True, None)
    assert flags(base, Recorded(1.5, _stats(1.5, 0.6), None))[0] is False  # overlapping
    assert flags(base, Recorded(1.05, _stats(1.05, 0.001), None))[0] is False  # < factor


def test_the_per_sample_test_runs_where_both_kept_samples():
    before = Recorded(1.0, _stats(1.0, 0.01), [1.0, 1.01, 0.99] * 5)
    after = Recorded(1.5, _stats(1.5, 0.01), [1.5, 1.51, 1.49] * 5)
    assert flags(before, after) == (True, True)


def test_candidates_come_largest_first():
    points = {PAIR.before_sha: {POINT: Recorded(1.0, None, None), "x.Y.time_step()":
                                Recorded(1.0, None, None)},
              PAIR.after_sha: {POINT: Recorded(3.0, None, None), "x.Y.time_step()":
                               Recorded(1.2, None, None)}}
    found = candidates([PAIR], points)
    assert [c.point for c in found] == [POINT, "x.Y.time_step()"]
    assert found[0].bisect is None
    between = Pair("torch", "torch-2.1.2", "a" * 40, "torch-2.3.1", "b" * 40, ("torch-2.2.2",))
    assert "asv find" in Candidate(between, POINT, 1, 2, True, None).bisect


class FakeScratch:
    """Stands in for asv: the later release is 20% slower; can fail at a chosen run."""

    def __init__(self, folder: Path, fail_at: int | None = None) -> None:
        self.folder, self.fail_at, self.calls = folder, fail_at, []

    def run_side(self, tag, sha, points, extra):
        self.calls.append(tag)
        if len(self.calls) == self.fail_at:
            raise KeyboardInterrupt
        slow = 1.2 if tag == PAIR.after else 1.0
        jitter = 1 + 0.01 * (len(self.calls) % 3)
        return {p: slow * jitter for p in points}, {p: 1.0 for p in points}


def test_remeasuring_alternates_the_releases_and_resumes_after_an_interruption(tmp_path):
    candidate = Candidate(PAIR, POINT, 1.0, 1.2, True, None)
    state = State()
    with pytest.raises(KeyboardInterrupt):
        remeasure.remeasure(FakeScratch(tmp_path, fail_at=6), state, [candidate], 4, [],
                            say=lambda _: None)
    resumed = State.load(tmp_path)
    assert len(resumed.rounds["torch-2.2.2..torch-2.3.1"]) == 2 and not resumed.verdicts
    scratch = FakeScratch(tmp_path)
    remeasure.remeasure(scratch, resumed, [candidate], 4, [], say=lambda _: None)
    assert scratch.calls == [PAIR.before, PAIR.after] * 2  # only the two rounds left
    verdict = State.load(tmp_path).verdicts[candidate.id]
    assert verdict["verdict"] == CONFIRMED and verdict["rounds"] == 4
    assert remeasure.cost_seconds([[candidate]], resumed, 4, {}, set()) == 0


def test_a_later_candidate_of_a_measured_pair_gets_rounds_of_its_own(tmp_path):
    first = Candidate(PAIR, POINT, 1.0, 1.2, True, None)
    later = Candidate(PAIR, "x.Y.time_step()", 1.0, 1.2, True, None)
    state = State()
    remeasure.remeasure(FakeScratch(tmp_path), state, [first], 2, [], say=lambda _: None)
    assert remeasure.cost_seconds([[first, later]], state, 2, {}, {PAIR.before, PAIR.after}) \
        == 2 * 2 * (remeasure.ASV_START_SECONDS + 10.0)
    scratch = FakeScratch(tmp_path)
    remeasure.remeasure(scratch, state, [first, later], 2, [], say=lambda _: None)
    assert scratch.calls == [PAIR.before, PAIR.after] * 2 and later.id in state.verdicts


def test_the_cost_counts_rounds_left_and_installs():
    candidate = Candidate(PAIR, POINT, 1.0, 1.2, True, None)
    seconds = remeasure.cost_seconds([[candidate]], State(), 2, {POINT: 10.0}, set())
    assert seconds == 2 * 2 * (remeasure.ASV_START_SECONDS + 10) + 2 * remeasure.INSTALL_SECONDS


def test_the_page_shows_verdicts_apart_from_candidates(tmp_path):
    confirmed = page.Finding(Candidate(PAIR, POINT, 1.0, 23.0, True, None), CONFIRMED,
                             "confirmed: 23.0x")
    waiting = page.Finding(Candidate(PAIR, "x.Y.time_step()", 1.0, 1.2, True, None),
                           page.NOT_RERUN, page.NOT_RERUN)
    text = page.markdown("box", [confirmed, waiting], tmp_path, "mpsbench history findings")
    assert "2 candidates (1 confirmed)" in text and "confirmed: 23.0x" in text
    assert "candidate (not re-run)" in text and "No canary is on record" in text


def test_the_page_says_when_the_reruns_ran_on_another_cpu(tmp_path):
    for folder, cpu in ((tmp_path / "results" / "box", "Intel Xeon"),
                        (tmp_path / "scratch" / "results" / "here", "AMD EPYC")):
        folder.mkdir(parents=True)
        (folder / "machine.json").write_text(json.dumps({"cpu": cpu}))
    note = page.rerun_note(tmp_path / "results", "box", tmp_path / "scratch")
    assert "(Intel Xeon)" in note and "`here` (AMD EPYC)" in note and "another CPU" in note


def test_the_report_shows_confirmed_changes_apart_from_candidates(tmp_path, monkeypatch):
    from mpsbench.report import changes

    confirmed = page.Finding(Candidate(PAIR, POINT, 1.0, 23.0, True, None), CONFIRMED,
                             "confirmed: 23.0x")
    waiting = page.Finding(Candidate(PAIR, "x.Y.time_step()", 1.0, 1.2, True, None),
                           page.NOT_RERUN, page.NOT_RERUN)
    monkeypatch.setattr(changes, "findings", lambda *args: ([confirmed, waiting], []))
    html = changes.changes_block(tmp_path, "box")
    assert "<table>" in html and "confirmed: 23.0x" in html and "x.Y.time_step" not in html
    assert "2 candidates" in html and "1 not re-measured yet" in html
