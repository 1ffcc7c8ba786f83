"""The ``mpsbench`` command: what asv itself does not do.

Each subcommand lives in ``mpsbench.commands.<name>`` and exposes ``register``;
errors a user can fix are printed as one message, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mpsbench.commands import COMMANDS
from mpsbench.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mpsbench",
                                     description=__doc__.splitlines()[0].replace("``", "'"))
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UserError as error:
        print(f"mpsbench {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
