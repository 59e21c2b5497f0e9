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
# Edges per block of the pairwise crossing test (block x m arrays).
CROSSING_BLOCK = 256


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
    """Return how many pairs of edges properly cross (edges sharing an endpoint never count).

    Edges are straight segments between node centres; touching at an end or
    running along each other (collinear) is not a crossing.
    """
    seg, ids = edge_segments(diagram)
    if len(seg) < 2:
        return 0
    ends = np.array(ids)
    # All pairs at once is an m x m problem; blocks of rows keep memory flat
    # when a broken diagram has thousands of edges.
    return sum(
        _crossings_block(seg, ends, start, min(start + CROSSING_BLOCK, len(seg)))
        for start in range(0, len(seg), CROSSING_BLOCK)
    )


def _crossings_block(seg: np.ndarray, ends: np.ndarray, lo: int, hi: int) -> int:
    """Return the proper crossings between edges lo..hi-1 and every later edge."""
    return len(crossing_pairs(seg, ends, lo, hi)[0])


def crossing_pairs(
    seg: np.ndarray, ends: np.ndarray, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return (i, j) arrays, lo <= i < hi, i < j, of edges that properly cross.

    `seg` holds every edge as (x0, y0, x1, y1), `ends` its (source, target)
    ids; edges sharing an endpoint never count.
    """
    # Solve pa_i + t ra_i = p_j + u r_j for every pair of the block at once.
    # Absurd coordinates overflow to inf/nan, which fail every test below.
    with np.errstate(all="ignore"):
        p, r = seg[:, :2], seg[:, 2:] - seg[:, :2]
        pa, ra = p[lo:hi], r[lo:hi]
        cross = ra[:, None, 0] * r[None, :, 1] - ra[:, None, 1] * r[None, :, 0]
        qp = p[None, :, :] - pa[:, None, :]
        t = (qp[..., 0] * r[None, :, 1] - qp[..., 1] * r[None, :, 0]) / cross
        u = (qp[..., 0] * ra[:, None, 1] - qp[..., 1] * ra[:, None, 0]) / cross
    eps = 1e-9  # keeps touching ends and float noise from counting as crossings
    proper = (np.abs(cross) > eps) & (t > eps) & (t < 1 - eps) & (u > eps) & (u < 1 - eps)
    ea = ends[lo:hi]
    shares = (
        (ea[:, None, 0] == ends[None, :, 0])
        | (ea[:, None, 0] == ends[None, :, 1])
        | (ea[:, None, 1] == ends[None, :, 0])
        | (ea[:, None, 1] == ends[None, :, 1])
    )
    # Each unordered pair once: only partners after the row's own edge.
    later = np.arange(len(seg))[None, :] > np.arange(lo, hi)[:, None]
    i, j = np.nonzero(proper & ~shares & later)
    return i + lo, j


def geometry_report(diagram: Diagram) -> dict:
    """Return counts of nodes, edges, overlapping pairs, off-canvas shapes and edge crossings."""
    return {
        "nodes": len(diagram.nodes),
        "edges": len(diagram.edges()),
        "overlaps": len(overlapping_pairs(diagram)),
        "off_canvas": len(off_canvas_nodes(diagram)),
        "crossings": edge_crossings(diagram),
    }
