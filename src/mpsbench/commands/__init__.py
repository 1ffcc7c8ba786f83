"""Subcommands of ``mpsbench``; each module has ``register(subparsers)``."""

from mpsbench.commands import history, machine

COMMANDS = [machine, history]
