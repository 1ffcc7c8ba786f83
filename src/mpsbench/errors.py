"""Errors that carry a message a user can act on."""

from __future__ import annotations

# The optional extras of pyproject.toml, by the top-level module each provides.
EXTRAS = {"pandas": "report", "tabulate": "report", "plotly": "report", "asv": "bench",
          "asv_runner": "bench", "virtualenv": "bench", "torch": "torch",
          "torchvision": "torch", "mlx": "mlx"}


class Unavailable(NotImplementedError):
    """A benchmark combination cannot run here; asv shows it as n/a with this reason.

    Subclassing ``NotImplementedError`` is what makes asv skip instead of fail.
    """


class UserError(Exception):
    """Bad input (a path, a name, a file): the CLI prints the message, no traceback."""


def extra_of(error: ModuleNotFoundError) -> str | None:
    """The extra that installs the module ``error`` is about, or None for any other module."""
    return EXTRAS.get((error.name or "").partition(".")[0])


def needs_extra(error: ModuleNotFoundError) -> Exception:
    """A ``UserError`` naming the missing module and the extra that installs it; ``error``
    itself when the module is no extra's (a real bug, kept as a traceback)."""
    extra = extra_of(error)
    if extra is None:
        return error
    return UserError(f"{error.name.partition('.')[0]} is not installed, and this command needs "
                     f"it: pip install -e '.[{extra}]'")
