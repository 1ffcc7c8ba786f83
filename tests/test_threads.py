"""The CPU thread count: never every core, and overridable."""

from __future__ import annotations

import pytest

from mpsbench.threads import THREADS_ENV, cpu_threads


@pytest.mark.parametrize(("default", "cores", "expected"),
                         [(2, 2, 1), (1, 1, 1), (10, 10, 9), (8, 16, 8), (4, None, 1)])
def test_one_core_is_left_free(default, cores, expected):
    assert cpu_threads(default, cores, environ={}) == expected


def test_the_environment_sets_the_count():
    assert cpu_threads(2, 2, environ={THREADS_ENV: "2"}) == 2


@pytest.mark.parametrize("bad", ["0", "-1", "two"])
def test_a_bad_count_warns_and_falls_back(bad, capsys):
    assert cpu_threads(4, 4, environ={THREADS_ENV: bad}) == 3
    assert THREADS_ENV in capsys.readouterr().err


def test_the_torch_backend_applies_it(monkeypatch):
    torch = pytest.importorskip("torch")
    from mpsbench.backends import get_backend

    monkeypatch.setenv(THREADS_ENV, "1")
    backend = get_backend("torch", "cpu")
    assert backend.cpu_threads == torch.get_num_threads() == 1
