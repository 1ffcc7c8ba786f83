"""Subcommands of ``mpsbench``; each module has ``register(subparsers)``."""

from mpsbench.commands import machine, run, table

COMMANDS = [machine, table, run]
