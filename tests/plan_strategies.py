"""Hypothesis strategies that build valid plans of every family."""

from hypothesis import strategies as st

from ranking.generation.layerplan import ACTIVATIONS, MAX_SKIP, RECURRENT, LayerSpec
from ranking.generation.plan import STYLE_CHOICES, FlowStep, Layer, Plan

PHRASES = (
    "DB", "png file", "pandas dataframe", "table", "matrix", "text", "figure",
    "data store", "tensors", "raw data", "x",
)  # fmt: skip
PROCS = ("LLM", "PCA", "python code", "CNN model", "function", "prep step")

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


sizes = st.integers(1, 99999)
activations = st.sampled_from(("",) + ACTIVATIONS)
layer_specs = st.one_of(
    st.builds(LayerSpec, st.just("input"), st.lists(sizes, min_size=1, max_size=4).map(tuple)),
    st.builds(LayerSpec, st.sampled_from(("dense", "linear")), st.tuples(sizes), activations),
    st.builds(LayerSpec, st.just("conv1d"), st.tuples(sizes, st.integers(1, 15)), activations),
    st.integers(1, 11).flatmap(
        lambda k: st.builds(
            LayerSpec, st.just("conv2d"), st.tuples(sizes, st.just(k), st.just(k)), activations
        )
    ),
    st.builds(
        LayerSpec,
        st.sampled_from(("maxpool", "avgpool")),
        st.one_of(st.tuples(st.integers(1, 9)), st.tuples(st.integers(1, 9), st.integers(1, 9))),
    ),
    st.builds(
        LayerSpec,
        st.sampled_from(("globalmaxpool", "globalavgpool", "flatten", "batchnorm", "layernorm")),
    ),
    st.builds(LayerSpec, st.just("dropout"), st.tuples(st.integers(1, 9).map(lambda d: d / 10))),
    st.builds(LayerSpec, st.just("embedding"), st.tuples(sizes, sizes)),
    st.builds(LayerSpec, st.sampled_from(RECURRENT), st.tuples(sizes), activations),
    st.builds(
        LayerSpec,
        st.sampled_from(("attention", "transformer")),
        st.one_of(st.just(()), st.tuples(st.integers(1, 64))),
    ),
)


@st.composite
def layer_plans(draw):
    """Any sequential network; `add K` lines only where K + 1 layers precede them."""
    specs = []
    for spec in draw(st.lists(layer_specs, min_size=1, max_size=30)):
        specs.append(spec)
        if len(specs) >= 2 and draw(st.integers(0, 5)) == 0:
            skip = draw(st.integers(1, min(MAX_SKIP, len(specs) - 1)))
            specs.append(LayerSpec("add", (skip,)))
    return Plan("layers", specs=tuple(specs[:40]), style=draw(styles))


def plans():
    """Return a strategy for valid plans of any family."""
    return st.one_of(net_plans(), cnn_plans(), flow_plans(), layer_plans())
