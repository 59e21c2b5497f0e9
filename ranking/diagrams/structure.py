"""The structural (intent-match) score of docs METRICS.md, 0..1.

Only connections count: for every node, the out-degrees of its existing
targets form a signature; the score is the IoU of the two diagrams'
signature multisets, averaged for `dl_model` prompts with an agreement of
their out-degree distributions. Kept identical to the old system's
definition so figures compare.
"""

from __future__ import annotations

import statistics
from collections import Counter

from . import nodelist
from .model import Diagram


def _adjacency(diagram: Diagram | str) -> dict[int, list[int]]:
    if isinstance(diagram, str):
        diagram = nodelist.parse(diagram).diagram
    return diagram.adjacency()


def signatures(adjacency: dict[int, list[int]]) -> Counter:
    """Return the multiset of "[out-degree of each existing target]" strings, one per node."""
    degree = {node: len(targets) for node, targets in adjacency.items()}
    return Counter(
        str([degree[t] for t in targets if t in degree]) for targets in adjacency.values()
    )


def iou(output: Counter, target: Counter) -> float:
    """Return sum of per-key minimum counts over sum of per-key maximum counts."""
    keys = output.keys() | target.keys()
    top = sum(max(output[k], target[k]) for k in keys)
    return sum(min(output[k], target[k]) for k in keys) / top if top else 0.0


def degree_agreement(output: list[int], target: list[int]) -> float | None:
    """Return the out-degree agreement of METRICS.md step 4, or None when a std is zero."""
    if len(output) < 2 or len(target) < 2:
        return None
    o_m, o_s = statistics.mean(output), statistics.pstdev(output)
    d_m, d_s = statistics.mean(target), statistics.pstdev(target)
    if o_s == 0 or d_s == 0:
        return None
    z1 = (o_m - d_m) / d_s
    z2 = (d_m - o_m) / o_s
    return max(3 - abs(z1 - z2), 0) / 3


def structural_score(output: Diagram | str, target: Diagram | str, task: str) -> float:
    """Return the structural score of `output` against `target` (0 when output has no node)."""
    out_adj, tgt_adj = _adjacency(output), _adjacency(target)
    if not out_adj:
        return 0.0
    score = iou(signatures(out_adj), signatures(tgt_adj))
    if task != "dl_model":
        return score
    agreement = degree_agreement(
        [len(t) for t in out_adj.values()], [len(t) for t in tgt_adj.values()]
    )
    return score if agreement is None else (score + agreement) / 2
