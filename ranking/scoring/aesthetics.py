"""Measured aesthetics of a laid-out diagram, what each defect costs, and why in plain words.

The measures come from the graph-drawing literature (Purchase's user studies
rank edge crossings first, then lines through shapes and overlaps): edge
crossings, edges running through shapes, overlapping shapes, shapes off the
canvas, the smallest shape and label at full size (1000 x 600 px, the
downloaded PNG), angular resolution at nodes, spread of edge lengths,
whitespace balance and consistency of the flow direction.

`costs` turns the measures into points lost on the 0-5 scale. Every cost is
zero for a tidy layout and grows monotonically with its defect, so a clean
diagram is never marked down for being small and each defect lowers the
score; `reasons` names the two or three costliest factors. The scale of each
cost (COST_WEIGHTS) was chosen so that one severe defect alone brings a
diagram to 2 or below (bench/readability_invariants.py checks this).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ranking.diagrams import geometry
from ranking.diagrams.labels import ELLIPSIS, MIN_FONT_SIZE, fit_label
from ranking.diagrams.model import CANVAS_HEIGHT, CANVAS_WIDTH, Diagram

from .features import through_share

MAX_SCORE = 5.0
# Below this many px (at full size) a shape reads as a speck; the layout
# engine never draws one under 8 px (layout.MIN_SHAPE).
SPECK_PX = 12.0
# Centres closer than this (px) along an axis share a row or column.
ROW_PX = 6.0
# Text below this size is hard to read on a screen; 6 px is the renderer's floor.
SMALL_TEXT_PX = 8.0
# Two edges leaving a node closer than this many degrees look like one line.
TIGHT_ANGLE_DEG = 4.0
# Edge lengths varying more than this (std / mean) make a layout look uneven;
# the layered layouts stay well below it, back edges included.
EVEN_SPREAD = 1.0
# The content's centre may sit this far off the canvas centre (share of the
# half-width/height) before the empty space looks lopsided.
BALANCED_OFFSET = 0.3
# Edges against the main direction: a share above this reads as a tangle
# rather than a loop back.
BACKWARD_SHARE = 0.34
# Text shrunk to the floor but whole costs at most this share of a cut label.
TINY_TEXT_SEVERITY = 0.15

# Points lost per factor at full severity (each cost is weight * severity,
# severity in 0..1). Crossings, lines through shapes, overlaps, shapes off
# the canvas, specks and unreadable labels can each break a diagram alone
# (about 4 points: with the CNN's one point of say, at most 2 left); the
# softer layout qualities cost at most about half a point each.
COST_WEIGHTS = {
    "crossings": 4.5,
    "through": 3.6,
    "overlap": 4.5,
    "off_canvas": 4.5,
    "specks": 4.5,
    "labels": 3.6,
    "angles": 0.3,
    "lengths": 0.4,
    "balance": 0.6,
    "flow": 0.6,
}
FACTORS = tuple(COST_WEIGHTS)
# A factor costing less than this is not worth a reason.
REASON_MIN_COST = 0.05


@dataclass(frozen=True)
class Measures:
    """What a reader notices in a laid-out diagram, in counts, px and shares."""

    shapes: int
    edges: int
    crossings: int  # pairs of edges that cross, not counting unavoidable ones
    edges_through_shapes: int  # edges whose line runs through a shape not its own
    overlapping_shapes: int  # shapes whose box overlaps another's
    overlap_share: float  # overlapping area / total shape area
    off_canvas: int  # shapes with part of their box outside the canvas
    outside_share: float  # share of the shapes' area outside the canvas
    smallest_side_px: float  # smallest shape side at full size
    specks: int  # shapes with a side under SPECK_PX
    labels: int  # shapes with a label
    smallest_label_px: float | None  # smallest label font at full size (None: no labels)
    cut_labels: int  # labels that do not fit their shape (cut off or left out)
    small_labels: int  # labels drawn under SMALL_TEXT_PX
    angular_resolution: float  # smallest angle between two edges at a node, degrees
    edge_length_spread: float  # std / mean of the edge lengths
    balance_offset: float  # how far the content's centre is off the canvas centre (0..1+)
    backward_edges: int  # edges running against the main flow direction


def measure(diagram: Diagram) -> Measures:
    """Return the measured aesthetics of one diagram."""
    # Absurd coordinates from a broken model overflow to inf/nan; those
    # shapes then count as off the canvas, which is what a reader sees.
    with np.errstate(all="ignore"):
        return _measure(diagram)


def _measure(diagram: Diagram) -> Measures:
    nodes = diagram.nodes
    n = len(nodes)
    if n == 0:
        return Measures(0, 0, 0, 0, 0, 0.0, 0, 0.0, 0.0, 0, 0, None, 0, 0, 360.0, 0.0, 0.0, 0)
    b = geometry.boxes(diagram)
    w = np.maximum(b[:, 2] - b[:, 0], 0.0)
    h = np.maximum(b[:, 3] - b[:, 1], 0.0)
    area = w * h
    segments, ends = geometry.edge_segments(diagram)
    m = len(segments)

    overlapping, overlap_share = _overlaps(b, area)
    off = geometry.off_canvas_nodes(diagram)
    inside_w = np.clip(np.minimum(b[:, 2], CANVAS_WIDTH) - np.maximum(b[:, 0], 0), 0, None)
    inside_h = np.clip(np.minimum(b[:, 3], CANVAS_HEIGHT) - np.maximum(b[:, 1], 0), 0, None)
    outside = 1.0 - float((inside_w * inside_h).sum() / max(area.sum(), 1.0))
    sides = np.minimum(w, h)

    sizes, cut = [], 0
    labelled = [node for node in nodes if node.label and node.label.strip()]
    for node in labelled:
        fit = fit_label(node.label, node.shape, float(node.width), float(node.height))
        if fit is None or fit.lines[-1].endswith(ELLIPSIS):
            cut += 1
        if fit is not None:
            sizes.append(fit.size)

    through = 0
    if m:
        through = round(through_share(diagram, segments, ends) * m)
    return Measures(
        shapes=n,
        edges=m,
        crossings=_avoidable_crossings(segments, ends),
        edges_through_shapes=through,
        overlapping_shapes=overlapping,
        overlap_share=overlap_share,
        off_canvas=len(off),
        outside_share=max(outside, 0.0),
        smallest_side_px=float(sides.min()),
        specks=int((sides < SPECK_PX).sum()),
        labels=len(labelled),
        smallest_label_px=float(min(sizes)) if sizes else (0.0 if labelled else None),
        cut_labels=cut,
        small_labels=sum(size < SMALL_TEXT_PX for size in sizes),
        angular_resolution=_angular_resolution(segments, ends),
        edge_length_spread=_length_spread(segments),
        balance_offset=_balance_offset(b),
        backward_edges=_backward_edges(segments),
    )


def _overlaps(b: np.ndarray, area: np.ndarray) -> tuple[int, float]:
    """Return how many shapes overlap another and the overlapping share of their area."""
    if len(b) < 2:
        return 0, 0.0
    dx = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    dy = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    np.fill_diagonal(dx, -np.inf)
    hit = (dx > geometry.OVERLAP_TOLERANCE) & (dy > geometry.OVERLAP_TOLERANCE)
    inter = np.where(hit, np.maximum(dx, 0) * np.maximum(dy, 0), 0.0)
    # Each shape's overlapped share, capped at 1, averaged over the shapes'
    # area: a pile of identical boxes is 1, two corners touching nearly 0.
    covered = np.minimum(inter.sum(axis=1), area)
    return int(hit.any(axis=1).sum()), float(covered.sum() / max(area.sum(), 1.0))


def _avoidable_crossings(segments: np.ndarray, ends: list[tuple[int, int]]) -> int:
    """Return the crossing edge pairs, less those inside a complete bipartite block.

    Two fully connected layers (a dense network's weights) cross whatever
    their order: of edges a-b, a-d, c-b, c-d exactly one pair crosses in any
    two-row drawing, and every reference drawing of a network shows them. A
    crossing is excused when all four edges exist (in either direction) and
    the two edges join the same two rows (or columns) of shapes: a shape
    moved out of its layer makes crossings a reader sees as a tangle.
    """
    m = len(segments)
    if m < 2:
        return 0
    pairs = np.array(ends, dtype=np.int64)
    # Node ids as dense indices, so an unordered pair is one integer key.
    _, index = np.unique(pairs, return_inverse=True)
    index = index.reshape(pairs.shape)
    size = int(index.max()) + 1
    linked = np.unique(index.min(axis=1) * size + index.max(axis=1))
    count = 0
    for start in range(0, m, geometry.CROSSING_BLOCK):
        i, j = geometry.crossing_pairs(
            segments, index, start, min(start + geometry.CROSSING_BLOCK, m)
        )
        if not len(i):
            continue
        a, b, c, e = index[i, 0], index[i, 1], index[j, 0], index[j, 1]
        complete = np.isin(np.minimum(a, e) * size + np.maximum(a, e), linked) & np.isin(
            np.minimum(c, b) * size + np.maximum(c, b), linked
        )
        count += int((~(complete & _two_rows(segments[i], segments[j]))).sum())
    return count


def _two_rows(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Return, per pair of segments, whether both join the same two rows or columns."""
    near = np.abs
    together = np.zeros(len(first), dtype=bool)
    for axis in (0, 1):
        same = (near(first[:, axis] - second[:, axis]) <= ROW_PX) & (
            near(first[:, axis + 2] - second[:, axis + 2]) <= ROW_PX
        )
        swapped = (near(first[:, axis] - second[:, axis + 2]) <= ROW_PX) & (
            near(first[:, axis + 2] - second[:, axis]) <= ROW_PX
        )
        together |= same | swapped
    return together


def _angular_resolution(segments: np.ndarray, ends: list[tuple[int, int]]) -> float:
    """Return the smallest angle in degrees between two edges at one node (360: none meet)."""
    around: dict[int, list[float]] = {}
    for (x0, y0, x1, y1), (s, t) in zip(segments, ends, strict=True):
        around.setdefault(s, []).append(math.atan2(y1 - y0, x1 - x0))
        around.setdefault(t, []).append(math.atan2(y0 - y1, x0 - x1))
    worst = 2 * math.pi
    for angles in around.values():
        if len(angles) < 2:
            continue
        ordered = np.sort(np.mod(angles, 2 * math.pi))
        gaps = np.diff(np.append(ordered, ordered[0] + 2 * math.pi))
        worst = min(worst, float(gaps.min()))
    return math.degrees(worst)


def _length_spread(segments: np.ndarray) -> float:
    """Return the coefficient of variation of the edge lengths (0 for fewer than 2 edges)."""
    if len(segments) < 2:
        return 0.0
    length = np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1])
    return float(length.std() / max(length.mean(), 1e-9))


def _balance_offset(b: np.ndarray) -> float:
    """Return how far the content's bounding-box centre lies off the canvas centre.

    0 when centred, 1 when the content's centre reaches a canvas edge (per axis,
    the larger of the two).
    """
    cx = (b[:, 0].min() + b[:, 2].max()) / 2
    cy = (b[:, 1].min() + b[:, 3].max()) / 2
    half_w, half_h = CANVAS_WIDTH / 2, CANVAS_HEIGHT / 2
    return float(max(abs(cx - half_w) / half_w, abs(cy - half_h) / half_h))


def _backward_edges(segments: np.ndarray) -> int:
    """Return how many edges run against the main flow direction.

    The main direction is the mean of the edges' unit vectors (a fan of
    weights still points down); an edge is backward when it points more than
    about 100 degrees away from it.
    """
    if not len(segments):
        return 0
    d = segments[:, 2:] - segments[:, :2]
    unit = d / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
    flow = unit.mean(axis=0)
    if np.hypot(*flow) < 1e-6:
        return 0
    return int((unit @ (flow / np.hypot(*flow)) < -0.2).sum())


def _saturate(x: float, scale: float) -> float:
    """Return 1 - exp(-x / scale): 0 at x = 0, rising steeply, then levelling off at 1."""
    return 1.0 - math.exp(-max(x, 0.0) / scale)


def _grows(count: float, size: int, per: float) -> float:
    """Return 1 - exp(-count / (1 + per * size)): 0 for none, near 1 when most items are hit.

    One defect is visible in any diagram, but three crossings among 60 edges
    matter less than three among 4, so the scale grows with the diagram.
    """
    return 1.0 - math.exp(-max(count, 0.0) / (1.0 + per * size))


def severities(m: Measures) -> dict[str, float]:
    """Return each factor's severity in 0..1 (0: no defect of that kind)."""
    if m.shapes == 0:
        return dict.fromkeys(FACTORS, 0.0)
    n, edges = m.shapes, max(m.edges, 1)
    return {
        # Also against the edge count: every edge crossed is a tangle at any size.
        "crossings": max(_grows(m.crossings, edges, 0.5), _saturate(m.crossings / edges, 0.4)),
        "through": _grows(m.edges_through_shapes, edges, 0.4),
        "overlap": max(_grows(m.overlapping_shapes, n, 0.3), _saturate(m.overlap_share, 0.3)),
        "off_canvas": max(_grows(m.off_canvas, n, 0.3), _saturate(m.outside_share, 0.2)),
        "specks": max(_grows(m.specks, n, 0.3), _saturate(m.specks / n, 0.3)),
        "labels": _label_severity(m),
        "angles": min(max(TIGHT_ANGLE_DEG - m.angular_resolution, 0.0) / TIGHT_ANGLE_DEG, 1.0),
        "lengths": _saturate(m.edge_length_spread - EVEN_SPREAD, 0.5),
        "balance": _saturate(m.balance_offset - BALANCED_OFFSET, 0.25),
        "flow": _saturate(m.backward_edges / edges - BACKWARD_SHARE, 0.2),
    }


def _label_severity(m: Measures) -> float:
    """Return how unreadable the labels are: cut off or left out, or drawn tiny."""
    if not m.labels:
        return 0.0
    cut = _grows(m.cut_labels, m.labels, 0.3)
    tiny = 0.0
    if m.small_labels and m.smallest_label_px is not None:
        # 7 px is still legible close up; 6 px (the renderer's floor) much less so.
        depth = min((SMALL_TEXT_PX - m.smallest_label_px) / (SMALL_TEXT_PX - MIN_FONT_SIZE), 1.0)
        tiny = TINY_TEXT_SEVERITY * depth * _grows(m.small_labels, m.labels, 0.3)
    return max(cut, tiny)


def costs(m: Measures, weights: dict[str, float] | None = None) -> dict[str, float]:
    """Return the points (0-5 scale) each factor costs the diagram.

    A severity that cannot be computed (nan from absurd coordinates) counts
    as full: such a drawing is broken.
    """
    weights = COST_WEIGHTS if weights is None else weights
    return {
        name: weights.get(name, 0.0) * (value if math.isfinite(value) else 1.0)
        for name, value in severities(m).items()
    }


def rule_score(m: Measures, weights: dict[str, float] | None = None) -> float:
    """Return 5 minus the costs, in 0..5; a diagram without a shape scores 0."""
    if m.shapes == 0:
        return 0.0
    return float(min(max(MAX_SCORE - sum(costs(m, weights).values()), 0.0), MAX_SCORE))


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def describe(name: str, m: Measures) -> str:
    """Return one factor of `m` in plain words ("2 edges cross")."""
    if name == "crossings":
        return _plural(m.crossings, "pair of edges crosses", "pairs of edges cross")
    if name == "through":
        return _plural(m.edges_through_shapes, "line runs", "lines run") + " through a shape"
    if name == "overlap":
        return f"{m.overlapping_shapes} shapes overlap"
    if name == "off_canvas":
        return _plural(m.off_canvas, "shape is", "shapes are") + " cut off by the canvas edge"
    if name == "specks":
        shapes = _plural(m.specks, "shape", "shapes")
        return f"{shapes} under {SPECK_PX:.0f} px (smallest {m.smallest_side_px:.0f} px)"
    if name == "labels":
        if m.cut_labels:
            if m.cut_labels == 1:
                return "1 label does not fit its shape"
            return f"{m.cut_labels} labels do not fit their shapes"
        return f"labels shrunk to {m.smallest_label_px:.0f} px"
    if name == "angles":
        return "edges leave a node almost on top of each other"
    if name == "lengths":
        return "edge lengths vary a lot"
    if name == "balance":
        return "the drawing sits off-centre, leaving the canvas lopsided"
    if name == "flow":
        return _plural(m.backward_edges, "edge runs", "edges run") + " against the flow"
    raise KeyError(name)


def reasons(m: Measures, weights: dict[str, float] | None = None, limit: int = 3) -> list[str]:
    """Return the `limit` costliest factors in plain words, worst first.

    A diagram without a defect gets one reason saying so, so every score
    comes with an explanation.
    """
    if m.shapes == 0:
        return ["nothing to read: no shape was drawn"]
    paid = sorted(
        ((cost, name) for name, cost in costs(m, weights).items() if cost >= REASON_MIN_COST),
        reverse=True,
    )
    if not paid:
        return ["clean layout: no crossings, overlaps, cut-off shapes or tiny text"]
    return [describe(name, m) for _, name in paid[:limit]]


def costliest(m: Measures, weights: dict[str, float] | None = None, limit: int = 3) -> list[str]:
    """Return the names of the `limit` costliest factors (those worth a reason), worst first."""
    paid = sorted(
        ((cost, name) for name, cost in costs(m, weights).items() if cost >= REASON_MIN_COST),
        reverse=True,
    )
    return [name for _, name in paid[:limit]]


@dataclass(frozen=True)
class RuleBounds:
    """How far the CNN ensemble may move a score away from what the measures say.

    The CNN sees style and clutter the measures miss, and on the human
    ratings it ranks flawed diagrams better than any rule; the measures know
    exact defects the thumbnail blurs. So the final score is the CNN's,
    kept inside [floor, ceiling]: floor = 5 - `below` - the costs beyond
    `slack` each (a diagram without a measured defect scores at least 4,
    however small it is; a blemish such as 7 px labels does not lower the
    floor), ceiling = 5 - the worst cost + `above` (one severe defect caps it
    near 2, however tidy the rest looks).
    """

    below: float = 1.0
    above: float = 1.0
    slack: float = 0.3
    weights: tuple[tuple[str, float], ...] = tuple(COST_WEIGHTS.items())

    @classmethod
    def from_config(cls, config: dict) -> RuleBounds:
        """Return the bounds a scorer config's "rule" block describes."""
        weights = config.get("weights", COST_WEIGHTS)
        unknown = set(weights) - set(FACTORS)
        if unknown:
            raise ValueError(f"unknown rule factors {sorted(unknown)}")
        return cls(
            below=float(config.get("below", 1.0)),
            above=float(config.get("above", 1.0)),
            slack=float(config.get("slack", 0.3)),
            weights=tuple((name, float(weights.get(name, 0.0))) for name in FACTORS),
        )

    def to_config(self) -> dict:
        return {
            "below": self.below,
            "above": self.above,
            "slack": self.slack,
            "weights": dict(self.weights),
        }

    def bounds(self, m: Measures) -> tuple[float, float]:
        """Return (floor, ceiling) of the final score of a diagram with these measures."""
        if m.shapes == 0:
            return 0.0, 0.0
        paid = costs(m, dict(self.weights)).values()
        floor = MAX_SCORE - self.below - sum(max(cost - self.slack, 0.0) for cost in paid)
        ceiling = MAX_SCORE - max(paid) + self.above
        return float(np.clip(floor, 0.0, MAX_SCORE)), float(np.clip(ceiling, 0.0, MAX_SCORE))

    def apply(self, cnn: float, m: Measures) -> float:
        """Return the CNN's score kept within this diagram's floor and ceiling."""
        floor, ceiling = self.bounds(m)
        return float(min(max(cnn, floor), ceiling))


@lru_cache(maxsize=4096)
def node_list_reasons(text: str) -> tuple[str, ...]:
    """Return the reasons of a stored node list (cached: pages show the same diagrams often).

    Stored diagrams keep their node list, not their measures; measuring one
    takes about a millisecond, so pages and the API explain at read time.
    """
    from ranking.diagrams import nodelist

    return tuple(reasons(measure(nodelist.parse(text).diagram)))
