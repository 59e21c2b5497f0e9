"""Draw a diagram as a PNG (Pillow) or an SVG document, 1000 x 600 canvas units.

Edges run from the source's centre to the target's outline and are drawn
under the shapes; each edge takes the source node's line style and line
colour. Edges to ids that no node has, and edges from a node to itself, are
not drawn. Labels sit centred inside their shape, wrapped and shrunk to fit.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw

from .labels import MAX_FONT_SIZE, LabelFit, fit_label, font, text_colour
from .model import CANVAS_HEIGHT, CANVAS_WIDTH, Diagram, Node
from .shapes import border_point, corner_radius

BACKGROUND = (255, 255, 255)
LINE_WIDTH = 2.0  # canvas px, edges and outlines
ARROW_LENGTH = 12.0  # canvas px from the arrowhead's base to its tip
ARROW_HALF_WIDTH = 5.0
DASH = 8.0  # canvas px drawn, then GAP px skipped, along a dashed line
GAP = 6.0
# Below this many output pixels text is an unreadable smudge; small renders
# (the scorers' thumbnails) leave labels out.
MIN_LABEL_PIXELS = 5
# Small renders are drawn this many times larger, then box-filtered down, so a
# thumbnail looks like the full picture shrunk (anti-aliased) rather than a
# blocky redraw. Renders at scale >= SUPERSAMPLE_BELOW are drawn directly.
SUPERSAMPLE_BELOW = 0.5
MAX_SUPERSAMPLE = 4
# Geometry further than this outside the canvas is clipped before drawing so
# absurd coordinates from a model cannot overflow Pillow or make it crawl.
CLIP_MARGIN = 1000.0

Point = tuple[float, float]


@dataclass(frozen=True)
class EdgeShape:
    """One edge ready to draw, in canvas units."""

    start: Point
    end: Point  # where the line stops (the arrowhead's base for arrows)
    head: tuple[Point, Point, Point] | None  # arrowhead triangle, tip first
    dashed: bool
    colour: tuple[int, int, int]


def edge_shapes(diagram: Diagram) -> list[EdgeShape]:
    """Return every drawable edge: source centre to the target's outline."""
    shapes = []
    for source, target in diagram.edges():
        tip = border_point(target, source.x, source.y)
        if tip is None or source is target:
            continue
        dx, dy = tip[0] - source.x, tip[1] - source.y
        length = math.hypot(dx, dy)
        if length == 0:
            continue
        head = None
        end = tip
        if source.line == "solid arrow":
            ux, uy = dx / length, dy / length
            arrow = min(ARROW_LENGTH, length)
            half = ARROW_HALF_WIDTH * arrow / ARROW_LENGTH
            bx, by = tip[0] - ux * arrow, tip[1] - uy * arrow
            head = (tip, (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half))
            # Stop the line half-way into the head so its square end is hidden
            # under the triangle rather than poking out past the tip.
            end = (tip[0] - ux * arrow / 2, tip[1] - uy * arrow / 2)
        shapes.append(
            EdgeShape(
                start=(source.x, source.y),
                end=end,
                head=head,
                dashed=source.line == "dashed line",
                colour=tuple(source.stroke),
            )
        )
    return shapes


# --- PNG --------------------------------------------------------------------


def render_png(diagram: Diagram, scale: float = 1.0, labels: bool = True) -> Image.Image:
    """Return an RGB image of the diagram, round(1000*scale) x round(600*scale) px.

    Lines and outlines stay at least one output pixel wide at any scale so a
    thumbnail still shows every edge.
    """
    out_w = max(1, round(CANVAS_WIDTH * scale))
    out_h = max(1, round(CANVAS_HEIGHT * scale))
    factor = 1
    if scale < SUPERSAMPLE_BELOW:
        factor = min(MAX_SUPERSAMPLE, math.ceil(SUPERSAMPLE_BELOW / scale))
    image = Image.new("RGB", (out_w * factor, out_h * factor), BACKGROUND)
    painter = _Painter(image, out_w * factor / CANVAS_WIDTH, out_h * factor / CANVAS_HEIGHT)
    painter.line_width = max(factor, round(LINE_WIDTH * painter.sx))
    painter.labels = labels and MAX_FONT_SIZE * scale >= MIN_LABEL_PIXELS
    for edge in edge_shapes(diagram):
        painter.edge(edge)
    for node in diagram.nodes:
        painter.node(node)
    if factor > 1:
        image = image.reduce(factor)
    return image


def png_bytes(diagram: Diagram, scale: float = 1.0) -> bytes:
    """Return the diagram rendered as PNG file bytes."""
    buffer = io.BytesIO()
    render_png(diagram, scale).save(buffer, format="PNG")
    return buffer.getvalue()


class _Painter:
    """Draws edges and nodes onto one Pillow image at a fixed scale."""

    def __init__(self, image: Image.Image, sx: float, sy: float):
        self.draw = ImageDraw.Draw(image)
        self.sx, self.sy = sx, sy
        self.line_width = 1
        self.labels = True

    def _px(self, point: Point) -> Point:
        return (point[0] * self.sx, point[1] * self.sy)

    def edge(self, edge: EdgeShape) -> None:
        """Draw one edge: its line (solid or dashed) and arrowhead."""
        segment = _clip_segment(edge.start, edge.end)
        if segment is not None:
            start, end = self._px(segment[0]), self._px(segment[1])
            if edge.dashed:
                for a, b in _dashes(start, end, DASH * self.sx, GAP * self.sx):
                    self.draw.line([a, b], fill=edge.colour, width=self.line_width)
            else:
                self.draw.line([start, end], fill=edge.colour, width=self.line_width)
        if edge.head is not None and _near_canvas(edge.head[0]):
            self.draw.polygon([self._px(p) for p in edge.head], fill=edge.colour)

    def node(self, node: Node) -> None:
        """Draw one shape with its fill, outline and label."""
        left, top, right, bottom = node.box
        if right < -CLIP_MARGIN or bottom < -CLIP_MARGIN:
            return
        if left > CANVAS_WIDTH + CLIP_MARGIN or top > CANVAS_HEIGHT + CLIP_MARGIN:
            return
        x0, y0 = self._px((max(left, -CLIP_MARGIN), max(top, -CLIP_MARGIN)))
        x1, y1 = self._px(
            (min(right, CANVAS_WIDTH + CLIP_MARGIN), min(bottom, CANVAS_HEIGHT + CLIP_MARGIN))
        )
        # Pillow's boxes include their right/bottom pixel; step back one so a
        # box of width w covers w pixels.
        box = [x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)]
        style = {"fill": tuple(node.fill), "outline": tuple(node.stroke), "width": self.line_width}
        if node.shape == "circle":
            self.draw.ellipse(box, **style)
        elif node.shape == "round rectangle" and min(box[2] - box[0], box[3] - box[1]) > (
            2 * self.line_width + 2
        ):
            # (Pillow's rounded_rectangle fails on boxes barely wider than
            # their outline; at that size the rounding is invisible anyway.)
            radius = corner_radius(node.width, node.height) * min(self.sx, self.sy)
            radius = min(radius, (box[2] - box[0]) / 2, (box[3] - box[1]) / 2)
            self.draw.rounded_rectangle(box, radius=max(radius, 0), **style)
        else:
            self.draw.rectangle(box, **style)
        if self.labels and node.label and _near_canvas((node.x, node.y)):
            self._label(node)

    def _label(self, node: Node) -> None:
        fit = fit_label(node.label, node.shape, node.width, node.height)
        if fit is None:
            return
        size = fit.size * self.sy
        text_font = font(size)
        colour = text_colour(tuple(node.fill))
        for line, centre_y in zip(fit.lines, fit.line_centres(node.y), strict=True):
            x, y = self._px((node.x, centre_y))
            self.draw.text((x, y), line, fill=colour, font=text_font, anchor="mm")


def _dashes(start: Point, end: Point, dash: float, gap: float) -> list[tuple[Point, Point]]:
    """Return the (from, to) pieces of a dashed line between two points."""
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = math.hypot(dx, dy)
    if length == 0:
        return []
    ux, uy = dx / length, dy / length
    pieces = []
    pos = 0.0
    while pos < length:
        stop = min(pos + dash, length)
        pieces.append(
            (
                (start[0] + ux * pos, start[1] + uy * pos),
                (start[0] + ux * stop, start[1] + uy * stop),
            )
        )
        pos = stop + gap
    return pieces


def _near_canvas(point: Point) -> bool:
    """Return True when a point lies within CLIP_MARGIN of the canvas."""
    x, y = point
    return (
        -CLIP_MARGIN <= x <= CANVAS_WIDTH + CLIP_MARGIN
        and -CLIP_MARGIN <= y <= CANVAS_HEIGHT + CLIP_MARGIN
    )


def _clip_segment(a: Point, b: Point) -> tuple[Point, Point] | None:
    """Return the part of segment a-b inside the canvas plus margin (Liang-Barsky)."""
    x0, y0 = a
    dx, dy = b[0] - x0, b[1] - y0
    lo, hi = 0.0, 1.0
    bounds = (
        (-dx, x0 + CLIP_MARGIN),
        (dx, CANVAS_WIDTH + CLIP_MARGIN - x0),
        (-dy, y0 + CLIP_MARGIN),
        (dy, CANVAS_HEIGHT + CLIP_MARGIN - y0),
    )
    for p, q in bounds:
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return None
    return (x0 + lo * dx, y0 + lo * dy), (x0 + hi * dx, y0 + hi * dy)


# --- SVG --------------------------------------------------------------------

# XML 1.0 forbids most control characters even when escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_svg(diagram: Diagram) -> str:
    """Return a standalone SVG document of the diagram (viewBox 0 0 1000 600)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CANVAS_WIDTH}" '
        f'height="{CANVAS_HEIGHT}" viewBox="0 0 {CANVAS_WIDTH} {CANVAS_HEIGHT}" '
        'font-family="Aileron, Helvetica, Arial, sans-serif">',
        f'<rect width="{CANVAS_WIDTH}" height="{CANVAS_HEIGHT}" fill="{_hex(BACKGROUND)}"/>',
        '<g class="edges" fill="none">',
    ]
    for edge in edge_shapes(diagram):
        parts.append(_svg_edge(edge))
    parts.append("</g>")
    parts.append('<g class="nodes">')
    for node in diagram.nodes:
        parts.append(_svg_node(node))
    parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _svg_edge(edge: EdgeShape) -> str:
    """Return the SVG elements of one edge."""
    (x1, y1), (x2, y2) = edge.start, edge.end
    colour = _hex(edge.colour)
    dash = f' stroke-dasharray="{_n(DASH)} {_n(GAP)}"' if edge.dashed else ""
    line = (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{colour}" stroke-width="{_n(LINE_WIDTH)}"{dash}/>'
    )
    if edge.head is None:
        return line
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in edge.head)
    return line + f'<polygon points="{points}" fill="{colour}"/>'


def _svg_node(node: Node) -> str:
    """Return an SVG group holding one shape and its label."""
    left, top, _, _ = node.box
    style = f'fill="{_hex(node.fill)}" stroke="{_hex(node.stroke)}" stroke-width="{_n(LINE_WIDTH)}"'
    if node.shape == "circle":
        shape = (
            f'<ellipse cx="{_n(node.x)}" cy="{_n(node.y)}" rx="{_n(node.width / 2)}" '
            f'ry="{_n(node.height / 2)}" {style}/>'
        )
    else:
        radius = ""
        if node.shape == "round rectangle":
            r = _n(corner_radius(node.width, node.height))
            radius = f' rx="{r}" ry="{r}"'
        shape = (
            f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(node.width)}" '
            f'height="{_n(node.height)}"{radius} {style}/>'
        )
    parts = [f'<g class="node" data-id="{int(node.id)}">', shape]
    label = _XML_INVALID.sub("", node.label or "")
    if label.strip():
        parts.append(f"<title>{escape(label)}</title>")
        fit = fit_label(label, node.shape, node.width, node.height)
        if fit is not None:
            parts.append(_svg_label(node, fit))
    parts.append("</g>")
    return "".join(parts)


def _svg_label(node: Node, fit: LabelFit) -> str:
    """Return the <text> element drawing a fitted label."""
    colour = _hex(text_colour(tuple(node.fill)))
    lines = [
        f'<tspan x="{_n(node.x)}" y="{_n(y)}">{escape(line)}</tspan>'
        for line, y in zip(fit.lines, fit.line_centres(node.y), strict=True)
    ]
    return (
        f'<text font-size="{fit.size}" fill={quoteattr(colour)} text-anchor="middle" '
        f'dominant-baseline="central">{"".join(lines)}</text>'
    )


def _hex(colour) -> str:
    """Return an (R, G, B) triple as #rrggbb."""
    r, g, b = (int(c) for c in colour)
    return f"#{r:02x}{g:02x}{b:02x}"


def _n(value: float) -> str:
    """Return a coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
