"""``mpsbench run`` chains the other subcommands with their own parsers' defaults."""

from __future__ import annotations

from mpsbench.cli import main
from mpsbench.commands import history, machine, report, run, table


def test_run_calls_each_step_in_order_with_complete_arguments(monkeypatch):
    calls: list[tuple[str, dict]] = []
    for name, module, handler in [("history", history, "run_generate"),
                                  ("machine", machine, "run"), ("report", report, "run"),
                                  ("table", table, "run")]:
        monkeypatch.setattr(module, handler,
                            lambda args, name=name: calls.append((name, vars(args))) or 0)
    monkeypatch.setattr(run, "asv", lambda *args: calls.append(("asv", {"args": args})))

    assert main(["run", "--name", "box", "--", "--quick"]) == 0

    assert [name for name, _ in calls] == ["history", "machine", "asv", "asv", "report",
                                          "table"]
    asv_run = calls[2][1]["args"]
    assert asv_run[:3] == ("run", "--machine", "box") and asv_run[-1] == "--quick"
    table_args = calls[-1][1]
    assert table_args["machine"] == "box" and table_args["frameworks"] is False
