"""Words that name a layer type, for the readers of networks written in words.

"max pooling", "Conv1D", "bi-GRU", "fully connected", "a softmax over the
18 languages": each names one layer type of the plan (docs/plan-language.md).
`layer_kinds` says which an item of a list names, or None when it names
none or two ("dropout after the LSTM").
"""

from __future__ import annotations

import re

from ranking.generation.layerplan import ACTIVATIONS
from ranking.generation.spelling import spelled

# Words of an item, lower case -> the layer types it may be drawn as.
# Order matters: the first pattern that matches an item's words names it.
_KINDS = (
    # A global pool is also one "over the sequence" or "over time".
    (
        r"global[ -]?(?:max|maximum)[ -]?pool"
        r"|max[ -]?pool(?:ing|ed)? over (?:the )?(?:sequence|time)",
        {"globalmaxpool"},
    ),
    (
        r"global[ -]?(?:average|avg|mean)[ -]?pool"
        r"|(?:average|avg|mean)[ -]?pool(?:ing|ed)? over (?:the )?(?:sequence|time)",
        {"globalavgpool"},
    ),
    (r"max[ -]?pool", {"maxpool"}),
    (r"(?:average|avg|mean)[ -]?pool", {"avgpool"}),
    (r"\bpool", {"maxpool", "avgpool"}),
    (r"\bconv(?:olution(?:al)?)?[ -]?1d\b|\b1[ -]?d conv", {"conv1d"}),
    (r"\bconv(?:olution(?:al)?)?[ -]?2d\b|\b2[ -]?d conv", {"conv2d"}),
    (r"\bconv(?:olution(?:al)?)?s?\b", {"conv1d", "conv2d"}),
    # "6 filters of 5x5", "16 5x5 filters": a conv layer said by its filters and
    # kernel. Not "conv 3x3, 64 filters", an item of a conv layer listed.
    (r"\b\d+ (?:\d+x\d+ filters\b|filters of (?:size )?\d+x\d+)", {"conv2d"}),
    (r"\bbi(?:directional)?[ -]?lstm", {"bilstm"}),
    (r"\bbi(?:directional)?[ -]?gru", {"bigru"}),
    (r"\bbi(?:directional)?[ -]?(?:(?:simple|vanilla|plain|elman) ?)?rnn", {"birnn"}),
    (r"\blstms?\b", {"lstm"}),
    (r"\bgrus?\b", {"gru"}),
    (r"\b(?:simple ?)?rnns?\b", {"rnn"}),
    (r"\bembed", {"embedding"}),
    (r"\bdropout", {"dropout"}),
    # Not "flattened MNIST digits", "the 784 pixels flattened": the input, said flat.
    (
        r"(?<!pixels )\bflatten"
        r"(?!ed (?:\d|[\w-]+ )?(?:mnist|images?|pixels?|inputs?|vectors?|digits))",
        {"flatten"},
    ),
    (r"\bbatch[ -]?norm|\bbn\b", {"batchnorm"}),
    (r"\blayer[ -]?norm", {"layernorm"}),
    (r"\b(?:self[ -])?attention(?! heads)", {"attention"}),  # not "with 8 attention heads"
    (r"\btransformer", {"transformer"}),
    (r"^add [1-9]$", {"add"}),  # a skip connection the block reader counted
    (r"\binputs?\b", {"input"}),
    # "token ids of length 64", "token sequences of length 64", "sequences are padded to 80".
    (
        r"^(?:the )?(?:token |word |input )?(?:ids|sequences?)\b.*"
        r"\b(?:of length|length|padded to|truncated to) \d"
        # "sequences of 40 chars"
        r"|^(?:the )?(?:input )?sequences? of \d+ (?:tokens|words|chars|characters)$",
        {"input"},
    ),
    (r"^(?:of |i\.e\. )?(?:an? |the )?shape \d", {"input"}),  # "..., shape 1000x1"
    # "reviews are cut to 120 words", "texts are padded/truncated to 150 tokens".
    (r"\b(?:cut|padded|truncated|capped) to \d+ (?:words|tokens)\b", {"input"}),
    # "a softmax over the 18 languages", "5-class softmax": the output layer.
    (
        r"^(?:a |an |the )?(?:final )?softmax (?:layer |output )?(?:over|across|for|of|with)"
        r" (?:the )?\d",
        {"dense", "linear"},
    ),
    (r"\d+[- ](?:class|way|unit) softmax", {"dense", "linear"}),
    # "a softmax layer predicts one of six activities"
    (r"^(?:a |an |the )?(?:final )?softmax (?:layer|classifier)\b", {"dense", "linear"}),
    # "a single sigmoid unit"
    (r"\b(?:sigmoid|softmax|linear|output) units?\b", {"dense", "linear"}),
    (r"\b\d+[- ](?:unit|dim\w*) bottleneck\b", {"dense", "linear"}),  # "a 32-unit bottleneck"
    (
        # Not "a simple RNN with 128 hidden units": the units of another layer.
        r"\bdense\b|fully[ -]connected|\bfc\b|\blinear\b|\bhidden\b(?! (?:units?|size|state|dim))"
        r"|\boutputs?\b|\bneurons?\b|\b\d+ (?:raw )?logits\b"
        # "a 256-unit ReLU layer", "a 784-unit sigmoid layer"
        r"|\b\d+[- ]units? (?:(?:" + "|".join(ACTIVATIONS) + r") )?layer\b",
        {"dense", "linear"},
    ),
)
KIND_RES = [(re.compile(pattern), frozenset(kinds)) for pattern, kinds in _KINDS]


def layer_kinds(item: str) -> frozenset[str] | None:
    """Return the layer types an item names, or None unless it names exactly one kind of layer."""
    found = [kinds for pattern, kinds in KIND_RES if pattern.search(item)]
    if not found:
        return None
    # "max pooling" also matches the plain pool words, "bidirectional LSTM"
    # the plain LSTM's: one family is one layer. "dropout after the LSTM" is two.
    families = {FAMILY.get(kind, kind) for kinds in found for kind in kinds}
    return found[0] if len(families) == 1 else None


# "two conv layers" (lower case): a count, then the layer's words, then a plural.
COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
COUNT_WORDS.update({str(n): n for n in range(2, 9)})
COUNT = re.compile(
    r"^(?:[a-z']+ ){0,5}?(two|three|four|five|six|[2-8]) (?!x)[a-z0-9 -]*?"
    r"(?:layers|convs|convolutions|lstms|grus|conv[12]ds?)\b"  # "two more conv1d with 64 filters"
)

FAMILY = {
    **dict.fromkeys(("maxpool", "avgpool", "globalmaxpool", "globalavgpool"), "pool"),
    **dict.fromkeys(("conv1d", "conv2d"), "conv"),
    **dict.fromkeys(("lstm", "bilstm"), "lstm"),
    **dict.fromkeys(("gru", "bigru"), "gru"),
    **dict.fromkeys(("rnn", "birnn"), "rnn"),
    **dict.fromkeys(("dense", "linear"), "dense"),
}

# "relu", "with softmax", "all convs use ReLU": an activation of the layers before.
ACTIVATION_ONLY = re.compile(
    r"^(?:with |and |a |an |also |(?:both|all)(?: with| using)? "
    r"|all (?:convs|convolutions|layers|of them) (?:use |using |with )?)?"
    r"(?:" + "|".join(ACTIVATIONS) + r")(?: activations?)?(?: on (?:both|all|each|them)| follows)?$"
)


# Words that also name a family of layers, beside the item words above:
# "long short-term memory", "a CNN with 32 filters", "multi-head", "GloVe vectors".
_MORE_KIND_WORDS = (
    (r"long short[- ]term memory", "lstm"),
    (r"gated recurrent", "gru"),
    (r"\brecurrent\b", "rnn lstm gru"),
    (r"\bcnn|convnet|\bfilters?\b|\bkernels?\b|\bconv", "conv"),
    (r"multi[- ]?head|\bheads?\b|\bbert\b|encoder (?:layer|block)s?", "attention"),
    (r"\bglove\b|word2vec|fasttext|word vectors|\bvocab", "embedding"),
    (r"\bskip\b|residual|shortcut|\badd(?:s|ed|ing)?\b|identity", "add"),
    (r"drop[- ]out", "dropout"),
    (r"normali[sz]", "norm"),
)
_MORE_KIND_RES = [(re.compile(pattern), families.split()) for pattern, families in _MORE_KIND_WORDS]
# Every kind of a family: where the prompt names a family, any of its kinds may
# be drawn. Beside FAMILY's, attention and transformer blocks go together, and
# so do the two norms ("normalized").
_FAMILY_KINDS = {family: set() for family in FAMILY.values()}
for _kind, _family in FAMILY.items():
    _FAMILY_KINDS[_family].add(_kind)
_FAMILY_KINDS |= dict.fromkeys(("attention", "transformer"), {"attention", "transformer"})
_FAMILY_KINDS["norm"] = {"batchnorm", "layernorm"}
# Drawn without being named: an input, and the dense layer an output is.
ALWAYS_LICENSED = frozenset({"input", "dense", "linear"})


def licensed_kinds(prompt: str) -> frozenset[str]:
    """Return the layer types a prompt names or hints at, each with its family's other kinds.

    A network in words draws only layers the text speaks of: the small model
    wrote "transformer 30" for a Titanic MLP and "bilstm 32" into a CNN.
    Dense layers and the input are always licensed (an output is a dense
    layer named by what it does: "a 10-way softmax", "one output neuron").
    """
    text = spelled(prompt).lower()  # "droput 0.2"
    kinds = set(ALWAYS_LICENSED)
    families = set()
    for pattern, named in KIND_RES:
        if pattern.search(text):
            families |= {FAMILY.get(kind, kind) for kind in named}
    for pattern, named in _MORE_KIND_RES:
        if pattern.search(text):
            families |= set(named)
    for family in families:
        kinds |= _FAMILY_KINDS.get(family, {family})
    return frozenset(kinds)
