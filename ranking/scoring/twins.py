"""Broken twins of a clean diagram: one unmistakable defect each, made on purpose.

The readability invariants (bench/readability_invariants.py, tests) compare
a clean layout with each twin: the twin must score 2 or below, below its
clean original, and its reasons must name the defect. Unlike the random
faults of `degrade` (training data), each twin here is deterministic and
severe, and says which aesthetics factor it breaks.
"""

from __future__ import annotations

import copy
import itertools
import random

from ranking.diagrams.model import CANVAS_HEIGHT, CANVAS_WIDTH, Diagram

from . import aesthetics

SPECK_SIDE = 4.0  # px: the "shrunk to a 4 px speck"
TANGLE_TRIES = 60


def piled(diagram: Diagram) -> Diagram | None:
    """Return a copy with every shape moved onto the canvas centre (a few px apart).

    None for a single shape: it has nothing to pile onto.
    """
    if len(diagram.nodes) < 2:
        return None
    result = copy.deepcopy(diagram)
    for i, node in enumerate(result.nodes):
        node.x = CANVAS_WIDTH / 2 + 3 * (i % 3)
        node.y = CANVAS_HEIGHT / 2 + 3 * (i // 3 % 3)
    return result


def off_canvas(diagram: Diagram) -> Diagram:
    """Return a copy slid right and down so most of it lies beyond the canvas."""
    result = copy.deepcopy(diagram)
    for node in result.nodes:
        node.x += CANVAS_WIDTH * 0.75
        node.y += CANVAS_HEIGHT * 0.5
    return result


def specks(diagram: Diagram) -> Diagram:
    """Return a copy with every shape shrunk to a SPECK_SIDE px speck."""
    result = copy.deepcopy(diagram)
    for node in result.nodes:
        node.width = node.height = SPECK_SIDE
    return result


def tangled(diagram: Diagram, seed: int = 0) -> Diagram | None:
    """Return a copy whose shapes trade places so edges cross as much as they can.

    Tries TANGLE_TRIES random permutations of the shapes' positions (all of
    them for up to 6 shapes) and keeps the most crossed; None when no
    placement found crosses at least as many pairs as there are edges (a
    chain of three crosses once at most: a flaw, not a tangle).
    """
    places = [(node.x, node.y) for node in diagram.nodes]
    if len(places) <= 6:
        orders = list(itertools.permutations(range(len(places))))
    else:
        rng = random.Random(seed)
        orders = [rng.sample(range(len(places)), len(places)) for _ in range(TANGLE_TRIES)]
    best, most = None, max(len(diagram.edges()), 1) - 1
    for order in orders:
        candidate = copy.deepcopy(diagram)
        for node, k in zip(candidate.nodes, order, strict=True):
            node.x, node.y = places[k]
        crossings = aesthetics.measure(candidate).crossings
        if crossings > most:
            best, most = candidate, crossings
    return best


# name -> (make the twin, the aesthetics factor its reasons must name)
TWINS = {
    "piled": (piled, "overlap"),
    "off canvas": (off_canvas, "off_canvas"),
    "specks": (specks, "specks"),
    "tangled": (tangled, "crossings"),
}
