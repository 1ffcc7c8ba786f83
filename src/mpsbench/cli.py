"""The ``mpsbench`` command: what asv itself does not do.

Each subcommand lives in ``mpsbench.commands.<name>`` and exposes ``register``;
errors a user can fix are printed as one message, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mpsbench.commands import register_all
from mpsbench.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mpsbench",
                                     description=__doc__.splitlines()[0].replace("``", "'"))
    subparsers = parser.add_subparsers(dest="command", required=True)
    register_all(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "accepts_any", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return int(args.handler(args) or 0)
    except UserError as error:
        print(f"mpsbench {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a file or folder that cannot be read or written
        where = f" {error.filename}" if error.filename else ""
        print(f"mpsbench {args.command}: error: cannot use{where}: {error.strerror or error}",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
