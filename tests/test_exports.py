"""Mermaid and draw.io exports of a diagram, and their download endpoints (issue 12)."""

import xml.etree.ElementTree as ET

import pytest

from ranking.diagrams import nodelist
from ranking.diagrams.export_drawio import to_drawio
from ranking.diagrams.export_mermaid import direction, label_text, to_mermaid
from ranking.diagrams.model import Diagram, Node
from ranking.generation.layout import layout_plan
from ranking.generation.plan import parse_plan
from tests.jobdata import make_diagram, make_job


def drawing(plan_text):
    return layout_plan(parse_plan(plan_text))


FLOW = "flow\nraw data > clean & fix > table\ntable > train > model\nstyle: right {} {} blue labels medium"


def mermaid_parts(text):
    lines = [line.strip() for line in text.splitlines()]
    nodes = [line for line in lines if line[:1] == "n" and "[" in line or "(" in line[:8]]
    edges = [line for line in lines if any(f" {link} " in line for link in ("-->", "---", "-.-"))]
    return nodes, edges


@pytest.mark.parametrize(
    ("shape", "line", "opening", "link"),
    [
        ("box", "arrow", '["', "-->"),
        ("round", "line", '("', "---"),
        ("circle", "dashed", '(("', "-.-"),
    ],
)
def test_mermaid_keeps_labels_shapes_and_line_styles(shape, line, opening, link):
    diagram = drawing(FLOW.format(shape, line))
    text = to_mermaid(diagram)
    assert text.splitlines()[0] == "flowchart LR"
    nodes, edges = mermaid_parts(text)
    assert len(nodes) == len(diagram.nodes) == 5
    assert all(opening in node for node in nodes)
    assert len(edges) == len(diagram.edges()) == 4
    assert all(f" {link} " in edge for edge in edges)
    assert "n1" + opening + "clean #amp; fix" in text
    assert "style n0 fill:#deebfa" in text


def test_mermaid_direction_follows_the_layout():
    assert direction(drawing("net 3 4 2\nstyle: right box arrow blue labels medium")) == "LR"
    assert direction(drawing("net 3 4 2\nstyle: down box arrow blue labels medium")) == "TD"


def test_mermaid_labels_cannot_break_out_of_their_quotes():
    assert label_text('say "hi" <b>#1</b>') == "say #quot;hi#quot; #lt;b#gt;#35;1#lt;/b#gt;"
    assert label_text(None) == " " and label_text("two\nlines") == "two lines"


def test_mermaid_leaves_out_edges_the_renderer_does_not_draw():
    nodes = [Node(id=1, x=100, y=100, targets=[1, 2, 9]), Node(id=2, x=300, y=100, label="b")]
    _, edges = mermaid_parts(to_mermaid(Diagram(nodes)))
    assert edges == ["n0 --> n1"]


def test_drawio_keeps_position_size_shape_colours_label_and_lines():
    diagram = drawing(FLOW.format("circle", "dashed"))
    root = ET.fromstring(to_drawio(diagram, name="Diagram 7"))
    assert root.tag == "mxfile" and root.find("diagram").get("name") == "Diagram 7"
    cells = root.find("diagram/mxGraphModel/root").findall("mxCell")
    vertices = [c for c in cells if c.get("vertex") == "1"]
    edges = [c for c in cells if c.get("edge") == "1"]
    assert len(vertices) == 5 and len(edges) == 4
    for cell, node in zip(vertices, diagram.nodes, strict=True):
        geometry = cell.find("mxGeometry")
        assert float(geometry.get("x")) == pytest.approx(node.x - node.width / 2)
        assert float(geometry.get("y")) == pytest.approx(node.y - node.height / 2)
        assert float(geometry.get("width")) == pytest.approx(node.width)
        assert cell.get("style").startswith("ellipse;")
        assert f"fillColor=#{node.fill[0]:02x}{node.fill[1]:02x}{node.fill[2]:02x}" in cell.get(
            "style"
        )
    assert vertices[1].get("value") == "clean &amp; fix"  # HTML label, escaped once
    ids = {cell.get("id") for cell in vertices}
    for edge in edges:
        assert edge.get("source") in ids and edge.get("target") in ids
        assert "dashed=1" in edge.get("style") and "endArrow=none" in edge.get("style")


def test_drawio_arrows_have_heads():
    root = ET.fromstring(to_drawio(drawing(FLOW.format("box", "arrow"))))
    styles = [c.get("style") for c in root.iter("mxCell") if c.get("edge") == "1"]
    assert styles and all("endArrow=classic" in s and "dashed" not in s for s in styles)
    shapes = [c.get("style") for c in root.iter("mxCell") if c.get("vertex") == "1"]
    assert all(s.startswith("rounded=0;") for s in shapes)


@pytest.fixture
def stored(alice):
    job = make_job(alice, prompt="raw data is cleaned into a table")
    diagram = drawing(FLOW.format("round", "arrow"))
    return make_diagram(job, node_list=nodelist.dumps(diagram))


def test_the_mermaid_endpoint_serves_text_to_the_owner(alice_client, stored):
    response = alice_client.get(f"/api/diagrams/{stored.pk}/mermaid/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "inline" in response["Content-Disposition"]
    text = response.content.decode()
    assert "raw data is cleaned into a table" in text.splitlines()[0]
    assert "flowchart LR" in text and 'n0("raw data")' in text
    saved = alice_client.get(f"/api/diagrams/{stored.pk}/mermaid/?download=1")
    assert f'attachment; filename="diagram-{stored.pk}.mmd"' == saved["Content-Disposition"]


def test_the_drawio_endpoint_is_an_xml_download(alice_client, stored):
    response = alice_client.get(f"/api/diagrams/{stored.pk}/drawio/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="diagram-{stored.pk}.drawio"'
    assert ET.fromstring(response.content).find("diagram/mxGraphModel") is not None


def test_exports_need_the_owner(client, bob_client, stored):
    for kind in ("mermaid", "drawio"):
        assert bob_client.get(f"/api/diagrams/{stored.pk}/{kind}/").status_code == 404
        assert client.get(f"/api/diagrams/{stored.pk}/{kind}/").status_code in (401, 403)
