"""Subcommands of ``mpsbench``; each module has ``register(subparsers)``."""

from mpsbench.commands import machine, table

COMMANDS = [machine, table]
