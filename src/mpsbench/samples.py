"""What a new ``asv run`` did with the samples already stored: appended, or replaced.

``mpsbench run`` records samples and appends to those stored (asv's ``--append-samples``),
so a second run of a point adds evidence. asv can append only to stored samples: a value
stored without them (a plain ``asv run``, or results from before samples were kept) is
replaced, and this says so instead of letting it pass in silence.
"""

from __future__ import annotations

from pathlib import Path

from mpsbench.results import recorded_points

# (commit, point) -> (samples kept, None for none; the value)
Stored = dict[tuple[str, str], tuple[int | None, float]]


def stored(results_dir: Path, machine: str) -> Stored:
    """How many samples each recorded point of ``machine`` keeps."""
    points, _ = recorded_points(results_dir, machine)
    return {(commit, point): (len(found.samples) if found.samples else None, found.value)
            for commit, by_point in points.items() for point, found in by_point.items()}


def asv_flags(replace: bool) -> list[str]:
    """asv run's flags: keep samples, and append to the stored ones unless replacing."""
    return ["--record-samples"] if replace else ["--append-samples"]


def describe(before: Stored, after: Stored, replace: bool) -> list[str]:
    """One line per kind of thing the run did to the points it touched."""
    touched = [key for key in after if key in before and after[key] != before[key]]
    unsampled = [key for key in touched if before[key][0] is None]
    appended = [key for key in touched if before[key][0] and not replace]
    new = [key for key in after if key not in before]
    lines = []
    if replace and touched:
        lines.append(f"replaced the earlier values of {len(touched)} points (--replace)")
    elif appended:
        added = sum((after[k][0] or 0) - before[k][0] for k in appended)
        lines.append(f"added {added} samples to {len(appended)} points that had "
                     f"{sum(before[k][0] for k in appended)} (asv's --append-samples)")
    if unsampled and not replace:
        lines.append(f"replaced the values of {len(unsampled)} points stored without "
                     "samples (a plain 'asv run' or an older mpsbench): asv cannot add to "
                     "them")
    if new:
        lines.append(f"recorded {len(new)} points new to this machine")
    return lines or ["changed no stored value"]
