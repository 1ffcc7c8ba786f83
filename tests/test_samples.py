"""A second 'mpsbench run' adds its samples to the stored ones, and says what it did."""

from mpsbench import envinfo, samples
from mpsbench.cli import main
from mpsbench.commands import history, machine, publish, run, table

A, B, C = ("c1", "p.A.time_step()"), ("c1", "p.B.time_step()"), ("c1", "p.C.time_step()")


def test_appending_replacing_and_new_points_are_each_said():
    before = {A: (10, 1.0), B: (None, 2.0)}
    after = {A: (20, 1.1), B: (10, 2.2), C: (10, 3.0)}
    lines = samples.describe(before, after, replace=False)
    assert lines[0] == "added 10 samples to 1 points that had 10 (asv's --append-samples)"
    assert "replaced the values of 1 points stored without samples" in lines[1]
    assert lines[2] == "recorded 1 points new to this machine"
    assert samples.describe(before, {A: (10, 1.2), B: (10, 2.2)}, replace=True) == [
        "replaced the earlier values of 2 points (--replace)"]
    assert samples.describe(before, before, replace=False) == ["changed no stored value"]


def test_run_appends_unless_told_to_replace_and_prints_what_it_did(monkeypatch, capsys):
    for module, function in [(history, "generate"), (machine, "record"),
                             (publish, "publish"), (table, "show")]:
        monkeypatch.setattr(module, function, lambda *args, **options: 0)
    runs = []
    monkeypatch.setattr(run, "stream_asv", lambda args, *rest: runs.append(args) or (0, ""))
    monkeypatch.setattr(envinfo, "record_benchmarked", lambda *args: {})
    monkeypatch.setattr(run, "print_versus_tables", lambda *args: None)
    stored = iter([{A: (10, 1.0)}, {A: (20, 1.0)}, {A: (10, 1.0)}, {A: (10, 1.5)}])
    monkeypatch.setattr(samples, "stored", lambda *args: next(stored))
    assert main(["run", "--name", "box", "--", "--bench", "resnet50"]) == 0
    assert "--append-samples" in runs[0]
    assert "earlier samples: added 10 samples to 1 points that had 10" in capsys.readouterr().out
    assert main(["run", "--name", "box", "--replace", "--", "--bench", "resnet50"]) == 0
    assert "--append-samples" not in runs[1] and "--record-samples" in runs[1]
    assert "earlier samples: replaced the earlier values of 1 points" in capsys.readouterr().out
