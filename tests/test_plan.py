"""The plan language: parsing, canonical text, styles and errors."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ranking.generation.plan import (
    STYLE_CHOICES,
    FlowStep,
    Layer,
    Plan,
    PlanError,
    distinct_styles,
    parse_plan,
    random_style,
)
from tests.plan_strategies import plans

STYLE = "style: auto mixed arrow muted labels medium"


def test_it_parses_a_dense_net():
    plan = parse_plan("net 6 3 4 2\n" + STYLE)
    assert plan.family == "net"
    assert plan.dense_sizes == [6, 3, 4, 2]
    assert plan.granularity == ""


def test_it_parses_a_cnn_with_every_layer_form():
    plan = parse_plan("cnn 32 conv3 conv conv=28 pool2 maxpool2 avgpool pool 256 1\n" + STYLE)
    kinds = [layer.kind for layer in plan.layers]
    assert kinds == [
        "input",
        "conv",
        "conv",
        "conv",
        "pool",
        "pool",
        "pool",
        "pool",
        "dense",
        "dense",
    ]
    assert plan.layers[3] == Layer("conv", 28, "out")
    assert plan.layers[5] == Layer("pool", 2, "max")
    assert plan.layers[6] == Layer("pool", None, "avg")


def test_a_dense_word_before_the_cnn_dense_sizes_is_dropped():
    # "... then a dense layer of 64 and 10 outputs" is often copied that way.
    plan = parse_plan("cnn 28 conv3 pool2 conv3 dense 64 10\n" + STYLE)
    assert plan == parse_plan("cnn 28 conv3 pool2 conv3 64 10\n" + STYLE)
    assert plan.to_text().splitlines()[0] == "cnn 28 conv3 pool2 conv3 64 10"


def test_it_parses_flow_steps_with_copied_phrases():
    text = "flow\nDB > CNN model > png file\npng file > - > DB\n- > LLM > table, text\n" + STYLE
    plan = parse_plan(text)
    assert plan.steps == (
        FlowStep(("DB",), "CNN model", ("png file",)),
        FlowStep(("png file",), None, ("DB",)),
        FlowStep((), "LLM", ("table", "text")),
    )


def test_it_reads_a_granularity_flag_as_structure():
    plan = parse_plan("net 6 3 4 2 layers\n" + STYLE)
    assert plan.granularity == "layers"
    assert plan.structure_text() == "net 6 3 4 2 layers"


def test_it_reads_style_values_in_any_order_and_fills_defaults():
    plan = parse_plan("net 2 2\nstyle: dashed right")
    assert plan.style["line"] == "dashed"
    assert plan.style["orient"] == "right"
    assert plan.style["palette"] == STYLE_CHOICES["palette"][0]
    assert plan.to_text() == "net 2 2\nstyle: right mixed dashed muted labels medium"


@given(plans())
def test_canonical_text_round_trips(plan):
    text = plan.to_text()
    again = parse_plan(text)
    assert again == plan
    assert again.to_text() == text


def test_the_style_line_is_last_and_short():
    text = parse_plan("net 6 3 4 2\n" + STYLE).to_text()
    last = text.splitlines()[-1]
    assert last.startswith("style:")
    assert len(last.split()) == 1 + len(STYLE_CHOICES)


def test_with_style_changes_only_the_style():
    plan = parse_plan("cnn 28 conv3 pool2 10\n" + STYLE)
    other = plan.with_style({"palette": "blue", "line": "dashed"})
    assert other.structure_text() == plan.structure_text()
    assert other.style["palette"] == "blue"
    assert other.style["shape"] == "mixed"
    with pytest.raises(PlanError):
        plan.with_style({"palette": "plaid"})


def test_random_style_draws_only_allowed_values():
    rng = random.Random(3)
    for _ in range(50):
        style = random_style(rng)
        assert set(style) == set(STYLE_CHOICES)
        assert all(style[key] in STYLE_CHOICES[key] for key in style)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "net 6 3 4 2",  # no style line
        "style: auto",  # no structure
        "mlp 6 3\n" + STYLE,  # unknown family
        "net 6\n" + STYLE,  # one layer
        "net 6 x 2\n" + STYLE,
        "net 6 0 2\n" + STYLE,
        "net 6 3\nstyle: auto plaid",
        "net 6 3\nstyle: dashed line",  # line style given twice
        "net 6 3\nnet 4 4\n" + STYLE,
        "cnn\n" + STYLE,
        "cnn 32\n" + STYLE,
        "cnn 32 conv3 64 pool2 1\n" + STYLE,  # pool after dense
        "cnn 32 deconv 1\n" + STYLE,
        "cnn 32 conv3 dense pool2 1\n" + STYLE,  # pool after the dense marker
        "cnn 32 conv3 64 dense 1\n" + STYLE,  # the marker only before the sizes
        "flow\n" + STYLE,
        "flow\nDB > LLM\n" + STYLE,  # one '>'
        "flow\nDB > LLM, NN > text\n" + STYLE,  # two processors
        "flow\nDB > - > -\n" + STYLE,  # converter without output
        "flow\n > LLM > text\n" + STYLE,  # empty part instead of '-'
        "flow\nDB, , text > LLM > text\n" + STYLE,
        "flow\n" + "DB > LLM > text\n" * 31 + STYLE,
        "net " + " ".join(["4"] * 41) + "\n" + STYLE,
        "<garbage> ]]]\n???",
    ],
)
def test_it_reports_invalid_plans(text):
    with pytest.raises(PlanError):
        parse_plan(text)


@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_raises_plan_error(text):
    try:
        plan = parse_plan(text)
    except PlanError:
        return
    assert isinstance(plan, Plan)
    assert parse_plan(plan.to_text()) == plan


def test_distinct_styles_makes_repeated_candidates_look_different():
    same = parse_plan("net 2 2\nstyle: down circle dashed blue labels small").style
    styles = distinct_styles([same] * 5, random.Random(0))
    assert styles[0] == same
    assert len({tuple(sorted(style.items())) for style in styles}) == 5
    assert all(style["line"] == "dashed" and style["orient"] == "down" for style in styles)
