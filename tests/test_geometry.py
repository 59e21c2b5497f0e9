"""Geometry checks: overlaps (> 1 px both ways), off canvas, edge crossings."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ranking.diagrams import geometry
from ranking.diagrams.data import load_reference_pairs
from ranking.diagrams.model import Diagram, Node
from ranking.diagrams.nodelist import parse


def box(i, x, y, w=100, h=100, targets=()):
    return Node(i, x, y, "rectangle", w, h, targets=list(targets))


def test_boxes_that_overlap_by_more_than_a_pixel_both_ways_overlap():
    d = Diagram([box(0, 100, 100), box(1, 190, 150), box(2, 500, 500)])
    assert geometry.overlapping_pairs(d) == [(0, 1)]


def test_touching_or_one_pixel_overlaps_do_not_count():
    touching = Diagram([box(0, 100, 100), box(1, 200, 100)])
    one_px = Diagram([box(0, 100, 100), box(1, 199, 100)])
    two_px = Diagram([box(0, 100, 100), box(1, 198, 100)])
    assert geometry.overlapping_pairs(touching) == []
    assert geometry.overlapping_pairs(one_px) == []
    assert geometry.overlapping_pairs(two_px) == [(0, 1)]


def test_shapes_outside_the_canvas_are_reported():
    d = Diagram(
        [
            box(0, 40, 300),
            box(1, 500, 300),
            box(2, 960, 580),
            box(3, 500, 570, h=80),
            box(4, 500, 560, h=80),
        ]
    )
    assert geometry.off_canvas_nodes(d) == [0, 2, 3]


def test_crossing_edges_are_counted_once_and_shared_endpoints_never():
    # 0 -> 3 and 1 -> 2 cross in the middle of a square; 0 -> 1 shares a node with both.
    d = Diagram(
        [
            box(0, 100, 100, 10, 10, [3, 1]),
            box(1, 300, 100, 10, 10, [2]),
            box(2, 100, 300, 10, 10),
            box(3, 300, 300, 10, 10),
        ]
    )
    assert geometry.edge_crossings(d) == 1
    parallel = Diagram(
        [
            box(0, 100, 100, 10, 10, [1]),
            box(1, 300, 100, 10, 10),
            box(2, 100, 200, 10, 10, [3]),
            box(3, 300, 200, 10, 10),
        ]
    )
    assert geometry.edge_crossings(parallel) == 0


def test_reference_targets_have_no_overlap_and_stay_on_canvas():
    for row in load_reference_pairs():
        d = parse(row["node_list"]).diagram
        report = geometry.geometry_report(d)
        assert report["overlaps"] == 0, row["id"]
        assert report["off_canvas"] == 0, row["id"]
        assert report["nodes"] == len(d.nodes)


def test_empty_and_single_node_diagrams_are_fine():
    assert geometry.geometry_report(Diagram()) == {
        "nodes": 0,
        "edges": 0,
        "overlaps": 0,
        "off_canvas": 0,
        "crossings": 0,
    }
    assert geometry.overlapping_pairs(Diagram([box(0, 500, 300)])) == []


def _brute_force_crossings(d: Diagram) -> int:
    """Count proper crossings pair by pair with orientation tests (the slow, obvious way)."""

    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (v > 0) - (v < 0)

    edges = [(s, t) for s, t in d.edges() if s.id != t.id]
    count = 0
    for i, (a, b) in enumerate(edges):
        for c, e in edges[i + 1 :]:
            if {a.id, b.id} & {c.id, e.id}:
                continue
            p1, p2, p3, p4 = (a.x, a.y), (b.x, b.y), (c.x, c.y), (e.x, e.y)
            if (
                orient(p1, p2, p3) * orient(p1, p2, p4) < 0
                and orient(p3, p4, p1) * orient(p3, p4, p2) < 0
            ):
                count += 1
    return count


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 1000), st.integers(0, 600), st.lists(st.integers(0, 11), max_size=4)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_vectorised_crossings_match_a_brute_force_count(points):
    d = Diagram([box(i, x, y, 10, 10, targets) for i, (x, y, targets) in enumerate(points)])
    assert geometry.edge_crossings(d) == _brute_force_crossings(d)


def test_crossings_are_counted_the_same_across_blocks(monkeypatch):
    # A complete bipartite 12 x 12 drawing has many crossings; blocks of 7
    # edges must add up to the single-block count.
    top = [box(i, 40 + 80 * i, 100, 10, 10, range(12, 24)) for i in range(12)]
    bottom = [box(12 + i, 40 + 80 * i, 500, 10, 10) for i in range(12)]
    d = Diagram(top + bottom)
    whole = geometry.edge_crossings(d)
    monkeypatch.setattr(geometry, "CROSSING_BLOCK", 7)
    assert geometry.edge_crossings(d) == whole == _brute_force_crossings(d) > 0
