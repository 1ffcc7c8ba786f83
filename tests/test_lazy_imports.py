"""A torch benchmark process never imports mlx, and an MLX one never imports torch.

Each check runs in a fresh interpreter, as asv's spawned benchmark processes do.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

SETUP_ALL = """
import importlib, inspect, itertools, json, pkgutil, sys
import benchmarks

prefix = sys.argv[1]
done = []
for info in pkgutil.iter_modules(benchmarks.__path__):
    module = importlib.import_module(f"benchmarks.{info.name}")
    for name, cls in vars(module).items():
        if not (inspect.isclass(cls) and name.startswith(prefix)
                and cls.__module__ == module.__name__):
            continue
        names = list(getattr(cls, "param_names", []))
        for combo in itertools.product(*getattr(cls, "params", [[]])):
            if dict(zip(names, combo)).get("device", "cpu") == "cpu":
                break
        try:
            cls().setup(*combo)
        except NotImplementedError:
            pass
        done.append(name)
print(json.dumps({"classes": done, "modules": sorted(sys.modules)}))
"""


def run_fresh(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def top_level(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_importing_the_suite_imports_no_framework():
    code = ("import importlib, json, pkgutil, sys, benchmarks\n"
            "for i in pkgutil.iter_modules(benchmarks.__path__):\n"
            "    importlib.import_module(f'benchmarks.{i.name}')\n"
            "print(json.dumps({'modules': sorted(sys.modules)}))")
    loaded = top_level(run_fresh(code)["modules"])
    assert not loaded & {"torch", "torchvision", "mlx"}


@pytest.mark.parametrize(("prefix", "forbidden"), [("Torch", "mlx"), ("MLX", "torch")])
def test_a_frameworks_benchmarks_never_import_the_other(prefix, forbidden):
    found = run_fresh(SETUP_ALL, prefix)
    if not found["classes"]:
        pytest.skip(f"no {prefix} benchmarks in this checkout")
    assert forbidden not in top_level(found["modules"]), found["classes"]
