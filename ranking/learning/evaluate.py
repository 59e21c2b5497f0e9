"""Structure and readability of a generator, measured the way the generation benchmark does.

The rows, the per-prompt measure and the table summary are
bench/generation.py's own functions (imported, not copied), so a version's
report and the benchmark agree: the templated held-out split (r500-r699,
all flowcharts), the network prompts of blind set 4 (free phrasing) and
blind process set 6. The top candidate's readability is recorded on the
side by wrapping the scorer.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The held-out split r500-r699 is all flowcharts; networks come from the
# network prompts of blind set 4 (free phrasing, written blind).
DEFAULT_SETS = ("held-out", "networks", "blind6")
NETWORKS_FROM = "blind4"
# Structure may not drop by more than this on any set (the target).
MAX_DROP = 0.01


def _bench():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import generation

    return generation


class TopReadability:
    """A scorer that remembers the readability of every ranking's top candidate."""

    def __init__(self, scorer):
        self.scorer = scorer
        self.values: list[float] = []

    def rank(self, diagrams, *args, **kwargs):
        result = self.scorer.rank(diagrams, *args, **kwargs)
        if len(result.order):
            self.values.append(float(result.readability[list(result.order)[0]]))
        return result

    def take(self) -> list[float]:
        values, self.values = self.values, []
        return values


def set_rows(name: str, limit: int) -> list[dict]:
    """Return the benchmark rows of one set: "held-out" or a key of bench's FREE_SETS."""
    bench = _bench()
    if name == "held-out":
        return bench.held_out_rows(limit)
    if name == "networks":
        rows = bench.free_rows(None, bench.FREE_SETS[NETWORKS_FROM][0])
        return [row for row in rows if row["task"] == "dl_model"][:limit]
    return bench.free_rows(limit, bench.FREE_SETS[name][0])


def set_seed(name: str) -> int:
    """Return the benchmark's sampling seed of a set (the same samples for every adapter)."""
    bench = _bench()
    if name == "held-out":
        return 1
    return bench.FREE_SETS[NETWORKS_FROM if name == "networks" else name][2]


def evaluate_generator(generator, scorer, limit: int, sets=DEFAULT_SETS, count: int = 5) -> dict:
    """Return {set: structure, edge F1, top readability, ...} for the first `limit` prompts per set.

    Seeds are the benchmark's, so two adapters see the same samples.
    """
    bench = _bench()
    recorder = TopReadability(scorer)
    result = {}
    for name in sets:
        rows = set_rows(name, limit)
        records = bench.run_model(rows, count, generator, recorder, set_seed(name))
        row = bench.summarise(name, records)
        readability = recorder.take()
        result[name] = {
            "prompts": row["prompts"],
            "structure": round(row["mean_score"], 4),
            "by_task": {task: round(value, 4) for task, value in row["by_task"].items()},
            "label_recall": _round(row["label_recall"]),
            "edge_f1": _round(row["edge_f1"]),
            "failed": row["failed"],
            "top_readability": _round(statistics.mean(readability) if readability else None),
        }
    return result


def regressions(before: dict, after: dict, max_drop: float = MAX_DROP) -> list[str]:
    """Return the sets (and task rows) whose structure dropped by more than `max_drop`."""
    found = []
    for name, old in before.items():
        new = after.get(name)
        if new is None:
            continue
        if new["structure"] < old["structure"] - max_drop:
            found.append(f"{name}: structure {old['structure']:.3f} -> {new['structure']:.3f}")
        for task, value in old.get("by_task", {}).items():
            now = new.get("by_task", {}).get(task)
            if now is not None and now < value - max_drop:
                found.append(f"{name} {task}: {value:.3f} -> {now:.3f}")
    return found


def mean_top_readability(evaluation: dict) -> float | None:
    """Return the mean top-candidate readability over the sets, weighted by prompts."""
    pairs = [
        (row["top_readability"], row["prompts"])
        for row in evaluation.values()
        if row.get("top_readability") is not None
    ]
    total = sum(n for _, n in pairs)
    return round(sum(v * n for v, n in pairs) / total, 4) if total else None


def _round(value, digits: int = 4):
    return None if value is None else round(value, digits)
