"""A typed model of a diagram: shapes (nodes) with styles and directed edges."""

from __future__ import annotations

from dataclasses import dataclass, field

CANVAS_WIDTH = 1000
CANVAS_HEIGHT = 600

SHAPES = ("rectangle", "round rectangle", "circle")
LINE_STYLES = ("solid arrow", "solid line", "dashed line")

Colour = tuple[int, int, int]


@dataclass
class Node:
    """One shape: centre (x, y), box size, style, outgoing edges and an optional label.

    `line` is the style of the edges leaving this node (the interchange format
    stores it per source shape).
    """

    id: int
    x: float
    y: float
    shape: str = "rectangle"
    width: float = 50
    height: float = 50
    line: str = "solid arrow"
    fill: Colour = (255, 255, 255)
    stroke: Colour = (0, 0, 0)
    targets: list[int] = field(default_factory=list)
    label: str | None = None

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Return (left, top, right, bottom) of the shape's bounding box."""
        return (
            self.x - self.width / 2,
            self.y - self.height / 2,
            self.x + self.width / 2,
            self.y + self.height / 2,
        )


@dataclass
class Diagram:
    """An ordered list of nodes; edges are the nodes' `targets`."""

    nodes: list[Node] = field(default_factory=list)

    def node_by_id(self) -> dict[int, Node]:
        """Return a mapping from node id to node (the last one wins on duplicates)."""
        return {node.id: node for node in self.nodes}

    def edges(self) -> list[tuple[Node, Node]]:
        """Return (source, target) pairs for every edge whose target exists."""
        by_id = self.node_by_id()
        return [
            (node, by_id[target])
            for node in self.nodes
            for target in node.targets
            if target in by_id
        ]

    def adjacency(self) -> dict[int, list[int]]:
        """Return {node id: target ids}, the form the structural score uses."""
        return {node.id: list(node.targets) for node in self.nodes}
