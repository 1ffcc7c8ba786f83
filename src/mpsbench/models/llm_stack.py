"""Is the LLM model code (transformers for torch, mlx-lm for MLX) usable here, and why not.

Both packages are held at one version across the release history (docs/history.md,
"LLM model code"): ``LLM_PINS`` here, pyproject's ``llm`` extra and asv.conf.json's
install command name the same versions, and a test keeps them equal. A pinned version
needs a framework release at least as new as ``FRAMEWORK_FLOORS``; a history commit
whose torch or mlx is older skips the LLM benchmarks with that reason, decided from
the installed versions alone (no import).

mlx-lm's package ``__init__`` imports its tokenizer code, hence transformers, hence
torch wherever torch is installed (1.8 s here, and an MLX process must not load
torch). ``mlx_lm_model_module`` imports a model module (``mlx_lm.models.llama``)
without running that ``__init__``; the rest of mlx-lm loads on first use of one of its
top-level names, as usual.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from mpsbench.errors import Unavailable
from mpsbench.history.stack import installed_version

LLM_PINS = {"transformers": "5.24.0", "mlx-lm": "0.32.2"}
# library -> (framework, oldest release its pinned version runs with, why)
FRAMEWORK_FLOORS = {
    "transformers": ("torch", "2.6", "its is_torch_available() turns torch below 2.6 off, "
                     "so its model classes do not import"),
    # measured (docs/history.md): mlx 0.29.4 to 0.32.4 run it and give the same tokens;
    # 0.28.0 and older lack the `sinks` argument its attention passes to mx.fast's SDPA.
    # It declares mlx>=0.32.2 on macOS, hence --no-deps in asv's environments.
    "mlx-lm": ("mlx", "0.29", "its attention passes `sinks` to "
               "mx.fast.scaled_dot_product_attention, which mlx 0.28 and older lack"),
}
INSTALL_HINT = "pip install -e '.[llm]'"


def version_key(text: str) -> tuple[int, ...]:
    """'2.6.0+cu124' -> (2, 6, 0); enough for release numbers."""
    parts = []
    for part in text.split("+")[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
        if digits != part:
            break
    return tuple(parts)


def library_reason(library: str) -> str:
    """Why ``library`` (transformers or mlx-lm) cannot run the model code here; '' if it can.

    Checks that exactly the pinned version is installed and that its framework is at
    least that version's floor; importing is left to the caller (``require_library``).
    """
    framework, floor, why = FRAMEWORK_FLOORS[library]
    found = installed_version(library)
    if found is None:
        return f"{library} is not installed; {INSTALL_HINT}"
    if found != LLM_PINS[library]:
        return (f"the LLM benchmarks are held at {library} {LLM_PINS[library]} across the "
                f"history, and {found} is installed: results of another version would join "
                f"the same series; {INSTALL_HINT}")
    have = installed_version(framework)
    if have is not None and version_key(have) < version_key(floor):
        return (f"{library} {found} needs {framework} >= {floor} ({why}); {framework} {have} "
                f"is installed (an older release of the history): the LLM benchmarks for "
                f"{framework} start at {framework} {floor}")
    return ""


def require_library(library: str) -> None:
    """Raise ``Unavailable`` with the reason when ``library`` cannot run here."""
    reason = library_reason(library)
    if reason:
        raise Unavailable(reason)


def mlx_lm_model_module(architecture: str) -> ModuleType:
    """``mlx_lm.models.<architecture>``, imported without mlx-lm's package ``__init__``.

    When mlx_lm is not imported yet, its package is registered from its spec without
    running ``__init__``; a module ``__getattr__`` runs the real ``__init__`` the first
    time a top-level name (``mlx_lm.load``, ``mlx_lm.generate``) is asked for.
    """
    require_library("mlx-lm")
    if "mlx_lm" not in sys.modules:
        spec = importlib.util.find_spec("mlx_lm")
        if spec is None or spec.loader is None:
            raise Unavailable(f"mlx-lm is not importable; {INSTALL_HINT}")
        package = importlib.util.module_from_spec(spec)

        def complete(name: str, package: ModuleType = package) -> object:
            if name.startswith("__"):
                raise AttributeError(name)
            del package.__getattr__  # run the real __init__ once
            spec.loader.exec_module(package)
            return getattr(package, name)

        package.__getattr__ = complete  # type: ignore[attr-defined]
        sys.modules["mlx_lm"] = package
    try:
        return importlib.import_module(f"mlx_lm.models.{architecture}")
    except ImportError as error:
        raise Unavailable(f"mlx-lm {installed_version('mlx-lm')} cannot import its "
                          f"{architecture} model here: {error}") from None
