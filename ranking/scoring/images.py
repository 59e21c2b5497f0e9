"""Thumbnails the scoring models see: 128 x 77 RGB renders as float tensors.

Why 128 x 77: it keeps the 1000 x 600 canvas's aspect ratio, the renderer
draws it in about a millisecond (supersampled, so every edge stays a visible
anti-aliased line), and it is still large enough to show shapes, colours,
orientation, dashed versus solid lines and overlapping or clipped boxes,
while a small CNN over it runs in a few milliseconds on one CPU core. Labels
are too small to read at this size and are left out.
"""

from __future__ import annotations

import numpy as np

from ranking.diagrams.model import CANVAS_HEIGHT, CANVAS_WIDTH, Diagram
from ranking.diagrams.render import render_png

SCALE = 0.128
WIDTH = 128
HEIGHT = 77


def size(scale: float = SCALE) -> tuple[int, int]:
    """Return (height, width) in pixels of a render at `scale`."""
    return max(1, round(CANVAS_HEIGHT * scale)), max(1, round(CANVAS_WIDTH * scale))


def thumbnail(diagram: Diagram, scale: float = SCALE) -> np.ndarray:
    """Return the diagram as an (H, W, 3) uint8 RGB array; (77, 128, 3) by default."""
    image = render_png(diagram, scale=scale, labels=False)
    return np.asarray(image, dtype=np.uint8)


def thumbnails(diagrams: list[Diagram], scale: float = SCALE) -> np.ndarray:
    """Return an (n, H, W, 3) uint8 array of thumbnails."""
    if not diagrams:
        return np.zeros((0, *size(scale), 3), dtype=np.uint8)
    return np.stack([thumbnail(d, scale) for d in diagrams])


def to_tensor(pixels: np.ndarray):
    """Return uint8 thumbnails (n, H, W, 3) as a float tensor (n, 3, H, W) of ink in 0..1.

    Inverted (white background = 0) so that zero padding at the border looks
    like empty canvas to the convolutions.
    """
    import torch

    array = 1.0 - np.asarray(pixels, dtype=np.float32) / 255.0
    return torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2)))
