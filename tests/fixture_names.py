"""The benchmark names of the test-only suites, which no image in docs/ may show."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FIXTURE_SUITES = (TESTS / "fixture_benchmarks", TESTS / "regression_bench")
FRAMEWORKS = ("Torch", "MLX")


def fixture_names() -> set[str]:
    """'module.Class' for every class of a fixture suite, and 'module.Op' as the report
    names an operator ('report_fixture.MatMul' for TorchMatMul and MLXMatMul)."""
    names = set()
    for path in (p for suite in FIXTURE_SUITES for p in suite.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                name = node.name.lstrip("_")
                op = next((name.removeprefix(f) for f in FRAMEWORKS if name.startswith(f)),
                          name)
                names |= {f"{path.stem}.{name}", f"{path.stem}.{op}"}
    return names


def fixture_names_in(text: str) -> list[str]:
    return sorted(name for name in fixture_names() if name in text)
