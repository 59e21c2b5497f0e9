"""Hypothesis strategies that build valid plans of every family."""

from hypothesis import strategies as st

from ranking.generation.plan import STYLE_CHOICES, FlowStep, Layer, Plan

PHRASES = (
    "DB", "png file", "pandas dataframe", "table", "matrix", "text", "figure",
    "data store", "tensors", "my data", "x",
)  # fmt: skip
PROCS = ("LLM", "PCA", "python code", "CNN model", "function", "my step")

styles = st.fixed_dictionaries(
    {key: st.sampled_from(values) for key, values in STYLE_CHOICES.items()}
)


@st.composite
def net_plans(draw):
    sizes = draw(st.lists(st.integers(1, 2000), min_size=2, max_size=14))
    granularity = draw(st.sampled_from(("", "", "layers", "neurons")))
    layers = tuple(Layer("dense", size) for size in sizes)
    return Plan("net", layers=layers, granularity=granularity, style=draw(styles))


conv_layers = st.one_of(
    st.builds(Layer, st.just("conv"), st.one_of(st.none(), st.integers(1, 9)), st.just("")),
    st.builds(Layer, st.just("conv"), st.integers(1, 999), st.just("out")),
    st.builds(
        Layer,
        st.just("pool"),
        st.one_of(st.none(), st.integers(1, 9)),
        st.sampled_from(("", "max", "avg")),
    ),
)


@st.composite
def cnn_plans(draw):
    layers = [Layer("input", draw(st.integers(1, 1024)))]
    layers += draw(st.lists(conv_layers, min_size=1, max_size=20))
    layers += [Layer("dense", s) for s in draw(st.lists(st.integers(1, 4096), max_size=4))]
    return Plan("cnn", layers=tuple(layers), style=draw(styles))


@st.composite
def flow_steps(draw):
    inputs = tuple(draw(st.lists(st.sampled_from(PHRASES), max_size=3)))
    outputs = tuple(draw(st.lists(st.sampled_from(PHRASES), max_size=3)))
    if inputs and outputs and draw(st.booleans()):
        proc = None
    else:
        proc = draw(st.sampled_from(PROCS))
    return FlowStep(inputs, proc, outputs)


@st.composite
def flow_plans(draw):
    steps = tuple(draw(st.lists(flow_steps(), min_size=1, max_size=30)))
    return Plan("flow", steps=steps, style=draw(styles))


def plans():
    """Return a strategy for valid plans of any family."""
    return st.one_of(net_plans(), cnn_plans(), flow_plans())
