"""Subcommands of ``mpsbench``; each module has ``register(subparsers)``."""

from mpsbench.commands import history, machine, run, table

COMMANDS = [machine, history, table, run]
