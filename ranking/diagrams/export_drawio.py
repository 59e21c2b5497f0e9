"""Write a diagram as a draw.io (diagrams.net) file: an `mxGraphModel` in an `mxfile`.

Vertices keep the laid-out position and size (canvas units are draw.io
pixels), the shape, fill, stroke, label and its fitted font size; edges
keep the source node's line style (dashed or solid) and arrowhead, drawn
straight as our renderer draws them. The XML is uncompressed, which
diagrams.net opens as it is.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from .labels import fit_label, text_colour
from .model import CANVAS_HEIGHT, CANVAS_WIDTH, Diagram, Node
from .shapes import corner_radius

SHAPE_STYLES = {
    "rectangle": "rounded=0;",
    "round rectangle": "rounded=1;absoluteArcSize=1;arcSize={arc};",
    "circle": "ellipse;",
}
LINE_STYLES = {
    "solid arrow": "endArrow=classic;endFill=1;",
    "solid line": "endArrow=none;",
    "dashed line": "endArrow=none;dashed=1;",
}


def _hex(colour) -> str:
    r, g, b = (int(c) for c in colour)
    return f"#{r:02x}{g:02x}{b:02x}"


def _n(value: float) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def vertex_style(node: Node) -> str:
    """Return the draw.io style string of one node's shape."""
    shape = SHAPE_STYLES.get(node.shape, SHAPE_STYLES["rectangle"]).format(
        arc=_n(2 * corner_radius(node.width, node.height))
    )
    style = (
        f"{shape}whiteSpace=wrap;html=1;fillColor={_hex(node.fill)};"
        f"strokeColor={_hex(node.stroke)};strokeWidth=2;fontColor={_hex(text_colour(node.fill))};"
    )
    fit = fit_label(node.label or "", node.shape, node.width, node.height)
    if fit is not None:
        style += f"fontSize={fit.size};"
    return style


def edge_style(source: Node) -> str:
    """Return the draw.io style string of an edge leaving `source`."""
    line = LINE_STYLES.get(source.line, LINE_STYLES["solid arrow"])
    return f"edgeStyle=none;rounded=0;html=1;{line}strokeColor={_hex(source.stroke)};strokeWidth=2;"


def to_drawio(diagram: Diagram, name: str = "Diagram") -> str:
    """Return the .drawio XML document of the diagram."""
    mxfile = ET.Element("mxfile", host="DiagramSite", type="device")
    page = ET.SubElement(mxfile, "diagram", id="diagramsite", name=name)
    model = ET.SubElement(
        page,
        "mxGraphModel",
        dx="0",
        dy="0",
        grid="1",
        gridSize="10",
        guides="1",
        tooltips="1",
        connect="1",
        arrows="1",
        fold="1",
        page="1",
        pageScale="1",
        pageWidth=str(CANVAS_WIDTH),
        pageHeight=str(CANVAS_HEIGHT),
        math="0",
        shadow="0",
    )
    root = ET.SubElement(model, "root")
    ET.SubElement(root, "mxCell", id="0")
    ET.SubElement(root, "mxCell", id="1", parent="0")
    names: dict[int, str] = {}
    for index, node in enumerate(diagram.nodes):
        names[id(node)] = f"n{index}"
        left, top, _, _ = node.box
        cell = ET.SubElement(
            root,
            "mxCell",
            id=f"n{index}",
            # html=1 labels are markup: escape the user's text once for HTML.
            value=html.escape(" ".join((node.label or "").split())),
            style=vertex_style(node),
            vertex="1",
            parent="1",
        )
        ET.SubElement(
            cell,
            "mxGeometry",
            {
                "x": _n(left),
                "y": _n(top),
                "width": _n(node.width),
                "height": _n(node.height),
                "as": "geometry",
            },
        )
    for index, (source, target) in enumerate((s, t) for s, t in diagram.edges() if s is not t):
        cell = ET.SubElement(
            root,
            "mxCell",
            id=f"e{index}",
            style=edge_style(source),
            edge="1",
            parent="1",
            source=names[id(source)],
            target=names[id(target)],
        )
        ET.SubElement(cell, "mxGeometry", {"relative": "1", "as": "geometry"})
    ET.indent(mxfile)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(mxfile, encoding="unicode") + "\n"
    )
