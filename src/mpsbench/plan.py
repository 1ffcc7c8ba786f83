"""What an ``asv run`` will do here, before it starts: its processes, skips and wall time.

asv runs every selected param combination of a benchmark in a process of its own, once
per round (``rounds`` is per class: ``benchmarks/common.py``). A combination that
cannot run here raises ``Unavailable`` in its setup, mostly before any framework is
imported (no GPU hardware, a point outside the grid); such a process costs a fork.

``discover`` imports the suite the way asv's runner does and calls each combination's
setup with the frameworks blocked: a setup that raises ``Unavailable`` before it
imports one is a skip here, with its reason; one that reaches an import will run.
It runs in a fresh interpreter (``python -m mpsbench.plan``), so nothing the caller
has imported (torch, for the machine facts) hides an import.
"""

from __future__ import annotations

import argparse
import importlib.abc
import itertools
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BLOCKED = ("torch", "torchvision", "mlx", "mlx_lm", "transformers")


class WouldImport(BaseException):  # noqa: N818 -- not an error: a signal to stop setup
    """Raised where a setup would import a framework: the combination runs here.

    A BaseException, so that code catching ``Exception`` (an availability check) lets it
    through rather than taking it for a missing package.
    """


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] in BLOCKED:
            raise WouldImport(name)
        return None


@contextmanager
def frameworks_blocked() -> Iterator[None]:
    """Make any import of a framework raise ``WouldImport`` (imported ones are hidden)."""
    hidden = {name: sys.modules.pop(name) for name in list(sys.modules)
              if name.split(".")[0] in BLOCKED}
    blocker = _Blocker()
    sys.meta_path.insert(0, blocker)
    try:
        yield
    finally:
        sys.meta_path.remove(blocker)
        sys.modules.update(hidden)


@dataclass
class Benchmark:
    """One asv benchmark: its selected combinations and, per combination, why it skips."""

    name: str
    rounds: int
    combos: list[str]  # 'name(param, ...)', as asv's --bench matches them
    skips: list[str | None]  # the reason per combo, None where it runs

    @property
    def run(self) -> int:
        return sum(reason is None for reason in self.skips) * self.rounds

    @property
    def skipped(self) -> int:
        return sum(reason is not None for reason in self.skips) * self.rounds


@dataclass
class Plan:
    """The benchmarks an ``asv run`` selects, with what each costs in processes."""

    benchmarks: list[Benchmark] = field(default_factory=list)

    @property
    def processes(self) -> int:
        return self.run + self.skipped

    @property
    def run(self) -> int:
        return sum(b.run for b in self.benchmarks)

    @property
    def skipped(self) -> int:
        return sum(b.skipped for b in self.benchmarks)

    def skip_reasons(self) -> Counter[str]:
        """Skipped processes per short reason ('no GPU', ...)."""
        counts: Counter[str] = Counter()
        for bench in self.benchmarks:
            for reason in bench.skips:
                if reason is not None:
                    counts[short_reason(reason)] += bench.rounds
        return counts

    def select(self, regexes: Sequence[str]) -> Plan:
        """The combinations that any of ``regexes`` matches, as ``asv run --bench`` does."""
        if not regexes:
            return self
        chosen = []
        for bench in self.benchmarks:
            keep = [i for i, combo in enumerate(bench.combos)
                    if any(re.search(regex, combo) for regex in regexes)]
            if keep:
                chosen.append(Benchmark(bench.name, bench.rounds,
                                        [bench.combos[i] for i in keep],
                                        [bench.skips[i] for i in keep]))
        return Plan(chosen)

    def with_rounds(self, rounds: int | None) -> Plan:
        """The plan with every benchmark in ``rounds`` rounds (None: as it is)."""
        if rounds is None:
            return self
        return Plan([Benchmark(b.name, rounds, b.combos, b.skips) for b in self.benchmarks])

    def to_json(self) -> str:
        return json.dumps([asdict(b) for b in self.benchmarks])

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return cls([Benchmark(**b) for b in json.loads(text)])


def short_reason(reason: str) -> str:
    """A skip reason in a few words, for a summary line."""
    from mpsbench.hardware import NO_GPU_HARDWARE

    if reason == NO_GPU_HARDWARE:
        return "no GPU"
    if "is not a point of the" in reason or "grid's GPU point" in reason:
        return "not a point of this grid"
    if reason.startswith("torch.compile on the CPU"):
        return "torch.compile on the CPU: full grid only"
    head = re.split(r"[:;(]", reason, maxsplit=1)[0].strip() or reason
    return head if len(head) <= 60 else head[:60].rsplit(" ", 1)[0] + " ..."


def combo_name(name: str, params: Sequence[str]) -> str:
    """'name(p1, p2)' for a combination, as asv's --bench regexes see it."""
    return f"{name}({', '.join(params)})" if params else name


def skip_reason(benchmark: Any, index: int) -> str | None:
    """Why the combination ``index`` of an asv_runner benchmark skips here, or None."""
    from mpsbench.errors import Unavailable

    benchmark.set_param_idx(index)
    try:
        with frameworks_blocked():
            for setup in benchmark._setups:
                setup(*benchmark._build_params())
    except Unavailable as error:
        return str(error)
    except WouldImport:
        return None
    except Exception:  # noqa: BLE001 -- it fails in its own process, as asv will show
        return None
    return None


def discover(benchmark_dir: Path) -> Plan:
    """Every benchmark of the suite in ``benchmark_dir``, each combination judged here."""
    from asv_runner._aux import update_sys_path
    from asv_runner.benchmarks._base import _repr_no_address
    from asv_runner.discovery import disc_benchmarks

    update_sys_path(str(benchmark_dir))
    plan = Plan()
    for benchmark in sorted(disc_benchmarks(str(benchmark_dir)), key=lambda b: b.name):
        params = [[_repr_no_address(v) for v in values] for values in benchmark._params]
        combos = [combo_name(benchmark.name, combo) for combo in itertools.product(*params)] \
            if benchmark._params else [benchmark.name]
        skips = [skip_reason(benchmark, i) for i in range(len(combos))] \
            if benchmark._params else [None]
        plan.benchmarks.append(Benchmark(benchmark.name, int(getattr(benchmark, "rounds", 1)),
                                         combos, skips))
    return plan


def discover_in_subprocess(benchmark_dir: Path, environ: dict[str, str] | None = None,
                           python: str = sys.executable,
                           stack: dict[str, Any] | None = None) -> Plan:
    """``discover`` in a fresh interpreter, with ``environ`` (MPSBENCH_GRID, ...); with
    ``stack``, as if that history commit were installed (its releases' skips)."""
    src = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, **(environ or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in [src, env.get("PYTHONPATH", "")] if p)
    pinned = ["--stack", json.dumps(stack)] if stack is not None else []
    done = subprocess.run([python, "-m", "mpsbench.plan", str(benchmark_dir), *pinned], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        from mpsbench.errors import UserError

        raise UserError(f"could not discover the benchmarks in {benchmark_dir}:\n"
                        f"{done.stderr.strip()}")
    return Plan.from_json(done.stdout.strip().splitlines()[-1])


def processes_by_group(plan: Plan, groups: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Processes per named group of benchmark-name regexes ((label, regex), ...)."""
    out: dict[str, int] = {}
    for label, regex in groups:
        out[label] = sum(b.run + b.skipped for b in plan.benchmarks if re.search(regex, b.name))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mpsbench.plan",
                                     description="Print the suite's plan as JSON.")
    parser.add_argument("benchmark_dir", type=Path)
    parser.add_argument("--stack", type=json.loads, default=None,
                        help="a history commit's stack.json, judged as if installed")
    args = parser.parse_args(argv)
    if args.stack is None:
        plan = discover(args.benchmark_dir.resolve())
    else:
        from mpsbench.history.stack import assumed

        with assumed(args.stack):
            plan = discover(args.benchmark_dir.resolve())
    sys.stdout.flush()
    print("\n" + plan.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
