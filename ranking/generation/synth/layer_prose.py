"""Sequential networks described in prose, as people write them in posts and notes.

`synth/layers.py` writes an architecture as code or as a list of layers;
real descriptions are sentences: "A CNN for 32x32 RGB images: two 3x3 conv
layers with 32 filters, then 2x2 max pooling. The feature maps are flattened
and go through 50% dropout into a 10-way softmax." Runs of identical layers
are stated once with their count ("two ... layers"), which the plan unrolls,
and the output layer is named by what it does ("a 10-way softmax").
"""

from __future__ import annotations

import random

from ranking.generation.layerplan import LayerSpec
from ranking.generation.layerplan import number_text as _n
from ranking.generation.synth.common import and_list, number_words
from ranking.generation.synth.layer_context import around, sequence_input


def _count(rng: random.Random, count: int) -> str:
    return number_words(count) if rng.random() < 0.75 else str(count)


def run_length(specs: list[LayerSpec], start: int) -> int:
    """Return how many layers from `start` on equal the one at `start` (a skip is never a run)."""
    first = specs[start]
    end = start + 1
    while first.kind != "add" and end < len(specs) and specs[end] == first:
        end += 1
    return end - start


def runs(specs: list[LayerSpec]) -> list[tuple[LayerSpec, int]]:
    """Return consecutive identical layers as (layer, how many times) pairs."""
    out: list[tuple[LayerSpec, int]] = []
    i = 0
    while i < len(specs):
        times = run_length(specs, i)
        out.append((specs[i], times))
        i += times
    return out


# How people write activations; the plan writes the lowercase name.
_ACT_WORDS = {
    "relu": ("ReLU", "relu"),
    "leakyrelu": ("leaky ReLU", "LeakyReLU"),
    "gelu": ("GELU", "gelu"),
}


def pairs(specs: list[LayerSpec], start: int) -> int:
    """Return how many (layer, follower) pairs start at `start` that say "each followed by".

    The layers share their kind, kernel and activation and differ only in
    their first number; the follower (pooling, batch norm, dropout) is the
    same each time: "three conv layers with 32, 64 and 128 filters, each
    followed by 2x2 max pooling". 0 if fewer than two such pairs.
    """
    count = 0
    first = specs[start] if start + 1 < len(specs) else None
    if first is None or first.kind not in ("conv2d", "conv1d", "dense"):
        return 0
    follower = specs[start + 1]
    if follower.kind not in ("maxpool", "avgpool", "batchnorm", "dropout"):
        return 0
    i = start
    while i + 1 < len(specs):
        layer, after = specs[i], specs[i + 1]
        if layer.kind != first.kind or after != follower:
            break
        if layer.numbers[1:] != first.numbers[1:] or layer.activation != first.activation:
            break
        count += 1
        i += 2
    return count if count >= 2 else 0


def _pairs_phrase(rng: random.Random, layers: list[LayerSpec], follower: LayerSpec) -> str:
    sizes = [_n(s.numbers[0]) for s in layers]
    listed = sizes[0] if len(set(sizes)) == 1 else and_list(sizes)
    first = layers[0]
    count = number_words(len(layers))  # "2 3x3 conv layers" would read as one number
    act = _act(rng, first.activation)
    after = _phrase(rng, follower, 1, last=False)
    if first.kind == "conv2d":
        size = f"{_n(first.numbers[1])}x{_n(first.numbers[2])}"
        if first.activation and rng.random() < 0.4:
            # "three conv layers with 16, 32 and 64 filters (3x3, ReLU)"
            word = _act_word(rng, first.activation)
            what = f"{count} conv layers with {listed} filters ({size}, {word})"
        else:
            what = f"{count} {size} conv layers with {listed} filters{act}"
    elif first.kind == "conv1d":
        what = f"{count} 1D convolutions (width {_n(first.numbers[1])}) with {listed} filters{act}"
    else:
        what = f"{count} dense layers of {listed} units{act}"
    return (
        what + rng.choice((", each followed by ", ", each with ", " and after each one ")) + after
    )


# Layers whose first number (filters or units) may change from block to block.
_MAIN = ("conv2d", "conv1d", "dense")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


def _same_but_size(a: LayerSpec, b: LayerSpec) -> bool:
    if a.kind != b.kind or a.activation != b.activation:
        return False
    if a.kind in _MAIN:
        return a.numbers[1:] == b.numbers[1:]
    return a == b


def blocks(specs: list[LayerSpec], start: int) -> tuple[int, int]:
    """Return (block length, repeats) of the longest stack of repeated blocks at `start`.

    A block is 2-4 layers with at least one conv or dense layer and no skip;
    the blocks differ only in the filters (or units) of those layers, which
    are the same within one block: "three conv blocks, each two 3x3
    convolutions and a 2x2 max pool, with 32, 64 and 128 filters". The
    last layer (the output) is never part of a block. (0, 0) if none.
    """
    best = (0, 0)
    for length in (2, 3, 4):
        block = specs[start : start + length]
        mains = [s for s in block if s.kind in _MAIN]
        if len(block) < length or not mains or any(s.kind == "add" for s in block):
            continue
        if len({s.numbers[0] for s in mains}) > 1 or len({s.kind for s in mains}) > 1:
            continue
        times = 1
        while start + (times + 1) * length < len(specs):
            other = specs[start + times * length : start + (times + 1) * length]
            if not all(_same_but_size(a, b) for a, b in zip(block, other, strict=True)):
                break
            if len({s.numbers[0] for s in other if s.kind in _MAIN}) > 1:
                break
            times += 1
        if times >= 2 and length * times > best[0] * best[1]:
            best = (length, times)
    return best


def _bare(rng: random.Random, spec: LayerSpec, times: int) -> str:
    """Words for `times` copies of a conv or dense layer, without its filters or units."""
    count = number_words(times)
    act = _act(rng, spec.activation)
    if spec.kind == "conv2d":
        size = f"{_n(spec.numbers[1])}x{_n(spec.numbers[2])}"
        if times == 1:
            return rng.choice((f"a {size} convolution", f"a single {size} conv layer")) + act
        return rng.choice((f"{count} {size} convolutions", f"{count} {size} conv layers")) + act
    if spec.kind == "conv1d":
        width = _n(spec.numbers[1])
        if times == 1:
            return (
                rng.choice(
                    (f"a 1D convolution of width {width}", f"a Conv1D with kernel size {width}")
                )
                + act
            )
        return f"{count} one-dimensional convolutions with kernel size {width}{act}"
    return ("a dense layer" if times == 1 else f"{count} dense layers") + act


def _sizes_phrase(rng: random.Random, sizes: list[str], unit: str, noun: str) -> str:
    if len(set(sizes)) == 1:
        return rng.choice(
            (f", each with {sizes[0]} {unit}", f"; every block has {sizes[0]} {unit}")
        )
    listed = and_list(sizes)
    doubling = all(float(b) == 2 * float(a) for a, b in zip(sizes, sizes[1:], strict=False))
    if doubling and rng.random() < 0.4:
        return rng.choice(
            (
                f"; the width doubles each time, starting at {sizes[0]} {unit}",
                f", starting at {sizes[0]} {unit} and doubling every {noun}",
            )
        )
    if len(sizes) <= len(_ORDINALS) and rng.random() < 0.35:
        named = [f"the {_ORDINALS[0]} {noun} has {sizes[0]} {unit}"]
        named += [f"the {_ORDINALS[i]} {sizes[i]}" for i in range(1, len(sizes))]
        return "; " + ", ".join(named[:-1]) + " and " + named[-1]
    return rng.choice(
        (
            f"; the {noun}s have {listed} {unit}",
            f", with {listed} {unit} respectively",
            f" ({listed} {unit})",
            f", and the {unit} counts are {listed}",
        )
    )


def _blocks_phrase(rng: random.Random, body: list[LayerSpec], length: int, times: int) -> str:
    block = body[:length]
    main = next(s for s in block if s.kind in _MAIN)
    sizes = [_n(body[b * length + block.index(main)].numbers[0]) for b in range(times)]
    unit = "units" if main.kind == "dense" else "filters"
    count = number_words(times)
    single = block[0].kind in _MAIN and sum(s.kind in _MAIN for s in block) == 1
    if single and (main.kind == "dense" or rng.random() < 0.5):
        # One sized layer and its followers: "three hidden layers of 512, 256 and
        # 128 units, each followed by batch norm and then dropout of 0.3".
        followers = [_phrase(rng, s, 1, last=False) for s in block[1:]]
        after = " and then ".join(followers) if rng.random() < 0.5 else " and ".join(followers)
        listed = sizes[0] if len(set(sizes)) == 1 else and_list(sizes)
        if main.kind == "dense":
            what = f"{count} hidden layers of {listed} units{_act(rng, main.activation)}"
        else:
            what = f"{_bare(rng, main, times)} with {listed} filters"
        return what + rng.choice((", each followed by ", ", and after each one ")) + after
    inner_parts = []
    for spec, run in runs(block):
        if spec.kind in _MAIN:
            inner_parts.append(_bare(rng, spec, run))
        else:
            inner_parts.append(_phrase(rng, spec, run, last=False))
    inner = rng.choice((" followed by ", ", then ", " and ")).join(inner_parts)
    noun = rng.choice(("block", "stage", "conv block")) if main.kind != "dense" else "block"
    head = f"{count} {noun}s"
    form = rng.random()
    if form < 0.4:
        text = f"{head}. Each {noun} is {inner}"
    elif form < 0.7:
        text = f"{head}, each made of {inner}"
    else:
        text = f"{head} of {inner}"
    return text + _sizes_phrase(rng, sizes, unit, noun)


def dense_sizes(specs: list[LayerSpec], start: int) -> int:
    """Return how many dense layers from `start` on share an activation but not their units.

    "fully connected layers of 120 and 84 (both tanh)"; the output layer is
    never one of them. 0 if fewer than two.
    """
    first = specs[start]
    end = start
    while (
        end < len(specs) - 1
        and specs[end].kind == "dense"
        and specs[end].activation == first.activation
    ):
        end += 1
    run = specs[start:end]
    if len(run) < 2 or len({s.numbers[0] for s in run}) < len(run):
        return 0
    return len(run)


def _dense_sizes_phrase(rng: random.Random, layers: list[LayerSpec]) -> str:
    sizes = [_n(s.numbers[0]) for s in layers]
    listed = and_list(sizes)
    act = layers[0].activation
    if act and rng.random() < 0.5:
        word = _act_word(rng, act)
        every = "both" if len(layers) == 2 else "all"
        return rng.choice(
            (
                f"fully connected layers of {listed} ({every} {word})",
                f"{number_words(len(layers))} hidden layers ({listed} units, {every} {word})",
            )
        )
    return rng.choice(
        (
            f"dense layers of {listed} units{_act(rng, act)}",
            f"{number_words(len(layers))} hidden layers of {listed}{_act(rng, act)}",
        )
    )


def _act_word(rng: random.Random, act: str) -> str:
    return rng.choice(_ACT_WORDS.get(act, (act,)))


def _act(rng: random.Random, act: str) -> str:
    if not act:
        return ""
    act = _act_word(rng, act)
    return rng.choice(
        (f" with {act}", f" and {act}", f" ({act})", f", {act} activation", f" + {act}")
    )


def _input(rng: random.Random, nums: list[str]) -> str:
    if len(nums) == 3 and nums[2] in ("1", "3"):
        colour = rng.choice(("RGB", "colour", "color")) if nums[2] == "3" else "grayscale"
        shape = f"{nums[0]}x{nums[1]}"
        return rng.choice(
            (
                f"takes {shape} {colour} images",
                f"works on {shape} {colour} images",
                f"gets {shape} {colour} images as input",
            )
        )
    if len(nums) == 2:
        return rng.choice(
            (
                f"takes sequences of {nums[0]} time steps with {nums[1]} features",
                f"gets an input of shape {nums[0]}x{nums[1]}",
                f"reads windows of {nums[0]} timesteps with {nums[1]} features each"
                f" (input shape {nums[0]}x{nums[1]})",
                f"works on {nums[0]} frames of {nums[1]} log-mel coefficients",
                f"reads {nums[0]} samples from {nums[1]} sensor channels",
            )
        )
    shape = "x".join(nums)
    return rng.choice(
        (
            f"takes a {shape}-dimensional input",
            f"has {shape} input features",
            f"takes {shape} inputs",
        )
    )


def _output(rng: random.Random, spec: LayerSpec) -> str:
    units, act = _n(spec.numbers[0]), spec.activation
    if act == "softmax":
        return rng.choice(
            (
                f"a {units}-way softmax",
                f"a softmax output over {units} classes",
                f"an output layer of {units} units with softmax",
                f"{units} outputs with softmax",
                f"a softmax over the {units} classes",
            )
        )
    if act == "sigmoid" and units == "1":
        return rng.choice(
            (
                "a single sigmoid output unit",
                "one sigmoid output",
                "a sigmoid output",
                "1 output w/ sigmoid",
            )
        )
    if not act and rng.random() < 0.5:
        if units == "1":
            return rng.choice(
                ("one output neuron with no activation", "a single linear output unit")
            )
        return rng.choice(
            (
                f"a fully connected output layer producing logits for {units} classes",
                f"a linear layer to {units} outputs",
            )
        )
    return rng.choice(
        (
            f"an output layer of {units} units{_act(rng, act)}",
            f"a dense output layer with {units} units{_act(rng, act)}",
        )
    )


def _phrase(rng: random.Random, spec: LayerSpec, times: int, last: bool) -> str:
    """Return the words for `times` consecutive copies of `spec`."""
    k, nums = spec.kind, [_n(v) for v in spec.numbers]
    many = times > 1
    count = _count(rng, times) if many else ""
    act = _act(rng, spec.activation)
    if k in ("dense", "linear"):
        if last and not many:
            return _output(rng, spec)
        if many:
            return rng.choice(
                (
                    f"{count} hidden layers of {nums[0]} units{act}",
                    f"{count} dense layers with {nums[0]} units each{act}",
                    f"{count} fully connected layers of {nums[0]}{act}",
                    f"{count} hidden layers, {nums[0]} neurons each{act}",
                )
            )
        return rng.choice(
            (
                f"a dense layer with {nums[0]} units{act}",
                f"a fully connected layer of {nums[0]} units{act}",
                f"a {nums[0]}-unit hidden layer{act}",
                f"a {nums[0]}-neuron layer{act}",
                f"a hidden layer w/ {nums[0]} units{act}",
                f"a {nums[0]}-dim layer{act}",
                f"FC {nums[0]}{act}",
            )
        )
    if k == "conv2d":
        size = f"{nums[1]}x{nums[2]}"
        if many:
            return rng.choice(
                (
                    f"{count} {size} conv layers with {nums[0]} filters{act}",
                    f"{count} convolutional layers ({nums[0]} filters, {size} kernels){act}",
                    f"{count} {size} convolutions with {nums[0]} filters each{act}",
                    f"{count} {size} convs, {nums[0]} filters each{act}",
                    f"{count} conv layers of {nums[0]} {size} filters{act}",
                )
            )
        return rng.choice(
            (
                f"a {size} convolution with {nums[0]} filters{act}",
                f"a conv layer with {nums[0]} {size} filters{act}",
                f"a convolutional layer ({nums[0]} filters, kernel {size}){act}",
                f"{nums[0]} filters of {size}{act}",
                f"{nums[0]} {size} filters{act}",
                f"a conv layer with {nums[0]} output channels and a {size} kernel{act}",
                f"conv {size}, {nums[0]} channels{act}",
            )
        )
    if k == "conv1d":
        if many:
            return rng.choice(
                (
                    f"{count} 1D convolutions with {nums[0]} filters of width {nums[1]}{act}",
                    f"{count} one-dimensional conv layers ({nums[0]} filters, kernel"
                    f" {nums[1]}){act}",
                    f"{count} 1-D convolutions ({nums[0]} channels, kernel width {nums[1]}){act}",
                )
            )
        return rng.choice(
            (
                f"a 1D convolution with {nums[0]} filters of width {nums[1]}{act}",
                f"a Conv1D layer ({nums[0]} filters, kernel size {nums[1]}){act}",
                f"a one-dimensional convolutional layer with {nums[0]} filters and kernel"
                f" size {nums[1]}{act}",
                f"a temporal convolution ({nums[0]} filters, width {nums[1]}){act}",
                f"a 1-D conv with {nums[0]} channels and kernel width {nums[1]}{act}",
            )
        )
    if k in ("maxpool", "avgpool"):
        name = rng.choice(("max pooling", "max-pooling")) if k == "maxpool" else "average pooling"
        size = "x".join(nums)
        if len(nums) == 1:
            return rng.choice((f"{name} (pool size {size})", f"{name} of size {size}"))
        return rng.choice(
            (
                f"{size} {name}",
                f"{name} with a {size} window",
                f"a {size} {name} layer",
                f"a {size} {'max' if k == 'maxpool' else 'average'} pool",
                f"{'maxpool' if k == 'maxpool' else 'avgpool'} {size}",
            )
        )
    if k == "globalavgpool":
        return rng.choice(
            (
                "global average pooling",
                "a global average pool",
                "average pooling over the sequence",
                "global average pooling over time",
            )
        )
    if k == "globalmaxpool":
        return rng.choice(
            ("global max pooling", "a global max-pool", "max pooling over time", "global max pool")
        )
    if k == "flatten":
        return rng.choice(("a flatten layer", "flattening", "a Flatten"))
    if k == "batchnorm":
        return rng.choice(("batch normalization", "a batch norm layer", "batchnorm", "BN"))
    if k == "layernorm":
        return rng.choice(("layer normalization", "a layer norm", "LayerNorm"))
    if k == "dropout":
        rate = spec.numbers[0]
        percent = f"{round(rate * 100)}%"
        return rng.choice(
            (
                f"dropout of {nums[0]}",
                f"{percent} dropout",
                f"dropout (p={nums[0]})",
                f"dropout {nums[0]}",
                f"dropout at a rate of {nums[0]}",
                f"a dropout layer (rate {nums[0]})",
            )
        )
    if k == "embedding":
        vocab = spec.numbers[0]
        # "a 20k-word vocabulary": the plan writes 20000.
        short = f"{int(vocab) // 1000}k" if vocab % 1000 == 0 and rng.random() < 0.35 else nums[0]
        return rng.choice(
            (
                f"an embedding layer mapping a {short}-word vocabulary to {nums[1]} dimensions",
                f"embeds a {short}-token vocabulary into {nums[1]} dimensions",
                f"{nums[1]}-dimensional embeddings over a vocabulary of {nums[0]} tokens",
                f"an embedding ({nums[0]} x {nums[1]})",
                f"words get embedded (vocab {short}, embedding size {nums[1]})",
                f"{nums[1]}-d embeddings (vocabulary of {_thousands(rng, vocab)})",
                f"a {nums[1]}-dim embedding over {_thousands(rng, vocab)} tokens",
                f"token embeddings of size {nums[1]} (vocab {short})",
            )
        )
    if k in ("lstm", "gru", "rnn", "bilstm", "bigru", "birnn"):
        base = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[k.removeprefix("bi")]
        bi = "bidirectional " if k.startswith("bi") else ""
        if many:
            return rng.choice(
                (
                    f"{count} stacked {bi}{base} layers with {nums[0]} units{act}",
                    f"{count} {bi}{base} layers of {nums[0]} hidden units{act}",
                    f"a {count}-layer {bi}{base} with {nums[0]} units per layer{act}",
                    f"{count} {bi}{base} layers, each with {nums[0]} hidden units{act}",
                    f"{count} {bi}{base} layers with {nums[0]} hidden units per direction{act}"
                    if bi
                    else f"{count} stacked {base}s of size {nums[0]}{act}",
                )
            )
        return rng.choice(
            (
                f"a {bi}{base} with {nums[0]} hidden units{act}",
                f"a {bi}{base} layer ({nums[0]} units){act}",
                f"a {bi}{base} of size {nums[0]}{act}",
                f"a {bi}{base} w/ {nums[0]} hidden units{act}",
                f"a plain {base} with {nums[0]} hidden units{act}"
                if base == "RNN" and not bi
                else f"a {bi}{base} ({nums[0]}){act}",
            )
        )
    if k == "attention":
        heads = f" with {nums[0]} heads" if nums else ""
        if many:
            return f"{count} multi-head self-attention layers{heads}"
        if nums and rng.random() < 0.3:
            return f"one {nums[0]}-head self-attention layer"
        return rng.choice((f"multi-head self-attention{heads}", f"a self-attention layer{heads}"))
    if k == "transformer":
        heads = f" with {nums[0]} heads each" if nums else ""
        if many:
            return rng.choice(
                (
                    f"{count} transformer encoder layers{heads}",
                    f"a stack of {count} transformer blocks{heads}",
                    f"a stack of {count} Transformer encoder layers, each with {nums[0]} attention"
                    f" heads and a feed-forward width of {rng.choice((512, 1024, 2048))}"
                    if nums
                    else f"{count} Transformer encoder layers",
                )
            )
        return rng.choice((f"a transformer encoder layer{heads}", f"one transformer block{heads}"))
    raise ValueError(f"no prose for {k}")


def _thousands(rng: random.Random, value: float) -> str:
    """A vocabulary size as people write it: 32000, 32,000 or 32k."""
    value = int(value)
    if value < 1000 or rng.random() < 0.4:
        return str(value)
    if value % 1000 == 0 and rng.random() < 0.4:
        return f"{value // 1000}k"
    return f"{value:,}"


def _skip(rng: random.Random, specs: list[LayerSpec], index: int) -> str:
    k = int(specs[index].numbers[0])
    covered = specs[index - k : index]
    if k in (2, 3) and all(s.kind == "conv2d" for s in covered):
        around = f"around the {number_words(k)} conv layers"
    else:
        around = {1: "around that layer", 2: "around the last two layers"}.get(
            k, f"around the last {number_words(k)} layers"
        )
    return rng.choice((f"with a residual connection {around}", f"plus a skip connection {around}"))


_OPENERS = {
    "conv2d": ("A CNN", "A small convnet", "My image classifier", "The network", "Our CNN"),
    "conv1d": ("A 1D CNN", "The model", "My sequence model"),
    "lstm": ("A text classifier", "The model", "My RNN"),
    "transformer": ("A small transformer encoder", "The model", "Our classifier"),
    "dense": ("An MLP", "A feed-forward network", "The model", "My network"),
}
_AFTER = (", then ", ", followed by ", ". Then ", ". After that ", ", ", "; then ", ". Next comes ")


def _opener_kind(specs: list[LayerSpec]) -> str:
    kinds = {s.kind for s in specs}
    for kind, group in (
        ("conv2d", {"conv2d"}),
        ("conv1d", {"conv1d"}),
        ("transformer", {"transformer", "attention"}),
        ("lstm", {"lstm", "gru", "rnn", "bilstm", "bigru", "birnn"}),
    ):
        if kinds & group:
            return kind
    return "dense"


def prose(rng: random.Random, specs: list[LayerSpec]) -> str:
    """Return sentences describing `specs`, runs of identical layers stated with a count."""
    subject = rng.choice(_OPENERS[_opener_kind(specs)])
    body = list(specs)
    parts: list[str] = []
    if len(body) > 1 and body[0].kind == "input" and body[1].kind == "embedding":
        intro = sequence_input(rng, _n(body[0].numbers[0]))
        body = body[1:]
        start = rng.choice((". Then ", "; ", ". The tokens go through "))
    elif body and body[0].kind == "input":
        intro = f"{subject} {_input(rng, [_n(v) for v in body[0].numbers])}"
        body = body[1:]
        start = rng.choice((". It starts with ", ": ", ". First ", ". The layers: "))
    else:
        intro = subject
        start = rng.choice((": ", " with ", ". It has ", ". It starts with "))
    i = 0
    while i < len(body):
        length, times = blocks(body, i) if rng.random() < 0.85 else (0, 0)
        if length:
            parts.append(_blocks_phrase(rng, body[i:], length, times))
            i += length * times
            continue
        sized = dense_sizes(body, i) if rng.random() < 0.7 else 0
        if sized:
            parts.append(_dense_sizes_phrase(rng, body[i : i + sized]))
            i += sized
            continue
        paired = pairs(body, i) if rng.random() < 0.8 else 0
        if paired:
            parts.append(_pairs_phrase(rng, body[i : i + 2 * paired : 2], body[i + 1]))
            i += 2 * paired
            continue
        spec, times = body[i], run_length(body, i)
        if spec.kind == "add":
            parts.append(_skip(rng, body, i))
        else:
            parts.append(_phrase(rng, spec, times, last=i + times == len(body)))
        i += times
    text = parts[0]
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith(("with a residual", "plus a skip")):
            text += " " + part
            continue
        if i == len(parts) - 1 and len(parts) > 2:
            joiner = rng.choice((", and finally ", ". Finally ", ", and ", " and then "))
        else:
            joiner = rng.choice(_AFTER)
        text += joiner + part
    return around(rng, intro + start + text + rng.choice((".", ".", "")))
