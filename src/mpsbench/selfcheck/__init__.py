"""``mpsbench selfcheck``: the suite measures its own fidelity, overhead and stability.

``SLOWDOWN_ENV`` is read only by the test-only benchmark in tests/regression_bench.
"""

SLOWDOWN_ENV = "MPSBENCH_TEST_SLOWDOWN"
