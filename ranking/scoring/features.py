"""Hand-crafted geometry features of a diagram, fed to the readability CNN beside its render.

The human ratings of LLM-drawn diagrams follow what a reader notices at a
glance - shapes on top of each other, shapes cut off by the canvas edge,
lines running through shapes or across each other, a scattered layout - and
several of these (how much area overlaps, a line hidden under a shape) are
hard to see in a 160 x 96 thumbnail. So the network also gets these numbers.
Every feature is finite and roughly in 0..5 so no scaling is needed.
"""

from __future__ import annotations

import numpy as np

from ranking.diagrams import geometry
from ranking.diagrams.model import CANVAS_HEIGHT, CANVAS_WIDTH, Diagram

FEATURE_NAMES = (
    "log_nodes",
    "log_edges",
    "overlap_pairs_per_node",
    "overlapping_node_share",
    "overlap_area_share",
    "max_containment",
    "off_canvas_share",
    "area_outside_share",
    "log_crossings",
    "crossings_per_edge",
    "edges_through_shapes",
    "axis_aligned_edges",
    "mean_edge_length",
    "max_edge_length",
    "distinct_x_share",
    "distinct_y_share",
    "content_coverage",
    "ink_density",
    "size_variation",
    "log_min_side",
    "thin_shape_share",
    "isolated_share",
    "dangling_target_share",
    "back_edge_share",
    "crowded_share",
    "hidden_area_mean",
    "mostly_hidden_share",
    "edge_length_hidden",
    "overlap_canvas_share",
    "widest_share",
    "median_area_share",
)
N_FEATURES = len(FEATURE_NAMES)

DIAGONAL = float(np.hypot(CANVAS_WIDTH, CANVAS_HEIGHT))
CANVAS_AREA = float(CANVAS_WIDTH * CANVAS_HEIGHT)
# Centres closer than this (canvas px) along an axis count as one row/column:
# the layouts humans liked put shapes on a few shared rows or columns.
ALIGN_PX = 6.0
# A line "runs through" a shape when it crosses the shape's box shrunk by this
# share per side, so a line merely grazing a corner does not count.
THROUGH_SHRINK = 0.15
# Shapes whose boxes come closer than this (canvas px) without overlapping look crowded.
CROWDED_GAP = 8.0
# Occlusion is measured on a grid of GRID_PX canvas px: fine enough for the
# smallest shapes people draw, coarse enough to stay well under a millisecond.
GRID_PX = 4.0
EDGE_SAMPLES = 24


def diagram_features(diagram: Diagram) -> np.ndarray:
    """Return the feature vector (N_FEATURES,) float32 of one diagram."""
    nodes = diagram.nodes
    n = len(nodes)
    f = dict.fromkeys(FEATURE_NAMES, 0.0)
    if n == 0:
        return np.zeros(N_FEATURES, dtype=np.float32)
    b = geometry.boxes(diagram)
    w = np.maximum(b[:, 2] - b[:, 0], 0.0)
    h = np.maximum(b[:, 3] - b[:, 1], 0.0)
    area = np.maximum(w * h, 1.0)
    segments, ends = geometry.edge_segments(diagram)
    m = len(segments)
    f["log_nodes"] = np.log1p(n)
    f["log_edges"] = np.log1p(m)

    # Pairwise box intersections (n x n); the diagonal is excluded.
    dx = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    dy = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    np.fill_diagonal(dx, -np.inf)
    hit = (dx > geometry.OVERLAP_TOLERANCE) & (dy > geometry.OVERLAP_TOLERANCE)
    inter = np.where(hit, np.maximum(dx, 0) * np.maximum(dy, 0), 0.0)
    f["overlap_pairs_per_node"] = min(hit.sum() / 2 / n, 5.0)
    f["overlapping_node_share"] = hit.any(axis=1).mean()
    f["overlap_area_share"] = min(inter.sum() / 2 / area.sum(), 5.0)
    # The same overlap against the canvas: the worst-rated diagrams are a few huge
    # boxes piled on each other, where the share of the shapes' own area is modest.
    f["overlap_canvas_share"] = np.log1p(100.0 * inter.sum() / 2 / CANVAS_AREA)
    smaller = np.minimum(area[:, None], area[None, :])
    f["max_containment"] = float((inter / smaller).max()) if n > 1 else 0.0
    near = (dx > -CROWDED_GAP) & (dy > -CROWDED_GAP) & ~hit
    f["crowded_share"] = near.any(axis=1).mean() if n > 1 else 0.0

    off = geometry.off_canvas_nodes(diagram)
    f["off_canvas_share"] = len(off) / n
    inside_w = np.clip(np.minimum(b[:, 2], CANVAS_WIDTH) - np.maximum(b[:, 0], 0), 0, None)
    inside_h = np.clip(np.minimum(b[:, 3], CANVAS_HEIGHT) - np.maximum(b[:, 1], 0), 0, None)
    f["area_outside_share"] = 1.0 - float((inside_w * inside_h).sum() / (w * h).sum().clip(1.0))

    crossings = geometry.edge_crossings(diagram)
    f["log_crossings"] = np.log1p(crossings)
    f["crossings_per_edge"] = min(crossings / max(m, 1), 5.0)

    if m:
        vec = segments[:, 2:] - segments[:, :2]
        length = np.hypot(vec[:, 0], vec[:, 1])
        f["mean_edge_length"] = length.mean() / DIAGONAL
        f["max_edge_length"] = length.max() / DIAGONAL
        angle = np.degrees(np.arctan2(np.abs(vec[:, 1]), np.abs(vec[:, 0])))
        f["axis_aligned_edges"] = ((angle < 5) | (angle > 85)).mean()
        f["edges_through_shapes"] = through_share(diagram, segments, ends)
        unit = vec / np.maximum(length, 1e-9)[:, None]
        flow = unit.mean(axis=0)
        if np.hypot(*flow) > 1e-6:
            f["back_edge_share"] = (unit @ flow < -1e-6).mean()

    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    f["distinct_x_share"] = _distinct(cx) / n
    f["distinct_y_share"] = _distinct(cy) / n
    span_w = np.clip(min(b[:, 2].max(), CANVAS_WIDTH) - max(b[:, 0].min(), 0), 0, None)
    span_h = np.clip(min(b[:, 3].max(), CANVAS_HEIGHT) - max(b[:, 1].min(), 0), 0, None)
    f["content_coverage"] = span_w * span_h / CANVAS_AREA
    f["ink_density"] = min((w * h).sum() / CANVAS_AREA, 5.0)
    f["size_variation"] = min(area.std() / area.mean(), 5.0)
    f["log_min_side"] = np.log1p(max(float(np.minimum(w, h).min()), 0.0)) / 3
    aspect = np.maximum(w, h) / np.maximum(np.minimum(w, h), 1.0)
    f["thin_shape_share"] = (aspect > 4).mean()
    f["widest_share"] = min(float(w.max()) / CANVAS_WIDTH, 5.0)
    f["median_area_share"] = min(100.0 * float(np.median(w * h)) / CANVAS_AREA, 5.0)

    hidden, edge_hidden = _occlusion(b, segments, ends, [node.id for node in nodes])
    f["hidden_area_mean"] = hidden.mean()
    f["mostly_hidden_share"] = (hidden > 0.5).mean()
    f["edge_length_hidden"] = edge_hidden

    by_id = {node.id for node in nodes}
    touched = {s for s, _ in ends} | {t for _, t in ends}
    f["isolated_share"] = sum(node.id not in touched for node in nodes) / n
    targets = [t for node in nodes for t in node.targets]
    if targets:
        f["dangling_target_share"] = sum(t not in by_id for t in targets) / len(targets)
    return np.array([f[name] for name in FEATURE_NAMES], dtype=np.float32)


def _occlusion(
    b: np.ndarray, segments: np.ndarray, ends: list, ids: list[int]
) -> tuple[np.ndarray, float]:
    """Return each shape's share of area painted over by later shapes, and edges' share hidden.

    The renderer paints edges first and shapes in list order, so a later shape
    hides an earlier one and every shape hides the lines under it.
    """
    cols, rows = int(CANVAS_WIDTH / GRID_PX), int(CANVAS_HEIGHT / GRID_PX)
    # Cells outside the canvas are invisible anyway; clip boxes to the grid.
    cells = np.clip(np.round(b / GRID_PX).astype(int), 0, [cols, rows, cols, rows])
    top = np.full((rows, cols), -1, dtype=np.int32)
    for index, (x0, y0, x1, y1) in enumerate(cells):
        top[y0:y1, x0:x1] = index
    hidden = np.zeros(len(b))
    for index, (x0, y0, x1, y1) in enumerate(cells):
        size = (x1 - x0) * (y1 - y0)
        if size:
            hidden[index] = 1.0 - (top[y0:y1, x0:x1] == index).sum() / size
    if not len(segments):
        return hidden, 0.0
    t = np.linspace(0.0, 1.0, EDGE_SAMPLES)
    px = segments[:, None, 0] + t[None] * (segments[:, None, 2] - segments[:, None, 0])
    py = segments[:, None, 1] + t[None] * (segments[:, None, 3] - segments[:, None, 1])
    cx = np.clip((px / GRID_PX).astype(int), 0, cols - 1)
    cy = np.clip((py / GRID_PX).astype(int), 0, rows - 1)
    under = top[cy, cx]
    position = {node_id: i for i, node_id in enumerate(ids)}
    own = np.array([(position[s], position[e]) for s, e in ends])
    covered = (under >= 0) & (under != own[:, :1]) & (under != own[:, 1:])
    return hidden, float(covered.mean())


def _distinct(values: np.ndarray) -> int:
    """Return how many groups of values lie within ALIGN_PX of their neighbour."""
    ordered = np.sort(values)
    return int(1 + (np.diff(ordered) > ALIGN_PX).sum())


def through_share(diagram: Diagram, segments: np.ndarray, ends: list) -> float:
    """Return the share of edges whose line crosses a shape other than its two ends.

    A vectorised slab (Liang-Barsky) test of every segment against every
    shrunk box.
    """
    b = geometry.boxes(diagram)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    lo = np.stack([b[:, 0] + THROUGH_SHRINK * w, b[:, 1] + THROUGH_SHRINK * h], axis=1)
    hi = np.stack([b[:, 2] - THROUGH_SHRINK * w, b[:, 3] - THROUGH_SHRINK * h], axis=1)
    p = segments[:, None, :2]
    d = segments[:, None, 2:] - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (lo[None] - p) / d
        t2 = (hi[None] - p) / d
    # A zero direction component: inside the slab means the whole line, else never.
    inside = (p >= lo[None]) & (p <= hi[None])
    zero = d == 0
    tmin = np.where(zero, np.where(inside, -np.inf, np.inf), np.minimum(t1, t2))
    tmax = np.where(zero, np.where(inside, np.inf, -np.inf), np.maximum(t1, t2))
    enter = np.maximum(tmin.max(axis=2), 0.0)
    leave = np.minimum(tmax.min(axis=2), 1.0)
    crosses = enter < leave
    ids = np.array([node.id for node in diagram.nodes])
    pairs = np.array(ends)
    own = (ids[None, :] == pairs[:, :1]) | (ids[None, :] == pairs[:, 1:])
    return float((crosses & ~own).any(axis=1).mean())
