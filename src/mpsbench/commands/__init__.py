"""Subcommands of ``mpsbench``; each module has ``register(subparsers)``."""

from mpsbench.commands import machine, run, selfcheck, table

COMMANDS = [machine, table, run, selfcheck]
