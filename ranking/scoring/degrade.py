"""Synthetic degradations of good diagrams: the faults people marked down, made on purpose.

The 140 human ratings of LLM-drawn diagrams are too few to train a CNN, but
their faults are easy to make: shapes pushed onto each other, blown up or
stretched until they overlap, cut off by the canvas edge, positions swapped
so that lines tangle, a layout squeezed into a corner. Each degraded copy is
labelled afterwards by a rule fitted on the human ratings (see
`ranking.scoring.train_readability`), never by hand.
"""

from __future__ import annotations

import copy
import random

from ranking.diagrams.model import CANVAS_HEIGHT, CANVAS_WIDTH, Diagram


def degrade(diagram: Diagram, rng: random.Random) -> tuple[Diagram, list[str]]:
    """Return a copy of `diagram` with one to three random faults, and the faults' names."""
    result = copy.deepcopy(diagram)
    if not result.nodes:
        return result, []
    faults = rng.sample(FAULTS, k=rng.choice((1, 1, 2, 2, 3)))
    for fault in faults:
        fault(result, rng)
    return result, [fault.__name__ for fault in faults]


def _subset(diagram: Diagram, rng: random.Random, low: float = 0.2) -> list:
    """Return a random share (at least `low`) of the diagram's nodes."""
    nodes = diagram.nodes
    count = max(1, round(len(nodes) * rng.uniform(low, 1.0)))
    return rng.sample(nodes, count)


def jitter(diagram: Diagram, rng: random.Random) -> None:
    """Move some shapes by a random offset (sigma 10..150 px): overlaps and bent lines."""
    sigma = rng.uniform(10, 150)
    for node in _subset(diagram, rng):
        node.x += rng.gauss(0, sigma)
        node.y += rng.gauss(0, sigma)


def inflate(diagram: Diagram, rng: random.Random) -> None:
    """Grow shapes (up to 3x, or stretch them up to 8x wide as the old LLM did)."""
    if rng.random() < 0.5:
        factor = rng.uniform(1.3, 3.0)
        for node in diagram.nodes:
            node.width *= factor
            node.height *= factor
    else:
        factor = rng.uniform(2.0, 8.0)
        for node in _subset(diagram, rng, low=0.5):
            node.width = min(node.width * factor, CANVAS_WIDTH * 0.9)


def push_off_canvas(diagram: Diagram, rng: random.Random) -> None:
    """Move a few shapes across the canvas border, partly or wholly."""
    count = max(1, round(len(diagram.nodes) * rng.uniform(0.05, 0.4)))
    for node in rng.sample(diagram.nodes, count):
        side = rng.choice("lrtb")
        past = rng.uniform(0.2, 1.2)  # share of the shape beyond the border
        if side == "l":
            node.x = node.width * (0.5 - past)
        elif side == "r":
            node.x = CANVAS_WIDTH - node.width * (0.5 - past)
        elif side == "t":
            node.y = node.height * (0.5 - past)
        else:
            node.y = CANVAS_HEIGHT - node.height * (0.5 - past)


def swap_positions(diagram: Diagram, rng: random.Random) -> None:
    """Shuffle the positions of some shapes so their lines cross and run through shapes."""
    chosen = _subset(diagram, rng)
    places = [(node.x, node.y) for node in chosen]
    rng.shuffle(places)
    for node, (x, y) in zip(chosen, places, strict=True):
        node.x, node.y = x, y


def squeeze(diagram: Diagram, rng: random.Random) -> None:
    """Pull every shape toward a point along one or both axes: crowding and overlaps."""
    fx = rng.uniform(0.2, 0.8) if rng.random() < 0.7 else 1.0
    fy = rng.uniform(0.2, 0.8) if rng.random() < 0.7 or fx == 1.0 else 1.0
    cx, cy = rng.uniform(0, CANVAS_WIDTH), rng.uniform(0, CANVAS_HEIGHT)
    for node in diagram.nodes:
        node.x = cx + (node.x - cx) * fx
        node.y = cy + (node.y - cy) * fy


def stack(diagram: Diagram, rng: random.Random) -> None:
    """Put some shapes almost on top of others (the old LLM repeated coordinates)."""
    nodes = diagram.nodes
    if len(nodes) < 2:
        return
    for node in _subset(diagram, rng, low=0.1)[: max(1, len(nodes) // 2)]:
        other = rng.choice(nodes)
        node.x = other.x + rng.gauss(0, 8)
        node.y = other.y + rng.gauss(0, 8)


def shrink(diagram: Diagram, rng: random.Random) -> None:
    """Shrink at least half of the shapes to specks of 2-12 px.

    The layout engine never draws a shape under 8 px, so without this fault
    the networks never saw a speck and scored specks up to 4.97 (issue 13).
    """
    side = rng.uniform(2.0, 12.0)
    for node in _subset(diagram, rng, low=0.5):
        node.width, node.height = side * rng.uniform(1.0, 2.0), side


FAULTS = (jitter, inflate, push_off_canvas, swap_positions, squeeze, stack, shrink)
