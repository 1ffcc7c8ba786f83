"""'mpsbench run' chains the other commands' functions, with their defaults."""

from __future__ import annotations

from mpsbench import envinfo
from mpsbench.cli import main
from mpsbench.commands import history, machine, publish, run, table


def test_run_calls_each_step_in_order_with_complete_arguments(monkeypatch, capsys):
    calls: list[tuple[str, dict]] = []
    for name, module, function in [("history", history, "generate"),
                                   ("machine", machine, "record"),
                                   ("publish", publish, "publish"), ("table", table, "show")]:
        monkeypatch.setattr(module, function, lambda *args, name=name, **options:
                            calls.append((name, {"args": args, **options})) or 0)
    monkeypatch.setattr(run, "stream_asv",
                        lambda args, *rest: calls.append(("asv run", {"args": args})) or (0, ""))
    monkeypatch.setattr(envinfo, "record_benchmarked", lambda *args: {})
    monkeypatch.setattr(run, "print_versus_tables", lambda *args: None)

    assert main(["run", "--name", "box", "--", "--quick"]) == 0

    names = [name for name, _ in calls]
    assert names == ["history", "machine", "asv run", "table", "publish"]
    first = second = calls[2][1]["args"]
    assert first[:3] == ("run", "--machine", "box")[:3] or first[:3] == ["run", "--machine",
                                                                          "box"]
    assert first[-1] == "--quick" and "--bench" in first and "rounds=1" in second
    assert calls[1][1]["args"] == ("box",)
    table_args = calls[-2][1]
    assert table_args["machine"] == "box" and not table_args.get("frameworks")
    out = capsys.readouterr().out
    assert "benchmark processes in 1 asv run(s)" in out
    assert "python3 -m http.server -b 127.0.0.1 -d html" in out
    assert "bin/mpsbench run --grid default" in out
    assert "bin/mpsbench table --frameworks --machine box" in out


def test_a_bench_of_your_own_is_one_asv_run(monkeypatch):
    runs = []
    for module, function in [(history, "generate"), (machine, "record"),
                             (publish, "publish"), (table, "show")]:
        monkeypatch.setattr(module, function, lambda *args, **options: 0)
    monkeypatch.setattr(run, "stream_asv", lambda args, *rest: runs.append(args) or (0, ""))
    monkeypatch.setattr(envinfo, "record_benchmarked", lambda *args: {})
    monkeypatch.setattr(run, "print_versus_tables", lambda *args: None)
    assert main(["run", "--name", "box", "--", "--bench", "resnet50"]) == 0
    assert len(runs) == 1 and runs[0][-2:] == ["--bench", "resnet50"]
