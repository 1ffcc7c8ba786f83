"""Errors that carry a message a user can act on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

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


# How the frameworks say that memory ran out: torch's CUDA and MPS allocators ('CUDA out of
# memory', 'MPS backend out of memory', torch.OutOfMemoryError), its CPU allocator ("can't
# allocate memory"), Metal ('Insufficient Memory', '[metal::malloc]') and numpy (MemoryError).
OUT_OF_MEMORY = re.compile(r"out of memory|can't allocate memory|insufficient memory|"
                           r"metal::malloc|outofmemory|cudaErrorMemoryAllocation", re.IGNORECASE)


def is_out_of_memory(error: BaseException) -> bool:
    return (isinstance(error, MemoryError) or "OutOfMemory" in type(error).__name__
            or bool(OUT_OF_MEMORY.search(str(error))))


@contextmanager
def skip_when_out_of_memory(what: str) -> Iterator[None]:
    """Running out of memory in the block becomes ``Unavailable`` (asv shows n/a) that
    says so, at ``what`` (the size), and what to do; every other error passes through."""
    try:
        yield
    except Exception as error:
        if isinstance(error, Unavailable) or not is_out_of_memory(error):
            raise
        text = " ".join(str(error).split())[:300] or "no message"
        raise Unavailable(
            f"memory ran out at {what} ({type(error).__name__}: {text}). This size does not "
            "fit here: leave it out (asv run --bench with a narrower regex), free the "
            "device's memory (other processes using it) and run it again, or use a machine "
            "with more memory") from error
