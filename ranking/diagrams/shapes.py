"""Shape outlines shared by the renderers: border points and corner radii."""

from __future__ import annotations

import math

from .model import Node

# Corner radius of a 'round rectangle' as a share of its shorter side, capped
# so large boxes keep gently rounded corners instead of turning into pills.
ROUND_RADIUS_FRACTION = 0.2
ROUND_RADIUS_MAX = 20.0


def corner_radius(width: float, height: float) -> float:
    """Return the corner radius used to draw a round rectangle of this size."""
    return min(min(width, height) * ROUND_RADIUS_FRACTION, ROUND_RADIUS_MAX)


def border_point(node: Node, toward_x: float, toward_y: float) -> tuple[float, float] | None:
    """Return where the ray from `node`'s centre toward a point leaves its outline.

    The outline is the node's rectangle, rounded rectangle or ellipse (a
    'circle' fills its box). Returns None when the point is the centre itself,
    since no direction is defined then.
    """
    dx = toward_x - node.x
    dy = toward_y - node.y
    if dx == 0 and dy == 0:
        return None
    t = _exit_distance(node.shape, node.width / 2, node.height / 2, dx, dy)
    point = (node.x + t * dx, node.y + t * dy)
    # Absurd sizes or positions (1e300 from a broken model) overflow to
    # inf/nan; such an edge has no drawable end.
    if not (math.isfinite(point[0]) and math.isfinite(point[1])):
        return None
    return point


def _exit_distance(shape: str, hw: float, hh: float, dx: float, dy: float) -> float:
    """Return t such that centre + t * (dx, dy) lies on the shape's outline."""
    if shape == "circle":
        reach = math.hypot(dx / hw, dy / hh)
        return 1.0 / reach if reach > 0 else math.inf
    t = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    if shape != "round rectangle":
        return t
    r = corner_radius(2 * hw, 2 * hh)
    px, py = abs(t * dx), abs(t * dy)
    if px <= hw - r or py <= hh - r:
        return t  # the ray leaves through a straight side
    # The ray leaves through a rounded corner: intersect it with the corner's
    # circle (centre cx, cy; radius r) and take the far solution.
    cx, cy = hw - r, hh - r
    ax, ay = abs(dx), abs(dy)
    a = ax * ax + ay * ay
    b = -2 * (ax * cx + ay * cy)
    c = cx * cx + cy * cy - r * r
    disc = b * b - 4 * a * c
    if not math.isfinite(disc) or a == 0:
        return t
    return (-b + math.sqrt(max(disc, 0.0))) / (2 * a)
