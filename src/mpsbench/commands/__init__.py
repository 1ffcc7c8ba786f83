"""Subcommands of ``mpsbench``; each module has ``register(subparsers)``."""

from mpsbench.commands import machine, report, run, table

COMMANDS = [machine, table, report, run]
