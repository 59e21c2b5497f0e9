"""Geometry checks on a diagram: overlapping shapes, shapes off the canvas, edge crossings.

Definitions follow docs METRICS.md: two shapes overlap when their boxes
(x +/- w/2, y +/- h/2) intersect by more than 1 px in both directions; a
shape is off canvas when any box edge lies outside 0..1000 x 0..600. The
checks are vectorised with numpy because the scorers run them on thousands
of diagrams.
"""

from __future__ import annotations

import numpy as np

from .model import CANVAS_HEIGHT, CANVAS_WIDTH, Diagram

# Boxes that merely touch (shared border, rounding) are not an overlap.
OVERLAP_TOLERANCE = 1.0


def boxes(diagram: Diagram) -> np.ndarray:
    """Return an (n, 4) array of (left, top, right, bottom) per node."""
    if not diagram.nodes:
        return np.zeros((0, 4))
    return np.array([node.box for node in diagram.nodes], dtype=float)


def overlapping_pairs(diagram: Diagram) -> list[tuple[int, int]]:
    """Return (i, j) index pairs (i < j, positions in `diagram.nodes`) of overlapping shapes."""
    b = boxes(diagram)
    if len(b) < 2:
        return []
    dx = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    dy = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    hit = (dx > OVERLAP_TOLERANCE) & (dy > OVERLAP_TOLERANCE)
    i, j = np.nonzero(np.triu(hit, k=1))
    return list(zip(i.tolist(), j.tolist(), strict=True))


def off_canvas_nodes(diagram: Diagram) -> list[int]:
    """Return positions (in `diagram.nodes`) of shapes with a box edge outside the canvas."""
    b = boxes(diagram)
    if not len(b):
        return []
    out = (b[:, 0] < 0) | (b[:, 1] < 0) | (b[:, 2] > CANVAS_WIDTH) | (b[:, 3] > CANVAS_HEIGHT)
    return np.nonzero(out)[0].tolist()


def edge_segments(diagram: Diagram) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Return an (m, 4) array of edge segments centre to centre and their (source, target) ids."""
    ends = [(s, t) for s, t in diagram.edges() if s.id != t.id]
    segments = np.array([(s.x, s.y, t.x, t.y) for s, t in ends], dtype=float).reshape(-1, 4)
    return segments, [(s.id, t.id) for s, t in ends]


def edge_crossings(diagram: Diagram) -> int:
    """Return how many pairs of edges properly cross (edges sharing an endpoint never count)."""
    seg, ids = edge_segments(diagram)
    m = len(seg)
    if m < 2:
        return 0
    p, r = seg[:, :2], seg[:, 2:] - seg[:, :2]
    # Solve p_i + t r_i = p_j + u r_j for every pair at once.
    cross = r[:, None, 0] * r[None, :, 1] - r[:, None, 1] * r[None, :, 0]
    qp = p[None, :, :] - p[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qp[..., 0] * r[None, :, 1] - qp[..., 1] * r[None, :, 0]) / cross
        u = (qp[..., 0] * r[:, None, 1] - qp[..., 1] * r[:, None, 0]) / cross
    eps = 1e-9
    proper = (np.abs(cross) > eps) & (t > eps) & (t < 1 - eps) & (u > eps) & (u < 1 - eps)
    ends = np.array(ids)
    shares = (
        (ends[:, None, 0] == ends[None, :, 0])
        | (ends[:, None, 0] == ends[None, :, 1])
        | (ends[:, None, 1] == ends[None, :, 0])
        | (ends[:, None, 1] == ends[None, :, 1])
    )
    return int(np.triu(proper & ~shares, k=1).sum())


def geometry_report(diagram: Diagram) -> dict:
    """Return counts of nodes, edges, overlapping pairs, off-canvas shapes and edge crossings."""
    return {
        "nodes": len(diagram.nodes),
        "edges": len(diagram.edges()),
        "overlaps": len(overlapping_pairs(diagram)),
        "off_canvas": len(off_canvas_nodes(diagram)),
        "crossings": edge_crossings(diagram),
    }
