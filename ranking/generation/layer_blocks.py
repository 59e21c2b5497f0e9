"""Blocks and shared followers in a network described in words, unrolled into a plain list.

People rarely list every layer of a repeated pattern. They write "three
conv blocks, each a 3x3 conv followed by 2x2 max pooling, with 32, 64 and
128 filters", "two hidden layers of 256 and 128 units, dropout 0.2 after
each", "then the same again with 64 filters". The small model drops or
merges such repeats. `unrolled` rewrites these phrases as the plain list
they stand for ("3x3 conv 32 filters, 2x2 max pooling, 3x3 conv 64
filters, ...") so that `layer_list.list_order` reads the order and each
layer's numbers from it.

Like the list reader, it reads only what it can read for certain: a phrase
it does not know leaves a word ("each", "block", "same") that the list
reader refuses, and the model reads the prompt on its own.
"""

from __future__ import annotations

import re

from ranking.generation.layer_words import (
    ACTIVATION_ONLY,
    COUNT,
    COUNT_WORDS,
    KIND_RES,
    layer_kinds,
)
from ranking.generation.layerplan import ACTIVATIONS, MAX_SKIP
from ranking.generation.prompt_numbers import as_digits

# Text within a sentence (a decimal point is not a full stop), and within one item.
_SENTENCE = r"(?:[^.;\n]|\.(?=\d))"
_CLAUSE = r"(?:[^.;,\n]|\.(?=\d))"
# A list of sizes: "32, 64 and 128", "64 -> 32 -> 16", "32 then 64", "512, 128, 32, 128, 512".
_NUM = r"\d+(?:\.\d+)?"
_LIST = rf"{_NUM}(?:\s*(?:,|->|→)\s*{_NUM})*(?:,?\s+(?:and|then)\s+{_NUM}|\s*(?:,|->|→)\s*{_NUM})"
_LIST_RE = re.compile(_LIST)
# Plural layer nouns a count or a list of sizes is about.
_PLURAL = r"(?:layers|convs|convolutions|lstms|grus)"
# Words between a count and its noun: "three 3x3 conv layers", "two stacked LSTM layers".
_BETWEEN = r"(?:(?!\d+ )[\w-]+ ){0,3}?"
# How a prompt says which of the counted layers a follower comes after.
_WHICH = (
    r"(?: one| of them| of these| (?:[\w-]+ ){0,2}layer| conv(?:olution)?(?: layer)?"
    r"| of the \d+ [\w-]+)?"
)
# "each block is", "every stage consists of", "each:", "in each stage,": a block's layers follow.
_EACH = (
    r"(?:in )?(?:each|every)(?: (?:(?:residual |skip )?block|stage|one))?(?: of them)?,?\s*"
    r"(?::\s*|(?:is|has|with|contains|applies|consists of|consisting of|is made of|made of)\s+)?"
)
# "three conv blocks, each a 3x3 conv ... ." A block's layers end with its
# sentence; its count may be in the sentence before ("It has four blocks.").
_BLOCKS_RE = re.compile(
    rf"\b(?P<n>\d+) (?:[\w-]+ ){{0,2}}?(?:blocks|stages)\b(?: follow)?(?P<mid>{_SENTENCE}*?)"
    # "doubling every block" says the filters, not the block's layers.
    rf"(?:\s*[,.;:]\s*|\s+)(?:and )?(?<!doubling )(?<!doubles )(?<!double ){_EACH}"
    rf"(?P<inner>{_SENTENCE}+)",
    re.IGNORECASE,
)
# The filters of each block, said with the blocks or in the next sentence:
# "with 32, 64 and 128 filters respectively", "Filters go 32, 64, 128.", "Filters 16, 32, 64.",
# "Filters per stage: 32, 64, 128, 256.",
# "the stages have 16, 32, 64 and 128 filters".
_ALL_USING = r"(?:,?\s*all (?:convolutions|convs|layers) using \w+)?"
_FILTER_LIST = (
    rf"(?P<list>{_LIST})(?:\s+(?:filters|channels))?"
    r"(?:\s+respectively|\s+in that order|\s+(?:in|for) the \w+ (?:blocks|stages)"
    r"|\s+across (?:the|all)(?: \w+)? (?:blocks|stages))?"
    # "... in the first, second and third block respectively"
    r"(?:\s+in the (?:\w+,? )+(?:and )?\w+ (?:block|stage)s?(?:\s+respectively)?)?"
)
_BLOCK_FILTERS_RE = re.compile(
    rf"(?:,\s*|\s*[.;]\s*|\s+){_ALL_USING}\s*"
    r"(?:and )?(?:with|filters(?: per (?:block|stage))?(?: go| are)?:?|the (?:blocks|stages)"
    r" (?:have|use)|the filter counts are|filter counts(?: are)?:?)"
    rf"\s+{_FILTER_LIST}{_ALL_USING}"
    r"(?=\s*[.;,]|[ \t]*(?:\n|$))",  # a bullet's list ends with its line
    re.IGNORECASE,
)
# The same inside a block's sentence: "..., with 32, 64 and 128 filters in the three blocks".
_INNER_FILTERS_RE = re.compile(
    rf",?\s*(?:(?:with|the (?:blocks|stages) (?:have|use)|filters:?)\s+|\()"
    rf"{_FILTER_LIST}{_ALL_USING}\)?(?=\s*[,;]|\s*$)",
    re.IGNORECASE,
)
# "the first block uses 32 filters, the second 64 and the third 128": the
# blocks' filters said block by block, rewritten as "with 32, 64 and 128 filters".
_ORDINALS = r"(?:second|third|fourth|fifth|sixth|last|final)"
_BY_BLOCK_RE = re.compile(
    r"\bthe first (?P<noun>block|stage) (?:uses|has|gets) (?P<first>\d+)(?: filters| channels)?"
    rf"(?P<rest>(?:,?\s+(?:and )?the {_ORDINALS}(?: (?:block|stage|one))?(?: (?:uses|has|gets))?"
    r" \d+(?: filters| channels)?)+)",
    re.IGNORECASE,
)
_CONV_WORD_RE = re.compile(r"\b(?:conv(?:olution(?:al)?)?s?(?:[ -]?[12]d)?|conv[12]d)\b", re.I)
# "with a residual connection around those two", "plus a skip connection
# around it": an `add` line over the layers it goes around.
_SKIP = (
    r"(?:,\s*|\s+)(?:with |plus |and )?(?:a |an |another )?(?:identity )?(?:residual|skip|shortcut)"
    r"(?: connection)?(?: added)? (?:around|over|across) "
)
_SKIP_END = r"(?=\s*[,.;]|\s*(?:->|→)|\s+(?:followed|then|and)\b|\s*$)"  # "... -> layer norm"
_SKIP_COUNT_RE = re.compile(
    rf"{_SKIP}(?:(?P<one>it|that(?: layer)?|this layer|the (?:attention )?layer)"
    r"|(?:those|these|the|both)(?: last)? (?P<n>\d)(?: of them| [\w-]+(?: layers)?)?"
    rf"|the (?P<pair>pair)|both(?: of them)?){_SKIP_END}"
    # "with a residual connection adding the attention layer's input back to its output"
    r"|(?:,\s*|\s+)(?:with |plus |and )?(?:a |an )?(?:residual|skip|shortcut) connection"
    r" (?:that adds|which adds|adding) (?P<own>its|the (?:[\w-]+ )?layer'?s) input"
    rf" (?:back )?(?:on)?to its output{_SKIP_END}",
    re.IGNORECASE,
)
# "... each made of a layer norm and a dense layer, with a skip connection
# around each block": the block's layers, counted from its "each".
# "..., with a skip connection adding the block's input to its output": the same.
_SKIP_ADDS = (
    r"(?:,\s*|\s+)(?:with |plus |and )?(?:a |an )?(?:residual|skip|shortcut) connection"
    r" (?:that adds|which adds|adding) the block(?:'?s)? input"
    r" (?:back )?(?:on)?to (?:its|the block'?s) output"
)
_SKIP_BLOCK_RE = re.compile(
    rf"(?:{_SKIP}(?:each|every|the) (?:block|stage)|{_SKIP_ADDS}){_SKIP_END}", re.I
)
_EACH_RE = re.compile(rf"\b{_EACH}", re.IGNORECASE)
# "two 3x3 convs, 32 filters each": numbers of the layer before, no layer of their own.
_NUMBERS_ONLY_RE = re.compile(
    r"^(?:\d+ (?:filters|units|channels)(?: each)?|kernel(?: size)? \d+)$"
)
# "..., and the block's input is added to the output of the second convolution via a
# skip connection", "then the block input gets added back in (skip connection around
# those four layers)": the end of a residual block, counted from its title.
_BLOCK_OUTPUT = r"(?:its|the block'?s|the block|the) output(?: of (?:the|its) [\w-]+ [\w-]+)?"
_BLOCK_INPUT_ADDED_RE = re.compile(
    r"(?:,\s*|\s+)(?:and )?(?:then )?(?:with |plus |wrapped (?:in|by) )?"
    rf"(?:the block'?s? input (?:is |gets )?added(?: back)?(?: in| (?:on)?to {_BLOCK_OUTPUT})?"
    # "with an identity shortcut that adds the stem output to the block output"
    r"|(?:an? )?(?:identity )?(?:skip|residual|shortcut)(?: connection)? (?:that adds|which adds"
    r"|adding) the (?:block(?:'?s)? input|input of the block|[\w-]+ output) (?:back )?(?:on)?to"
    rf" {_BLOCK_OUTPUT})"
    r"(?:(?:\s*\(|,?\s+)(?:via |through |as |with )?(?:a )?(?:skip|residual|shortcut)"
    r" connection(?: around (?:those|these|the|all) (?P<n>\w+) layers)?\)?)?"
    r"(?:\s*\([^()]*\))?"  # "(no activation after the addition)"
    rf"{_SKIP_END}",
    re.IGNORECASE,
)
# "two conv1d layers ..., wrapped in a skip connection that adds the input of those two
# layers to their output": a skip around the layers it counts.
_SKIP_THEIR_RE = re.compile(
    r"(?:,\s*|\s+)(?:and )?(?:wrapped in|with) (?:a |an )?(?:skip|residual|shortcut) connection"
    r" (?:that adds|which adds|adding) the input of (?:those|these|the|both) (?P<n>\w+)"
    r"(?: layers)? (?:back )?(?:on)?to their outputs?"
    rf"{_SKIP_END}",
    re.IGNORECASE,
)
_OWN_OUTPUT_ADDED_RE = re.compile(
    r"[;,]?\s*(?:and )?its output is added(?: back)? to the [\w-]+(?: layer'?s?)? output"
    r"(?:,? as (?:a )?(?:residual|skip|shortcut) connection)?(?=\s*[,.;])"
    # "wrapped in a residual connection (its input is added to its output)"
    r"|,?\s*wrapped in a (?:residual|skip|shortcut) connection"
    r" \((?:its|the layer'?s) input is added (?:back )?to its output\)"
    # "..., whose output is added back to its input through a skip connection"
    r"|,?\s*whose output is added(?: back)? to its input(?: through| via| with| as)"
    r" (?:a )?(?:skip|residual|shortcut) connection",
    re.IGNORECASE,
)
# "Then a residual block: two 3x3 convs ...": a title of the layers after it.
_RESIDUAL_BLOCK = r"\b(?:a|one)(?: single)? (?:residual|skip) block"
_RESIDUAL_COLON_RE = re.compile(rf"{_RESIDUAL_BLOCK}\s*:\s*", re.I)
# "Then a residual block of two Conv1D layers (...) with a skip connection ...": the same.
_RESIDUAL_TITLE_RE = re.compile(
    rf"{_RESIDUAL_BLOCK}(?:\s*:\s*|\s+(?:of|with|made of|consisting of|containing)\s+"
    r"(?=(?:\w+ ){0,3}(?:conv|dense|linear|layer)))",
    re.I,
)
# "then another identical residual block", "a second residual block identical to the first".
_ANOTHER_BLOCK_RE = re.compile(
    r"\b(?:another|a second|one more)(?: identical)? (?:residual|skip) block"
    r"(?: (?:identical to|just like|like|the same as) the first(?: one)?)?(?=\s*[,.;]|\s*$)",
    re.IGNORECASE,
)
# Where a block's sentence may go on past the block: ", then flatten".
_BLOCK_END_RE = re.compile(r"[,;]\s*(?:and )?(?:then\s+)?", re.IGNORECASE)
# Text before a block that leads into it: "..., then three conv blocks".
_LIST_GOES_ON_RE = re.compile(r"(?:[,.;:\n]|\bthen|\band|\bby|\bwith)\s*$", re.IGNORECASE)
_IN_BLOCKS = {"conv1d", "conv2d", "maxpool", "avgpool", "batchnorm", "layernorm", "add"}
_CONV_NOUN_RE = re.compile(rf"{_CONV_WORD_RE.pattern}(?: layers?)?", re.I)
# "two hidden layers of 256 and 128 units with relu, dropout 0.2 after each".
# The follower is one clause: "relu and dropout after each" is followed by dropout.
_FOLLOWED_RE = re.compile(
    rf"\b(?P<head>(?P<n>\d+ )?{_BETWEEN}{_PLURAL}\b{_SENTENCE}*?)"
    rf"(?:,\s*|\s+)(?:and |with )?(?:each{_WHICH},? (?:is )?(?:(?:directly )?followed"
    rf" (?:directly )?by|with|and then|then)\s+(?P<after>{_CLAUSE}+)"
    rf"|(?P<before>(?:(?!\band\b|\bwith\b){_CLAUSE})+?) (?:after|following) (?:each|every)"
    rf"{_WHICH})(?=\s*[.;,\n]|\s*$)",
    re.IGNORECASE,
)
# The numbers of one layer of a run: "256 units each", ", each with 12 attention heads".
_SIZE = r"\d+ (?:[\w-]+ )?(?:units|filters|neurons|heads|channels|nodes)"
_SIZES_EACH_RE = re.compile(
    rf"\b({_SIZE}|(?<=\bof )\d+) each\b"  # "layers of 512 each"
    rf"|(?<=blocks|layers)(?:,\s*|\s+)each with ({_SIZE}(?: and kernel(?: size)? \d+)?)"
    r"(?=\s*[.;,]|$)",
    re.I,
)
# "4 transformer encoder blocks with 8 heads": blocks that are one layer each.
_TRANSFORMER_RE = re.compile(
    rf"\b(\d+) (?:identical |stacked )?(?:transformer(?: encoder)?|encoder) blocks\b"
    rf"(?={_SENTENCE}*\bheads\b)",
    re.I,
)
# "After the last block come ...", "dropout 0.2 after the last hidden layer":
# a place the list's order already says.
_AFTER_LAST_RE = re.compile(
    r"\bafter (?:the )?(?:last |final )?(?:residual |skip )?(?:blocks?|stages?)\b"
    r"|\s+after the (?:last|final) (?:[\w-]+ )?layer\b",
    re.IGNORECASE,
)
# "Block 1:", "Second block is the same ...": where a block starts.
_MARKER_RE = re.compile(
    r"\b(?:(?:block|stage) \d+\s*:"
    r"|(?:start|begin)s? with (?:a |an |one )?(?:[\w-]+ )?(?:block|stage)\s*:"
    r"|(?:first|second|third|fourth|fifth|last|final) "
    r"(?:block|stage)(?:\s*:|\s+is(?: just)?|\s+has))\s*",
    re.IGNORECASE,
)
# "two GRU layers of 128 and 64 units", "fully connected layers of 120 and
# 84 (both tanh)", "dense layers 512, 128, 32, all relu": one layer per size.
_ACTIVATION = "(?:" + "|".join(ACTIVATIONS) + ")"
_SIZED_RUN_RE = re.compile(
    rf"\b(?P<n>\d+ )?(?P<words>{_BETWEEN})(?P<noun>{_PLURAL})\s+(?:of\s+|with\s+)?"
    rf"(?P<list>{_LIST})(?![\dx.%]|\s*x\s*\d)"
    r"(?P<unit>\s+(?:hidden )?(?:units|neurons|filters|channels|nodes))?"
    # "... with 32 and 64 filters and kernel sizes 7 and 5 respectively": one kernel per layer.
    rf"(?:\s+and (?:kernel(?: sizes?)?|kernels|widths?) (?P<kernels>{_LIST}))?(?:\s+respectively)?"
    rf"(?P<own>(?:\s+(?:with |and |using )?{_ACTIVATION}(?: activations?)?)?"
    r"(?:\s*\((?!both |all )[^()]*\))?)"
    rf"(?:,?\s*\((?:both|all)(?: use| using| with)? (?P<shared>{_ACTIVATION})\)"
    rf"|,\s*(?:both|all|also)(?: with| using)? (?P<after>{_ACTIVATION})(?=\s*[,.;]|\s*$)"
    # "..., all 3x3 with relu": a kernel (and activation) every layer of the run has.
    rf"|,\s*(?:both|all) (?P<kernel>\d+x\d+)(?:\s+(?:with\s+)?(?P<kernel_act>{_ACTIVATION}))?"
    r"(?=\s*[,.;]|\s*$))?"
    # "..., with dropout 0.2 between them": a layer between each two of the run.
    r"(?:,?\s*(?:with |and )?(?P<between>dropout(?: of)? [\d.]+%?|batch ?norm(?:alization)?"
    r"|layer ?norm(?:alization)?) between (?:them|each|the (?:two|layers))(?=\s*[,.;]|\s*$))?",
    re.IGNORECASE,
)
_SHARED_ACTIVATION_RE = re.compile(
    rf",?\s*\b(?:both|all|also|each(?: one)?)(?: with| using)?(?: the)? ({_ACTIVATION})\b"
    r"(?: activation)?",
    re.IGNORECASE,
)
# "..., each using ReLU and followed by max pooling": the activation, then the follower.
_USING_AND_FOLLOWED_RE = re.compile(
    rf",?\s*\beach (?:using|with) (?:the )?({_ACTIVATION})(?: activation)?"
    r" and (?:each )?(?:is )?followed by\b",
    re.IGNORECASE,
)
# "Encoder: dense 512 -> 256 -> 64, all relu": one type, a chain of sizes.
_CHAIN_RE = re.compile(
    # Not "linear 20 -> 64" or "conv 3 -> 16": PyTorch's in -> out sizes of one layer.
    r"\b(?P<kind>dense|fc)(?: layers?)?\s+"
    r"(?P<list>\d+(?:\s*(?:->|→)\s*\d+)+)(?![\dx.%])(?P<unit>\s+(?:units|neurons|filters))?"
    rf"(?:,?\s*(?P<shared>all|both) (?P<act>{_ACTIVATION})(?=\s*[,.;\n]|\s*$))?",
    re.IGNORECASE,
)
# What goes on with a conv's item: ", kernel size 3 and ReLU, batch normalization".
_ITEM_TAIL_RE = re.compile(
    rf"(?:,\s*(?:and )?(?:kernel(?: size)? \d+|\d+ (?:filters|channels)|(?:with )?{_ACTIVATION}"
    rf"|batch ?norm(?:ali[sz]ation)?)(?: and (?:{_ACTIVATION}|batch ?norm(?:ali[sz]ation)?))*"
    r"(?=\s*(?:,|$)))+",
    re.IGNORECASE,
)
# "There's a 2x2 max pooling after the second and after the fourth conv."
_ORDINAL_NUMBERS = {
    word: number
    for number, words in enumerate(
        ["first 1st", "second 2nd", "third 3rd", "fourth 4th", "fifth 5th", "sixth 6th"], 1
    )
    for word in words.split()
}
_ORDINAL_RE = re.compile(r"\b(?:" + "|".join(_ORDINAL_NUMBERS) + r"|last)\b", re.IGNORECASE)
_PLACED_RE = re.compile(
    r"(?:(?<=[.;])\s*|^\s*|,\s*(?=with |and |plus ))"
    r"(?:(?:there(?:'s| is)|it has|with|and|plus) )*(?:a |an |one )?"
    r"(?P<layer>(?:\d+x\d+ )?(?:max|average|avg)[ -]?pool(?:ing)?(?: layer)?"
    r"(?: (?:of )?(?:size )?\d+(?:x\d+)?)?"
    r"|dropout(?: of)? [\d.]+|batch ?norm(?:alization)?)"
    rf"\s+(?:comes |goes )?after (?P<ords>(?:the )?{_ORDINAL_RE.pattern}"
    rf"(?:(?:,|,? and|,? and after| and after) (?:the )?{_ORDINAL_RE.pattern})*)"
    r"(?P<noun> conv(?:olution)?s?(?: layers?)?| ones?| (?:hidden |dense )+layers?)?"
    r"(?: only)?\s*(?:[.;]|$)",
    re.IGNORECASE,
)
# "batchnorm after the first hidden layer only": the dense layers, counted.
_DENSE_NOUN_RE = re.compile(r"\b(?:hidden |dense |fully[ -]connected )+layers?\b", re.I)
_ITEM_END_RE = re.compile(r"[,;]|\.(?!\d)|\s(?:then|and|followed by)\s", re.IGNORECASE)
# "then the same again with 64 filters (two 3x3 convs and a pool)".
_SAME_RE = re.compile(
    r"\b(?:the )?same(?: block| thing)?(?: again| as before)?(?:,? but)?"
    r"(?: with (?P<with>[^,.;()]+?))?(?:\s*\([^)]*\))?(?=\s*[,.;]|\s*$)"
    # "..., and again with 64", ", and once more with 128": more copies.
    r"(?P<more>(?:,?\s*(?:and )?(?:then )?(?:again|once more) with \d+(?: filters)?"
    r"(?=\s*[,.;]|\s*$))*)",
    re.IGNORECASE,
)
# Items of a list, for finding where a block starts ("the same again").
_ITEM_SPLIT_RE = re.compile(r"[,:;]|\.\s|\s(?:then|and then|and|followed by)\s")
_FILTERS_RE = re.compile(
    r"\b(\d+)(?=[ -](?:\d+x\d+ )?filters?\b)|\bfilters? (?:of )?(\d+)\b|"
    r"\b(?:conv\w*|convolutions?) (?:with )?(\d+)\b(?!\s*x)",
    re.IGNORECASE,
)
_LEADING_WORD_RE = re.compile(r"^(?:then|and|first|after that)(?:\s+|$)", re.IGNORECASE)
_KERNEL_RE = re.compile(r"\b\d+\s*x\s*\d+\b")
# A counted run that describes two different layers: "two Conv1D layers: 64
# filters with kernel 80, then 64 filters with kernel 3".
_TWO_LAYERS_RE = re.compile(r"\bthen\b|\bthe (?:first|second|other)\b|;", re.IGNORECASE)


# "two 3x3 convs with 64 filters (the first with relu, the second without activation)".
_FIRST_SECOND_RE = re.compile(
    rf"\b2 (?P<what>[^(),.;]+?)(?:\s*\(|,\s*)(?:the first(?: one)? (?:with |using )?"
    rf"(?P<act>{_ACTIVATION})(?: activation)?,?(?: and)? the second(?: one)? (?:without"
    r"(?: an| any)? activation|with no activation|(?:has )?no activation|linear)"
    # "two 3x3 convs with 64 filters, relu on the first one only", "..., the first one with ReLU"
    rf"|(?P<only>{_ACTIVATION}) (?:on|after) the first(?: one)? only"
    rf"|the first(?: one)? (?:with |using )(?P<first>{_ACTIVATION})(?: activation)?"
    r"(?!,? (?:and )?the second))(?:\)|(?=\s*[,.;]))",
    re.IGNORECASE,
)
# "..., add 2, with no activation after the addition": the add has none anyway.
_NO_ACTIVATION_AFTER_ADD_RE = re.compile(
    r",?\s*(?:with )?no activation after the (?:addition|add|sum)(?=\s*[,.;]|\s*$)",
    re.IGNORECASE,
)


# "Hidden dense layers of 256, 128 and 64 units, the dense layers all using ELU; each
# hidden dense layer is followed by ...": the run's activation and follower, said again.
_RUN_ACTIVATION_AGAIN_RE = re.compile(
    rf",\s*the (?:[\w-]+ )?layers all (?:using|use|with) (?P<act>{_ACTIVATION})\b",
    re.IGNORECASE,
)
# "Three 1D convolutional layers with ... are applied, each followed by batch normalization."
_APPLIED_EACH_RE = re.compile(
    r"\s+(?:are|is) (?:applied|used|stacked)(?=,?\s*each\b)", re.IGNORECASE
)
# "two 3x3 convs with ReLU (same filter count in both)": the filters are
# said per block elsewhere; the note adds nothing to read.
_SAME_IN_BOTH_RE = re.compile(
    r"\s*\((?:the )?same (?:filter count|number of filters|filters|width)"
    r" (?:in|for) (?:both|each|all(?: of them)?)\)",
    re.IGNORECASE,
)
_EACH_AFTER_SEMICOLON_RE = re.compile(
    r";\s*each (?=(?:(?:[\w-]+ ){0,2}layer )?(?:is )?followed by)", re.IGNORECASE
)

# "conv1d with 32 filters, kernel 5, relu; another one exactly the same; ...": that layer again.
_ANOTHER_ONE_RE = re.compile(
    r"\b(?:then )?(?:another|one more)(?: one| layer| (?P<kind>[\w-]+)(?: layer)?)?,?(?: exactly)?"
    r" (?:the same|identical|just like (?:it|that|the (?:first|last|previous) one)"
    # "2. another conv1d, same settings"
    r"|(?:with )?(?:the )?same (?:settings|config(?:uration)?|parameters|params|numbers))"
    r"(?=\s*[,.;]|\s*$)",
    re.IGNORECASE | re.MULTILINE,
)
# "1. conv1d with 64 filters, kernel 3, relu\n2. another conv1d, same settings": a line's item.
_LINE_ITEM_RE = re.compile(
    r"(?:^|\n)[ \t]*(?:[-*•]|\d+[.)])?[ \t]*(?P<item>[^\n]+)\n[ \t]*(?:[-*•]|\d+[.)])?[ \t]*$"
)
# Where the item before "another one the same" starts, by the separator before it.
_ITEM_STARTS = {
    ";": re.compile(r"(?:^|[;\n]|\.\s)(?:[^;.\n]|\.(?!\s))*$"),
    ",": re.compile(r"(?:^|[,;\n]|\.\s)(?:[^,;.\n]|\.(?!\s))*$"),
}

# "two convolutional layers, the first with 16 5x5 filters and the second with 32 5x5 filters,
# each followed by 2x2 max pooling", "Two Conv1D layers: 64 filters with kernel 80, then 64
# filters with kernel 3, each followed by ...": each layer said, then one follower for all.
_ENUMERATED_RE = re.compile(
    rf"\b(?P<n>[23]) (?P<words>{_BETWEEN})(?P<noun>{_PLURAL})(?:\s*:\s*|,\s*)"
    r"(?P<items>[^.;]+?),?\s+each (?:one )?(?:is )?followed by (?P<after>[^,.;]+)",
    re.IGNORECASE,
)
_ENUMERATION_SPLIT_RE = re.compile(
    r",?\s+(?:and )?then\s+|,?\s+(?:and )?(?=the (?:second|third)\b)", re.IGNORECASE
)
_ORDINAL_LEAD_RE = re.compile(
    r"^(?:the )?(?:first|second|third)(?: one)?(?: (?:with|has|uses))?\s+", re.IGNORECASE
)


def unrolled(prompt: str) -> str | None:
    """Return `prompt` with its blocks and shared followers written out as a plain list.

    None when it has none of them; the text may still hold a phrase this
    does not read, which the list reader then refuses.
    """
    text = _digits(prompt)
    rewritten = _SIZES_EACH_RE.sub(lambda m: m[1] or f" with {m[2]}", text)
    rewritten = _TRANSFORMER_RE.sub(r"\1 transformer layers", rewritten)
    rewritten = _BY_BLOCK_RE.sub(_filters_by_block, rewritten)
    rewritten = _FIRST_SECOND_RE.sub(_first_second, rewritten)
    rewritten = _NO_ACTIVATION_AFTER_ADD_RE.sub("", rewritten)
    rewritten = _RUN_ACTIVATION_AGAIN_RE.sub(r", all using \g<act>", rewritten)
    rewritten = _EACH_AFTER_SEMICOLON_RE.sub(", each ", rewritten)
    rewritten = _USING_AND_FOLLOWED_RE.sub(r" with \1, each followed by", rewritten)
    rewritten = _APPLIED_EACH_RE.sub("", rewritten)
    rewritten = _SAME_IN_BOTH_RE.sub("", rewritten)
    rewritten = _enumerated(rewritten)
    rewrite_all = (_skips, _blocks, _followers, _chains, _sized_runs, _another_one, _same)
    for rewrite in (*rewrite_all, _placed):
        rewritten = rewrite(rewritten)
        if rewritten is None:
            return None
    rewritten = _AFTER_LAST_RE.sub(lambda m: "after that" if m[0][:1].isalpha() else "", rewritten)
    return rewritten if rewritten != text else None


def _enumerated(text: str) -> str:
    """Write "2 conv layers, the first with A and the second with B, each followed by X" out."""

    def unroll(match: re.Match) -> str:
        parts = _ENUMERATION_SPLIT_RE.split(match["items"].strip())
        if len(parts) != int(match["n"]) or not all(
            _ORDINAL_LEAD_RE.match(p) or re.match(r"\d", p) for p in parts
        ):
            return match[0]
        if len({len(re.findall(r"\d+(?:x\d+)?", p)) for p in parts}) > 1:
            return match[0]  # "the first with 8 5x5 filters and the second with 16": kernel?
        layer = f"{match['words']}{match['noun'][:-1]}"  # "convolutional layer"
        after = match["after"].strip()
        return ", ".join(f"{layer} with {_ORDINAL_LEAD_RE.sub('', p)}, {after}" for p in parts)

    return _ENUMERATED_RE.sub(unroll, text)


def _another_one(text: str) -> str | None:
    """Write out "another one exactly the same" as the item before it, once more."""
    while match := _ANOTHER_ONE_RE.search(text):
        layer = _item_before(text, match.start())
        if layer is None:
            return None
        kinds = layer_kinds(layer.lower())
        said = layer_kinds(match["kind"].lower()) if match["kind"] else None
        if kinds is None or (match["kind"] and said != kinds):
            return None  # "another conv, same settings" after a pool: which conv?
        text = text[: match.start()] + layer + text[match.end() :]
    return text


def _item_before(text: str, at: int) -> str | None:
    """Return the list item that ends where `text[at:]` starts: its line, or back to a , or ;."""
    if line := _LINE_ITEM_RE.search(text, 0, at):
        return line["item"].strip()
    before = text[:at].rstrip()
    starts = _ITEM_STARTS.get(before[-1:])
    item = starts.search(before[:-1]) if starts else None
    return item[0].lstrip(",;\n. ") if item else None


def _first_second(match: re.Match) -> str:
    """Return "2 3x3 convs (the first with relu, the second without)" as the two layers."""
    layer = re.sub(rf"\b{_PLURAL}\b", lambda m: m[0][:-1], match["what"], count=1)
    return f"{layer} with {match['act'] or match['only'] or match['first']}, {layer}"


def _digits(text: str) -> str:
    """Return `text` with sizes in words as digits, and no thousands commas."""
    return as_digits(re.sub(r"(\d),(\d{3})\b", r"\1\2", text))


def _blocks(text: str) -> str | None:
    """Unroll "N blocks, each <layers>" into N copies of the layers, with each block's filters."""
    out, last = [], 0
    for match in _BLOCKS_RE.finditer(text):
        count = int(match["n"])
        if not 2 <= count <= 8:
            return None
        if any(pattern.search(match["mid"].lower()) for pattern, _ in KIND_RES):
            # "two conv blocks: 3x3 convolutions ..., each followed by pooling": the
            # layers come before "each", which is a follower's.
            return None
        inner, end, filters = match["inner"], match.end(), None
        if listed := _INNER_FILTERS_RE.search(inner):
            # "each a conv and a pool (32 and 64 filters), a 1D conv ...": the block ends there.
            filters, inner = _numbers(listed["list"]), inner[: listed.start()]
            end = match.start("inner") + listed.end()
        layers = _block_layers(inner)
        if layers is None or not any(p.search(layers.lower()) for p, _ in KIND_RES):
            return None  # "two conv blocks of ..., each with 64 filters": the layers come first
        if len(layers) < len(inner):
            inner, end = layers, match.start("inner") + len(layers)
        elif filters is None and (listed := _BLOCK_FILTERS_RE.match(text, end)):
            filters, end = _numbers(listed["list"]), listed.end()
        if filters is None and (listed := _LIST_RE.search(match["mid"])):
            filters = _numbers(listed.group(0))
        inner = inner.strip()
        if filters is None:
            copies = [inner] * count
        elif len(filters) != count or _FILTERS_RE.search(inner):
            return None  # a list that is not the blocks' filters, or filters said twice
        else:
            copies = [_with_filters(inner, size) for size in filters]
        before = text[last : match.start()]
        # "The network ... stacks two blocks. Each block has ...": the blocks'
        # layers are items of their own, not words of the sentence before.
        if before.strip() and not _LIST_GOES_ON_RE.search(before):
            before = f"{before.rstrip()}: "
        out += [before, ", ".join(copies)]
        last = end
    return "".join(out) + text[last:]


def _skips(text: str) -> str | None:
    """Write a residual connection the text counts as an `add` item: ", add 2"."""
    text = _OWN_OUTPUT_ADDED_RE.sub(", add 1", text)
    text = _SKIP_THEIR_RE.sub(lambda m: f", add {as_digits(m['n'])}", text)
    at = 0
    blocks = []
    while match := _BLOCK_INPUT_ADDED_RE.search(text, at):
        # "a residual block: two 3x3 convs ..., and the block's input is added to ...":
        # the layers since the block's title.
        titles = list(_RESIDUAL_TITLE_RE.finditer(text, 0, match.start()))
        if not titles:
            count = _layers_since_each(text, match.start())
            if count is None:
                at = match.end()
            else:
                text = f"{text[: match.start()]}, add {count}{text[match.end() :]}"
            continue
        count = _layers_in(text[titles[-1].end() : match.start()])
        said = match["n"] and int(as_digits(match["n"]))
        if count is None or not 1 <= count <= MAX_SKIP or said not in (None, count):
            return None
        title = titles[-1]
        blocks.append(f"{text[title.end() : match.start()]}, add {count}")
        text = (
            f"{text[: title.start()]}{text[title.end() : match.start()]}, add {count}"
            f"{text[match.end() :]}"
        )
    if len(blocks) == 1:  # "then another identical residual block": that block again
        text = _ANOTHER_BLOCK_RE.sub(lambda m: blocks[0], text)
    text = _RESIDUAL_COLON_RE.sub("", text)
    text = _SKIP_COUNT_RE.sub(
        lambda m: (
            f", add {1 if m['one'] or m['own'] else m['n'] or 2}"
            if (m["n"] or "1") != "0"
            else m[0]
        ),
        text,
    )
    while match := _SKIP_BLOCK_RE.search(text):
        eaches = list(_EACH_RE.finditer(text, 0, match.start()))
        count = _layers_in(text[eaches[-1].end() : match.start()]) if eaches else None
        if count is None or not 1 <= count <= MAX_SKIP:
            return None
        text = f"{text[: match.start()]}, add {count}{text[match.end() :]}"
    return text


def _layers_since_each(text: str, at: int) -> int | None:
    """Return how many layers a block of "each" names in its sentence before `at`, or None.

    "two residual blocks; each block is conv ... followed by conv ..., and the block's input
    gets added to its output": the skip goes around the layers since "each".
    """
    eaches = list(_EACH_RE.finditer(text, 0, at))
    inner = text[eaches[-1].end() : at] if eaches else ""
    count = _layers_in(inner) if inner and not re.search(r"[.;]\s", inner) else None
    return count if count is not None and 1 <= count <= MAX_SKIP else None


def _layers_in(text: str) -> int | None:
    """Return how many layers a block's text names ("two 3x3 convs, batch norm": 3), or None."""
    total = 0
    for item in _ITEM_SPLIT_RE.split(_masked(text)):
        item = item.strip().lower()
        if not item or ACTIVATION_ONLY.match(item) or _NUMBERS_ONLY_RE.match(item):
            continue
        if layer_kinds(item) is None:
            return None
        count = COUNT.match(item)
        total += COUNT_WORDS[count[1]] if count else 1
    return total


def _filters_by_block(match: re.Match) -> str:
    """Return "the first block uses 32 filters, the second 64" as "with 32 and 64 filters"."""
    sizes = [match["first"], *re.findall(r"\d+", match["rest"])]
    return f"with {', '.join(sizes[:-1])} and {sizes[-1]} filters"


def _block_layers(inner: str) -> str | None:
    """Return the part of a block's sentence that is the block; None if unclear.

    "each a 3x3 conv and 2x2 max pooling, flatten, then ...": a layer no
    block repeats (flatten, global pooling, dense, ...) after a comma or
    "then" ends the block; a convolution, pooling or norm there is still in
    it. Dropout there could be either.
    """
    masked = _masked(inner)
    for separator in _BLOCK_END_RE.finditer(masked):
        clause = _ITEM_SPLIT_RE.split(masked[separator.end() :], maxsplit=1)[0].strip().lower()
        if ACTIVATION_ONLY.match(clause):
            continue
        kinds = layer_kinds(clause)
        if kinds is None or "dropout" in kinds:
            return None
        if not kinds & _IN_BLOCKS:
            return inner[: separator.start()]
    return inner


def _masked(text: str) -> str:
    """Return `text` with its parentheses blanked: "(8 filters, 3x3)" is one item's."""
    return re.sub(r"\([^()]*\)", lambda m: " " * len(m[0]), text)


def _with_filters(layers: str, size: str) -> str:
    """Return a block's text with `size` filters on its convolutions."""
    # After the noun: in "2 conv 32 filters layers" the 32 would read as a count.
    return _CONV_NOUN_RE.sub(lambda m: f"{m[0]} with {size} filters", layers)


def _followers(text: str) -> str | None:
    """Unroll "N layers of A, B and C, each followed by X" into A, X, B, X, C, X."""

    def unroll(match: re.Match) -> str:
        count_text = match["n"] or ""
        head = match["head"][len(count_text) :]
        if _TWO_LAYERS_RE.search(re.sub(r"\b\d+ then \d+\b", "N", head)):  # "256 then 128"
            raise _Unread
        lists = list(_LIST_RE.finditer(head))
        count = int(count_text) if count_text else None
        if lists:
            # "with 32 and 64 filters and kernel sizes 7 and 5 respectively": lists read in step.
            values = [_numbers(found[0]) for found in lists]
            if count not in (None, len(values[0])) or len({len(v) for v in values}) > 1:
                raise _Unread  # "two layers of 3x3, 32 and 64": not one size per layer
            count = len(values[0])
            head = re.sub(r"\s+respectively\b", "", head)
            lists = list(_LIST_RE.finditer(head))
            copies = [_one_of_each(head, lists, [v[i] for v in values]) for i in range(count)]
            if len(lists) > 1:
                copies = [re.sub(r"\bkernel sizes\b", "kernel size", c) for c in copies]
        elif count is not None:
            copies = [head] * count
        if count is None or not 2 <= count <= 8:
            raise _Unread
        # "conv layers" is one conv layer each time.
        copies = [re.sub(rf"\b{_PLURAL}\b", lambda m: m[0][:-1], c, count=1) for c in copies]
        # "..., both with elu": each copy's own activation.
        copies = [_SHARED_ACTIVATION_RE.sub(r" with \1", c) for c in copies]
        after = (match["after"] or match["before"]).strip()
        return ", ".join(f"{copy}, {after}" for copy in copies)

    try:
        return _FOLLOWED_RE.sub(unroll, text)
    except _Unread:
        return None


def _one_of_each(text: str, lists: list[re.Match], values: list[str]) -> str:
    """Return `text` with each list in `lists` replaced by its value in `values`."""
    for found, value in reversed(list(zip(lists, values, strict=True))):
        text = text[: found.start()] + value + text[found.end() :]
    return text


def _chains(text: str) -> str:
    """Write "dense 512 -> 256 -> 64, all relu" as "dense 512 relu, dense 256 relu, ..."."""

    def unroll(match: re.Match) -> str:
        sizes = _numbers(match["list"])
        # Two sizes are one layer's in -> out unless "both" says they are two layers.
        if not (2 if (match["shared"] or "").lower() == "both" else 3) <= len(sizes) <= 8:
            return match[0]
        tail = f"{match['unit'] or ''}{' ' + match['act'] if match['act'] else ''}"
        return ", ".join(f"{match['kind']} {size}{tail}" for size in sizes)

    return _CHAIN_RE.sub(unroll, text)


def _placed(text: str) -> str | None:
    """Write "a 2x2 max pooling after the second and after the fourth conv" into the list.

    The layer goes right after each named conv, counted in the text before
    the sentence, and the sentence goes: "conv 32, conv 32, 2x2 max pooling, ...".
    """
    match = _PLACED_RE.search(text)
    if match is None:
        return text
    before = text[: match.start()]
    dense = (match["noun"] or "").strip().lower().startswith(("hidden", "dense"))
    counted = list((_DENSE_NOUN_RE if dense else _CONV_NOUN_RE).finditer(before))
    places = sorted({_ORDINAL_NUMBERS[word.lower()] for word in _ORDINAL_RE.findall(match["ords"])})
    if not places or places[-1] > len(counted) or "last" in match["ords"].lower():
        return None
    for place in reversed(places):
        end = _ITEM_END_RE.search(before, counted[place - 1].end())
        at = end.start() if end else len(before)
        # "conv with 64 filters, kernel size 3 and ReLU, batch normalization": its numbers,
        # activation and norm are of its item; the layer goes after them.
        if tail := _ITEM_TAIL_RE.match(before, at):
            at = tail.end()
        before = f"{before[:at]}, {match['layer'].strip()}{before[at:]}"
    ending = match[0].rstrip()[-1:] if match[0].rstrip().endswith((".", ";")) else ""
    return before + ending + text[match.end() :]


def _sized_runs(text: str) -> str:
    """Write "two GRU layers of 128 and 64 units" as "GRU layer 128 units, GRU layer 64 units"."""

    def unroll(match: re.Match) -> str:
        sizes = _numbers(match["list"])
        count = int(match["n"]) if match["n"] else len(sizes)
        if count != len(sizes) or not 2 <= count <= 8:
            return match[0]  # "two layers of 3, 32 and 64": not one size per layer
        noun = re.sub(r"s$", "", match["noun"])
        shared = match["shared"] or match["after"] or match["kernel_act"]
        own = f"{match['own']}{' ' + shared if shared else ''}"
        unit = match["unit"] or ""
        kernel = f"{match['kernel']} " if match["kernel"] else ""
        kernels = _numbers(match["kernels"]) if match["kernels"] else [None] * count
        if len(kernels) != count:
            return match[0]
        separator = f", {match['between']}, " if match["between"] else ", "
        return separator.join(
            f"{kernel}{match['words']}{noun} {size}{unit}{f' kernel {k}' if k else ''}{own}"
            for size, k in zip(sizes, kernels, strict=True)
        )

    return _SIZED_RUN_RE.sub(unroll, text)


def _same(text: str) -> str | None:
    """Write out "the same again with 64 filters" as the block before it, with its new numbers."""
    while match := _SAME_RE.search(text):
        before = text[: match.start()]
        markers = list(_MARKER_RE.finditer(before))
        if markers and not before[markers[-1].end() :].strip():
            # "Block 2: the same but ...": the block is the one the marker before starts.
            before, markers = before[: markers[-1].start()], markers[:-1]
        start = markers[-1].end() if markers else _list_start(before)
        if start is None:
            return None
        block = [item.strip(" .;:") for item in _ITEM_SPLIT_RE.split(before[start:])]
        block = [_LEADING_WORD_RE.sub("", item) for item in block if item]
        block = [item for item in block if item]
        new = match["with"] or ""
        size = re.search(r"\b(\d+)(?:[ -](?:\d+x\d+ )?filters?\b)", new)
        kernel = _KERNEL_RE.search(new)
        if new and not (size or kernel):
            return None
        sizes = [size and size[1], *re.findall(r"\d+", match["more"])]
        if len(sizes) > 1 and not size:
            return None  # "again with 64" after a copy with no size of its own
        copies = [
            ", ".join(_renumbered(item, each, kernel and kernel[0]) for item in block)
            for each in sizes
        ]
        text = text[: match.start()] + ", ".join(copies) + text[match.end() :]
    return _MARKER_RE.sub("", text)


def _renumbered(item: str, size: str | None, kernel: str | None) -> str:
    """Return a block's item with a convolution's filters and kernel replaced."""
    if not _CONV_WORD_RE.search(item):
        return item
    if size:
        found = _FILTERS_RE.search(item)
        if not found:
            item = f"{item} {size} filters"
        else:
            group = next(i for i in (1, 2, 3) if found[i])
            item = item[: found.start(group)] + size + item[found.end(group) :]
    if kernel:
        found = _KERNEL_RE.search(item)
        item = _KERNEL_RE.sub(kernel, item, count=1) if found else f"{item} {kernel}"
    return item


def _list_start(text: str) -> int | None:
    """Return where the layers of a list start in `text`: after its title and input."""
    # A parenthesis belongs to the item before it: "(input 187x1: 187 samples)".
    masked = _masked(text)
    position = 0
    for item in _ITEM_SPLIT_RE.split(masked):
        kinds = layer_kinds(item.lower())
        if kinds is not None and "input" not in kinds:
            return position + len(item) - len(item.lstrip())
        position += len(item)
        separator = _ITEM_SPLIT_RE.match(masked, position)
        position = separator.end() if separator else position
    return None


def _numbers(text: str) -> list[str]:
    return re.findall(_NUM, text)


class _Unread(Exception):
    """A phrase looks like a block or a follower but does not say it in a way read for certain."""
