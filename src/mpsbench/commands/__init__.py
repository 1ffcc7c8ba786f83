"""Subcommands of ``mpsbench``; each module has ``register(subparsers)``."""

from mpsbench.commands import history, machine, report, run, table

COMMANDS = [machine, history, table, report, run]
