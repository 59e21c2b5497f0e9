"""Fit a shape's label inside it: pick a font size and wrap the words.

Both renderers use the same fit, measured with Pillow's built-in font at
canvas scale, so the PNG and the SVG place the same lines at the same size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont

from .shapes import corner_radius

MAX_FONT_SIZE = 18
MIN_FONT_SIZE = 6
LINE_SPACING = 1.15  # line height as a multiple of the font size
PADDING = 3.0  # canvas px kept clear between text and outline
ELLIPSIS = "\u2026"
# Longer labels cannot fit any shape on the canvas; cutting them first keeps
# the fitting loop cheap whatever text a model emits.
MAX_LABEL_CHARS = 200


@dataclass(frozen=True)
class LabelFit:
    """A label laid out for one shape: font size (canvas px) and its lines."""

    size: int
    lines: tuple[str, ...]

    @property
    def line_height(self) -> float:
        """Return the distance between baselines in canvas px."""
        return self.size * LINE_SPACING

    def line_centres(self, centre_y: float) -> list[float]:
        """Return the vertical centre of each line when the block is centred on centre_y."""
        top = centre_y - self.line_height * len(self.lines) / 2
        return [top + self.line_height * (i + 0.5) for i in range(len(self.lines))]


@lru_cache(maxsize=64)
def font(size: float) -> ImageFont.FreeTypeFont:
    """Return Pillow's built-in font at `size` px (cached: renderers ask often)."""
    return ImageFont.load_default(size=max(size, 1))


def text_area(shape: str, width: float, height: float) -> tuple[float, float]:
    """Return the width and height of the box text may use inside a shape."""
    if shape == "circle":
        # The largest axis-aligned box inside an ellipse has sides w/√2 x h/√2.
        width, height = width / math.sqrt(2), height / math.sqrt(2)
    elif shape == "round rectangle":
        inset = corner_radius(width, height) * (1 - 1 / math.sqrt(2))
        width, height = width - 2 * inset, height - 2 * inset
    return max(width - 2 * PADDING, 0.0), max(height - 2 * PADDING, 0.0)


@lru_cache(maxsize=4096)
def fit_label(label: str, shape: str, width: float, height: float) -> LabelFit | None:
    """Return the largest font size and wrapping that fit `label` in the shape.

    Tries sizes from MAX_FONT_SIZE down to MIN_FONT_SIZE; when even the
    smallest does not fit, keeps the lines that fit at that size and ends the
    last one with an ellipsis. Returns None for an empty label or a shape too
    small to hold one line.
    """
    words = label[:MAX_LABEL_CHARS].split()
    if not words:
        return None
    area_w, area_h = text_area(shape, width, height)
    for size in range(MAX_FONT_SIZE, MIN_FONT_SIZE - 1, -1):
        lines = _wrap(words, size, area_w)
        if lines is not None and len(lines) * size * LINE_SPACING <= area_h:
            return LabelFit(size, tuple(lines))
    max_lines = int(area_h // (MIN_FONT_SIZE * LINE_SPACING))
    if max_lines < 1 or area_w < _width("W" + ELLIPSIS, MIN_FONT_SIZE):
        return None
    lines = _wrap_hard(words, MIN_FONT_SIZE, area_w)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _truncate(lines[-1] + ELLIPSIS, MIN_FONT_SIZE, area_w)
    return LabelFit(MIN_FONT_SIZE, tuple(lines))


def _width(text: str, size: int) -> float:
    """Return the rendered width of `text` at `size` px."""
    return font(size).getlength(text)


def _wrap(words: list[str], size: int, max_width: float) -> list[str] | None:
    """Return words wrapped greedily into lines, or None if one word is too wide."""
    lines: list[str] = []
    current = ""
    for word in words:
        if _width(word, size) > max_width:
            return None
        candidate = f"{current} {word}" if current else word
        if current and _width(candidate, size) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


def _wrap_hard(words: list[str], size: int, max_width: float) -> list[str]:
    """Return lines that fit `max_width`, breaking words that are too wide."""
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if _width(candidate, size) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in word:
            if _width(current + ch, size) > max_width and current:
                lines.append(current)
                current = ""
            current += ch
    if current:
        lines.append(current)
    return lines


def _truncate(text: str, size: int, max_width: float) -> str:
    """Return `text` shortened so it, ending in an ellipsis, fits `max_width`."""
    body = text.rstrip(ELLIPSIS)
    while body and _width(body + ELLIPSIS, size) > max_width:
        body = body[:-1]
    return body.rstrip() + ELLIPSIS


def text_colour(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    """Return black or white, whichever reads better on `fill`."""
    r, g, b = fill
    # Rec. 601 luma: a cheap, adequate brightness estimate for this choice.
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b >= 128 else (255, 255, 255)
