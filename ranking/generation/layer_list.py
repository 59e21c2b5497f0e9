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
from dataclasses import replace

from ranking.generation.layer_blocks import unrolled
from ranking.generation.layer_words import (
    ACTIVATION_ONLY,
    COUNT,
    COUNT_WORDS,
    FAMILY,
    KIND_RES,
    layer_kinds,
)
from ranking.generation.layerplan import ACTIVATIONS, RECURRENT, needs_layer_plan
from ranking.generation.pasted_code import Step
from ranking.generation.pasted_code.vocabulary import CARRY_ACTIVATION
from ranking.generation.prompt_numbers import DEFAULTS, licensed_numbers, stated_numbers
from ranking.generation.spelling import spelled

_CONVS = frozenset({"conv1d", "conv2d"})
_DENSE = frozenset({"dense", "linear"})
_KERNEL_1D = re.compile(r"\b(?:kernel(?: size)?|width|size)(?: of)? (\d+)\b|\b(\d+)[- ]wide\b")
# Layers whose line writes one number (units, heads, rate, pool size).
_ONE_NUMBER = {"dense", "lstm", "bilstm", "gru", "bigru", "rnn", "birnn", "dropout", "maxpool"}
_ONE_NUMBER |= {"avgpool", "attention", "transformer", "add"}
# "with 8 attention heads and a feed-forward width of 1024": the heads are the line's number.
_HEADS = re.compile(r"\b(\d+) (?:attention )?heads\b")
# "a linear layer with 3 outputs" names the layer, not an activation.
_ACTIVATION_WORD = re.compile(r"\b(" + "|".join(a for a in ACTIVATIONS if a != "linear") + r")\b")
_SHAPE = re.compile(r"\b\d+(?:\s*[x×]\s*\d+)+\b")
# "After flattening we have a fully connected layer ...": a flatten layer, then the next.
_AFTER_FLATTENING = re.compile(
    r"\bafter flattening\b,?\s*(?:(?:we|there) (?:have|is|are|get) |comes? )?", re.IGNORECASE
)
# "token ids of length 200 go into an embedding (vocabulary of 20000, 100
# dimensions)", "input sequences of 256 tokens are embedded with a table ...":
# the input and the embedding in one item.
_INPUT_INTO = re.compile(
    r"^(?:.*?\b(?:i|we) feed )?"
    r"(?P<input>(?:the )?(?:token |word |input )?(?:ids|sequences|tokens)\b[^,]*?\d+[^,]*?)"
    r" (?:go(?:es)? into|are fed (?:in)?to|feed into|are embedded (?:with|into|by)"
    r"|are mapped (?:in)?to|into) (?P<layer>(?:[\w-]+ ){0,4}?embeddings?\b.*)$"
)
_FLATTENED = re.compile(r"\bflatten(?:ed|s)?\b")
_CHANNEL_WORD = re.compile(r"\b(?:rgb|colou?r|gr[ae]yscale|gr[ae]y|mono)\b")
# Layers whose first number is a size (filters, units, heads, vocabulary), never a default 1.
_SIZED = {"conv1d", "conv2d", "dense", "linear", "lstm", "bilstm", "gru", "bigru", "rnn", "birnn"}
_SIZED |= {"embedding", "attention", "transformer"}
_KERNEL_2D = re.compile(r"\b(\d+)\s*(?:x|×|by)\s*\1\b")
# Height x width x channels.
_IMAGE_SHAPE = re.compile(r"\b\d+\s*[x×]\s*\d+\s*[x×]\s*\d+\b")
# A network written as a list has at least this many items.
MIN_ITEMS = 3
# "keyword spotting net", "The network takes 224x224 grayscale images".
MAX_TITLE_WORDS = 14
MAX_TITLE_ITEMS = 3
# Passives that hand the data on to the next layer ("the attended states are
# reduced by global max pooling"): a lead-in, not a step of their own.
_HANDED_VERBS = (
    r"(?:processed|reduced|classified|passed|fed|sent|transformed|mapped|projected|encoded)"
)
_HANDED = _HANDED_VERBS + r" (?:by|through|into|to|with)"
# What a plain list never says: blocks, shared followers, skips, code, passives.
_NOT_A_LIST = re.compile(
    r"\beach\b|\bevery\b|\bblocks?\b|\bstages?\b|\brepeat|\btimes\b|\bskip\b"
    r"|residual(?! (?:cnn|net|network|mlp|model|convnet|classifier)\b)"  # not a title's
    r"|\badd\b(?! [1-9]\b)"
    r"|\bsame\b|\bagain\b|\bbetween\b|\bexcept\b"  # "ReLU everywhere except the bottleneck"
    r"|\b(?:is|are|was|were) (?!followed |" + _HANDED_VERBS + r" by )\w+ed by\b"
    # "both relu" is an activation of the layers before; "both layers have 100 units" is not.
    r"|(?<!\bon )\bboth\b(?! (?:with |using )?(?:" + "|".join(ACTIVATIONS) + r")\b)"
    r"|\b(?:after|before) the (?:first|second|third|fourth)\b"
    r"|\bnn\.|\blayers\.|sequential|\bdef |\bimport |model\.add|\bself\.",
    re.IGNORECASE,
)
# "128 units in each direction", "7 features each", "dropout 0.2 again":
# words a plain list uses too, not a block or a shared follower.
_PLAIN_EACH = re.compile(
    r"\b(?:in |for )?(?:each|every) (?=(?:[\w-]+ )?(?:token|word|direction|time ?step|step"
    r"|frame|day|comment|utterance|sample|image|sentence|position|pixel|class|label|tag|intent"
    r"|review|document"
    r"|text|example|record|sequence|input|segment|window|clip)\b)"
    r"|(?<=\d)(?P<noun> (?:[\w-]+ )?(?:features|channels|values|readings|coefficients|axes|bins"
    r"|dims|dimensions)) each\b"
    # "2x2 max pooling again, then ...": that layer once more, a plain item.
    r"|(?:(?<=pooling)|(?<=norm)|(?<=normalization)) again\b(?=\s*(?:[,.;]|then\b|and\b|$))"
    r"|(?<=\d) again\b(?! with)"
    r"|\bagain\b(?= \d)"  # "32 filters, again 5x5 with relu": the numbers said again
    r"|\bagain\b(?= with (?:" + "|".join(ACTIVATIONS) + r")\b)",  # "again with tanh"
    re.IGNORECASE,
)
_SEPARATORS = re.compile(
    r",|;|:|\n|[.?!]\s"
    r"|\s(?:then|and then|and finally|finally|(?:and )?(?:(?:is|are) )?(?:directly )?followed"
    r" (?:directly )?by|and|feeds|leads? (?:in)?to|leading (?:in)?to|->|→"
    # "a 3x3 conv with 64 filters plus batch norm"
    r"|plus(?= (?:an? )?(?:batch|layer|dropout|max|average|global|flatten)))\s"
)
# "My RNN", "a small transformer encoder": what the list is, not a layer of it.
_TITLE = re.compile(
    r"^(?:a|an|my|our|the|this|here'?s?)\b.*\b(?:model|network|net|encoder|decoder|classifier"
    r"|architecture|cnn|rnn|mlp|tagger|regressor|autoencoder)s?$"
    r"|.*\b(?:takes|works|operates|receives|reads|uses|is|has)\b"
)
# "LSTM forecaster", "draw a transformer encoder classifier": what the network is.
_NAMED = re.compile(
    r"^(?:(?:draw|sketch|building|making|designing) )?(?:a |an |my |our |the )?(?:[\w-]+ ){0,3}"
    r"(?:forecaster|classifier"
    r"|tagger|model|network|net|regressor|baseline|detector|recogni[sz]er|demo|example"
    r"|perceptron|mlp|convnet|autoencoder)$"
    # "We use a compact Transformer encoder.": the whole network, said before its layers.
    r"|^(?:we|i) (?:use|used|built|have|trained|train) (?:a |an |our |my )?(?:[\w-]+ ){0,3}"
    r"(?:encoder|decoder|autoencoder|transformer|cnn|rnn|mlp|convnet|network|net|model)$"
)
# "we look at a convolutional network for 28x28 digits": the whole network, no layer.
_NETWORK_TITLE = re.compile(
    r"\b(?:a|an|the|our|my) (?:small |simple |tiny |deep )?(?:(?:one|two|1|2)[- ]dimensional )?"
    r"(?:convolutional|recurrent"
    r"|fully[ -]connected|feed-?forward) (?:neural )?(?:network|net|model|classifier)\b"
)
_REQUEST = re.compile(
    r"^(?:can|could|would) you\b|^(?:please|pls|thanks?|hey|hi)\b"
    r"|^(?:please )?(?:draw|sketch) (?:it|this|the (?:model|network|net))\b"  # "Draw the model"
)
_TRAINING_NOTE = re.compile(
    r"\b(?:trained|training|epochs?|batch size|learning rate|optimi[sz]er|adam|sgd|accuracy"
    r"|auc|f1|validation|test set|held-out|holdout|loss|mse|mae|lr|early stopping|patience"
    r"|weight decay|momentum|warm-?up|standardi[sz]e|cross-?entropy|total|dataset"
    # "Data augmentation is random crops and flips, which isn't part of the model."
    r"|augmentation|part of the (?:model|network|net))\b"
    # "we flag anything above 0.8 as an anomaly": what is done with the network.
    r"|^(?:we|i) (?!(?:use|used|add|added|apply|applied|have|stack|stacked)\b)"
)
_OUTPUT_WORD = re.compile(r"\b(?:outputs?|classes|units|neurons|filters)\b")
_DRAWING_WISH = re.compile(r"\b(?:picture|diagram|drawing|figure|visuali[sz]ation|image of it)\b")
# "Could you sketch a small attention model for me?": a request that names the
# whole network, not its first layer.
_REQUEST_TITLE = re.compile(
    r"^(?:(?:can|could|would) you|please|pls)\b.*\b(?:model|network|net|classifier"
    r"|architecture|rnn|cnn|lstm|gru|mlp|convnet|autoencoder|transformer)(?: for me)?$"
)
# "Small transformer for intent classification": what the network is for.
_NAMED_FOR = re.compile(
    r"^(?:a |an |my |our |the )?(?:[\w-]+ ){0,2}(?:\w+-)?"  # "hybrid cnn-rnn for dna"
    r"(?:transformer|cnn|rnn|lstm|gru|mlp|convnet|net|network|model|classifier|tagger|forecaster"
    r"|regressor|detector|autoencoder)s? for\b"
)
# "my forecaster takes 48 time steps with 6 features", "an MLP for 20 tabular
# features": a title that says the network's input.
_TITLE_INPUT = re.compile(
    r"\b(\d+) (?:time ?steps|steps|days|hours|samples|frames) (?:with|of|x|by|from) (\d+)"
    r"(?:-dim(?:ensional)?)? (?:[\w-]+ ){0,2}?"
    r"(?:features?|channels?|coefficients|bins|axes|sensors)\b"
    r"|\b(\d+) (?:[\w-]+ )?(?:features|variables|columns)\b(?! (?:with|of|x|by|from) \d)"
    # "an autoencoder for 784-dimensional inputs"
    r"|\b(\d+)-(?:dim(?:ensional)?|pixel|value|feature|element) (?:[\w-]+ )?"
    r"(?:inputs?|vectors?|images?)\b"
    # "a convolutional network for 28x28 grayscale digits"
    r"|\b(\d+\s*[x×]\s*\d+(?:\s*[x×]\s*\d+)?(?: (?:rgb|colou?r|gr[ae]yscale|gr[ae]y))?)"
    r" (?:[\w-]+ )?(?:images|digits|photos|pictures|scans|x-rays|crops|patches|tiles)\b"
    # "chest x-rays resized to 128x128 grayscale"
    r"|\b(?:resized|scaled|cropped|downsampled) to"
    r" (\d+\s*[x×]\s*\d+(?:\s*[x×]\s*\d+)?(?: (?:rgb|colou?r|gr[ae]yscale|gr[ae]y))?)"
    # "reads windows shaped 2048x1"
    r"|\b(?:shaped|of shape) (\d+\s*[x×]\s*\d+(?:\s*[x×]\s*\d+)?)\b"
)
# "a transformer encoder classifier for sequences of length 128", where no other input is said.
_SEQUENCE_INPUT = re.compile(
    r"\bsequences of (?:length |up to )?(\d+)(?: tokens)?(?=$|[ ,.;])(?! \w)"
)
# An item that only adds numbers to the layer before it: "conv1d with 64
# filters, kernel size 3", "an embedding of 10,000 words, 128-dimensional".
_MORE_NUMBERS = re.compile(
    r"^(?:with |and |so |also |i\.e\.,? )?"
    r"(?:\d|kernel|stride|filters?\b|units?\b|size\b|dim(?:ension)?s?\b|vocab"
    # "embedded with a vocabulary of 8000 and a dimension of 64"
    r"|an? (?:(?:embedding|hidden|vector) )?(?:dim(?:ension)?|width) of \d"
    # "each with 8 attention heads and a feed-forward width of 1024"
    r"|(?:an? )?(?:feed-?forward|ffn?|mlp) (?:width|dim\w*|size|hidden size)\b)"
)
# "- encoder: 512 relu -> 128 relu": a section of the network, not a layer.
_SECTION = re.compile(r"^(?:the )?(?:encoder|decoder|backbone|head|stem|body)$")
# "Input: 14 features", "- output: 1 unit": a label that names the item.
_LABEL = re.compile(r"^\s*((?:[A-Za-z-]+ ){0,2}[A-Za-z-]+):\s+")
# Items that only lead on to the next ("after that", "then we flatten") or
# say what the network is before its first layer ("it has a 3x3 conv").
_FILLER = re.compile(
    r"^(?:then|and|next|finally|first|after that|also|returns? (?:the )?(?:full )?sequences?"
    # Section labels: "Layers: ...", "Encoder: dense 512 relu, ... Decoder: ..."
    r"|(?:the )?(?:layers|encoder|decoder|backbone|head|stem|body)"
    # "After that a feed-forward part: ..."
    r"|(?:after that )?(?:a |the )?(?:feed-?forward|ffn|mlp|classifier) (?:part|block|head|section)"
    r"|it (?:has|uses)|(?:it'?s|it is) (?:just |only )?an? (?:simple |small |plain )?\w+"
    # "There are two conv blocks, each ...", once the blocks are written out.
    r"|there (?:are|is)|(?:we|i) (?:have|use)|i'?m using|(?:the|my|our) (?:model|network|net) has"
    r"|(?:the )?(?:encoder|decoder) (?:mirrors|reverses) (?:it|this|that|the (?:en|de)coder))$"
)
_LEAD_IN = re.compile(
    r"^(?:(?:it|which|and) )?(?:has|uses|contains|starts with|consists of) |^then we (?=\w+$)"
    r"|^then (?=an? \S|\d|two |three |four )"  # "Then 2 3x3 conv layers ...", "then a pool"
    # "On top of that we stack 2 transformer encoder layers": the layers, on the last.
    r"|^on top of (?:that|this|it)(?:,)? (?:we |i )?(?:stack|add|put|have|use) "
    r"|^feeds (?:into |to )?(?=an? |the )"  # "global average pooling then feeds a softmax layer"
    r"|^(?:these|they|this|it) feeds? (?:into |to )?"  # "These feed two bidirectional GRU layers"
    # "the decoder mirrors it with 64 relu -> 256 relu": the decoder's layers follow.
    r"|^(?:the )?(?:encoder|decoder) (?:mirrors|reverses) (?:it|this|that) with "
    # "the encoder goes 256 relu -> 64 relu", "the decoder goes back up through ..."
    r"|^(?:the )?(?:encoder|decoder) goes (?:back )?(?:up |down )?(?:through |to )?"
    # "The encoder is a dense layer of 256 with relu followed by ..."
    r"|^(?:the )?(?:encoder|decoder|stem|head|backbone) (?:is|has|uses) (?=an? |one |\d)"
    # "The classifier is four fully connected layers of ...", "..., ending in a sigmoid output"
    r"|^(?:the |this |our |my )?(?:classifier|model|network|net|mlp|regressor) (?:is|has)"
    r" (?=an? |one |\d|(?:fully|dense|hidden|conv)\w*)"
    r"|^(?:ending|finishing|ends|finishes) (?:in|with) "
    # "the pooled features pass through dropout 0.5"
    r"|^(?:the |its |this )?(?:[\w-]+ ){0,3}?"
    r"(?:pass(?:es)?|go(?:es)?|(?:is|are) (?:passed|fed|sent)) (?:through|into|to) "
    # "the embedded sequence is processed by two LSTM layers", "passed to a dense layer"
    r"|^(?:the |its |this )?(?:[\w-]+ ){0,3}?(?:is |are )?" + _HANDED + r" "
    # "each review is embedded with a table of ...": the layer, said of the data.
    r"|^(?:the |its |this |per )?(?:[\w-]+ ){0,3}?(?:is|are) (?=(?:embedded|flattened)\b)"
)
# "decoder: 128 relu, then back to 784 with sigmoid": another size, with its activation.
_BACK_TO = re.compile(r"^(?:then )?back to (\d+) (?:with )?(?=\w+$)")
# "the first convolutional layer has 6 filters": that layer, with its numbers.
_NTH_LAYER = re.compile(
    r"^(?:the )?(?:first|second|third|fourth|fifth|next|last|final)"
    r" ((?:[\w-]+ ){0,2}layer) (?:has|uses|with) "
)
# "one per label", "nothing fancy": a closing aside after the last layer.
_ASIDE_WORDS = 4
# "one unit per toxicity label", "one per subcellular localization class": of the output.
_ONE_PER = re.compile(r"^(?:with )?one (?:unit |neuron |output |logit )?(?:per|for each) ")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_PLURAL = re.compile(r"\blayers\b")
# "84 tanh", "10 softmax outputs": a size with its own activation.
_ANOTHER_SIZED = re.compile(
    r"^\d+ (?:" + "|".join(ACTIVATIONS) + r")(?: (?:units?|outputs?|neurons?))?$"
)
# A word that names a layer type: searching it searches every KIND_RES pattern at once.
_KIND_WORDS = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in KIND_RES))
# "Input: 256-dimensional embeddings from a frozen encoder": the input's size, not a layer.
_DIMENSIONAL = re.compile(r"^(?:an? )?\d+(?:-dim\w*|-d)\b")
# "dropout 0.1 before the output, which is 1 unit with sigmoid": the output said after.
_BEFORE_OUTPUT_WHICH = re.compile(
    r"\s+(?:right |just )?before the (?:final )?output(?: layer)?,\s*which (?:is|has) ", re.I
)
# "a softmax over the actions" after an output layer sized: that layer's activation.
_SOFTMAX_OVER = re.compile(r"^(?:a |an |the )?(?:softmax|sigmoid) (?:over|across) (?:the )?\D+$")
_OUTPUT_LAYER = re.compile(r"\b\d+ (?:outputs|classes)\b")
# "512 relu -> 128 relu -> 32": in a network of sizes only, a size after a sized layer is a layer.
_BARE_SIZE = re.compile(r"^\d+(?: (?:" + "|".join(ACTIVATIONS) + r"))?(?: (?:units?|neurons?))?$")
# A network that is all dense layers by its name: its bare sizes are dense layers.
_DENSE_NETWORK = re.compile(r"\b(?:autoencoder|mlp|(?:multi-?layer )?perceptron)\b", re.IGNORECASE)
_DENSE_ONLY = frozenset({"input", "dense", "linear", "dropout", "batchnorm", "layernorm"})
# "all dense layers": the type of the sizes said without one ("encoder: 128 relu then 32 relu").
_ALL_OF_TYPE = re.compile(
    r"^(?:(?:they are|they're|it's|its) )?(?:all|all of them)(?: are)?"
    r" (?:dense|fully[ -]connected|linear)(?: layers)?$"
    # "(it) is a stack of linear layers"
    r"|^(?:(?:it )?is )?a stack of (?:dense|fully[ -]connected|linear) layers$"
)
# "no dropout or anything": what the network does not have.
_NONE_OF = re.compile(
    r"^(?:no|without|not|neither|none)\b"
    # "the input length isn't fixed so no input shape"
    r"|\bno input(?: shape| size| layer)?$|\binput (?:length|size|shape) (?:isn'?t|is not) fixed\b"
)
_HAS_SIZE = re.compile(r"\b\d+\b")
_DIMENSIONS = re.compile(r"\b[12][ -]?d\b(?= ?conv)")
_DENSE_WORD = re.compile(r"\b(?:dense|linear|fully[ -]connected)\b")
# A process step said in a list ("a torchserve combines the tokens with gps
# passages to output ..."): a long item with a step's verb is no layer.
_STEP_WORDS = 8
# Verbs of moving data around; not "produces", "predicts", "embeds", which a
# network's own layers do ("a final dense layer ... produces a distribution").
_STEP_VERB_FORMS = frozenset(
    "loads combines merges joins writes reads visualises visualizes parses exports uploads "
    "pulls fetches ingests stores consumes publishes".split()
)


def list_order(prompt: str) -> tuple[Step, ...] | None:
    """Return the layers a plain list of layers names, in order, or None.

    Only for a prompt that names a layer only a layer plan can draw
    (`needs_layer_plan`): "2 3 x 3 conv layers, 2 x 2 pooling and 10
    outputs" is a reference `cnn` prompt, and keeps that form's freedom.
    """
    prompt = spelled(prompt)  # "droput 0.2 after each"
    prompt = re.sub(r"\b(\d+) by (\d+)\b", r"\1x\2", prompt)  # "28 by 28 grayscale images"
    if not needs_layer_plan(prompt):
        return None
    prompt = _PLAIN_EACH.sub(_plain_each, prompt)
    # "three conv blocks, each ...", "two GRU layers of 128 and 64 units": the
    # plain list it stands for, if read for certain.
    prompt = unrolled(prompt) or prompt
    prompt = _BEFORE_OUTPUT_WHICH.sub(", then an output of ", prompt)
    if _NOT_A_LIST.search(prompt):
        return None
    items = _items(prompt)
    if len(items) < MIN_ITEMS:
        return None
    items = _without_title(items)
    if items is None or any(_is_process_step(item) for item in items):
        return None
    items, all_of = _typed(items)
    if all_of is None and _DENSE_NETWORK.search(prompt) and _only_dense(items):
        all_of = "dense"  # "Autoencoder ...: 512 relu -> 128 relu -> 32"
    items = _merged(items, all_of)
    if items is None or len(items) < MIN_ITEMS:
        return None
    steps: list[Step] = []
    times = 1
    for item in items:
        if ACTIVATION_ONLY.match(item):
            if not steps:
                return None
            last = steps[-times:]
            if last[0].kinds & CARRY_ACTIVATION and not last[0].activation:
                steps[-times:] = [replace(step, activation=_activation(item)) for step in last]
            continue
        kinds = layer_kinds(item)
        if kinds is None:
            return None
        if kinds == _CONVS and _KERNEL_2D.search(item):
            kinds = frozenset({"conv2d"})  # "a 3x3 conv": a 1-D convolution has no square kernel
        count = COUNT.match(item)
        times = COUNT_WORDS[count.group(1)] if count else 1
        own = item[count.end(1) :] if count else item
        step = Step(kinds, numbers=licensed_numbers(own, _defaults(kinds)))
        steps += [_with_draft(step, own)] * times
    if sum("input" in step.kinds for step in steps) > 1:
        return None
    # A network mixes kinds of layer; "X computes embeddings, Y combines the
    # embeddings, ... are embedded by Z" is a process.
    families = {FAMILY.get(kind, kind) for step in steps for kind in step.kinds}
    if len(families) < 2 and not (families == {"dense"} and _sized_dense(items)):
        return None
    first = items[0]
    if len(steps) > 1 and steps[-1].kinds == {"input"} and "input" not in steps[0].kinds:
        # "..., then ten outputs with softmax. input is 784 pixels": the input, said last.
        steps.insert(0, steps.pop())
        first = next(item for item in reversed(items) if layer_kinds(item) == {"input"})
    if any("input" in step.kinds and len(step.kinds) == 1 for step in steps[1:]):
        return None
    return _convs_of_the_input(tuple(steps), first)


def _is_process_step(item: str) -> bool:
    """Whether a long item is a process step ("the redshift producer loads embeddings ...")."""
    words = item.split()
    return len(words) > _STEP_WORDS and any(word in _STEP_VERB_FORMS for word in words)


def _sized_dense(items: list[str]) -> bool:
    """Whether a list of dense layers says so: a size in every item, "dense" in one."""
    layers = [item for item in items if not ACTIVATION_ONLY.match(item)]
    return all(re.search(r"\d|\b(?:single|one)\b", item) for item in layers) and any(
        _DENSE_WORD.search(item) for item in layers
    )


def _plain_each(match: re.Match) -> str:
    if match["noun"]:
        return match["noun"]
    return "" if match[0].strip().lower() == "again" else "per "


def _with_draft(step: Step, item: str) -> Step:
    """Return `step` with what its line plainly reads as, for the decoder's draft.

    The numbers in plan order where the item leaves no doubt ("a 3x3 conv
    with 64 filters" -> 64, 3), else none; speculation checks every token.
    """
    (kind,) = step.kinds if len(step.kinds) == 1 else ("dense",) if step.kinds == _DENSE else ("",)
    item = _DIMENSIONS.sub(" ", item)  # the 1 of "1D conv" is no size
    numbers = stated_numbers(item)
    written: tuple[str, ...] = ()
    if kind == "conv2d" and (kernel := _KERNEL_2D.search(item)):
        rest = stated_numbers(item[: kernel.start()] + " " + item[kernel.end() :])
        written = (rest[0], kernel[1]) if len(rest) == 1 else ()
    elif kind == "conv1d" and (kernel := _KERNEL_1D.search(item)):
        rest = stated_numbers(item[: kernel.start()] + " " + item[kernel.end() :])
        written = (rest[0], kernel[1] or kernel[2]) if len(rest) == 1 else ()
    elif kind in ("maxpool", "avgpool") and (size := _KERNEL_2D.search(item)):
        written = (size[1],)
    elif kind == "embedding" and len(numbers) == 2:
        written = tuple(sorted(numbers, key=float, reverse=True))  # the vocabulary is the larger
    elif kind == "input":
        written = _input_shape(item, numbers)
    elif kind in _ONE_NUMBER and len(numbers) == 1:
        written = tuple(numbers)
    elif kind in ("attention", "transformer") and (heads := _HEADS.search(item)):
        written = (heads[1],)  # "... 8 attention heads and a feed-forward width of 1024"
    one_d = "1d" if kind in ("maxpool", "avgpool") and not _KERNEL_2D.search(item) else ""
    activation = _activation(item) if step.kinds & CARRY_ACTIVATION else ""
    return replace(step, written=written, activation=activation, call=one_d)


def _input_shape(item: str, numbers: list[str]) -> tuple[str, ...]:
    """Return the input's dimensions: its first shape ("128x128", plus a channel said in words)."""
    shape = _SHAPE.search(item)
    if shape and _FLATTENED.search(item):
        # "a flattened 28x28 image, so 784 values": the input is the flat vector.
        rest = stated_numbers(item[: shape.start()] + " " + item[shape.end() :])
        return tuple(rest) if len(rest) == 1 else ()
    if not shape:
        said = _TITLE_INPUT.search(item)  # "a sequence of 50 steps with 16 features"
        if said and said[1] and said[2]:
            return (said[1], said[2])
        return tuple(numbers) if len(numbers) == 1 else ()
    dims = tuple(stated_numbers(shape[0].replace("×", "x")))
    if len(dims) == 2 and (channels := _CHANNEL_WORD.search(item)):
        dims += ("3" if channels[0].startswith(("rgb", "col")) else "1",)
    return dims


def _activation(item: str) -> str:
    """Return the one activation an item names, or ""."""
    named = set(_ACTIVATION_WORD.findall(item.replace("leaky relu", "leakyrelu")))
    return named.pop() if len(named) == 1 else ""


def _convs_of_the_input(steps: tuple[Step, ...], first: str) -> tuple[Step, ...]:
    """Return the steps with convolutions 2-D where the input is an image ("input 64x64x3").

    And their pools drafted 2-D ("maxpool 2x2") in a network of 2-D convolutions.
    """
    if "input" in steps[0].kinds and _IMAGE_SHAPE.search(first):
        conv2d = frozenset({"conv2d"})
        steps = tuple(replace(s, kinds=conv2d) if s.kinds == _CONVS else s for s in steps)
    if any(step.kinds == {"conv2d"} for step in steps):
        # "max pooling of 2" after a 2-D convolution is a 2x2 pool.
        steps = tuple(replace(step, call="") if step.call == "1d" else step for step in steps)
    return steps


def _defaults(kinds: frozenset[str]) -> frozenset[str]:
    """Return the numbers an item's line may write without the item saying them.

    A channel count of 1 is for the input: "conv1d 1 7" for "32 filters of
    kernel size 7" is the small model misplacing a default.
    """
    return DEFAULTS - {"1"} if kinds & _SIZED else DEFAULTS


def _title_input(title: str) -> str:
    """Return the input item a title says ("input 48x6"), or ""."""
    match = _TITLE_INPUT.search(title)
    if match is None:
        sequence = _SEQUENCE_INPUT.search(title)
        return f"input {sequence[1]}" if sequence else ""
    if image := match[5] or match[6]:  # an image: its shape as written, with its channel word
        return "input " + image
    return "input " + "x".join(number for number in match.groups() if number)


def _without_title(items: list[str]) -> list[str] | None:
    """Return the list's items without a title and a closing request; None if a title is unclear.

    "need a diagram for my traffic sign classifier. it takes 40x40 RGB
    images, ...": up to two short items that name no layer are a title. One
    that names a layer too ("My RNN takes ...") cannot be told from a layer,
    unless it says what the network is ("LSTM forecaster", "transformer for
    intent classification").
    """
    while items and _REQUEST.match(items[-1]):
        items = items[:-1]  # "Can you draw it top to bottom?"
    said = ""  # the input, where a title says it
    # "hey", "want a diagram of my model for a slide": chat before the title, no title slot.
    while len(items) > 1 and (_REQUEST.match(items[0]) or _is_wish(items[0])):
        if _KIND_WORDS.search(items[0]):
            break
        said = said or _title_input(items[0])  # "a picture of a CNN that takes 32x32x3 images"
        items = items[1:]
    for _ in range(MAX_TITLE_ITEMS):
        if not items or (
            _KIND_WORDS.search(items[0])
            and not _REQUEST_TITLE.match(items[0])
            and not _names_network_only(items[0])
        ):
            break
        if (
            len(items[0].split()) > MAX_TITLE_WORDS
            and not _REQUEST.match(items[0])
            # "we feed windows of 128 steps with 9 channels into a convolutional network"
            and not (_names_network_only(items[0]) and _title_input(items[0]))
        ):
            return None  # a sentence, not a title: "GPS emails are parsed by ..."
        said = said or _title_input(items[0])
        items = items[1:]
    if not items:
        return None
    if said and not any(layer_kinds(item) == {"input"} for item in items):
        items = [said, *items]
    # A network starts at its input: "my stock price LSTM: input is 60 days x 5 features, ...".
    inputs = [i for i, item in enumerate(items[:MAX_TITLE_ITEMS]) if layer_kinds(item) == {"input"}]
    if inputs and all(len(item.split()) <= MAX_TITLE_WORDS for item in items[: inputs[0]]):
        return items[inputs[0] :]
    if _NAMED_FOR.search(items[0]) or _NAMED.match(items[0]):
        said = _title_input(items[0])  # "a transformer classifier for sequences of length 128"
        if said and not any(layer_kinds(item) == {"input"} for item in items[1:]):
            return [said, *items[1:]]
        return items[1:]
    if _TITLE.match(items[0]) and layer_kinds(items[0]) != {"input"}:
        return None
    return items


def _names_network_only(item: str) -> bool:
    """Whether an item's layer words are those of a network's name ("a convolutional network")."""
    rest = _NETWORK_TITLE.sub("", item)
    return rest != item and not _KIND_WORDS.search(rest)


_UNITS = re.compile(r"\bunits?\b")
_SIZE_ONLY = re.compile(r"^\d+ (?:hidden )?(?:units?|neurons?|nodes)\b")
_HAS_UNITS = _DENSE | set(RECURRENT)


def _last_with_units(items: list[str]) -> str | None:
    """Return the type word of the last item naming a layer with units ("lstm"), or None."""
    for item in reversed(items):
        kinds = layer_kinds(item) or frozenset()
        if not kinds & _HAS_UNITS:
            continue
        if kinds == _DENSE:
            return "dense"
        return next(iter(kinds)) if len(kinds) == 1 else None
    return None


def _typed(items: list[str]) -> tuple[list[str], str | None]:
    """Return the items without a note of all their type ("all dense layers"), and that type.

    And a vocabulary said before its embedding ("vocab is 60 chars, embedding
    size 16") joined to it.
    """
    notes = 0
    kept: list[str] = []
    for item in items:
        if _ALL_OF_TYPE.match(item):
            notes += 1
            continue
        if kept and kept[-1].startswith("vocab") and layer_kinds(item) == {"embedding"}:
            kept[-1] = f"{kept[-1]} {item}"
            continue
        kept.append(item)
    return kept, ("dense" if notes == 1 else None)


def _merged(items: list[str], all_of: str | None = None) -> list[str] | None:
    """Return the items with number-only ones joined to the layer before; None if one cannot be.

    `all_of`: the type of every sized item said without one ("all dense layers").
    """
    merged: list[str] = []
    for item in items:
        if (
            merged
            and merged[-1] == "input"
            and (layer_kinds(item) is None or _DIMENSIONAL.match(item))
            and re.search(r"\d", item)
        ):
            # "Input: grayscale 48x48 images, so 48x48x1"; "256-dimensional embeddings": no layer
            merged[-1] = "input " + _KIND_WORDS.sub(" ", item)
            continue
        if merged and _SOFTMAX_OVER.match(item) and _OUTPUT_LAYER.search(merged[-1]):
            # "a linear layer with 4 outputs and a softmax over the actions"
            merged.append("softmax")
            continue
        if merged and _SIZE_ONLY.match(item) and _unsized_count(merged[-1]):
            merged[-1] = f"{merged[-1]} {item}"  # "3 hidden layers, 1024 neurons each"
            continue
        if layer_kinds(item) is None and _MORE_NUMBERS.match(item):
            # "layers of 120 and 84": sizes of a count the list does not say.
            if not merged or (_PLURAL.search(merged[-1]) and not COUNT.match(merged[-1])):
                return None
            bare = all_of and _BARE_SIZE.match(item) and _HAS_SIZE.search(merged[-1])
            if bare or _next_sized(item, merged[-1]):
                said = _last_with_units(merged) or all_of
                if said is None:
                    return None
                merged.append(f"{said} {item}")
                continue
            merged[-1] = f"{merged[-1]} {item}"
        else:
            merged.append(item)
    return merged


def _only_dense(items: list[str]) -> bool:
    """Whether the items name no layer but dense ones, their input, dropout and norms."""
    return all((kinds := layer_kinds(item)) is None or kinds <= _DENSE_ONLY for item in items)


def _unsized_count(item: str) -> bool:
    """Whether an item counts layers and says no size: "first 3 hidden layers"."""
    count = COUNT.match(item)
    return bool(count) and not re.search(r"\d", item[count.end(1) :])


def _next_sized(item: str, before: str) -> bool:
    """Whether a number-only item is another layer of the last kind with units, by its size."""
    # "fully connected 120 tanh, then 84 tanh": the layer before has its size;
    # a size with its own activation is the next layer.
    if _ANOTHER_SIZED.match(item) and not _PLURAL.search(before) and _HAS_SIZE.search(before):
        return True
    # "LSTM: 128 units, dropout 0.2, 64 units": a size after a layer without units.
    return bool(_UNITS.search(item)) and not (layer_kinds(before) or set()) & _HAS_UNITS


def _items(prompt: str) -> list[str]:
    """Return the list's items, lower case: bullet lines, else the text's comma-separated parts."""
    text = prompt.strip()
    # A parenthesis belongs to its item: "an embedding (20000 words, 128 dims)".
    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", text)  # "10,000 words"
    text = re.sub(r"\(([^()]*)\)", _bracket, text)
    text = _AFTER_FLATTENING.sub("flatten, ", text)
    text = re.sub(r"\b(?:we|i) then\b", "then", text, flags=re.IGNORECASE)  # "We then take ..."
    items = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue  # a Markdown heading
        line = _BULLET.sub("", line)
        # "- output: a single sigmoid unit", but "simple RNN demo: input ..." is a title.
        line = _LABEL.sub(_label, line)
        for part in _SEPARATORS.split(f" {line.lower()} "):
            part = _LEAD_IN.sub("", part.strip(" .!"))
            part = _NTH_LAYER.sub(r"\1 with ", part)
            part = _BACK_TO.sub(r"\1 ", part)
            part = _off_the_input(part)
            on_top = _ON_TOP.match(part)
            if into := _INPUT_INTO.match(part):
                items += [into["input"], into["layer"]]  # the input, and the layer it goes into
            elif on_top and all(layer_kinds(side) for side in on_top.groups()):
                items += [on_top["below"], on_top["above"]]
            elif (
                part
                and not _FILLER.match(part)
                and not _is_training_note(part)
                and not _NONE_OF.search(part)
            ):
                items.append(part)
    while items and (_is_aside(items[-1]) or _is_wish(items[-1])):
        items.pop()
    return items


# "dropout with rate 0.2 is applied directly to the input to corrupt it", "a layer norm on
# the raw input": a layer on the input, which is said elsewhere.
_ON_INPUT = re.compile(
    r"\s+(?:is |are )?(?:applied )?(?:directly |right )?(?:on|to|after) the (?:raw )?inputs?\b"
    r"(?: (?:to corrupt (?:it|them)|as (?:the )?noise))?"
)
# "a vanilla RNN with 32 units on top of an embedding (1000 words, 16 dim)": the embedding first.
_ON_TOP = re.compile(r"^(?P<above>.+?) (?:stacked )?on top of (?P<below>.+)$")


# Numbers in brackets that belong to a layer: "(20000 words, 128 dims)", "(3x3)".
_LAYER_NUMBER_WORDS = re.compile(
    r"\b(?:vocab\w*|words?|tokens?|dim\w*|units?|filters?|kernel|heads?|rate|stride|channels?"
    r"|features?|classes|outputs?|neurons?|size|width|wide|window|length|steps?|timesteps?)\b"
    r"|\bp\s*=\s*[\d.]+"  # "Dropout (p=0.1)"
    r"|\d\s*[x×]\s*\d|^[\d.,%\s]+$"
)


def _off_the_input(part: str) -> str:
    """Return an item without "on the input" where it names a layer of its own.

    "dropout of 0.1 on the input as the noise" is a dropout; the input is said elsewhere.
    """
    rest = _ON_INPUT.sub("", part)
    return rest if rest != part and (layer_kinds(rest) or {"input"}) != {"input"} else part


def _label(match: re.Match) -> str:
    """Return a label as its item reads it: a title, a section's name (dropped), or a word."""
    label = match[1].lower()
    if _NAMED.match(label):
        return match[0]
    return "" if _SECTION.match(label) else f"{match[1]} "


def _bracket(match: re.Match) -> str:
    """Return a bracket's text as an item reads it: a remark ("(N, S, V, F, Q)") is dropped."""
    inner = match.group(1)
    if (
        layer_kinds(inner.lower()) is None
        and not _ACTIVATION_WORD.search(inner.lower())
        and not _LAYER_NUMBER_WORDS.search(inner.lower())
    ):
        return " "  # "a 12-way softmax (10 keywords plus silence and unknown)"
    return " " + inner.replace(",", " ")


def _is_training_note(item: str) -> bool:
    """Whether an item says how the network was trained or scored, naming no layer.

    "It was trained on 580k rows for 20 epochs with a batch size of 512.":
    its numbers are no layer's, and the list goes on around it.
    """
    return (
        bool(_TRAINING_NOTE.search(item))
        and layer_kinds(item) is None
        # "finally a softmax over the 20 classes val acc 91.2%": the output, run on.
        and not _ACTIVATION_WORD.search(item)
        and not _OUTPUT_WORD.search(item)
        and not _title_input(item)  # "we model 98 frames of 40-dimensional features"
    )


def _is_wish(item: str) -> bool:
    """Whether an item is what the user wants of the drawing ("just want a clean picture")."""
    return bool(_DRAWING_WISH.search(item)) and layer_kinds(item) is None


def _is_aside(item: str) -> bool:
    """Whether an item is a closing aside: a few words, no number, no layer, no activation."""
    return (
        (len(item.split()) <= _ASIDE_WORDS or bool(_ONE_PER.match(item)))
        and not re.search(r"\d", item)
        and layer_kinds(item) is None
        and not ACTIVATION_ONLY.match(item)
        and not _REQUEST.match(item)
    )
