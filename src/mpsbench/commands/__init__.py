"""Subcommands of ``mpsbench``; each module has ``register(subparsers)``."""

from mpsbench.commands import history, machine, report, run, selfcheck, synccheck, table

COMMANDS = [machine, history, table, report, run, selfcheck, synccheck]
