"""What the reference flowchart prompts can tell: the figures behind docs/plan-language.md.

Run by hand: `.venv/bin/python bench/flowchart_ceiling.py`. Reads the 420
flowchart reference pairs (their `shape_types` hold the full graph) and prints
- the structural score of a perfect transcription (baseline_parser's
  reference plan, names resolved by reference_flow, drawn by
  flowgraph.expand_flow) against the reference graphs, per split;
- the score of each reference graph with its never-mentioned side data nodes
  dropped (how little those cost);
- how the reference generator attached side processors (order, which of the
  same-kind chain nodes) and how many data-to-data edges the prompts describe.
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ranking.diagrams.data import load_reference_pairs  # noqa: E402
from ranking.diagrams.structure import iou, signatures  # noqa: E402
from ranking.generation.baseline_parser import reference_plan  # noqa: E402
from ranking.generation.flowgraph import expand_flow  # noqa: E402

PROCESSORS = {"model", "func", "process"}


def graph(row: dict) -> tuple[dict, dict[int, list[int]], int]:
    """Return (nodes by id, adjacency, last id of the main chain 0 -> 1 -> ... -> k)."""
    nodes = {n["id"]: n for n in row["shape_types"]}
    k = 0
    while k + 1 in nodes and k + 1 in nodes[k]["connected_node_ids"]:
        k += 1
    return nodes, {i: list(n["connected_node_ids"]) for i, n in nodes.items()}, k


def main() -> None:
    rows = [r for r in load_reference_pairs() if r["task"] == "flowchart"]
    split = {"r200-r499 (training)": [], "r500-r699 (held-out)": [], "all": []}
    dropped, stats = [], Counter()
    for row in rows:
        nodes, adjacency, k = graph(row)
        target = signatures(adjacency)
        # The plan a perfect model writes: the transcription with its names resolved.
        steps = reference_plan(row).steps
        ours = {n.id: n.targets for n in expand_flow(steps)}
        score = iou(signatures(ours), target)
        split["all"].append(score)
        key = "r500-r699 (held-out)" if int(row["id"][1:]) >= 500 else "r200-r499 (training)"
        split[key].append(score)

        data = [i for i in nodes if nodes[i]["type"] not in PROCESSORS]
        unmentioned = {
            i
            for i in data
            if i > k
            and not nodes[i]["incoming_node_ids"]
            and all(nodes[j]["type"] not in PROCESSORS for j in adjacency[i])
        }
        kept = {i: [j for j in t if j not in unmentioned] for i, t in adjacency.items()}
        dropped.append(
            iou(signatures({i: t for i, t in kept.items() if i not in unmentioned}), target)
        )

        previous, ordered = -1, True
        for i in range(k + 1, len(nodes)):
            if nodes[i]["type"] not in PROCESSORS:
                continue
            touching = [j for j in adjacency[i] + nodes[i]["incoming_node_ids"] if j <= k]
            if not touching:
                continue
            hook = min(touching)
            same = [j for j in range(k + 1) if nodes[j]["type"] == nodes[hook]["type"]]
            stats["side processors on the chain"] += 1
            stats["... on the earliest same-kind chain node"] += same[0] == hook
            ordered &= hook >= previous
            previous = hook
        stats["pairs whose side processors come in chain order"] += ordered
        edges = sum(nodes[j]["type"] not in PROCESSORS for i in data for j in adjacency[i])
        described = sum(step.proc is None for step in steps)
        stats["data-to-data edges"] += edges
        stats["... described by a 'converts X into Y' step"] += described
        stats["pairs with an undescribed data-to-data edge"] += edges > described

    print(f"{len(rows)} flowchart pairs\n")
    print("| split | pairs | perfect transcription: mean score | exactly 1.0 |")
    print("|---|---:|---:|---:|")
    for name, scores in split.items():
        exact = sum(s == 1 for s in scores)
        print(f"| {name} | {len(scores)} | {statistics.mean(scores):.3f} | {exact} |")
    print(
        "\nreference graphs without never-mentioned side data nodes:",
        f"{statistics.mean(dropped):.3f}",
    )
    for name, value in stats.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
