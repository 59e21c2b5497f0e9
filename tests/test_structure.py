"""The structural score of METRICS.md on hand-computed cases."""

import pytest

from ranking.diagrams.data import load_reference_pairs
from ranking.diagrams.model import Diagram, Node
from ranking.diagrams.nodelist import parse
from ranking.diagrams.structure import signatures, structural_score


def graph(adjacency: dict[int, list[int]]) -> Diagram:
    return Diagram([Node(i, 0, 0, targets=list(t)) for i, t in adjacency.items()])


def test_signatures_list_the_out_degrees_of_each_nodes_targets():
    # Node 0 points at 1 and 2, which point at three others each: "[3, 3]".
    d = {0: [1, 2], 1: [3, 4, 5], 2: [3, 4, 5], 3: [], 4: [], 5: []}
    sig = signatures(d)
    assert sig["[3, 3]"] == 1
    assert sig["[0, 0, 0]"] == 2
    assert sig["[]"] == 3


def test_every_reference_node_list_scores_one_against_itself():
    for row in load_reference_pairs():
        assert structural_score(row["node_list"], row["node_list"], row["task"]) == 1.0, row["id"]


def test_flowchart_score_is_the_signature_iou():
    target = graph({0: [1], 1: [2], 2: []})  # "[1]", "[0]", "[]"
    output = graph({0: [1], 1: [], 2: []})  # "[0]", "[]", "[]"
    # min counts: "[1]" 0, "[0]" 1, "[]" 1 -> 2; max counts: 1 + 1 + 2 -> 4.
    assert structural_score(output, target, "flowchart") == pytest.approx(0.5)


def test_dl_model_score_averages_iou_and_degree_agreement():
    # Target: 2-2-1 net, out-degrees [2, 2, 1, 1, 0]; output: 2-1 net, [1, 1, 0].
    target = graph({0: [2, 3], 1: [2, 3], 2: [4], 3: [4], 4: []})
    output = graph({0: [2], 1: [2], 2: []})
    # Signatures: target "[1, 1]" x2, "[0]" x2, "[]" x1; output "[0]" x2, "[]" x1 -> IoU 3/5.
    iou = 3 / 5
    o_m, o_s = 2 / 3, (2 / 9) ** 0.5
    d_m, d_s = 6 / 5, (0.56) ** 0.5
    z1, z2 = (o_m - d_m) / d_s, (d_m - o_m) / o_s
    agreement = max(3 - abs(z1 - z2), 0) / 3
    assert structural_score(output, target, "dl_model") == pytest.approx((iou + agreement) / 2)


def test_with_a_zero_std_the_dl_score_is_the_iou():
    target = graph({0: [1], 1: [2], 2: [0]})  # every out-degree 1
    output = graph({0: [1], 1: [2], 2: [0]})
    assert structural_score(output, target, "dl_model") == 1.0


def test_an_output_without_parsable_nodes_scores_zero():
    assert (
        structural_score(
            "not a node list",
            "[0, 1, 1, 'circle', 1, 1, 'solid arrow', (0,0,0), (0,0,0), []]",
            "dl_model",
        )
        == 0.0
    )


def test_a_diagram_and_its_text_score_the_same():
    row = load_reference_pairs()[0]
    diagram = parse(row["node_list"]).diagram
    moved = graph(diagram.adjacency())  # same edges, every node at (0, 0)
    assert structural_score(diagram, row["node_list"], row["task"]) == 1.0
    assert structural_score(moved, row["node_list"], row["task"]) == 1.0  # positions do not count


def test_a_wrong_structure_scores_below_one():
    target = graph({0: [2, 3], 1: [2, 3], 2: [4], 3: [4], 4: []})
    output = graph({0: [1], 1: [2], 2: [3], 3: [4], 4: []})
    assert 0 <= structural_score(output, target, "dl_model") < 1
    assert 0 <= structural_score(output, target, "flowchart") < 1
