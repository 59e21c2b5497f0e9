"""Rendering: canvas size, arrows end on the target's border, dashes, colours, labels, SVG."""

import io
from xml.etree import ElementTree

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ranking.diagrams import nodelist, render
from ranking.diagrams.data import load_reference_pairs
from ranking.diagrams.model import LINE_STYLES, SHAPES, Diagram, Node

WHITE = (255, 255, 255)
RED = (220, 30, 30)
BLUE = (30, 60, 200)
GREEN = (20, 160, 60)


def two_nodes(line="solid arrow", target_shape="rectangle"):
    """A source at the left pointing right at a target 400 px away (target box 100 x 100)."""
    return Diagram(
        [
            Node(0, 200, 300, "rectangle", 60, 60, line, RED, GREEN, [1]),
            Node(1, 600, 300, target_shape, 100, 100, "solid arrow", BLUE, (0, 0, 0), []),
        ]
    )


def test_every_reference_diagram_renders_to_png_and_svg_of_the_right_size():
    for i, row in enumerate(load_reference_pairs()):
        diagram = nodelist.parse(row["node_list"]).diagram
        assert render.render_png(diagram).size == (1000, 600)
        if i % 25 == 0:
            # PNG encoding costs ~10 ms a diagram; a spread sample proves the
            # bytes decode without making this test slow.
            image = Image.open(io.BytesIO(render.png_bytes(diagram)))
            assert (image.format, image.size) == ("PNG", (1000, 600))
        root = ElementTree.fromstring(render.render_svg(diagram))
        assert (root.get("width"), root.get("height")) == ("1000", "600")
        assert len(root.findall(".//{http://www.w3.org/2000/svg}g[@class='node']")) == len(
            diagram.nodes
        )


def test_scale_gives_a_small_image():
    assert render.render_png(two_nodes(), scale=0.128).size == (128, 77)


def test_fill_and_line_colours_land_where_the_node_list_says():
    image = render.render_png(two_nodes())
    assert image.getpixel((200, 300)) == RED  # source fill at its centre
    assert image.getpixel((600, 300)) == BLUE  # target fill at its centre
    assert image.getpixel((5, 5)) == WHITE
    # The source's outline (stroke colour) runs along its top edge at y = 270.
    outline = [image.getpixel((200, y)) for y in range(267, 274)]
    assert GREEN in outline


def test_an_arrow_ends_on_the_target_border():
    image = render.render_png(two_nodes("solid arrow"))
    # The edge is drawn in the source's stroke colour from x = 230 (source
    # border) to the target's left border at x = 550, under the shapes.
    assert image.getpixel((400, 300)) == GREEN
    head_pixels = [image.getpixel((x, y)) for x in range(538, 549) for y in range(297, 304)]
    assert head_pixels.count(GREEN) > 20  # a filled arrowhead just before the border
    # Beyond the border the target's fill is untouched: the edge is under the shape.
    assert image.getpixel((560, 300)) == BLUE
    assert image.getpixel((555, 303)) == BLUE


def test_an_arrow_stops_at_an_ellipse_border_not_its_box():
    diagram = Diagram(
        [
            Node(0, 200, 100, "rectangle", 40, 40, "solid arrow", RED, GREEN, [1]),
            Node(1, 600, 500, "circle", 200, 200, "solid arrow", BLUE, (0, 0, 0), []),
        ]
    )
    edge = render.edge_shapes(diagram)[0]
    tip = edge.head[0]
    # The tip lies on the ellipse ((x-600)/100)^2 + ((y-500)/100)^2 = 1.
    assert abs(((tip[0] - 600) / 100) ** 2 + ((tip[1] - 500) / 100) ** 2 - 1) < 1e-6


def test_a_dashed_line_has_gaps_and_a_solid_line_has_none():
    def run_colours(line):
        image = render.render_png(two_nodes(line))
        return [image.getpixel((x, 300)) == GREEN for x in range(240, 540)]

    dashed = run_colours("dashed line")
    solid = run_colours("solid line")
    assert all(solid)
    assert 0.3 < sum(dashed) / len(dashed) < 0.8
    switches = sum(a != b for a, b in zip(dashed, dashed[1:], strict=False))
    assert switches >= 20  # many dash/gap alternations over 300 px


def test_a_solid_line_has_no_arrowhead():
    assert render.edge_shapes(two_nodes("solid line"))[0].head is None
    assert render.edge_shapes(two_nodes("solid arrow"))[0].head is not None


def test_edges_to_missing_nodes_are_skipped():
    diagram = Diagram([Node(0, 100, 100, targets=[7])])
    assert render.edge_shapes(diagram) == []
    render.render_png(diagram)
    ElementTree.fromstring(render.render_svg(diagram))


def test_labels_are_drawn_inside_the_shape_and_escaped_in_svg():
    plain = Diagram([Node(0, 500, 300, "rectangle", 300, 120, fill=WHITE)])
    labelled = Diagram(
        [Node(0, 500, 300, "rectangle", 300, 120, fill=WHITE, label="Dense <256> & co")]
    )
    a, b = render.render_png(plain), render.render_png(labelled)
    differing = [
        (x, y)
        for x in range(340, 660, 2)
        for y in range(230, 370, 2)
        if a.getpixel((x, y)) != b.getpixel((x, y))
    ]
    assert differing, "the label drew nothing"
    assert all(360 <= x <= 640 and 245 <= y <= 355 for x, y in differing)
    root = ElementTree.fromstring(render.render_svg(labelled))
    texts = "".join(root.itertext())
    assert "Dense <256> & co" in texts


def test_an_arrow_reaches_an_ellipse_border_on_a_diagonal():
    diagram = Diagram(
        [
            Node(0, 200, 100, "rectangle", 40, 40, "solid arrow", RED, GREEN, [1]),
            Node(1, 600, 500, "circle", 200, 200, "solid arrow", BLUE, (0, 0, 0), []),
        ]
    )
    image = render.render_png(diagram)
    tip_x, tip_y = render.edge_shapes(diagram)[0].head[0]
    # Walk back from the tip toward the source: edge colour right outside the
    # ellipse, fill colour a little inside it. Had the arrow stopped at the
    # box corner (500, 400), the pixels before the ellipse would be white.
    ux, uy = (200 - 600) / 565.7, (100 - 500) / 565.7
    outside = [image.getpixel((round(tip_x + ux * d), round(tip_y + uy * d))) for d in (3, 5, 7)]
    inside = image.getpixel((round(tip_x - ux * 6), round(tip_y - uy * 6)))
    assert outside.count(GREEN) >= 2
    assert inside == BLUE


def test_an_arrow_reaches_a_rounded_corner():
    target = Node(1, 600, 300, "round rectangle", 100, 100, fill=BLUE)
    source = Node(0, 300, 0, "rectangle", 20, 20, fill=RED, stroke=GREEN, targets=[1])
    tip = render.edge_shapes(Diagram([source, target]))[0].head[0]
    # The ray passes through the top-left corner region: the tip is on the
    # corner's arc (centre (550 + r, 250 + r)), inside the square box corner.
    r = 20
    assert abs(((tip[0] - (550 + r)) ** 2 + (tip[1] - (250 + r)) ** 2) ** 0.5 - r) < 1e-6
    assert tip[0] > 550 and tip[1] > 250


def test_a_thumbnail_keeps_colours_and_edges():
    image = render.render_png(two_nodes("solid line"), scale=0.128)
    assert image.getpixel((round(200 * 0.128), round(300 * 0.128))) == RED
    assert image.getpixel((round(600 * 0.128), round(300 * 0.128))) == BLUE
    # The edge between the shapes stays visible (darker than the background).
    row = [image.getpixel((x, round(300 * 0.128))) for x in range(32, 68)]
    assert all(sum(p) < 3 * 255 - 60 for p in row)


def test_a_long_label_is_shrunk_and_wrapped_to_fit():
    from ranking.diagrams.labels import MAX_FONT_SIZE, fit_label, font

    short = fit_label("Input", "rectangle", 200, 80)
    long = fit_label("Convolution 3x3 with 64 filters and stride 2", "circle", 120, 90)
    assert short.size == MAX_FONT_SIZE and short.lines == ("Input",)
    assert long.size < MAX_FONT_SIZE and len(long.lines) > 1
    assert all(font(long.size).getlength(line) <= 120 / 2**0.5 for line in long.lines)
    assert len(long.lines) * long.line_height <= 90 / 2**0.5
    assert fit_label("Anything", "rectangle", 8, 8) is None


extreme = st.one_of(
    st.floats(-200, 1200), st.sampled_from([1e-300, 1e-3, 1e12, -1e12, 1e300, -1e300])
)
sizes = st.one_of(st.floats(0.01, 400), st.sampled_from([1e-300, 1e-3, 0.5, 1e12, 1e308]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            Node,
            id=st.integers(0, 6),
            x=extreme,
            y=extreme,
            shape=st.sampled_from(SHAPES),
            width=sizes,
            height=sizes,
            line=st.sampled_from(LINE_STYLES),
            fill=st.tuples(*[st.integers(0, 255)] * 3),
            stroke=st.tuples(*[st.integers(0, 255)] * 3),
            targets=st.lists(st.integers(0, 8), max_size=3),
            label=st.one_of(st.none(), st.text(max_size=60)),
        ),
        max_size=6,
    ),
    st.sampled_from([1.0, 0.3, 0.128]),
)
def test_any_parsable_diagram_renders_however_absurd_its_numbers(node_list, scale):
    diagram = Diagram(node_list)
    image = render.render_png(diagram, scale)
    assert image.size == (round(1000 * scale), round(600 * scale))
    ElementTree.fromstring(render.render_svg(diagram))
