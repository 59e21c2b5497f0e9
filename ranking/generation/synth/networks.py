"""Dense networks and CNNs: structures and the many ways people describe them."""

from __future__ import annotations

import random

from ranking.generation.plan import Layer, Plan
from ranking.generation.synth.common import Example, finish, join, num, number_words

# ---------------------------------------------------------------- dense nets

_NET_NAMES = (
    "CNN", "CNN model", "Convolutional neural network",
    "DL model", "NN model", "neural network", "A deep learning model", "NN",
    "Conv neural network", "neural net", "deep neural network", "MLP",
    "multilayer perceptron", "fully connected network", "feed-forward network",
    "dense network", "Convolutional neural network", "model",
)  # fmt: skip
_CONNECT = ("consist of", "with", "of", "consisting of", "that has", "having", "made of")


def _dense_sizes(rng: random.Random) -> list[int]:
    depth = rng.choices((2, 3, 4, 5, 6, 7, 8, 9, 10), weights=(3, 10, 10, 8, 5, 3, 2, 1, 1))[0]
    if rng.random() < 0.55:
        sizes = [rng.randint(1, 9) for _ in range(depth)]
    else:
        pool = (1, 2, 3, 4, 8, 10, 16, 20, 32, 50, 64, 100, 128, 256, 512, 784, 1024)
        sizes = [rng.choice(pool) for _ in range(depth)]
        sizes[-1] = rng.choice((1, 1, 2, 3, 10))
    if depth >= 4 and rng.random() < 0.2:
        # "three hidden layers of 10 each": equal hidden layers, 2 to 8 of them
        # (random sizes almost never repeat more than twice, and the 2026-11-23
        # adapter wrote two copies whatever the count said).
        sizes[1:-1] = [sizes[1]] * (depth - 2)
    return sizes


def _hidden_where(rng: random.Random, count: int) -> str:
    """Return how a prompt names the hidden layers ("in each of the 3 mid layers")."""
    noun = rng.choice(
        ("hidden layers", "hidden layer", "mid layers", "intermediate layers", "hiddens")
    )
    if count == 1:
        return rng.choice((f"in {noun}", f"in the {noun}", "in 1 hidden layer"))
    return rng.choice(
        (f"in {noun}", f"in the {noun}", f"in {count} {noun}", f"in each of the {count} {noun}")
    )


def _dense_reference_prompt(rng: random.Random, sizes: list[int], wordy: bool) -> str:
    n = lambda v: num(rng, v, wordy)  # noqa: E731
    inp = rng.choice(
        (
            "{} input size",
            "{} input layer nodes",
            "{} input nodes",
            "{} input elements",
            "{} inputs",
            "an input of {}",
        )
    ).format(n(sizes[0]))
    hidden = sizes[1:-1]
    out = rng.choice(
        (
            "{} output elements",
            "{} output layer nodes",
            "{} output size",
            "{} output nodes",
            "{} outputs",
        )
    ).format(n(sizes[-1]))
    name = rng.choice(_NET_NAMES)
    conn = rng.choice(_CONNECT)
    if not hidden:
        return f"{name} {conn} {inp}, and {out}"
    where = _hidden_where(rng, len(hidden))
    hid = f"{join(rng, [n(v) for v in hidden], spaces=True)} nodes {where}"
    return f"{name} {conn} {inp}, {rng.choice(('', 'and '))}{hid}, and {out}"


def _dense_free_prompt(rng: random.Random, sizes: list[int], wordy: bool) -> str:
    n = lambda v: num(rng, v, wordy)  # noqa: E731
    hidden = sizes[1:-1]
    kind = rng.random()
    if kind < 0.25:
        sep = rng.choice(("-", "-", "x", " "))
        return rng.choice(
            ("a {} MLP", "{} network", "{} net", "MLP {}", "dense net {}", "nn {}")
        ).format(sep.join(str(v) for v in sizes))
    if kind < 0.45:
        layers = join(rng, [n(v) for v in sizes], spaces=True)
        return rng.choice(
            (
                "a network with layers of {} neurons",
                "layer sizes {}",
                "draw a fully connected net with layers {}",
                "neural network: {}",
            )
        ).format(layers)
    if hidden and len(set(hidden)) == 1 and kind < 0.65:
        return rng.choice(
            (
                "{} inputs, {} hidden layers of {} and {} outputs",
                "a net taking {} features, with {} hidden layers of {} units each, "
                "predicting {} values",
            )
        ).format(n(sizes[0]), n(len(hidden)), n(hidden[0]), n(sizes[-1]))
    if hidden and kind > 0.85:
        # The hidden layers first, inputs and outputs after ("... between 4 inputs and 2 outputs").
        return rng.choice(
            (
                "{h} between {i} inputs and {o} outputs",
                "an MLP with {h} between an input layer of {i} and an output layer of {o}",
                "{h}, fed by {i} input features, with {o} outputs",
            )
        ).format(h=_dense_hidden_words(rng, hidden, n), i=n(sizes[0]), o=n(sizes[-1]))
    opener = rng.choice(
        (
            "hey, could you draw me ", "please draw ", "I need a diagram of ", "can you sketch ",
            "show me ", "make a picture of ", "draw ", "I'd like to see ", "",
        )
    )  # fmt: skip
    body = f"a neural network with {n(sizes[0])} inputs"
    if hidden:
        body += rng.choice((", hidden layers of ", ", then ", " followed by layers of "))
        body += join(rng, [n(v) for v in hidden], spaces=True)
        body += rng.choice((" neurons", " units", " nodes", ""))
    body += rng.choice(
        (" and {} outputs", ", ending in {} output neurons", " and an output layer of {}")
    ).format(n(sizes[-1]))
    return opener + body + rng.choice(("", "?", ".", " please", ", thanks!"))


def _dense_hidden_words(rng: random.Random, hidden: list[int], n) -> str:
    """Return the hidden layers in everyday words ("two hidden layers with 5 nodes each")."""
    unit = rng.choice(("nodes", "neurons", "units", ""))
    if len(hidden) > 1 and len(set(hidden)) == 1:
        k, m = n(len(hidden)), n(hidden[0])
        return rng.choice(
            (
                f"{k} hidden layers with {m} {unit or 'nodes'} each",
                f"{k} hidden layers of {m} each",
                f"{k} layers of {m} {unit or 'units'} each",
                f"{k} hidden layers of size {m}",
                f"{k} hidden layers, {m} {unit or 'neurons'} in each",
            )
        )
    listed = [n(v) for v in hidden]
    if len(hidden) == 1:
        return rng.choice(
            (
                f"one hidden layer with {listed[0]} {unit or 'neurons'}",
                f"{listed[0]} hidden {unit or 'neurons'}",
                f"a hidden layer of {listed[0]}",
                f"{listed[0]} hidden",
                f"a single hidden layer of {listed[0]} {unit}".rstrip(),
            )
        )
    form = rng.random()
    if form < 0.25:
        return f"a hidden layer of {listed[0]}, then " + ", then ".join(listed[1:])
    if form < 0.45:
        return ", ".join(f"{v} hidden" for v in listed)
    if form < 0.65:
        return f"layers of {join(rng, listed, spaces=True)} {unit}".rstrip()
    if form < 0.8:
        return f"hidden sizes {rng.choice(('/', ', ', '-')).join(listed)}"
    return f"hidden layers of {join(rng, listed, spaces=True)} {unit}".rstrip()


def _dense_role_prompt(rng: random.Random, sizes: list[int], wordy: bool) -> str:
    """Return a prompt that names inputs, hidden layers and outputs in a user's words."""
    n = lambda v: num(rng, v, wordy)  # noqa: E731
    inp = rng.choice(
        (
            "{} inputs", "{} in", "{} input features", "{} features in", "{} input neurons",
            "an input layer of {}", "input size {}", "{} input nodes", "{} features",
        )
    ).format(n(sizes[0]))  # fmt: skip
    outs = [
        "{} out", "{} outputs", "{} classes out", "{} output classes", "{} classes",
        "{} output neurons", "an output layer of {}", "{} output nodes", "{} output units",
    ]  # fmt: skip
    if sizes[-1] == 1:
        outs += ["a single output", "one output", "a single output neuron"]
    elif sizes[-1] <= 20:
        outs += ["a softmax over {} classes", "a {}-way softmax"]
    out = rng.choice(outs).format(n(sizes[-1]))
    parts = [inp]
    if sizes[1:-1]:
        parts.append(_dense_hidden_words(rng, sizes[1:-1], n))
    parts.append(out)
    sep = rng.choice((", ", ", then ", " -> ", "; "))
    body = sep.join(parts[:-1]) + rng.choice((sep, " and ", ", and ")) + parts[-1]
    name = rng.choice(
        ("network", "MLP", "neural net", "classifier", "perceptron", "model", "dense network")
    )
    opener = rng.choice(
        (
            f"{name}: ", f"a {name} with ", f"sketch a {name}: ", f"{name} diagram please - ",
            f"I'd like a picture of a {name} that has ", f"tiny {name}: ", f"draw a {name}, ",
            "", f"can you draw a {name} with ", f"{name} taking ",
        )
    )  # fmt: skip
    return opener + body + rng.choice(("", ".", "?", " please", "!"))


def _granularity(rng: random.Random, sizes: list[int]) -> tuple[str, str]:
    """Return (plan flag, prompt phrase) for an explicit per-neuron/per-layer request."""
    if rng.random() > 0.08:
        return "", ""
    # Only ask for every neuron where the layout can draw them all.
    if sum(sizes) <= 60 and max(sizes) <= 24 and rng.random() < 0.5:
        return "neurons", rng.choice(
            (", one circle per neuron", ", draw every neuron", ", show each node")
        )
    return "layers", rng.choice(
        (", one box per layer", ", draw each layer as a single shape", ", layers as blocks")
    )


def dense_example(rng: random.Random) -> Example:
    sizes = _dense_sizes(rng)
    wordy = rng.random() < 0.15
    roll = rng.random()
    if roll < 0.4:
        prompt = _dense_reference_prompt(rng, sizes, wordy)
    elif roll < 0.7:
        prompt = _dense_free_prompt(rng, sizes, wordy)
    else:
        prompt = _dense_role_prompt(rng, sizes, wordy)
    flag, phrase = _granularity(rng, sizes)
    prompt += phrase
    plan = Plan("net", layers=tuple(Layer("dense", v) for v in sizes), granularity=flag)
    return finish(rng, prompt, plan, "dl_model", "networks")


# ---------------------------------------------------------------- CNNs


def _cnn_layers(rng: random.Random) -> list[Layer]:
    side = rng.choice((28, 32, 32, 64, 96, 128, 224, 256, 512, 768))
    layers = [Layer("input", side)]
    blocks = rng.randint(1, 7 if side >= 128 else 3)
    for _ in range(blocks):
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if side < 6:
                break
            mode = rng.random()
            side -= 2
            if mode < 0.5:
                layers.append(Layer("conv", 3))
            elif mode < 0.75:
                layers.append(Layer("conv"))
            else:
                layers.append(Layer("conv", side, "out"))
        if side >= 4 and rng.random() < 0.9:
            side //= 2
            detail = rng.choice(("", "", "max", "avg"))
            layers.append(Layer("pool", rng.choice((2, 2, None)), detail))
    if len(layers) == 1:
        layers.append(Layer("conv", 3))
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        layers.append(Layer("dense", rng.choice((16, 32, 64, 128, 256, 512, 1024, 4096))))
    layers.append(Layer("dense", rng.choice((1, 1, 2, 10, 100, 1000))))
    return layers


def _conv_phrase(rng: random.Random, layer: Layer, wordy: bool) -> str:
    conv = rng.choice(("conv layer", "convolutional layer", "conv layer", "convolution"))
    if layer.kind == "conv":
        if layer.size is None:
            return conv
        if layer.detail == "out":
            s = layer.size
            return rng.choice(
                (
                    f"{conv} (output is {s} x {s})",
                    f"{conv} (output: {s} x {s} feature map)",
                    f"{conv} with {s}x{s} output",
                )
            )
        k = num(rng, layer.size, wordy) if wordy else str(layer.size)
        return rng.choice(("{k} x {k} ", "{k}x{k} ", "{k} * {k} ", "{k}*{k} ")).format(k=k) + conv
    pool = {"max": "max pooling layer", "avg": "average pooling layer"}.get(
        layer.detail, "pooling layer"
    )
    if layer.size is None:
        return pool
    k = layer.size
    return rng.choice(("{k} x {k} ", "{k}x{k} ", "{k} * {k} ", "{k}*{k} ")).format(k=k) + pool


def _cnn_prompt(rng: random.Random, layers: list[Layer]) -> str:
    wordy = rng.random() < 0.08
    side = layers[0].size
    dense = [layer.size for layer in layers if layer.kind == "dense"]
    convs = [layer for layer in layers[1:] if layer.kind != "dense"]
    name = rng.choice(_NET_NAMES[:8] + ("CNN", "convnet", "convolutional network"))
    inp = rng.choice(
        ("{s} * {s} input", "{s} x {s} input image", "{s}x{s} input", "{s} * {s} input image")
    ).format(s=side)
    parts = []
    i = 0
    while i < len(convs):
        # Repeated identical conv layers may be merged ("2 3 x 3 conv layers").
        if (
            convs[i].kind == "conv"
            and convs[i].size == 3
            and convs[i].detail == ""
            and i + 1 < len(convs)
            and convs[i + 1] == convs[i]
            and rng.random() < 0.4
        ):
            parts.append(
                rng.choice(("2 3 x 3 conv layers", "2 3 x 3 convolutional layers", "two 3x3 convs"))
            )
            i += 2
            continue
        phrase = _conv_phrase(rng, convs[i], wordy)
        if rng.random() < 0.3:
            phrase = "a " + phrase
        parts.append(phrase)
        i += 1
    seps = []
    for part in parts:
        seps.append(rng.choice(("", "", "then ", "and ", "and then ")) + part)
    body = ", ".join(seps)
    hidden, out = dense[:-1], dense[-1]
    tail = ""
    if hidden:
        where = _hidden_where(rng, len(hidden))
        if rng.random() < 0.15:
            where = rng.choice(("in fully connected layers", "in dense layers"))
        listed = join(rng, [str(v) for v in hidden], spaces=True)
        tail = f", {rng.choice(('', 'then ', 'and ', 'then and '))}{listed} nodes {where}"
    outp = rng.choice(
        (
            "{} output size",
            "{} output nodes",
            "{} output elements",
            "{} output layer nodes",
            "{} outputs",
        )
    )
    tail += ", and " + outp.format(out)
    conn = rng.choice(_CONNECT[:3])
    if rng.random() < 0.15:
        opener = rng.choice(("please draw ", "hey, can you draw ", "I need a diagram of ", "draw "))
        return f"{opener}a {name.lower()} {conn} {inp}, {body}{tail}"
    return f"{name} {conn} {inp}, {body}{tail}"


def _free_conv_phrase(rng: random.Random, layer: Layer) -> str:
    """Return a conv or pooling layer the way a user might write it ("2x2 max-pool")."""
    k = layer.size
    if layer.kind == "conv":
        if layer.detail == "out":
            return _conv_phrase(rng, layer, False)
        if k is None:
            return rng.choice(("a convolution", "a conv layer", "conv", "another convolution"))
        return rng.choice(
            (
                "a {k}x{k} convolution", "{k}x{k} conv", "conv {k}x{k}", "a {k}x{k} conv layer",
                "a convolution with {k}x{k} kernels", "{k}x{k} filters", "a {k} by {k} convolution",
            )
        ).format(k=k)  # fmt: skip
    name = {"max": ("max pooling", "max-pool", "maxpool"), "avg": ("average pooling", "avg pool")}
    word = rng.choice(name.get(layer.detail, ("pooling", "a pooling layer")))
    if k is None:
        return word
    form = rng.choice(("{w} {k}x{k}", "{k}x{k} {b}", "{w} ({k}x{k})"))
    return form.format(w=word, b=word.removeprefix("a "), k=k)


def _cnn_free_prompt(rng: random.Random, layers: list[Layer]) -> str:
    """Return a CNN prompt in free phrasing: "convnet on 48x48 pictures with a 5x5 conv..."."""
    side = layers[0].size
    dense = [layer.size for layer in layers if layer.kind == "dense"]
    body = [_free_conv_phrase(rng, layer) for layer in layers[1:] if layer.kind != "dense"]
    for size in dense[:-1]:
        body.append(
            rng.choice(
                ("{} hidden units", "a dense layer of {}", "a fully connected layer of {}",
                 "fc {}", "dense {}", "{} units")
            ).format(size)
        )  # fmt: skip
    out = dense[-1]
    outs = ["{} outputs", "{} output classes", "{} classes", "{} output units"]
    outs += ["a single output"] if out == 1 else ["a {}-way softmax", "{} classes out"]
    body.append(rng.choice(outs).format(out))
    name = rng.choice(("convnet", "CNN", "conv net", "image classifier", "small CNN"))
    inp = rng.choice(
        ("on {s}x{s} pictures", "for {s}x{s} images", "taking {s} by {s} images",
         "with {s}x{s} input", "for {s} x {s} inputs", "on {s}px images")
    ).format(s=side)  # fmt: skip
    sep = rng.choice((", ", ", then ", " -> "))
    text = sep.join(body[:-1]) + rng.choice((sep, ", then ", " and ")) + body[-1]
    opener = rng.choice(("", "draw a ", "sketch a ", "I need a diagram of a ", "a "))
    return f"{opener}{name} {inp}{rng.choice((' with ', ': ', ', '))}{text}"


def _cnn_block_example(rng: random.Random) -> tuple[str, list[Layer]]:
    """Return a prompt that states a conv block once and how often it repeats, and its layers.

    "three blocks, each a 3x3 conv followed by a 2x2 max-pool" or "... then
    the same block once more": the plan spells every repetition out.
    """
    side = rng.choice((32, 64, 96, 128, 224))
    kernel = rng.choice((3, 3, 5))
    convs = rng.choice((1, 1, 2))
    pool = Layer("pool", 2, rng.choice(("max", "max", "avg", "")))
    block = [Layer("conv", kernel)] * convs + [pool]
    times = rng.choice((2, 2, 3, 4))
    words = rng.choice((f"a {kernel}x{kernel} conv", f"a {kernel}x{kernel} convolution"))
    if convs == 2:
        words = rng.choice((f"two {kernel}x{kernel} convs", f"two {kernel}x{kernel} conv layers"))
    words += " followed by " + _free_conv_phrase(rng, pool)
    dense = [rng.choice((64, 128, 256, 512))] * rng.choice((0, 1)) + [rng.choice((2, 5, 10))]
    tail = ", then " + " and ".join(
        [f"a dense layer of {d}" for d in dense[:-1]] + [f"{dense[-1]} classes"]
    )
    if rng.random() < 0.5:
        count = number_words(times)
        prompt = f"CNN on {side}x{side} images: {count} blocks, each {words}{tail}"
    else:
        again = {2: "the same block once more", 3: "the same block twice more"}.get(
            times, f"{number_words(times - 1)} more of the same block"
        )
        prompt = f"convnet for {side}x{side} inputs: {words}, then {again}{tail}"
    layers = [Layer("input", side)] + block * times + [Layer("dense", d) for d in dense]
    return prompt, layers


def cnn_example(rng: random.Random) -> Example:
    layers = _cnn_layers(rng)
    roll = rng.random()
    if roll < 0.08:
        prompt, layers = _cnn_block_example(rng)
    elif roll < 0.35:
        prompt = _cnn_free_prompt(rng, layers)
    else:
        prompt = _cnn_prompt(rng, layers)
    plan = Plan("cnn", layers=tuple(layers))
    return finish(rng, prompt, plan, "dl_model", "networks")
