"""The order of layers a network written as a plain list spells out, for the decoder.

"input 32x32x3, two conv layers with 32 filters 3x3 and relu, 2x2 max
pooling, flatten, dense 10 softmax" names one layer type per item, in
order, as a pasted listing does (`pasted_code.code_order`). The small model
reads the numbers well but drops or merges a counted item ("two conv
layers" written once). `list_order` reads the order of types from such a
list so the constrained decoder holds each layer line to it, with the
numbers its own item states (`constrain.LayerRules`).

It reads only what it can read for certain: every item must name exactly
one layer type (an item that is only an activation, "softmax", belongs to
the layer before). A sentence, a block ("each followed by", "three conv
blocks"), a skip connection or code gives None, and the model reads the
prompt on its own.
"""

from __future__ import annotations

import re

from ranking.generation.layerplan import ACTIVATIONS, needs_layer_plan
from ranking.generation.pasted_code import Step
from ranking.generation.prompt_numbers import licensed_numbers

# A network written as a list has at least this many items.
MIN_ITEMS = 3
# "keyword spotting net", "The network takes 224x224 grayscale images".
MAX_TITLE_WORDS = 8
# Words of a list item, lower case -> the layer types it may be drawn as.
# Order matters: the first pattern that matches an item's words names it.
_KINDS = (
    (r"global[ -]?(?:max|maximum)[ -]?pool", {"globalmaxpool"}),
    (r"global[ -]?(?:average|avg|mean)[ -]?pool", {"globalavgpool"}),
    (r"max[ -]?pool", {"maxpool"}),
    (r"(?:average|avg|mean)[ -]?pool", {"avgpool"}),
    (r"\bpool", {"maxpool", "avgpool"}),
    (r"\bconv(?:olution(?:al)?)?[ -]?1d\b|\b1d conv", {"conv1d"}),
    (r"\bconv(?:olution(?:al)?)?[ -]?2d\b|\b2d conv", {"conv2d"}),
    (r"\bconv(?:olution(?:al)?)?s?\b", {"conv1d", "conv2d"}),
    (r"\bbi(?:directional)?[ -]?lstm", {"bilstm"}),
    (r"\bbi(?:directional)?[ -]?gru", {"bigru"}),
    (r"\bbi(?:directional)?[ -]?(?:simple ?)?rnn", {"birnn"}),
    (r"\blstms?\b", {"lstm"}),
    (r"\bgrus?\b", {"gru"}),
    (r"\b(?:simple ?)?rnns?\b", {"rnn"}),
    (r"\bembed", {"embedding"}),
    (r"\bdropout", {"dropout"}),
    (r"\bflatten", {"flatten"}),
    (r"\bbatch[ -]?norm", {"batchnorm"}),
    (r"\blayer[ -]?norm", {"layernorm"}),
    (r"\b(?:self[ -])?attention", {"attention"}),
    (r"\btransformer", {"transformer"}),
    (r"\binputs?\b", {"input"}),
    # "a softmax over the 18 languages", "5-class softmax": the output layer.
    (
        r"^(?:a |an |the )?softmax (?:layer |output )?(?:over|across|for|of) (?:the )?\d",
        {"dense", "linear"},
    ),
    (r"\d+[- ](?:class|way) softmax", {"dense", "linear"}),
    (
        r"\bdense\b|fully[ -]connected|\bfc\b|\blinear\b|\bhidden\b|\boutputs?\b",
        {"dense", "linear"},
    ),
)
_KIND_RES = [(re.compile(pattern), frozenset(kinds)) for pattern, kinds in _KINDS]
# What a plain list never says: blocks, shared followers, skips, code, passives.
_NOT_A_LIST = re.compile(
    r"\beach\b|\bevery\b|\bblocks?\b|\bstages?\b|\brepeat|\btimes\b|residual|\bskip\b|\badd\b"
    r"|\bsame\b|\bagain\b|\bboth\b|\b(?:is|are|was|were) \w+ed by\b"
    r"|\bnn\.|\blayers\.|sequential|\bdef |\bimport |model\.add|\bself\.",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r",|;|:|\n|\.\s|\s(?:then|and then|and|followed by|->|→)\s")
# "My RNN", "a small transformer encoder": what the list is, not a layer of it.
_TITLE = re.compile(
    r"^(?:a|an|my|our|the|this|here'?s?)\b.*\b(?:model|network|net|encoder|decoder|classifier"
    r"|architecture|cnn|rnn|mlp|tagger|regressor|autoencoder)s?$"
    r"|.*\b(?:takes|works|operates|receives|reads|uses|is|has)\b"
)
# An item that only adds numbers to the layer before it: "conv1d with 64
# filters, kernel size 3", "an embedding of 10,000 words, 128-dimensional".
_MORE_NUMBERS = re.compile(r"^(?:with |and )?(?:\d|kernel|stride|filters?\b|units?\b|size\b)")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "2": 2, "3": 3, "4": 4}
# "two conv layers": a count, then the layer's words, then a plural.
_COUNT = re.compile(
    r"^(?:[a-z']+ ){0,3}?(two|three|four|five|six|[2-4]) (?!x)[a-z0-9 -]*?"
    r"(?:layers|convs|convolutions|lstms|grus)\b"
)
_PLURAL = re.compile(r"\blayers\b")
_ACTIVATION_ONLY = re.compile(
    r"^(?:with |and |a |an )?(?:" + "|".join(ACTIVATIONS) + r")(?: activation)?$"
)


def list_order(prompt: str) -> tuple[Step, ...] | None:
    """Return the layers a plain list of layers names, in order, or None.

    Only for a prompt that names a layer only a layer plan can draw
    (`needs_layer_plan`): "2 3 x 3 conv layers, 2 x 2 pooling and 10
    outputs" is a reference `cnn` prompt, and keeps that form's freedom.
    """
    if _NOT_A_LIST.search(prompt) or not needs_layer_plan(prompt):
        return None
    items = _items(prompt)
    if len(items) < MIN_ITEMS:
        return None
    # A title before the list ("keyword spotting net, input ...") is left out;
    # one that names a layer too ("My RNN takes ...") cannot be told from one.
    if not any(pattern.search(items[0]) for pattern, _ in _KIND_RES):
        if len(items[0].split()) > MAX_TITLE_WORDS:
            return None  # a sentence, not a title: "GPS emails are parsed by ..."
        items = items[1:]
    elif _TITLE.match(items[0]) and _kinds(items[0]) != {"input"}:
        return None
    items = _merged(items)
    if items is None or len(items) < MIN_ITEMS:
        return None
    steps: list[Step] = []
    for item in items:
        if _ACTIVATION_ONLY.match(item):
            if not steps:
                return None
            continue
        kinds = _kinds(item)
        if kinds is None:
            return None
        count = _COUNT.match(item)
        times = _COUNT_WORDS[count.group(1)] if count else 1
        numbers = licensed_numbers(item[count.end(1) :] if count else item)
        steps += [Step(kinds, numbers=numbers)] * times
    if sum("input" in step.kinds for step in steps) > 1:
        return None
    # A network mixes kinds of layer; "X computes embeddings, Y combines the
    # embeddings, ... are embedded by Z" is a process.
    if len({_FAMILY.get(kind, kind) for step in steps for kind in step.kinds}) < 2:
        return None
    if any("input" in step.kinds and len(step.kinds) == 1 for step in steps[1:]):
        return None
    return tuple(steps)


def _merged(items: list[str]) -> list[str] | None:
    """Return the items with number-only ones joined to the layer before; None if one cannot be."""
    merged: list[str] = []
    for item in items:
        if _kinds(item) is None and _MORE_NUMBERS.match(item):
            # "layers of 120 and 84": sizes of a count the list does not say.
            if not merged or (_PLURAL.search(merged[-1]) and not _COUNT.match(merged[-1])):
                return None
            merged[-1] = f"{merged[-1]} {item}"
        else:
            merged.append(item)
    return merged


def _items(prompt: str) -> list[str]:
    """Return the list's items, lower case: bullet lines, else the text's comma-separated parts."""
    text = prompt.strip()
    # A parenthesis belongs to its item: "an embedding (20000 words, 128 dims)".
    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", text)  # "10,000 words"
    text = re.sub(r"\(([^()]*)\)", lambda m: " " + m.group(1).replace(",", " "), text)
    items = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue  # a Markdown heading
        line = _BULLET.sub("", line)
        for part in _SEPARATORS.split(f" {line.lower()} "):
            part = part.strip(" .!")
            if part:
                items.append(part)
    return items


def _kinds(item: str) -> frozenset[str] | None:
    """Return the layer types an item names, or None unless it names exactly one kind of layer."""
    found = [kinds for pattern, kinds in _KIND_RES if pattern.search(item)]
    if not found:
        return None
    # "max pooling" also matches the plain pool words, "bidirectional LSTM"
    # the plain LSTM's: one family is one layer. "dropout after the LSTM" is two.
    families = {_FAMILY.get(kind, kind) for kinds in found for kind in kinds}
    return found[0] if len(families) == 1 else None


_FAMILY = {
    **dict.fromkeys(("maxpool", "avgpool", "globalmaxpool", "globalavgpool"), "pool"),
    **dict.fromkeys(("conv1d", "conv2d"), "conv"),
    **dict.fromkeys(("lstm", "bilstm"), "lstm"),
    **dict.fromkeys(("gru", "bigru"), "gru"),
    **dict.fromkeys(("rnn", "birnn"), "rnn"),
    **dict.fromkeys(("dense", "linear"), "dense"),
}
