"""The node-list parser and serialiser: tolerance, error reports, round trips."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ranking.diagrams import nodelist
from ranking.diagrams.data import load_reference_pairs
from ranking.diagrams.model import LINE_STYLES, SHAPES, Diagram, Node

CANONICAL = "[0, 232, 120, 'circle', 62, 75, 'solid arrow', (192, 192, 224), (0, 0, 0), [6, 7, 8]]"


def test_every_reference_node_list_parses_without_error_and_round_trips():
    for row in load_reference_pairs():
        result = nodelist.parse(row["node_list"])
        assert result.ok, (row["id"], result.errors)
        assert result.diagram.nodes
        text = nodelist.dumps(result.diagram)
        again = nodelist.parse(text)
        assert again.diagram == result.diagram
        assert nodelist.dumps(again.diagram) == text


def test_it_reads_the_canonical_form():
    (node,) = nodelist.parse(CANONICAL).diagram.nodes
    assert node == Node(
        id=0,
        x=232,
        y=120,
        shape="circle",
        width=62,
        height=75,
        line="solid arrow",
        fill=(192, 192, 224),
        stroke=(0, 0, 0),
        targets=[6, 7, 8],
    )


@pytest.mark.parametrize(
    "text",
    [
        '[0, 232, 120, "circle", 62, 75, "solid arrow", (192, 192, 224), (0, 0, 0), [6, 7, 8]]',
        "[0, 232, 120, circle, 62, 75, solid arrow, (192, 192, 224), (0, 0, 0), [6, 7, 8]]",
        "['0', '232', '120.0', 'circle', '62', 75.0, 'solid arrow', (192,192,224), (0,0,0), [6,7,8]]",
        "  [ 0 ,232 , 120,'circle' ,62, 75,  'solid arrow',( 192, 192, 224 ),(0, 0, 0),[ 6, 7, 8 ] ]  ",
    ],
)
def test_it_tolerates_quotes_numbers_as_strings_and_spaces(text):
    result = nodelist.parse(text)
    assert result.ok
    assert nodelist.dumps(result.diagram).strip() == CANONICAL


def test_it_reads_several_shapes_on_one_line():
    second = CANONICAL.replace("[0,", "[1,", 1)
    for joined in (CANONICAL + " " + second, CANONICAL + ", " + second):
        result = nodelist.parse(joined)
        assert result.ok
        assert [n.id for n in result.diagram.nodes] == [0, 1]


def test_it_reports_and_skips_unreadable_lines():
    text = "\n".join(
        [
            CANONICAL,
            "[1, 10, 10, 'hexagon', 5, 5, 'solid arrow', (0, 0, 0), (0, 0, 0), []]",
            "garbage",
            "",
            "[3, 10, 10, 'circle', 5, 5, 'solid arrow', (0, 0, 300), (0, 0, 0), []]",
        ]
    )
    result = nodelist.parse(text)
    assert [n.id for n in result.diagram.nodes] == [0]
    assert [e.line_no for e in result.errors] == [2, 3, 5]
    assert all(e.reason for e in result.errors)


def test_labels_are_an_optional_eleventh_field_that_round_trips():
    labelled = CANONICAL[:-1] + ", 'Conv 3x3 \\'same\\''" + "]"
    (node,) = nodelist.parse(labelled).diagram.nodes
    assert node.label == "Conv 3x3 'same'"
    assert nodelist.parse(nodelist.dumps(Diagram([node]))).diagram.nodes[0].label == node.label
    assert nodelist.parse(CANONICAL).diagram.nodes[0].label is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_it_never_raises_on_arbitrary_text(text):
    result = nodelist.parse(text)
    assert isinstance(result.diagram, Diagram)
    for error in result.errors:
        assert error.line_no >= 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("[](),'\" 0123456789.-abcircle\n")), max_size=120))
def test_it_never_raises_on_bracket_soup(chars):
    nodelist.parse("".join(chars))


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_characters="\n\r"), min_size=1).filter(
        lambda s: s.strip() and "[" not in s
    )
)
def test_a_malformed_line_is_reported_with_its_line_number(junk):
    result = nodelist.parse(CANONICAL + "\n" + junk + "\n" + CANONICAL)
    assert len(result.diagram.nodes) == 2
    assert [e.line_no for e in result.errors] == [2]


nodes = st.builds(
    Node,
    id=st.integers(0, 200),
    x=st.integers(-50, 1050),
    y=st.integers(-50, 650),
    shape=st.sampled_from(SHAPES),
    width=st.integers(1, 400),
    height=st.integers(1, 400),
    line=st.sampled_from(LINE_STYLES),
    fill=st.tuples(*[st.integers(0, 255)] * 3),
    stroke=st.tuples(*[st.integers(0, 255)] * 3),
    targets=st.lists(st.integers(0, 200), max_size=5),
    label=st.one_of(st.none(), st.text(min_size=1, max_size=20).filter(str.strip)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(nodes, max_size=8))
def test_any_diagram_round_trips(node_list):
    diagram = Diagram(node_list)
    text = nodelist.dumps(diagram)
    parsed = nodelist.parse(text)
    assert parsed.ok, parsed.errors
    assert nodelist.dumps(parsed.diagram) == text


float_nodes = st.builds(
    Node,
    id=st.integers(-(10**30), 10**30),
    x=st.floats(-1e6, 1e6, allow_nan=False),
    y=st.floats(-1e20, 1e20, allow_nan=False),
    shape=st.sampled_from(SHAPES),
    width=st.floats(1e-6, 1e18),
    height=st.floats(1e-3, 5000),
    line=st.sampled_from(LINE_STYLES),
    fill=st.tuples(*[st.integers(0, 255)] * 3),
    stroke=st.tuples(*[st.integers(0, 255)] * 3),
    targets=st.lists(st.integers(-(10**25), 10**25), max_size=4),
    label=st.one_of(st.none(), st.text(min_size=1, max_size=30).filter(str.strip)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(float_nodes, min_size=1, max_size=5))
def test_floats_big_ids_and_any_label_round_trip_exactly(node_list):
    diagram = Diagram(node_list)
    text = nodelist.dumps(diagram)
    parsed = nodelist.parse(text)
    assert parsed.ok, parsed.errors
    assert parsed.diagram == diagram


@settings(max_examples=300, deadline=None)
@given(float_nodes)
def test_canonical_lines_read_the_same_as_the_tolerant_reader_reads_them(node):
    # Canonical lines take a fast path; wrapping the record in one more pair
    # of brackets sends the same record through the tolerant splitter.
    line = nodelist.dump_node(node)
    fast, tolerant = nodelist.parse(line), nodelist.parse("[" + line + "]")
    assert fast.ok and tolerant.ok
    assert fast.diagram == tolerant.diagram


def test_values_the_canonical_form_allows_but_the_checks_refuse_are_reported():
    bad = [
        "[0, 1, 1, 'circle', 0, 5, 'solid arrow', (0, 0, 0), (0, 0, 0), []]",
        "[0, 1, 1, 'circle', 5, 5, 'solid arrow', (0, 0, 256), (0, 0, 0), []]",
        "[0, 1e999, 1, 'circle', 5, 5, 'solid arrow', (0, 0, 0), (0, 0, 0), []]",
        "[0, 1, 1, 'circle', 5, 5, 'solid arrow', (0, 0, 0), (0, 0, 0), [" + "9" * 5000 + "]]",
    ]
    result = nodelist.parse("\n".join(bad))
    assert result.diagram.nodes == []
    assert [e.line_no for e in result.errors] == [1, 2, 3, 4]
