"""Test-only benchmark: one param combination each measured, skipped and failed.

What a recording must tell apart: a value, a skip with its reason (setup raised
``NotImplementedError``) and a failure with its reason (the step raised).
"""


class OutcomeProbe:
    params = [["value", "skip", "fail"]]
    param_names = ["case"]

    def setup(self, case: str) -> None:
        if case == "skip":
            raise NotImplementedError("this case skips here, by design")

    def track_outcome(self, case: str) -> int:
        if case == "fail":
            raise RuntimeError("this case fails, by design")
        return 1
