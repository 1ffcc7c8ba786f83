"""Errors that carry a message a user can act on."""


class Unavailable(NotImplementedError):
    """A benchmark combination cannot run here; asv shows it as n/a with this reason.

    Subclassing ``NotImplementedError`` is what makes asv skip instead of fail.
    """


class UserError(Exception):
    """Bad input (a path, a name, a file): the CLI prints the message, no traceback."""
