"""Is torch, torchvision or MLX importable here, and if not, why and how to fix it.

Nothing here raises at import time: a missing or broken framework is reported as an
``Availability`` with a reason, and ``require`` turns that into ``Unavailable``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from mpsbench import spans
from mpsbench.catalogue import FRAMEWORKS
from mpsbench.errors import Unavailable
from mpsbench.history.stack import installed_version, unavailable_reason

INSTALL_HINT = {
    "torch": "pip install -e '.[torch]' (torch and torchvision are pinned as a pair)",
    "torchvision": "pip install -e '.[torch]' (torch and torchvision are pinned as a pair)",
    "mlx": "pip install -e '.[mlx]' (mlx on macOS, mlx[cpu] on Linux)",
}


@dataclass(frozen=True)
class Availability:
    """Whether a framework imports here; ``reason`` says why not and how to fix it."""

    name: str
    ok: bool
    version: str | None = None
    reason: str = ""


def explain_import_error(name: str, error: BaseException) -> str:
    """Turn an import failure into a sentence that names the cause and the fix."""
    text = str(error)
    if name == "torchvision" and "does not exist" in text and "torchvision::" in text:
        return (
            f"torchvision {installed_version('torchvision')} does not match torch "
            f"{installed_version('torch')} ({text}). This happens when a CPU-only torch "
            "(e.g. a local '+cpu' wheel) sits next to the registry's torchvision, which is "
            "built against the CUDA torch. Install both from the registry as a pair: "
            "pip install --force-reinstall torch==<ver> torchvision==<paired ver>."
        )
    if isinstance(error, ModuleNotFoundError) and error.name == name:
        return f"{name} is not installed. Fix: {INSTALL_HINT[name]}."
    if name == "mlx" and isinstance(error, ImportError):
        return (
            f"mlx is installed but does not import ({text}). On Linux mlx needs a backend "
            "package: pip install 'mlx[cpu]' (or 'mlx[cuda12]'/'mlx[cuda13]' for NVIDIA)."
        )
    return f"{name} failed to import: {type(error).__name__}: {text}. Fix: {INSTALL_HINT[name]}."


@cache
def _import(module: str) -> ModuleType | BaseException:
    try:
        with spans.span("import"):
            return importlib.import_module(module)
    except Exception as error:  # a broken install can raise anything at import
        return error


_MODULE = {**{framework.id: framework.module for framework in FRAMEWORKS},
           "torchvision": "torchvision"}


def availability(name: str) -> Availability:
    """Probe ``name`` (torch, torchvision or mlx) by importing it, once per process.

    Where a history commit is installed (an asv environment), a release it pins that
    has no wheel here, or that is not what is installed, is unavailable without import.
    """
    if name not in _MODULE:
        raise ValueError(f"unknown framework {name!r}; expected one of {sorted(_MODULE)}")
    reason = unavailable_reason(name)
    if reason:
        return Availability(name, False, installed_version(name), reason)
    result = _import(_MODULE[name])
    if isinstance(result, BaseException):
        return Availability(name, False, installed_version(name),
                            explain_import_error(name, result))
    return Availability(name, True, installed_version(name))


def require(name: str) -> ModuleType:
    """Return the imported framework module, or raise ``Unavailable`` with the reason."""
    found = availability(name)
    if not found.ok:
        raise Unavailable(found.reason)
    return _import(_MODULE[name])  # type: ignore[return-value]
