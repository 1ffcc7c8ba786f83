"""Test-only benchmark: the suite's real up-front rules, on an op they gate by release.

``sdpa`` is skipped by ``mpsbench.apigaps`` for an mlx without
``mx.fast.scaled_dot_product_attention``; ``linear`` by no rule of a release that has a
wheel here. A release with no wheel here skips both (``release_reason``).
"""

from mpsbench import apigaps
from mpsbench.errors import Unavailable
from mpsbench.firstcall import release_reason


class RuledProbe:
    params = [["sdpa", "linear"]]
    param_names = ["op"]

    def setup(self, op: str) -> None:
        reason = release_reason("mlx") or apigaps.reason("mlx", op, "cpu")
        if reason:
            raise Unavailable(reason)

    def track_ran(self, op: str) -> int:
        return 1
