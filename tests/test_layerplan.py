"""Layer plans (any sequential network): grammar, labels, layout and skip connections."""

import pytest
from hypothesis import given, settings

from ranking.diagrams.geometry import off_canvas_nodes, overlapping_pairs
from ranking.generation.layerplan import LayerSpec, parse_layer_line
from ranking.generation.layout import layout_plan
from ranking.generation.plan import PlanError, parse_plan
from tests.plan_strategies import layer_plans

MNIST = """layers
input 28x28x1
conv2d 32 3x3 relu
maxpool 2x2
conv2d 64 3x3 relu
maxpool 2x2
flatten
dropout 0.5
dense 10 softmax
style: auto mixed arrow muted labels medium"""


def test_the_keras_mnist_convnet_gets_one_labelled_shape_per_layer_in_order():
    diagram = layout_plan(parse_plan(MNIST))
    labels = [node.label for node in sorted(diagram.nodes, key=lambda n: n.y)]
    assert labels == [
        "Input 28x28x1",
        "Conv2D 32, 3x3, relu",
        "Max pool 2x2",
        "Conv2D 64, 3x3, relu",
        "Max pool 2x2",
        "Flatten",
        "Dropout 0.5",
        "Dense 10, softmax",
    ]
    assert [(a.id, b.id) for a, b in diagram.edges()] == [(i, i + 1) for i in range(7)]


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("embedding 10000 128", "Embedding 10000x128"),
        ("bilstm 64", "Bidirectional LSTM 64"),
        ("gru 32 tanh", "GRU 32, tanh"),
        ("attention 8", "Self-attention, 8 heads"),
        ("attention", "Self-attention"),
        ("transformer 4", "Transformer block, 4 heads"),
        ("conv1d 64 5 relu", "Conv1D 64, kernel 5, relu"),
        ("maxpool 2", "Max pool 2"),
        ("globalavgpool", "Global avg pool"),
        ("batchnorm", "Batch norm"),
        ("linear 128", "Linear 128"),
        ("dropout 0.25", "Dropout 0.25"),
    ],
)
def test_each_layer_type_reads_as_a_label_with_its_numbers(line, label):
    spec = parse_layer_line(line)
    assert spec.label() == label
    assert spec.to_text() == line


def test_activations_belong_to_their_layer():
    spec = parse_layer_line("dense 10 softmax")
    assert spec == LayerSpec("dense", (10,), "softmax")
    with pytest.raises(ValueError, match="unknown layer type 'softmax'"):
        parse_layer_line("softmax")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("conv2d 32", "bad numbers for a conv2d layer"),
        ("dense", "bad numbers for a dense layer"),
        ("dropout 5", "bad numbers for a dropout layer"),
        ("relu", "unknown layer type 'relu'"),
        ("dense 10\nadd 1", "'add 1' needs a layer before the ones it skips"),
    ],
)
def test_invalid_layer_lines_are_refused_with_a_reason(body, message):
    with pytest.raises(PlanError, match=message):
        parse_plan(f"layers\n{body}\nstyle: auto")


def test_a_residual_block_steps_aside_so_the_skip_edge_misses_its_layers():
    plan = parse_plan(
        "layers\ninput 32x32x3\nconv2d 16 3x3 relu\nconv2d 16 3x3 relu\nconv2d 16 3x3\n"
        "add 2\nflatten\ndense 10\nstyle: auto"
    )
    diagram = layout_plan(plan)
    by_id = diagram.node_by_id()
    assert 4 in by_id[1].targets  # the block's input also feeds the Add
    assert by_id[4].label == "Add"
    assert _edges_through_shapes(diagram) == []


@settings(max_examples=150, deadline=None)
@given(layer_plans())
def test_any_layer_plan_lays_out_without_overlap_or_edges_through_shapes(plan):
    diagram = layout_plan(plan)
    assert len(diagram.nodes) == len(plan.specs)
    assert overlapping_pairs(diagram) == []
    assert off_canvas_nodes(diagram) == []
    skips = sum(1 for spec in plan.specs if spec.kind == "add")
    assert len(diagram.edges()) == len(plan.specs) - 1 + skips
    if plan.style["labels"] == "labels":
        assert all(node.label for node in diagram.nodes)
    # Nested or overlapping residual blocks cannot all step aside; one block
    # (the case people write) must keep its skip edge clear.
    if skips == 1:
        assert _edges_through_shapes(diagram) == []


def _edges_through_shapes(diagram):
    """Return (source, target, node) where a straight edge crosses a third node's box."""
    hits = []
    for a, b in diagram.edges():
        for node in diagram.nodes:
            if node.id in (a.id, b.id):
                continue
            if _segment_hits_box((a.x, a.y), (b.x, b.y), node.box):
                hits.append((a.id, b.id, node.id))
    return hits


def _segment_hits_box(p, q, box):
    left, top, right, bottom = box
    steps = 200
    for i in range(steps + 1):
        t = i / steps
        x = p[0] + (q[0] - p[0]) * t
        y = p[1] + (q[1] - p[1]) * t
        if left < x < right and top < y < bottom:
            return True
    return False
