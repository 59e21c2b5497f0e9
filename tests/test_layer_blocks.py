"""Blocks and shared followers in words: unrolled into the plain list they stand for."""

from __future__ import annotations

import pytest

from ranking.generation.layer_blocks import unrolled
from ranking.generation.layer_list import list_order
from ranking.generation.synth import generate_examples

CONV, POOL, DENSE = ["conv2d"], ["maxpool"], ["dense", "linear"]


def kinds(prompt: str) -> list[list[str]] | None:
    order = list_order(prompt)
    return None if order is None else [sorted(step.kinds) for step in order]


def numbers(prompt: str, kind: str) -> list[set[str]]:
    """Return the numbers each step of `kind` may write."""
    return [set(step.numbers) for step in list_order(prompt) if kind in step.kinds]


def test_blocks_are_unrolled_with_each_blocks_filters():
    prompt = (
        "Input 64x64x3. Three conv blocks with 16, 32 and 64 filters respectively; each block "
        "is a 3x3 conv, batch norm and 2x2 max pooling. Then flatten and dense 10 softmax."
    )
    assert kinds(prompt) == [["input"], *[CONV, ["batchnorm"], POOL] * 3, ["flatten"], DENSE]
    convs = numbers(prompt, "conv2d")
    assert ["16" in c and "32" not in c and "64" not in c for c in convs] == [True, False, False]
    assert "32" in convs[1] and "64" in convs[2] and all("3" in c for c in convs)


def test_the_blocks_filters_may_come_in_the_next_sentence():
    prompt = (
        "two stages, each a 5x5 convolution followed by 2x2 average pooling. The stages use "
        "8 and 16 filters. Then flatten and a dense layer of 10."
    )
    assert kinds(prompt) == [CONV, ["avgpool"], CONV, ["avgpool"], ["flatten"], DENSE]
    assert [("8" in c, "16" in c) for c in numbers(prompt, "conv2d")] == [
        (True, False),
        (False, True),
    ]


def test_a_block_ends_at_a_layer_no_block_repeats():
    prompt = "input 28x28x1, four blocks, each a 3x3 conv with relu and 2x2 max pooling, flatten, dense 10"
    assert kinds(prompt) == [["input"], *[CONV, POOL] * 4, ["flatten"], DENSE]


def test_a_follower_after_each_of_a_list_of_sizes():
    prompt = (
        "input 20 features, three hidden layers of 128, 64 and 32 units with relu, "
        "dropout 0.2 after each, and a sigmoid output of 1"
    )
    assert kinds(prompt) == [["input"], *[DENSE, ["dropout"]] * 3, DENSE]
    hidden = numbers(prompt, "dense")[:3]
    assert [{"128", "64", "32"} & step for step in hidden] == [{"128"}, {"64"}, {"32"}]
    followed = (
        "two conv1d layers with 16 and 32 filters, kernel 5, each followed by max pooling of 2, "
        "then global average pooling and dense 4 softmax"
    )
    assert kinds(followed) == [["conv1d"], POOL, ["conv1d"], POOL, ["globalavgpool"], DENSE]
    assert "5" in numbers(followed, "conv1d")[1] and "16" not in numbers(followed, "conv1d")[1]


def test_the_same_again_repeats_the_block_with_its_new_numbers():
    prompt = (
        "input 32x32x3, two 3x3 conv layers with 32 filters, a 2x2 max pool, then the same "
        "again with 64 filters, flatten, dense 10"
    )
    assert kinds(prompt) == [["input"], CONV, CONV, POOL, CONV, CONV, POOL, ["flatten"], DENSE]
    assert [("32" in c, "64" in c) for c in numbers(prompt, "conv2d")] == [(True, False)] * 2 + [
        (False, True)
    ] * 2
    marked = (
        "Block 1: a 5x5 conv with 8 filters and 2x2 max pooling. Block 2: the same but with "
        "16 filters of 3x3. Then flatten and dense 2."
    )
    assert kinds(marked) == [CONV, POOL, CONV, POOL, ["flatten"], DENSE]
    second = numbers(marked, "conv2d")[1]
    assert {"16", "3"} <= second and not {"8", "5"} & second


def test_again_and_once_more_repeat_the_block_with_each_new_size():
    prompt = (
        "Start with a conv block: two 3x3 convs with 32 filters and relu, then 2x2 max pooling. "
        "Then the same again with 64 filters, and once more with 128. Finish with global "
        "average pooling, dropout 0.5 and one sigmoid output."
    )
    assert kinds(prompt) == [*[CONV, CONV, POOL] * 3, ["globalavgpool"], ["dropout"], DENSE]
    convs = numbers(prompt, "conv2d")
    assert [("32" in c, "64" in c, "128" in c) for c in convs[::2]] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]


def test_filters_said_block_by_block():
    prompt = (
        "three conv blocks, each with two 3x3 convolutions with ReLU followed by 2x2 max "
        "pooling; the first block uses 32 filters, the second 64 and the third 128. Then "
        "flatten and a 20-way softmax."
    )
    assert kinds(prompt) == [*[CONV, CONV, POOL] * 3, ["flatten"], DENSE]
    assert ["128" in c for c in numbers(prompt, "conv2d")] == [False] * 4 + [True] * 2
    # The count in the sentence before: the blocks' layers are not the title's words.
    stacked = (
        "The network for 64x64 RGB tiles stacks two blocks. Each block has a 3x3 convolution "
        "followed by a 2x2 max pooling layer; the first block uses 32 filters and the second "
        "64. Then flatten and dense 10 softmax."
    )
    # "for 64x64 RGB tiles" says the input.
    assert kinds(stacked) == [["input"], CONV, POOL, CONV, POOL, ["flatten"], DENSE]


def test_a_plural_with_a_list_of_sizes_is_one_layer_per_size():
    prompt = (
        "input is 50 timesteps with 14 features each, two GRU layers of 128 and 64 units, "
        "dropout 0.3, fully connected layers of 32 and 16 (both relu) and a sigmoid output"
    )
    assert kinds(prompt) == [["input"], ["gru"], ["gru"], ["dropout"], DENSE, DENSE, DENSE]
    assert [("128" in g, "64" in g) for g in numbers(prompt, "gru")] == [
        (True, False),
        (False, True),
    ]
    assert [step.activation for step in list_order(prompt)[4:6]] == ["relu", "relu"]
    # A count that is not the number of sizes is not read as one.
    assert unrolled("three dense layers of 64 and 32, dropout 0.5, dense 1") is None


def test_a_residual_connection_the_text_counts_is_an_add_line():
    pair = (
        "A tiny residual net for 32x32 RGB images: a 3x3 conv with 32 filters and relu, then two "
        "more 3x3 convs with 32 filters and relu with a residual connection around those two, "
        "then global average pooling and a 10-way softmax."
    )
    # The title says the input: "for 32x32 RGB images".
    assert kinds(pair) == [["input"], CONV, CONV, CONV, ["add"], ["globalavgpool"], DENSE]
    assert list_order(pair)[0].written == ("32", "32", "3")
    assert list_order(pair)[4].written == ("2",)
    around_it = (
        "embedding 10000 x 128, a self-attention layer with 4 heads with a skip connection "
        "around it, layer norm, dense 9"
    )
    assert kinds(around_it) == [["embedding"], ["attention"], ["add"], ["layernorm"], DENSE]
    assert list_order(around_it)[2].written == ("1",)
    # Around each block: the block's own layers, counted.
    blocks = (
        "A residual MLP: input 32, a dense layer of 128 with GELU, then two residual blocks, each "
        "made of a layer norm followed by a dense 128 GELU layer, with a skip connection around "
        "each block. Then dense 1."
    )
    dense_block = [["layernorm"], DENSE, ["add"]]
    assert kinds(blocks) == [["input"], DENSE, *dense_block, *dense_block, DENSE]
    assert [s.written for s in list_order(blocks) if "add" in s.kinds] == [("2",), ("2",)]
    # A skip it cannot count is left to the model.
    assert list_order("conv 32 3x3, conv 32 3x3, with a residual connection, dense 10") is None


def test_counted_transformer_blocks_are_that_many_layers():
    prompt = (
        "token embedding (vocab 5000, dim 64), then three transformer encoder blocks with "
        "4 heads each, layer norm, dense 2"
    )
    assert kinds(prompt) == [["embedding"], *[["transformer"]] * 3, ["layernorm"], DENSE]


@pytest.mark.parametrize(
    "prompt",
    [
        # Two different layers under one count, the second's kernel not said.
        "two convolutional layers, the first with 8 5x5 filters and the second with 16, "
        "each followed by 2x2 max pooling, flatten, dense 10",
        # Two filter sizes for three blocks.
        "three conv blocks with 16 and 32 filters, each a 3x3 conv and a 2x2 max pool, then dense 10",
        # The layers come before the blocks' "each": not read as blocks.
        "two conv blocks of two 3x3 conv layers with relu and 2x2 average pooling, each with "
        "64 filters, flatten, dense 10",
        # Is the dropout the block's last layer or the one after the blocks?
        "two conv blocks, each a 3x3 conv and 2x2 max pooling, dropout 0.25, flatten, dense 10",
    ],
)
def test_what_it_cannot_read_for_certain_is_left_to_the_model(prompt):
    assert list_order(prompt) is None


def test_a_prompt_without_blocks_or_followers_is_not_rewritten():
    assert unrolled("input 784, dense 128 relu, dropout 0.2, dense 10 softmax") is None


def test_synthetic_blocks_and_followers_read_right_with_their_numbers():
    """Every synthetic network with a block, follower or "same again" that is read, is read right."""
    read = 0
    for example in generate_examples(3000, seed=23):
        if unrolled(example.prompt) is None or (order := list_order(example.prompt)) is None:
            continue
        lines = example.plan.split("\nstyle:")[0].split("\n")[1:]
        if lines[0].startswith("input") and "input" not in order[0].kinds:
            lines = lines[1:]  # the input was said in a title
        assert len(order) == len(lines), (example.prompt, lines)
        for line, step in zip(lines, order, strict=True):
            assert line.split(" ")[0] in step.kinds, (example.prompt, line)
            stated = {p for word in line.split(" ")[1:] for p in word.split("x") if p[:1].isdigit()}
            assert step.numbers is None or stated <= step.numbers, (example.prompt, line)
        read += 1
    assert read > 20


def test_a_run_may_share_its_kernel_and_activation_after_respectively():
    prompt = (
        "four conv layers with 32, 32, 64 and 64 filters respectively, all 3x3 with relu. "
        "Then flatten and dense 10 softmax."
    )
    assert kinds(prompt) == [CONV] * 4 + [["flatten"], DENSE]
    assert [("32" in c, "64" in c, "3" in c) for c in numbers(prompt, "conv2d")] == [
        (True, False, True),
        (True, False, True),
        (False, True, True),
        (False, True, True),
    ]
    assert [step.activation for step in list_order(unrolled(prompt))][:4] == ["relu"] * 4


@pytest.mark.parametrize(
    ("places", "expected"),
    [
        ("There's a 2x2 max pooling after the second and after the fourth conv.", [2, 4]),
        ("Max pooling 2x2 after the first and third conv.", [1, 3]),
        ("A 2x2 average pooling after the 2nd conv.", [2]),
    ],
)
def test_a_layer_placed_by_position_goes_after_those_convs(places, expected):
    prompt = (
        "input 32x32x3, then four conv layers of 32, 32, 64 and 64 filters, all 3x3 with relu. "
        f"{places} Then flatten and dense 10 softmax."
    )
    order = kinds(unrolled(prompt))
    convs_before = [order[: i + 1].count(CONV) for i, kind in enumerate(order) if "pool" in kind[0]]
    assert convs_before == expected
    assert order.count(CONV) == 4


def test_a_place_past_the_convs_is_left_to_the_model():
    prompt = "two conv layers of 32 and 64 filters, all 3x3. Max pooling after the third conv."
    assert unrolled(prompt) is None or list_order(unrolled(prompt)) is None


def test_paired_lists_give_each_layer_its_own_filters_and_kernel():
    prompt = (
        "Input 500x1. Two 1D conv layers with 16 and 32 filters and kernel sizes 9 and 5 "
        "respectively, both relu, each followed by max pooling of size 2. Then a GRU with 32 "
        "units and a softmax over 4 classes."
    )
    order = list_order(prompt)
    assert [sorted(step.kinds) for step in order] == [
        ["input"],
        ["conv1d"],
        POOL,
        ["conv1d"],
        POOL,
        ["gru"],
        DENSE,
    ]
    first, second = (step for step in order if "conv1d" in step.kinds)
    assert {"16", "9"} <= first.numbers and not {"32", "5"} & first.numbers
    assert {"32", "5"} <= second.numbers and not {"16", "9"} & second.numbers
    assert [first.written, second.written] == [("16", "9"), ("32", "5")]
    assert first.activation == second.activation == "relu"


def test_a_chain_of_dense_sizes_is_one_layer_per_size():
    prompt = (
        "Autoencoder for flattened images. Encoder: dense 400 -> 200 -> 50, all relu. "
        "Decoder: dense 200 -> 400, both relu, then dense 784 with sigmoid. The input is 784 values."
    )
    order = list_order(prompt)
    assert [sorted(step.kinds) for step in order] == [["input"], *[DENSE] * 6]
    assert [step.written for step in order] == [
        ("784",),
        ("400",),
        ("200",),
        ("50",),
        ("200",),
        ("400",),
        ("784",),
    ]
    assert [step.activation for step in order[1:]] == ["relu"] * 5 + ["sigmoid"]


def test_pytorch_in_and_out_sizes_are_one_layer():
    prompt = "a linear layer 20 -> 64 with tanh, layer norm, another linear 64 -> 64, linear 3"
    assert kinds(prompt) == [DENSE, ["layernorm"], DENSE, DENSE]


def test_a_skip_adding_the_blocks_input_to_its_output_goes_around_each_block():
    prompt = (
        "Input of 12 features, a dense layer of 32 units with relu, then three residual blocks; "
        "each block is a dense 32 relu followed by batch norm, with a skip connection that adds "
        "the block's input to its output. Then a single output unit."
    )
    order = list_order(prompt)
    assert [sorted(step.kinds)[0] for step in order] == [
        "input",
        "dense",
        *["dense", "batchnorm", "add"] * 3,
        "dense",
    ]
    assert [step.written for step in order if "add" in step.kinds] == [("2",)] * 3


def test_a_layer_between_them_goes_between_the_layers_of_a_run():
    prompt = "input 30x4, two GRU layers of 48 and 24 units with dropout 0.3 between them, dense 1"
    order = list_order(prompt)
    assert [sorted(step.kinds)[0] for step in order] == ["input", "gru", "dropout", "gru", "dense"]
    assert [step.written for step in order[1:4]] == [("48",), ("0.3",), ("24",)]


def test_a_follower_after_each_of_a_counted_run_with_one_size_or_a_shared_activation():
    each = (
        "input 784, then five dense layers of 512 each using gelu, each followed by a layer "
        "norm, then a dense 10 softmax output."
    )
    assert kinds(each) == [["input"], *[DENSE, ["layernorm"]] * 5, DENSE]
    assert [step.activation for step in list_order(each)][1:4] == ["gelu", "", "gelu"]
    both = (
        "Input 256. Two fully connected layers of 128 and 64 units, both with elu, each one "
        "followed by batch normalization, and then a final 2-unit softmax layer."
    )
    assert kinds(both) == [["input"], DENSE, ["batchnorm"], DENSE, ["batchnorm"], DENSE]
    assert [step.activation for step in list_order(both)] == ["", "elu", "", "elu", "", "softmax"]


def test_a_width_doubling_every_block_is_no_block_of_its_own():
    prompt = (
        "three blocks of two 3x3 convolutions and max pooling, starting at 32 filters and "
        "doubling every block, global max pool, a dense 10 softmax"
    )
    assert "global max pool, global max pool" not in (unrolled(prompt) or "")


def test_a_residual_block_ends_where_its_input_is_added_back():
    said = (
        "input 32x32x3. It starts with a convolution of 16 filters, 3x3, relu. Then comes a "
        "residual block: two 3x3 convolutions with 16 filters, and the block's input is added "
        "to the output of the second convolution via a skip connection. Then global average "
        "pooling and a dense softmax layer over 10 classes."
    )
    assert kinds(said) == [
        ["input"],
        ["conv2d"],
        ["conv2d"],
        ["conv2d"],
        ["add"],
        ["globalavgpool"],
        ["dense", "linear"],
    ]
    counted = (
        "12 input features go into a dense layer of 64 with gelu. Then there's a residual "
        "block: layernorm, dense 64 gelu, dropout 0.1, dense 64, and then the block input gets "
        "added back in (skip connection around those three layers). Then a dense 2 softmax."
    )
    assert kinds(counted) is None  # three said, four counted: which is it?
    own = (
        "comments padded to 40 tokens, embedded with a 5000-word vocabulary into 64-dim "
        "vectors, a bidirectional LSTM with 32 units per direction, a self-attention layer with "
        "2 heads; its output is added back to the BiLSTM output as a residual connection, and "
        "the result is layer-normalized. We then take global max pooling over time and a "
        "single sigmoid output unit."
    )
    assert kinds(own) == [
        ["input"],
        ["embedding"],
        ["bilstm"],
        ["attention"],
        ["add"],
        ["layernorm"],
        ["globalmaxpool"],
        ["dense", "linear"],
    ]


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (
            # A residual block ended by its shortcut; numbers and activations said per block.
            "input 96x96x1. a 7x7 conv with 16 filters, relu. Then one residual block: two 3x3 "
            "convs, 16 filters each, relu on both, with an identity shortcut that adds the stem "
            "output to the block output. Then global average pooling and a 4-way softmax.",
            ["input", "conv2d", "conv2d", "conv2d", "add", "globalavgpool", "dense"],
        ),
        (
            # A layer wrapped in a residual connection; the skip around counted layers.
            "inputs are 60 tokens, embedded with a 9k-word vocabulary into 64 dimensions, then a "
            "bidirectional LSTM with 32 units. On top sits one self-attention layer with 2 heads, "
            "wrapped in a residual connection (its input is added to its output), then layer "
            "norm and a 5-way softmax.",
            ["input", "embedding", "bilstm", "attention", "add", "layernorm", "dense"],
        ),
        (
            "Input: 200 samples with 1 channel. A conv1d with 16 filters, kernel 3, relu. Then "
            "two more conv1d layers, also 16 filters, kernel 3, relu on both, wrapped in a skip "
            "connection that adds the input of those two layers to their output. Then flatten "
            "and a 3-class softmax output.",
            ["input", "conv1d", "conv1d", "conv1d", "add", "flatten", "dense"],
        ),
    ],
)
def test_skip_connections_said_in_other_words(prompt, expected):
    assert [kind if kind != "linear" else "dense" for kind in firsts(prompt)] == expected


def firsts(prompt: str) -> list[str]:
    return [sorted(kinds)[0] for kinds in kinds(prompt)]


def test_a_layer_whose_output_is_added_back_to_its_input():
    prompt = (
        "Each sample is 100 timesteps x 6 channels. Layers: a 1D conv with 64 filters, kernel 3, "
        "ReLU; then multi-head self-attention with 4 heads, whose output is added back to its "
        "input through a skip connection; then layer normalization; then global max pooling; "
        "then a dense softmax output with 6 units. Please draw this."
    )
    assert firsts(prompt) == [
        "input",
        "conv1d",
        "attention",
        "add",
        "layernorm",
        "globalmaxpool",
        "dense",
    ]


def test_a_residual_block_of_counted_layers_its_first_and_second_and_another_like_it():
    ecg = (
        "Input 1000x1. A Conv1D with 32 filters, kernel 11, relu, then average pooling of size 2. "
        "Then a residual block of two Conv1D layers (32 filters, kernel 5, relu on both) with a "
        "skip connection adding the block's input to its output. Then flatten and dense 5 softmax."
    )
    conv1d = ["conv1d"]
    assert kinds(ecg) == [
        ["input"], conv1d, ["avgpool"], conv1d, conv1d, ["add"], ["flatten"], DENSE,
    ]  # fmt: skip
    resnet = (
        "Input: 64x64x3. First a 3x3 conv with 64 filters and relu. Then a residual block: two "
        "3x3 convs with 64 filters (the first with relu, the second without activation), and "
        "the block's input is added to the output of the second conv, with no activation after "
        "the addition. Then 2x2 max pooling, then another identical residual block, then global "
        "average pooling and a dense softmax layer with 100 classes."
    )
    block = [CONV, CONV, ["add"]]
    assert kinds(resnet) == [["input"], CONV, *block, POOL, *block, ["globalavgpool"], DENSE]
    convs = [step for step in list_order(resnet) if "conv2d" in step.kinds]
    assert [step.activation for step in convs] == ["relu", "relu", "", "relu", ""]


def test_a_runs_activation_and_follower_said_again_in_the_next_clause():
    prompt = (
        "Regression network with 80 input features. Hidden dense layers of 256, 128 and 64 "
        "units, the dense layers all using ELU; each hidden dense layer is followed by batch "
        "norm and then dropout 0.2. The output is a single dense unit with no activation."
    )
    block = [DENSE, ["batchnorm"], ["dropout"]]
    assert kinds(prompt) == [["input"], *block * 3, DENSE]
    dense = [step for step in list_order(prompt) if "dense" in step.kinds]
    assert [step.activation for step in dense] == ["elu", "elu", "elu", ""]


def test_sizes_said_with_then_are_one_run_with_a_follower_after_each():
    prompt = (
        "An embedding of a 50000-word vocabulary into 300 dimensions. Stack two LSTM layers, "
        "256 then 128 units, with dropout 0.2 after each one. Then a softmax over 20 topics."
    )
    assert kinds(prompt) == [["embedding"], ["lstm"], ["dropout"], ["lstm"], ["dropout"], DENSE]
    assert [step.written for step in list_order(prompt) if "lstm" in step.kinds] == [
        ("256",),
        ("128",),
    ]


def test_the_same_thing_with_other_filters_is_the_block_again():
    prompt = (
        "Grayscale 128x128x1 input. Block 1: two 3x3 convs with 32 filters and SiLU, then 2x2 "
        "max pool. Block 2: same thing with 64 filters. Then global average pooling and a dense "
        "layer of 10 with softmax."
    )
    block = [CONV, CONV, POOL]
    assert kinds(prompt) == [["input"], *block, *block, ["globalavgpool"], DENSE]
    assert [step.written for step in list_order(prompt) if "conv2d" in step.kinds] == [
        ("32", "3"), ("32", "3"), ("64", "3"), ("64", "3"),
    ]  # fmt: skip


def test_an_identity_shortcut_added_around_counted_layers_of_each_block():
    prompt = (
        "Input 64x64x3. Stem: 7x7 conv with 64 filters and relu, then 3x3 max pool. Then two "
        "residual blocks; each block is conv 3x3 64 relu, batch norm, conv 3x3 64 (no "
        "activation), batch norm, with an identity shortcut added around those four layers. "
        "Finish with global average pooling and a dense softmax layer with 100 classes."
    )
    block = [CONV, ["batchnorm"], CONV, ["batchnorm"], ["add"]]
    assert kinds(prompt) == [["input"], CONV, POOL, *block, *block, ["globalavgpool"], DENSE]


def test_another_one_exactly_the_same_is_the_layer_before_once_more():
    prompt = (
        "Input 100x2. Conv1d with sixteen filters, kernel seven, relu; another one exactly the "
        "same; max pool of two; global average pooling; dense of 3 with softmax."
    )
    assert kinds(prompt) == [
        ["input"], ["conv1d"], ["conv1d"], ["maxpool"], ["globalavgpool"], DENSE
    ]  # fmt: skip
    assert all({"16", "7"} <= step for step in numbers(prompt, "conv1d"))
    # What it cannot tell "the same" from is left to the model.
    assert (
        list_order("dense 64 relu, then another one the same as the first block, dense 2") is None
    )


def test_stages_said_with_in_each_stage_and_their_filters_per_stage():
    prompt = (
        "Input 64x64x3. Three stages; in each stage, two 3x3 convolutions with relu and then 2x2 "
        "max pooling. Filters per stage: 16, 32, 64. Then flatten and a dense layer of 5."
    )
    assert kinds(prompt) == [["input"], *[CONV, CONV, POOL] * 3, ["flatten"], DENSE]
    convs = numbers(prompt, "conv2d")
    assert [("16" in c, "32" in c, "64" in c) for c in convs[::2]] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]


def test_filters_said_across_the_blocks_and_a_note_of_the_same_count_in_both():
    prompt = (
        "Input 48x48x1, then two conv blocks. Each block: two 3x3 convs with ReLU (same "
        "filter count in both), then 2x2 max pooling. Filters go 16, 48 across the blocks. "
        "Then flatten and a dense layer of 7."
    )
    assert kinds(prompt) == [["input"], *[CONV, CONV, POOL] * 2, ["flatten"], DENSE]
    convs = numbers(prompt, "conv2d")
    assert [("16" in c, "48" in c) for c in convs] == [(True, False)] * 2 + [(False, True)] * 2


def test_each_using_an_activation_and_followed_by_a_layer():
    prompt = (
        "Input 64x2. Two 1D convolutional layers with 8 and 16 filters and kernel sizes 5 and 3 "
        "respectively, each using ReLU and followed by max pooling of size 2. Then a dense layer "
        "of 4 with softmax."
    )
    assert kinds(prompt) == [["input"], *[["conv1d"], POOL] * 2, DENSE]
    assert [step.activation for step in list_order(prompt)][1:4:2] == ["relu", "relu"]
    widths = (
        "The model receives a 40-dimensional feature vector. Two hidden layers of 32 and 16 "
        "neurons respectively, each using the tanh activation and each followed by layer "
        "normalization, then an output of 1."
    )
    assert kinds(widths) == [["input"], DENSE, ["layernorm"], DENSE, ["layernorm"], DENSE]
    assert [step.written for step in list_order(widths)][:2] == [("40",), ("32",)]


def test_a_network_named_for_sequences_of_a_length_starts_at_that_input():
    prompt = (
        "LSTM tagger for sequences of length 40. Embedding (vocab 900, dim 16), then an LSTM "
        "of 32 units and a dense layer with 5 outputs and softmax."
    )
    assert kinds(prompt) == [["input"], ["embedding"], ["lstm"], DENSE]


@pytest.mark.parametrize(
    "block",
    [
        "Then one residual block: two 3x3 convs with 8 filters, the first with relu and the "
        "second with no activation, plus a skip connection that adds the block's input to its "
        "output.",
        "Then comes a single residual block: two 3x3 convolutions with 8 filters, relu on the "
        "first one only, with a skip connection that adds the block's input back onto the "
        "output of the second convolution.",
        "Next is a residual block made of two 3x3 convs with 8 filters, the first one with relu, "
        "wrapped by a skip connection that adds the block's input to the output of its second "
        "convolution.",
    ],
)
def test_a_residual_block_said_in_more_ways(block):
    prompt = (
        f"Input 28x28x1. Start with a 3x3 conv with 8 filters and relu. {block} After the "
        "residual block, global average pooling and a dense layer of 10 with softmax."
    )
    assert kinds(prompt) == [["input"], CONV, CONV, CONV, ["add"], ["globalavgpool"], DENSE]
    order = list_order(prompt)
    assert [step.activation for step in order[1:4]] == ["relu", "relu", ""]
    assert order[4].written == ("2",)


def test_each_residual_block_with_only_its_first_layer_activated():
    prompt = (
        "Input 32x32x3. A 3x3 conv of 16 filters with relu, followed by two residual blocks. "
        "Each residual block contains two 3x3 convolutions with 16 filters, the first one with "
        "relu, and a skip connection that adds the block's input to its output. Then global "
        "average pooling and a dense layer of 4."
    )
    assert kinds(prompt) == [
        ["input"], CONV, *[CONV, CONV, ["add"]] * 2, ["globalavgpool"], DENSE
    ]  # fmt: skip


def test_a_block_of_layers_each_with_filters_and_a_kernel_and_an_input_by_its_shape():
    prompt = (
        "The detector reads windows shaped 512x1. It begins with a conv1d layer of 8 filters "
        "and kernel size 5, followed by max pooling with size 2. Next is a residual block made "
        "of three conv1d layers, each with 8 filters and kernel size 3, wrapped by a skip "
        "connection that adds the block's input to the output of its third convolution. We "
        "finish with global average pooling and one output unit."
    )
    assert kinds(prompt) == [
        ["input"], ["conv1d"], POOL, ["conv1d"], ["conv1d"], ["conv1d"], ["add"],
        ["globalavgpool"], DENSE,
    ]  # fmt: skip
    order = list_order(prompt)
    assert order[0].written == ("512", "1") and order[6].written == ("3",)


@pytest.mark.parametrize(
    "filters",
    [
        "The stages use 8, 16 and 32 filters in that order.",
        "The filter counts are 8, 16 and 32.",
    ],
)
def test_the_stages_filters_said_after_them_in_more_ways(filters):
    prompt = (
        "Input 32x32x3. It has three conv stages. Each stage is two 3x3 Conv2D layers with ReLU "
        f"followed by a 2x2 max pool. {filters} Then global average pooling and a dense layer of 2."
    )
    assert kinds(prompt) == [["input"], *[CONV, CONV, POOL] * 3, ["globalavgpool"], DENSE]
    assert [("8" in c, "16" in c, "32" in c) for c in numbers(prompt, "conv2d")[::2]] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]


@pytest.mark.parametrize(
    "layers",
    [
        "two convolutional layers, the first with eight 3x3 filters and the second with sixteen "
        "3x3 filters, each followed by a two-by-two max pooling layer",
        "Two conv layers: 8 filters of 3x3 with relu, then 16 filters of 3x3 with relu, each "
        "followed by 2x2 max pooling",
        "two conv2d layers: 8 filters with kernel 3x3, then 16 filters with kernel 3x3, "
        "each followed by max pooling of 2x2",
    ],
)
def test_each_layer_said_then_one_follower_for_all(layers):
    prompt = f"It looks at 32 by 32 grayscale images and has {layers}. Then flatten and dense 10."
    assert kinds(prompt) == [["input"], CONV, POOL, CONV, POOL, ["flatten"], DENSE]
    assert [("8" in c, "16" in c) for c in numbers(prompt, "conv2d")] == [
        (True, False),
        (False, True),
    ]
    assert list_order(prompt)[0].written == ("32", "32", "1")


def test_a_pool_after_the_second_and_the_fourth_goes_after_their_norms():
    prompt = (
        "A small 1-D CNN on frames (input 50x20). It has four convolutional layers with 16 "
        "filters, kernel size 3 and ReLU; each is followed by batch normalization, and there is "
        "max pooling of size 2 after the second and the fourth. Global average pooling then feeds "
        "a softmax layer over the 6 classes."
    )
    conv, norm, pool = ["conv1d", "conv2d"], ["batchnorm"], POOL  # "1-D CNN" names the network
    assert kinds(prompt) == [
        ["input"], *[conv, norm, conv, norm, pool] * 2, ["globalavgpool"], DENSE
    ]  # fmt: skip


def test_post_set_30_forms_residual_blocks_of_each_stages_in_bullets_and_same_settings():
    blocks = (
        "inputs are 16x16 colour images. stem is one conv layer, 8 filters 3x3 with relu. then "
        "two residual blocks; each block is conv 8 3x3 relu followed by conv 8 3x3 relu, and the "
        "block's input gets added to its output (skip connection). after the blocks: flatten "
        "and dense 3 softmax."
    )
    assert kinds(blocks) == [["input"], CONV, *[CONV, CONV, ["add"]] * 2, ["flatten"], DENSE]
    bullets = (
        "Classifier for 32x32 RGB images:\n- two conv blocks, each is a conv layer with 3x3 "
        "kernels and relu, then 2x2 max pooling. filters go 8, 16\n- flatten\n- dense 4 softmax"
    )
    assert kinds(bullets) == [["input"], CONV, POOL, CONV, POOL, ["flatten"], DENSE]
    listed = (
        "CNN for windows (100 timesteps x 6 axes):\n1. conv1d with 16 filters, kernel size 5, "
        "relu\n2. another conv1d, same settings\n3. global average pooling\n4. dense 3 softmax"
    )
    assert kinds(listed) == [["input"], ["conv1d"], ["conv1d"], ["globalavgpool"], DENSE]
    assert list_order(listed)[2].written == ("16", "5")


def test_residual_connections_around_it_and_around_those_two_and_layers_applied_each():
    prompt = (
        "Embedding with vocab 900 and dim 32, then a self-attention layer with 2 heads, with a "
        "residual connection around it, then layer normalization. After that a feed-forward "
        "part: a dense layer of 64 with gelu and a dense layer of 32, with another residual "
        "connection around those two dense layers, then layer norm again. Finally a dense 1."
    )
    assert kinds(prompt) == [
        ["embedding"], ["attention"], ["add"], ["layernorm"], DENSE, DENSE, ["add"],
        ["layernorm"], DENSE,
    ]  # fmt: skip
    applied = (
        "Input shape 50x8. Two 1D convolutional layers with 16 filters, kernel width 3 and ReLU "
        "are applied, each followed by batch normalization. These feed a GRU with 8 units and a "
        "dense layer of 2."
    )
    assert kinds(applied) == [["input"], *[["conv1d"], ["batchnorm"]] * 2, ["gru"], DENSE]


def test_after_set_31_a_skip_adding_the_block_input_and_no_input_shape():
    blocks = (
        "Input images are 32x32x1. Start with a 3x3 conv, 8 filters, relu. Then two residual "
        "blocks; each block is two 3x3 convs with 8 filters and relu, with a skip connection "
        "adding the block input to its output. After the blocks: global average pooling and a "
        "dense layer of 3."
    )
    assert kinds(blocks) == [["input"], CONV, *[CONV, CONV, ["add"]] * 2, ["globalavgpool"], DENSE]
    unsized = (
        "intent classifier: embedding (vocab size 900, dim 16) -> GRU, 8 units -> dense 4 "
        "softmax. the input length isnt fixed so no input shape."
    )
    assert kinds(unsized) == [["embedding"], ["gru"], DENSE]
