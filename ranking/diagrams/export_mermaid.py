"""Write a diagram as Mermaid flowchart text that people can keep editing.

Nodes keep their labels, shapes (rectangle, rounded, circle) and colours;
edges keep the source node's line style: an arrow `-->`, a plain line `---`,
a dashed line as Mermaid's dotted link `-.-` (dashed lines have no head, as
in our renderer). The direction is LR when edges mostly run sideways, TD
otherwise. Edges the renderer does not draw (to a missing id, to itself)
are left out, so the Mermaid drawing has the same nodes and edges.
"""

from __future__ import annotations

from .model import Diagram, Node

SHAPES = {"rectangle": ('["', '"]'), "round rectangle": ('("', '")'), "circle": ('(("', '"))')}
LINKS = {"solid arrow": "-->", "solid line": "---", "dashed line": "-.-"}
# Characters Mermaid reads as syntax or markup inside a quoted label.
_ENTITY = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "&": "#amp;"}


def direction(diagram: Diagram) -> str:
    """Return "LR" when the diagram's edges (or, without edges, its nodes) run sideways."""
    pairs = [(s, t) for s, t in diagram.edges() if s is not t]
    if pairs:
        # Net displacement: a layer's fan-out cancels sideways, the flow adds up.
        dx = abs(sum(t.x - s.x for s, t in pairs))
        dy = abs(sum(t.y - s.y for s, t in pairs))
    elif diagram.nodes:
        xs, ys = [n.x for n in diagram.nodes], [n.y for n in diagram.nodes]
        dx, dy = max(xs) - min(xs), max(ys) - min(ys)
    else:
        dx = dy = 0
    return "LR" if dx > dy else "TD"


def label_text(label: str | None) -> str:
    """Return a label as safe text inside Mermaid quotes (one line, entities for syntax)."""
    text = " ".join((label or "").split())
    return "".join(_ENTITY.get(char, char) for char in text) or " "


def _hex(colour) -> str:
    r, g, b = (int(c) for c in colour)
    return f"#{r:02x}{g:02x}{b:02x}"


def _node_line(name: str, node: Node) -> str:
    opening, closing = SHAPES.get(node.shape, SHAPES["rectangle"])
    return f"    {name}{opening}{label_text(node.label)}{closing}"


def to_mermaid(diagram: Diagram, title: str = "") -> str:
    """Return Mermaid `flowchart` text for the diagram (ends with a newline)."""
    lines = []
    if title:
        lines.append("%% " + " ".join(title.split()))
    lines.append(f"flowchart {direction(diagram)}")
    names: dict[int, str] = {}
    for index, node in enumerate(diagram.nodes):
        names[id(node)] = f"n{index}"
        lines.append(_node_line(f"n{index}", node))
    for source, target in diagram.edges():
        if source is target:
            continue
        link = LINKS.get(source.line, "-->")
        lines.append(f"    {names[id(source)]} {link} {names[id(target)]}")
    for index, node in enumerate(diagram.nodes):
        lines.append(
            f"    style n{index} fill:{_hex(node.fill)},stroke:{_hex(node.stroke)},stroke-width:2px"
        )
    return "\n".join(lines) + "\n"
