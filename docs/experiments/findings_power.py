"""How often 'history findings' confirms a known slowdown, and a change that is not there.

The test-only benchmark of the self-check's A/B (tests/regression_bench: the suite's
ResNet-50 forward (inference), batch 1, CPU, slowed by MPSBENCH_TEST_SLOWDOWN) is run as
two labelled "releases" A and B in a scratch asv (this Python environment), the two in
turn, one fresh process a side a round, with the canary, exactly as findings re-measures
a candidate; B is slowed by 0 (the A/A), 5, 10 and 25%. Each trial is judged by
``history.verdict.judge``. Results: docs/performance.md, "Verdicts: power".

    nice -n 10 python docs/experiments/findings_power.py [TRIALS] [ROUNDS] > power.jsonl
    python docs/experiments/findings_power.py --summarise power.jsonl

The summary also judges the same processes by two looser rules, to show what the host
band and the host index each do: the index without the band, and neither.
"""

import json
import sys
import tempfile
from pathlib import Path

from mpsbench import canary
from mpsbench.history.verdict import judge
from mpsbench.results import recorded_points
from mpsbench.selfcheck import SLOWDOWN_ENV
from mpsbench.selfcheck.asvrun import MACHINE, AsvScratch

ROOT = Path(__file__).resolve().parents[2]
POINT = "slowed.TorchForwardInference.time_step('cpu', 1)"
SLOWDOWNS = (0.0, 0.05, 0.10, 0.25)


def one_process(scratch: AsvScratch, label: str, slowdown: float, spool: Path):
    """(median seconds, host index) of one fresh process of ``label``."""
    folder = spool / f"{label}-{len(list(spool.iterdir()))}"
    scratch.run(label, "TorchForwardInference", "forkserver",
                env={SLOWDOWN_ENV: str(slowdown), canary.SPOOL_ENV: str(folder)},
                extra=("-a", "rounds=1", "--record-samples"))
    samples = recorded_points(scratch.results_dir, MACHINE)[0][scratch.hashes[label]][POINT]
    records = [json.loads(p.read_text())["canary"] for p in folder.glob("*.json")]
    return sorted(samples.samples)[len(samples.samples) // 2], canary.host_speed(records)


def main(trials: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="findings-power-") as work:
        scratch = AsvScratch(ROOT, Path(work), ["A", "B"], ROOT / "tests" / "regression_bench")
        spool = Path(work) / "spool"
        spool.mkdir()
        for trial in range(trials):
            for slowdown in SLOWDOWNS:
                before, after = [], []
                for _ in range(rounds):
                    before.append(one_process(scratch, "A", 0.0, spool))
                    after.append(one_process(scratch, "B", slowdown, spool))
                verdict = judge(before, after)
                row = {"trial": trial, "slowdown": slowdown, "verdict": verdict.verdict,
                       "line": verdict.line, "before": before, "after": after}
                print(json.dumps(row), flush=True)
                print(f"{slowdown:.0%} trial {trial}: {verdict.line}", file=sys.stderr,
                      flush=True)


def summarise(path: Path) -> None:
    """Per slowdown: trials, and how many each rule confirmed (as slower; for the A/A,
    either way: any confirmation there is false)."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rules = {"as judged (host index, band)": lambda b, a: judge(b, a),
             "host index, no band": lambda b, a: judge(b, a, band=float("inf")),
             "raw medians, no band": lambda b, a: judge([(v, None) for v, _ in b],
                                                        [(v, None) for v, _ in a],
                                                        band=float("inf"))}
    print("| B slowed by | trials | " + " | ".join(rules) + " |")
    print("|---|---|" + "---|" * len(rules))
    for slowdown in SLOWDOWNS:
        mine = [r for r in rows if r["slowdown"] == slowdown]
        if not mine:
            continue
        counts = []
        for rule in rules.values():
            verdicts = [rule([tuple(p) for p in r["before"]], [tuple(p) for p in r["after"]])
                        for r in mine]
            confirmed = sum(v.verdict == "confirmed" and (v.low > 1 or not slowdown)
                            for v in verdicts)
            counts.append(f"{confirmed}/{len(mine)} confirmed, "
                          f"{sum(v.verdict == 'inconclusive' for v in verdicts)} inconclusive")
        print(f"| {slowdown:.0%} | {len(mine)} | " + " | ".join(counts) + " |")


if __name__ == "__main__" and sys.argv[1:2] == ["--summarise"]:
    summarise(Path(sys.argv[2]))
elif __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3, int(sys.argv[2]) if len(sys.argv) > 2
         else 4)
