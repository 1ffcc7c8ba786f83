"""Availability reporting: missing and broken installs say what to do."""

from __future__ import annotations

import pytest

from mpsbench import frameworks
from mpsbench.errors import Unavailable


def test_installed_frameworks_are_available_with_versions():
    for name in ("torch", "torchvision", "mlx"):
        found = frameworks.availability(name)
        assert found.ok, found.reason
        assert found.version


def test_mismatched_torchvision_is_named_with_the_fix():
    error = RuntimeError("operator torchvision::nms does not exist")
    reason = frameworks.explain_import_error("torchvision", error)
    assert "does not match torch" in reason and "as a pair" in reason


def test_missing_framework_says_how_to_install():
    error = ModuleNotFoundError("No module named 'mlx'", name="mlx")
    assert "pip install -e '.[mlx]'" in frameworks.explain_import_error("mlx", error)


def test_require_turns_a_broken_import_into_unavailable(monkeypatch):
    broken = ImportError("libmlx.so: cannot open shared object file")
    monkeypatch.setattr(frameworks, "_import", lambda module: broken)
    with pytest.raises(Unavailable, match=r"mlx\[cpu\]"):
        frameworks.require("mlx")


def test_unknown_framework_is_a_value_error():
    with pytest.raises(ValueError, match="unknown framework"):
        frameworks.availability("jax")
