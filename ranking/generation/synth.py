"""Synthetic (prompt, plan) pairs for fine-tuning the plan-writing LLM.

Each example draws a structure (a dense net, a CNN or a flowchart), writes
the plan for it, then renders an English prompt for the same structure in one
of many phrasings: the reference templates, terse, chatty, numbers in words.
Prompts may ask for a style ("dashed lines", "horizontal"); the plan's style
line honours that and is random otherwise, so sampling the style gives
variety.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ranking.generation import vocab
from ranking.generation.plan import (
    STYLE_CHOICES,
    FlowStep,
    Layer,
    Plan,
    random_style,
)


@dataclass(frozen=True)
class Example:
    """One training pair: a prompt, the plan text and its task family."""

    prompt: str
    plan: str
    family: str  # "dl_model" or "flowchart"


def generate_examples(n: int, seed: int) -> list[Example]:
    """Return `n` synthetic examples, the same list for the same seed."""
    rng = random.Random(seed)
    examples = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.22:
            examples.append(_dense_example(rng))
        elif roll < 0.42:
            examples.append(_cnn_example(rng))
        else:
            examples.append(_flow_example(rng))
    return examples


# ---------------------------------------------------------------- numbers

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(value: int) -> str:
    """Return `value` (0..9999) in English words ("sixty-four")."""
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens] + ("-" + _ONES[ones] if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        head = _ONES[hundreds] + " hundred"
        return head + (" and " + number_words(rest) if rest else "")
    thousands, rest = divmod(value, 1000)
    head = number_words(thousands) + " thousand"
    return head + (" " + number_words(rest) if rest else "")


def _num(rng: random.Random, value: int, wordy: bool) -> str:
    if wordy and value <= 1000 and rng.random() < 0.7:
        return number_words(value)
    return str(value)


def _join(rng: random.Random, items: list[str], spaces: bool = False) -> str:
    """Join items as an English list with a random separator style.

    Plain-space joining ("3 4 5") is only allowed for numbers, where it stays
    unambiguous.
    """
    if len(items) == 1:
        return items[0]
    style = rng.random()
    if style >= 0.6 and style < 0.8 and not spaces:
        style = 0.9
    if style < 0.4:
        return ", ".join(items[:-1]) + (", and " if rng.random() < 0.5 else " and ") + items[-1]
    if style < 0.6:
        return ", ".join(items)
    if style < 0.8:
        return " ".join(items)
    return " and ".join(items)


# ---------------------------------------------------------------- style requests

_STYLE_PHRASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("orient", "down"): (
        "top to bottom",
        "vertical layout",
        "drawn vertically",
        "flowing downwards",
    ),
    ("orient", "right"): (
        "left to right",
        "horizontal layout",
        "drawn horizontally",
        "laid out horizontally",
    ),
    ("shape", "circle"): ("use circles", "circles for the nodes", "round nodes"),
    ("shape", "box"): ("use rectangles", "boxes for every node", "square boxes"),
    ("shape", "round"): ("rounded rectangles", "rounded boxes", "use round rectangles"),
    ("line", "arrow"): ("with arrows", "arrows between shapes", "solid arrows"),
    ("line", "line"): ("plain lines without arrow heads", "solid lines", "simple lines, no arrows"),
    ("line", "dashed"): ("dashed lines", "dashed connections", "use dashed edges"),
    ("palette", "muted"): ("muted colours", "muted colors", "soft muted palette"),
    ("palette", "grey"): ("grey colours", "in grayscale", "gray palette"),
    ("palette", "bright"): ("bright colours", "vivid colors", "colourful"),
    ("palette", "blue"): ("blue tones", "in blue", "a blue palette"),
    ("palette", "green"): ("green tones", "in green", "a green palette"),
    ("palette", "warm"): ("warm colours", "warm colors like orange", "a warm palette"),
    ("palette", "pastel"): ("pastel colours", "pastel colors", "soft pastel palette"),
    ("palette", "mono"): ("black and white", "monochrome", "no colours"),
    ("labels", "labels"): ("with labels", "label every shape", "show the names"),
    ("labels", "nolabels"): ("without labels", "no text in the shapes", "unlabelled shapes"),
    ("size", "small"): ("small shapes", "compact", "tiny nodes"),
    ("size", "large"): ("large shapes", "big nodes", "make it big"),
}


def _style_and_request(rng: random.Random) -> tuple[dict[str, str], str]:
    """Return a style for the plan and the prompt suffix that requests part of it."""
    style = random_style(rng)
    if rng.random() > 0.3:
        return style, ""
    keys = rng.sample(list(STYLE_CHOICES), rng.choice((1, 1, 2, 3)))
    requests = []
    for key in keys:
        options = [v for (k, v) in _STYLE_PHRASES if k == key]
        value = rng.choice(options)
        style[key] = value
        requests.append(rng.choice(_STYLE_PHRASES[(key, value)]))
    text = _join(rng, requests)
    suffix = rng.choice(
        (". Please use {}.", ", {}.", ". Style: {}.", " ({})", ". I'd like {}.", "; {}")
    ).format(text)
    return style, suffix


def _add_request(rng: random.Random, prompt: str, suffix: str) -> str:
    """Append a style request; a bulleted prompt gets it on its own line."""
    if "\n" in prompt and rng.random() < 0.7:
        sentence = suffix.lstrip(".,;( ").rstrip(")")
        return prompt.rstrip(". ") + "\n" + sentence[0].upper() + sentence[1:]
    return prompt.rstrip(". ") + suffix


def _finish(rng: random.Random, prompt: str, plan: Plan, family: str) -> Example:
    style, suffix = _style_and_request(rng)
    if suffix:
        prompt = _add_request(rng, prompt, suffix)
    if rng.random() < 0.04:
        prompt = _typo(rng, prompt)
    return Example(prompt=prompt, plan=plan.with_style(style).to_text(), family=family)


def _typo(rng: random.Random, text: str) -> str:
    """Return text with one letter dropped or doubled inside a long word."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 5]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    words[i] = w[:j] + w[j + 1 :] if rng.random() < 0.5 else w[:j] + w[j] + w[j:]
    return " ".join(words)


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
    n = lambda v: _num(rng, v, wordy)  # noqa: E731
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
    hid = f"{_join(rng, [n(v) for v in hidden], spaces=True)} nodes {where}"
    return f"{name} {conn} {inp}, {rng.choice(('', 'and '))}{hid}, and {out}"


def _dense_free_prompt(rng: random.Random, sizes: list[int], wordy: bool) -> str:
    n = lambda v: _num(rng, v, wordy)  # noqa: E731
    hidden = sizes[1:-1]
    kind = rng.random()
    if kind < 0.25:
        sep = rng.choice(("-", "-", "x", " "))
        return rng.choice(
            ("a {} MLP", "{} network", "{} net", "MLP {}", "dense net {}", "nn {}")
        ).format(sep.join(str(v) for v in sizes))
    if kind < 0.45:
        layers = _join(rng, [n(v) for v in sizes], spaces=True)
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
    opener = rng.choice(
        (
            "hey, could you draw me ", "please draw ", "I need a diagram of ", "can you sketch ",
            "show me ", "make a picture of ", "draw ", "I'd like to see ", "",
        )
    )  # fmt: skip
    body = f"a neural network with {n(sizes[0])} inputs"
    if hidden:
        body += rng.choice((", hidden layers of ", ", then ", " followed by layers of "))
        body += _join(rng, [n(v) for v in hidden], spaces=True)
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
        return f"layers of {_join(rng, listed, spaces=True)} {unit}".rstrip()
    if form < 0.8:
        return f"hidden sizes {rng.choice(('/', ', ', '-')).join(listed)}"
    return f"hidden layers of {_join(rng, listed, spaces=True)} {unit}".rstrip()


def _dense_role_prompt(rng: random.Random, sizes: list[int], wordy: bool) -> str:
    """Return a prompt that names inputs, hidden layers and outputs in a user's words."""
    n = lambda v: _num(rng, v, wordy)  # noqa: E731
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


def _dense_example(rng: random.Random) -> Example:
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
    return _finish(rng, prompt, plan, "dl_model")


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
        k = _num(rng, layer.size, wordy) if wordy else str(layer.size)
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
        listed = _join(rng, [str(v) for v in hidden], spaces=True)
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


def _cnn_example(rng: random.Random) -> Example:
    layers = _cnn_layers(rng)
    roll = rng.random()
    if roll < 0.08:
        prompt, layers = _cnn_block_example(rng)
    elif roll < 0.35:
        prompt = _cnn_free_prompt(rng, layers)
    else:
        prompt = _cnn_prompt(rng, layers)
    plan = Plan("cnn", layers=tuple(layers))
    return _finish(rng, prompt, plan, "dl_model")


# ---------------------------------------------------------------- flowcharts

_FLOW_HEADS = (
    "machine learning model", "deep learning algorithm", "process", "algorithm", "RAG process",
    "data pre-processing algorithm", "Langchain process", "LLM process", "pipeline", "workflow",
    "ML pipeline", "data pipeline",
)  # fmt: skip
_FLOW_VERBS = ("includes,", "contains,", "consists of", "has these steps:", "does the following:")


# Nouns users type that the reference prompts never use; free prompts draw on
# them so the model learns to copy any phrase, not just the reference vocabulary.
_FREE_DATA = (
    "user questions", "web pages", "log files", "audio clips", "video frames", "sensor readings",
    "click logs", "customer records", "emails", "reviews", "product catalog", "predictions",
    "summary", "answer", "bounding boxes", "feature matrix", "lookup table", "sales table",
    "metrics", "model weights", "checkpoints", "query", "search results", "training set",
    "test set", "raw data", "parquet files", "spreadsheet", "transcripts", "captions", "masks",
    "time series", "forecast", "anomaly scores", "clusters", "chat history", "passages",
    "chunks", "vectors", "invoices", "tweets", "medical scans", "readings",
)  # fmt: skip
_FREE_PROC = (
    "scraper", "crawler", "data loader", "retriever", "reranker", "speech recognizer",
    "object detector", "BERT encoder", "sentiment classifier", "ETL job", "spark job",
    "evaluation script", "training loop", "chunker", "embedding model", "summarizer",
    "OCR engine", "feature extractor", "REST API", "web app", "lambda function",
    "vision transformer", "autoencoder", "k-means", "linear regression", "decision tree",
    "U-Net", "scheduler", "parser", "validator",
)  # fmt: skip


def _data_phrase(rng: random.Random, kind: str, free: bool = False) -> str:
    if free and rng.random() < 0.25:
        return rng.choice(_FREE_DATA)
    if rng.random() < 0.1:
        return rng.choice(vocab.EXTRA_DATA_PHRASES[kind])
    return rng.choice(vocab.DATA_PHRASES[kind])


def _proc_phrase(rng: random.Random, free: bool = False) -> str:
    if free and rng.random() < 0.25:
        return rng.choice(_FREE_PROC)
    kind = rng.choice(vocab.PROC_KINDS)
    if rng.random() < 0.1:
        return rng.choice(vocab.EXTRA_PROC_PHRASES[kind])
    return rng.choice(vocab.PROC_PHRASES[kind])


def _extra(rng: random.Random, weights: tuple[int, ...]) -> list[str]:
    """Return random data kinds; how many is drawn with `weights` (for 0, 1, 2...)."""
    count = rng.choices(range(len(weights)), weights=weights)[0]
    return [rng.choice(vocab.DATA_KINDS) for _ in range(count)]


# Words people put in front of a noun ("raw text", "cleaning script"); in a
# free prompt the plan copies the whole phrase, modifier included.
_DATA_MODIFIERS = ("raw", "clean", "input", "output", "final", "numeric", "training", "user")
_PROC_MODIFIERS = ("cleaning", "preprocessing", "embedding", "custom", "trained", "small")


def _free_word(rng: random.Random, phrase: str, free: bool, modifiers: tuple[str, ...]) -> str:
    """Return the phrase, in free prompts sometimes with a modifier in front."""
    if free and rng.random() < 0.15:
        return f"{rng.choice(modifiers)} {phrase}"
    return phrase


def _article(rng: random.Random, phrase: str, free: bool) -> str:
    """Return the phrase, in free prompts often with "a"/"an"/"the" (never in the plan)."""
    if not free or rng.random() < 0.45:
        return phrase
    if rng.random() < 0.5:
        return "the " + phrase
    return ("an " if phrase[0].lower() in "aeiou" else "a ") + phrase


def _flow_steps(
    rng: random.Random, free: bool = False
) -> list[tuple[FlowStep, list[str], str | None, list[str]]]:
    """Return steps with the prompt phrases behind each plan item.

    Mirrors the reference generator (see flowgraph.py): a main chain where
    each line's first input has the kind of the previous line's output, then
    side lines that hang off existing nodes. Line forms and list lengths
    follow the reference prompts' frequencies.
    """
    data_kinds: list[str] = []  # kinds of data nodes so far (for side lines)
    steps: list[tuple[list[str], str | None, list[str]]] = []
    n_main = rng.choices(range(1, 10), weights=(1, 3, 6, 8, 8, 6, 4, 2, 1))[0]
    prev_kind: str | None = None
    for i in range(n_main):
        last = i == n_main - 1
        proc: str | None = _proc_phrase(rng, free)
        in_kinds: list[str] = []
        if i > 0 or rng.random() > 0.3:  # else the chain starts at the processor
            first = prev_kind or rng.choice(vocab.DATA_KINDS)
            in_kinds = [first] + _extra(rng, (85, 12, 3))
        if last and in_kinds and rng.random() < 0.5:
            out_kinds = []  # a final line that only consumes
        else:
            out_kinds = [rng.choice(vocab.DATA_KINDS)] + _extra(rng, (85, 11, 4))
        if len(in_kinds) == 1 and len(out_kinds) == 1 and rng.random() < 0.35:
            proc = None  # "a PCA converts X into Y": no processor node
        steps.append((in_kinds, proc, out_kinds))
        data_kinds += in_kinds + out_kinds
        prev_kind = out_kinds[0] if out_kinds else None
        if not out_kinds:
            break
    n_chain = len(steps)
    for _ in range(rng.choices(range(6), weights=(4, 4, 3, 2, 1, 1))[0]):
        roll = rng.random()
        known = rng.choice(data_kinds) if data_kinds else rng.choice(vocab.DATA_KINDS)
        if roll < 0.4:  # "inputs X and process it with P"
            steps.append(([known] + _extra(rng, (85, 12, 3)), _proc_phrase(rng, free), []))
        elif roll < 0.75:  # "LLM that outputs X"
            steps.append(([], _proc_phrase(rng, free), [known] + _extra(rng, (85, 11, 4))))
        elif roll < 0.9:  # "a PCA converts X into Y"
            steps.append(([known], None, [rng.choice(vocab.DATA_KINDS)]))
        else:  # a side branch with its own input and output
            steps.append(([known], _proc_phrase(rng, free), [rng.choice(vocab.DATA_KINDS)]))

    def phrase(kind: str) -> str:
        return _free_word(rng, _data_phrase(rng, kind, free), free, _DATA_MODIFIERS)

    result: list[tuple[FlowStep, list[str], str | None, list[str]]] = []
    for i, (in_kinds, proc, out_kinds) in enumerate(steps):
        ins = [phrase(k) for k in in_kinds]
        outs = [phrase(k) for k in out_kinds]
        if free and 0 < i < n_chain and ins and result[-1][3] and rng.random() < 0.5:
            # People name the chained data again with the same words ("... into
            # tokens; an LLM reads the tokens"), or with a pronoun (see _flow_line).
            ins[0] = result[-1][3][0]
        if proc is not None:
            proc = _free_word(rng, proc, free, _PROC_MODIFIERS)
        step = FlowStep(tuple(ins), proc, tuple(outs))
        result.append((step, ins, proc, outs))
    return result


_PASSIVE = ("embedded", "encoded", "split", "parsed", "converted", "mapped")


def _pronoun_line(rng: random.Random, ins: list[str], proc: str | None, b: str) -> str:
    """Render a step whose first input is the previous step's output, named by a pronoun."""
    it = rng.choice(("it", "them", "these", "the result", "that"))
    rest = [_article(rng, w, True) for w in ins[1:]]
    a = it if not rest else f"{it} and {_join(rng, rest)}"
    if proc is None:
        return rng.choice(
            (
                f"which {rng.choice(('is', 'are'))} written to {b}",
                f"which {rng.choice(('is', 'are'))} saved as {b}",
                f"then {a} is converted into {b}",
                f"and {a} is stored in {b}",
                f"then turn {a} into {b}",
            )
        )
    proc = _article(rng, proc, True)
    if not b:
        return rng.choice(
            (
                f"which {rng.choice(('is', 'are'))} fed into {proc}",
                f"then {proc} consumes {a}",
                f"finally {a} goes into {proc}",
                f"and {proc} uses {a}",
                f"then send {a} to {proc}",
            )
        )
    forms = [
        f"then {proc} turns {a} into {b}",
        f"{proc} then takes {a} and produces {b}",
        f"and {proc} reads {a} and writes {b}",
        f"then {rng.choice(('turn', 'convert', 'transform', 'map'))} {a} into {b} with {proc}",
        f"then {rng.choice(('plot', 'render', 'save', 'export', 'show'))} {a} as {b} with {proc}",
        f"{a} {rng.choice(('is', 'are'))} then passed to {proc}, which outputs {b}",
    ]
    if not rest:
        forms.append(f"which {proc} turns into {b}")
    return rng.choice(forms)


def _flow_line(
    rng: random.Random,
    ins: list[str],
    proc: str | None,
    outs: list[str],
    free: bool,
    pronoun: bool = False,
) -> str:
    """Render one step in the reference templates or, if `free`, in free phrasings.

    `pronoun`: the step continues the previous one (same first input phrase)
    and a free prompt may refer to that input as "it" / "them".
    """
    a = _join(rng, [_article(rng, w, free) for w in ins]) if ins else ""
    b = _join(rng, [_article(rng, w, free) for w in outs]) if outs else ""
    if free and pronoun:
        return _pronoun_line(rng, ins, proc, b)
    them = "them" if len(ins) + len(outs) > 1 else rng.choice(("it", "them"))
    if free and proc is not None:
        proc = _article(rng, proc, free)
    if proc is None:
        if free:
            return rng.choice(
                (
                    f"{a} is converted into {b}",
                    f"convert {a} to {b}",
                    f"turn {a} into {b}",
                    f"{a} becomes {b}",
                    f"{a} -> {b}",
                    f"a {_proc_phrase(rng)} turns {a} into {b}",
                    f"{a} is stored in {b}",
                    f"{a} goes into {b}",
                    f"save {a} to {b}",
                    f"{a} is written to {b}",
                )
            )
        return f"a {_proc_phrase(rng)} converts {a} into {b}"
    if ins and outs:
        if free:
            return rng.choice(
                (
                    f"{proc} takes {a} and produces {b}",
                    f"feed {a} into {proc} to get {b}",
                    f"use {proc} on {a} to produce {b}",
                    f"{a} is processed by {proc} into {b}",
                    f"run {proc} over {a}, giving {b}",
                    f"{proc} reads {a} and writes {b}",
                    f"{a} -> {proc} -> {b}",
                    f"{proc} turns {a} into {b}",
                    f"{proc} loads {a} and outputs {b}",
                    f"{a} goes into {proc}, which outputs {b}",
                    f"{a} is fed to {proc} to get {b}",
                    f"{proc} takes {a} and returns {b}",
                    f"pass {a} through {proc} to obtain {b}",
                    f"{proc} converts {a} to {b}",
                    f"with {proc}, {a} becomes {b}",
                    f"{proc} taking {a} and producing {b}",
                    f"{a} {rng.choice(('is', 'are'))} turned into {b} by {proc}",
                    f"{rng.choice(('get', 'load', 'fetch', 'pull'))} {b} from {a} with {proc}",
                    f"{a} {rng.choice(('is', 'are'))} transformed by {proc} into {b}",
                    f"{proc}, which reads {a} and outputs {b}",
                    f"{a} {rng.choice(('is', 'are'))} {rng.choice(_PASSIVE)} by {proc} into {b}",
                )
            )
        return rng.choice(
            (
                f"inputs {a}, and outputs {b} and process them with {proc}",
                f"inputs {a}, and outputs {b} and process them with {proc}",
                f"{proc} that inputs {a}, and outputs {b}",
                f"{proc} that process {a}, and outputs {b}",
                f"{proc} that handle {a}, and outputs {b}",
                f"{proc} that, with {a} as input, and {b} as output",
            )
        )
    if ins:
        if free:
            return rng.choice(
                (
                    f"{a} goes into {proc}",
                    f"{proc} consumes {a}",
                    f"finally {proc} reads {a}",
                    f"send {a} to {proc}",
                    f"{a} -> {proc}",
                    f"{proc} takes {a}",
                    f"{a} is fed into {proc}",
                    f"{proc} is applied to {a}",
                )
            )
        return rng.choice(
            (
                f"inputs {a} and process {them} with {proc}",
                f"inputs {a} and process {them} with {proc}",
                f"{proc} that, with {a} as input",
                f"{proc} that process {a}",
                f"{proc} that handle {a}",
            )
        )
    if outs:
        if free:
            return rng.choice(
                (
                    f"{proc} produces {b}",
                    f"{proc} generates {b}",
                    f"{b} comes from {proc}",
                    f"{proc} -> {b}",
                    f"{proc} outputs {b}",
                    f"{proc} creates {b}",
                    f"start with {proc}, which produces {b}",
                )
            )
        return rng.choice(
            (
                f"outputs {b} and process {them} with {proc}",
                f"{proc} that with {b} as output",
                f"{proc} that outputs {b}",
            )
        )
    return f"{proc}"


_FREE_FLOW_HEADS = (
    "Draw this pipeline:",
    "hey, could you draw my ML pipeline?",
    "Diagram of a workflow:",
    "Please make a flowchart of these steps:",
    "I need a diagram for this data flow:",
    "Flowchart:",
    "my process:",
    "Can you sketch the following pipeline",
)


def _flow_prompt(rng: random.Random, lines: list[str], free: bool) -> str:
    head = f"{rng.choice(_FLOW_HEADS)} that {rng.choice(_FLOW_VERBS)}"
    if free and rng.random() < 0.6:
        head = rng.choice(_FREE_FLOW_HEADS)
    elif rng.random() < 0.1:
        head = rng.choice(("please draw a ", "I need a diagram of a ", "draw a ")) + head
    if rng.random() < 0.25:
        # Single-paragraph form: "first, ..., and then ..., and ...".
        joiners = (", and then ", ", and ", ", then ")
        if free:
            joiners += ("; ", ". Then ", ". ", " and then ")
        joined = lines[0]
        for line in lines[1:]:
            joined += rng.choice(joiners) + line
        first = rng.choice(("first, ", "", "first, "))
        return f"{head} {first}{joined}{rng.choice(('', '.'))}"
    bullets = ("- ", "* ") if not free else ("- ", "* ", "• ", "", "{n}. ", "Step {n}: ", "{n}) ")
    bullet = rng.choice(bullets)
    body = []
    for n, line in enumerate(lines, 1):
        body.append(bullet.format(n=n) + line)
    end = rng.choice(("", "", "."))
    return f"{head} \n" + "\n".join(body) + end


def _arrow_chain(rng: random.Random, steps) -> str | None:
    """Return "A -> P -> B -> Q -> C" when the steps are one plain chain, else None."""
    parts: list[str] = []
    for i, (_, ins, proc, outs) in enumerate(steps):
        if len(ins) != 1 or len(outs) != 1 or proc is None:
            return None
        if i and ins[0] != parts[-1]:
            return None
        parts += ([] if i else ins) + [proc, outs[0]]
    return rng.choice((" -> ", " -> ", " → ", " => ", " --> ")).join(parts)


def _simple_chain(rng: random.Random) -> list[tuple[FlowStep, list[str], str, list[str]]]:
    """Return 2-5 steps of one plain chain (each output feeds the next processor)."""
    data = _data_phrase(rng, rng.choice(vocab.DATA_KINDS), True)
    steps = []
    for _ in range(rng.choice((2, 2, 3, 3, 4, 5))):
        proc = _proc_phrase(rng, True)
        out = _data_phrase(rng, rng.choice(vocab.DATA_KINDS), True)
        steps.append((FlowStep((data,), proc, (out,)), [data], proc, [out]))
        data = out
    return steps


def _flow_example(rng: random.Random) -> Example:
    free = rng.random() < 0.45
    # Long arrow chains ("a -> p -> b -> q -> c") are rare among random
    # steps, and the stage-2 adapter dropped their later inputs.
    steps = _simple_chain(rng) if free and rng.random() < 0.2 else _flow_steps(rng, free)
    chain = _arrow_chain(rng, steps) if free and rng.random() < 0.7 else None
    if chain:
        # Arrow notation names each node once, so a later step's input is the
        # very phrase of the previous output (plans copy phrases verbatim).
        head = rng.choice(_FREE_FLOW_HEADS + ("data flow:", "pipeline:"))
        plan = Plan("flow", steps=tuple(step for step, *_ in steps))
        return _finish(rng, f"{head} {chain}", plan, "flowchart")
    lines = []
    for i, (_, ins, proc, outs) in enumerate(steps):
        # Only a line that names the previous output again may say "it" instead.
        continues = i > 0 and bool(ins) and ins[0] in steps[i - 1][3][:1]
        pronoun = continues and rng.random() < 0.5
        lines.append(_flow_line(rng, ins, proc, outs, free, pronoun))
    prompt = _flow_prompt(rng, lines, free)
    plan = Plan("flow", steps=tuple(step for step, *_ in steps))
    return _finish(rng, prompt, plan, "flowchart")
