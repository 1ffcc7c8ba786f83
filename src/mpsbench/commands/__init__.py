"""Subcommands of ``mpsbench``; each module has ``register(subparsers)``.

A command whose module cannot be imported for want of an optional extra is still
listed: running it (or asking for its --help) says which extra to install, and every
other command works.
"""

from __future__ import annotations

import argparse
import importlib

from mpsbench.errors import needs_extra

NAMES = ["machine", "history", "table", "report", "publish", "check-results", "run",
         "contribute", "selfcheck", "synccheck"]


def register_all(subparsers: argparse._SubParsersAction) -> None:
    for name in NAMES:
        try:
            module = importlib.import_module(f"mpsbench.commands.{name.replace('-', '_')}")
        except ModuleNotFoundError as error:
            problem = needs_extra(error)
            if problem is error:
                raise
            _register_unavailable(subparsers, name, str(problem))
        else:
            module.register(subparsers)


def _register_unavailable(subparsers: argparse._SubParsersAction, name: str,
                          message: str) -> None:
    parser = subparsers.add_parser(name, help=f"(not available: {message})", description=message)

    def handler(args: argparse.Namespace) -> int:
        from mpsbench.errors import UserError

        raise UserError(message)

    parser.set_defaults(handler=handler, accepts_any=True)
