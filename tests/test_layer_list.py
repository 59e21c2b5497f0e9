"""A network written as a plain list of layers: its order, and the decoder held to it."""

from __future__ import annotations

import pytest

from ranking.generation.constrain import LayerRules, State, StructureChecker
from ranking.generation.layer_list import list_order
from ranking.generation.layerplan import LAYERS
from ranking.generation.spelling import spelled
from ranking.generation.synth import generate_examples
from tests.decoding import feed

DENSE = ["dense", "linear"]
TWO_CONVS = (
    "input 32x32x3, two conv layers with 32 filters 3x3 and relu, 2x2 max pooling, "
    "flatten, dense 10 softmax"
)


def kinds(prompt: str) -> list[list[str]] | None:
    order = list_order(prompt)
    return None if order is None else [sorted(step.kinds) for step in order]


def test_a_counted_item_is_that_many_layers_and_an_activation_is_no_layer():
    assert kinds(TWO_CONVS) == [
        ["input"],
        ["conv2d"],
        ["conv2d"],
        ["maxpool"],
        ["flatten"],
        ["dense", "linear"],
    ]


def test_each_item_writes_only_its_own_numbers():
    order = list_order(
        "an embedding layer (20,000 words, 128 dims), a bidirectional LSTM with 64 units, "
        "dropout 0.25 and a dense output of 1 with sigmoid"
    )
    assert [sorted(step.kinds) for step in order] == [
        ["embedding"],
        ["bilstm"],
        ["dropout"],
        ["dense", "linear"],
    ]
    assert {"20000", "128"} <= order[0].numbers and "64" not in order[0].numbers
    assert "64" in order[1].numbers and "128" not in order[1].numbers
    assert "0.25" in order[2].numbers


def test_bullets_titles_and_sentences():
    bullets = (
        "## Model\n\n- Input: 64 features\n- Dense 256, ReLU\n- BatchNorm\n- Dropout 0.3\n- Dense 1"
    )
    assert kinds(bullets) == [
        ["input"],
        ["dense", "linear"],
        ["batchnorm"],
        ["dropout"],
        ["dense", "linear"],
    ]
    titled = "keyword spotting net, input is 98x40. conv1d 64 filters, kernel 3, global max pool, dense 12"
    assert kinds(titled) == [["input"], ["conv1d"], ["globalmaxpool"], ["dense", "linear"]]


def test_asides_lead_ins_and_plain_each_are_not_layers():
    prompt = (
        "the encoder takes 128x128x1 grayscale images. it has a 3x3 convolution with 32 filters "
        "per direction, 2x2 max pooling, then an LSTM with 64 units in each direction, "
        "return sequences, dropout 0.2 again, a dense softmax layer with 9 units, one per tag, "
        "nothing fancy"
    )
    # The title says the input: "takes 128x128x1 grayscale images".
    assert kinds(prompt) == [
        ["input"],
        ["conv2d"],
        ["maxpool"],
        ["lstm"],
        ["dropout"],
        ["dense", "linear"],
    ]
    titled = "simple RNN demo: input (10 timesteps, 1 feature), SimpleRNN 32, SimpleRNN 16, Dense 1"
    assert kinds(titled) == [["input"], ["rnn"], ["rnn"], ["dense", "linear"]]
    # What comes before the input is a title, even when it names a layer.
    named = "my stock price LSTM: input is 60 days x 5 features, an LSTM with 50 units, dense 1"
    assert kinds(named) == [["input"], ["lstm"], ["dense", "linear"]]
    # "is followed by" keeps the order (a passive like "are parsed by" is refused below).
    followed = (
        "a 1-D convolution with 128 filters of width 5 is followed by max pooling of size 2, "
        "global max pooling. The pooled features pass through dropout 0.5 and a sigmoid output unit."
    )
    assert kinds(followed) == [
        ["conv1d"],
        ["maxpool"],
        ["globalmaxpool"],
        ["dropout"],
        ["dense", "linear"],
    ]
    # Section labels are no layers; "between them" is not read as a list's order.
    labelled = "input 784. Encoder: dense 512 relu, dropout 0.2, dense 32. Decoder: dense 784"
    dense = ["dense", "linear"]
    assert kinds(labelled) == [["input"], dense, ["dropout"], dense, dense]
    between = (
        "embedding 70 x 16, two GRU layers with 256 units, a dropout of 0.3 between them, dense 70"
    )
    assert kinds(between) is None
    # "hidden units" are the RNN's; "dim 64" the embedding's.
    hidden = "embedding layer with a 10k vocab, dim 64, a simple RNN with 128 hidden units, dense 5"
    assert kinds(hidden) == [["embedding"], ["rnn"], ["dense", "linear"]]


@pytest.mark.parametrize(
    "prompt",
    [
        "input 32x32x3, a 3x3 conv, a residual block of two convs, flatten, dense 10",
        "My RNN takes sequences of 200 steps, a GRU with 64 units, dropout 0.2, dense 1",
        "model = keras.Sequential([layers.Dense(64), layers.Dropout(0.5), layers.Dense(10)])",
        "emails -> TF-IDF vectorizer -> sparse vectors -> LinearSVC -> spam labels",
        "X computes embeddings, Y combines the embeddings, then Z embeds the tickets",
        "two layers of 3x3, 32 and 64, flatten, dropout 0.5",
        # A reference `cnn` prompt keeps that form's freedom (nothing only a layer plan draws).
        "CNN with 32 x 32 input, 2 3 x 3 conv layers, 2 x 2 pooling and 10 outputs",
        # A process that names TorchServe (a layer-plan word) and an embedder.
        "1) GPS emails are parsed by the recommendation API into payment features\n"
        "2) tokenized spectrograms are produced from these by TorchServe embedder\n"
        "3) the spectrograms go to a language worker which outputs readings",
    ],
)
def test_what_a_plain_list_never_says_is_not_read(prompt):
    assert list_order(prompt) is None


def test_synthetic_layer_prose_read_as_a_list_matches_its_plan():
    """Every synthetic network the reader reads, it reads right; no process is read."""
    read = 0
    for example in generate_examples(1500, seed=11):
        order = list_order(example.prompt)
        family = example.plan.split("\n", 1)[0].split(" ")[0]
        if family == "flow":
            assert order is None, example.prompt
        if order is None or family != "layers":
            continue
        read += 1
        want = [line.split(" ")[0] for line in example.plan.split("\nstyle:")[0].split("\n")[1:]]
        if want[0] == "input" and "input" not in order[0].kinds:
            want = want[1:]  # the input was said in a title
        assert len(order) == len(want), (example.prompt, want)
        assert all(kind in step.kinds for kind, step in zip(want, order, strict=True))
    assert read > 20


def test_the_decoder_holds_the_plan_to_the_list():
    checker = StructureChecker.for_prompt(TWO_CONVS)
    plan = "layers\ninput 32x32x3\nconv2d 32 3x3 relu\nconv2d 32 3x3 relu\nmaxpool 2x2\nflatten\n"
    assert feed(checker, plan + "dense 10 softmax\nstyle:") is not None
    assert feed(checker, "layers\ninput 32x32x3\nconv2d 32 3x3 relu\nmaxpool") is None
    assert feed(checker, plan + "style:") is None  # the dense layer is still to come
    assert feed(checker, "flow\n") is None


def test_a_line_an_item_plainly_reads_as_writes_that_items_numbers():
    checker = StructureChecker.for_prompt(TWO_CONVS)
    start = "layers\ninput 32x32x3\n"
    # 3 is a number the prompt states (the kernel) and a default, but not these filters.
    assert feed(checker, start + "conv2d 3 3x3") is None
    assert feed(checker, start + "conv2d 32 3x3 relu\n") is not None
    assert feed(checker, "layers\ninput 32x32\n") is None  # the input reads 32x32x3
    # A step with no plain reading ("a conv" with no size) leaves its numbers to the model.
    free = StructureChecker.for_prompt("input 28x28x1, a conv, 2x2 max pooling, flatten, dense 10")
    assert feed(free, "layers\ninput 28x28x1\nconv2d 2 2x2\n") is not None


def test_an_input_said_before_the_list_writes_the_numbers_said_there():
    prompt = (
        "sensor model, each sample is 50 timesteps with 6 features. first an LSTM of 64 units, "
        "dropout 0.2 and a dense sigmoid output of 1"
    )
    checker = StructureChecker.for_prompt(prompt)
    assert feed(checker, "layers\ninput 50x6\nlstm 64\n") is not None
    assert feed(checker, "layers\ninput 64\n") is None  # the LSTM's size, not the input's


def test_a_title_that_says_the_input_starts_the_list_with_it():
    prompt = (
        "my demand forecaster takes 30 time steps with 4 features. an LSTM of 32 units, "
        "dropout 0.1 and a dense output of 1"
    )
    assert kinds(prompt) == [["input"], ["lstm"], ["dropout"], ["dense", "linear"]]
    checker = StructureChecker.for_prompt(prompt)
    assert feed(checker, "layers\ninput 30x4\nlstm 32\n") is not None
    assert feed(checker, "layers\nlstm 32\n") is None  # the input comes first
    # A title that says no input adds none.
    assert kinds(prompt.replace("takes 30 time steps with 4 features", "is small"))[0] == ["lstm"]


def test_sentences_that_hand_the_data_on_are_read_as_the_list_they_say():
    prompt = (
        "We use a small recurrent classifier. Each review is embedded with a table of "
        "10000 words x 64 dimensions. The embedded sequence is processed by two GRU layers "
        "of 32 units, followed by dropout 0.2. The last states are passed to a dense "
        "softmax layer over 5 classes."
    )
    assert kinds(prompt) == [
        ["embedding"], ["gru"], ["gru"], ["dropout"], ["dense", "linear"]
    ]  # fmt: skip
    # "We use a ... encoder" is the whole network, not a transformer layer.
    encoder = prompt.replace("small recurrent classifier", "compact transformer encoder")
    assert kinds(encoder)[0] == ["embedding"]
    # Other passives still say something a plain list does not.
    assert kinds(prompt.replace("processed by", "regularised by")) is None


def test_a_request_that_names_the_network_and_a_closing_wish_are_no_layers():
    prompt = (
        "Could you sketch a small attention model for me? Sequences of 50 timesteps with 4 "
        "features come in, go through a 32-unit dense layer, then layer normalization and a "
        "single output neuron. Just want a clean picture for my slides."
    )
    assert kinds(prompt) == [["input"], ["dense", "linear"], ["layernorm"], ["dense", "linear"]]


def test_units_after_a_layer_without_units_are_another_layer_of_the_last_kind_with_units():
    stacked = "Stacked GRU: 64 units, dropout 0.1, 32 units, then dense 8 and dense 1"
    dense = ["dense", "linear"]
    assert kinds(stacked) == [["gru"], ["dropout"], ["gru"], dense, dense]
    assert [step.written for step in list_order(stacked)][:3] == [("64",), ("0.1",), ("32",)]
    assert kinds("dense layer of 64, 32 units, dropout 0.1, dense 1")[0] == dense
    # No layer with units before it: nothing says which layer the units are.
    assert kinds("conv 32 3x3, maxpool 2x2, 64 units, dense 10 softmax") is None


def test_an_image_input_or_a_square_kernel_makes_the_convolutions_2d():
    image = "input 64x64x3, conv with 16 filters, max pool, conv with 32 filters, flatten, dense 5"
    assert kinds(image)[1] == ["conv2d"] and kinds(image)[3] == ["conv2d"]
    square = "a 3x3 conv with 8 filters, max pooling, flatten, dense 2"
    assert kinds(square)[0] == ["conv2d"]
    sequence = "input 200x3, conv1d with 16 filters kernel 5, max pool, flatten, dense 2"
    assert kinds(sequence)[1] == ["conv1d"]


def test_labels_requests_and_shared_activations_are_not_layers():
    prompt = (
        "Could you please draw the small classifier we use in production for our churn data:\n"
        "- input: 30 features\n- dense 64, relu\n- dropout 0.2\n- output: a single sigmoid unit"
    )
    assert kinds(prompt) == [["input"], ["dense", "linear"], ["dropout"], ["dense", "linear"]]
    convs = "input 32x32x3, conv with 8 filters, conv with 16 filters; all convs use ReLU, dense 2"
    assert kinds(convs) == [["input"], ["conv2d"], ["conv2d"], ["dense", "linear"]]


def test_a_sized_layer_does_not_get_the_inputs_default_channel_count():
    order = list_order("input 360x1, conv1d with 32 filters kernel 7, max pooling of 2, dense 5")
    assert "32" in order[1].numbers and "1" not in order[1].numbers
    assert "2" in order[2].numbers


def test_a_layer_placed_by_position_is_left_to_the_model():
    prompt = "45 inputs, dense layers of 512 and 256 units, a layer norm after the first of them, dense 3"
    assert list_order(prompt) is None


def test_each_item_drafts_the_line_it_plainly_reads_as():
    """Drafts for speculative decoding: only what the item leaves no doubt about."""
    prompt = (
        "input 64x64 RGB, a 3x3 conv with 32 filters and relu, 2x2 max pooling, "
        "a dense layer of 128 units, 30% dropout, a linear layer with 3 outputs"
    )
    rules = LayerRules.for_prompt(prompt)
    assert rules.drafts == (
        "input 64x64x3\n",
        "conv2d 32 3x3 relu\n",
        "maxpool 2x2\n",
        "dense 128\n",
        "dropout 0.3\n",
        "dense 3\n",
    )
    sequence = "input 500x2, conv1d with 16 filters and kernel size 5, max pooling of 2, dense 4"
    assert LayerRules.for_prompt(sequence).drafts[1:3] == ("conv1d 16 5\n", "maxpool 2\n")
    # Two numbers for one unit count: no draft, the model writes the line.
    unsure = "input 20, dense 64 or 128 units, dropout 0.2, dense 1"
    assert LayerRules.for_prompt(unsure).drafts[1] == ""
    # Attention and transformer blocks in words write their heads.
    heads = "token ids of length 50, an embedding 5000 x 64, two transformer blocks with 4 heads"
    assert LayerRules.for_prompt(heads).drafts[2:] == ("transformer 4\n", "transformer 4\n")


def test_a_draft_runs_over_the_lines_it_reads_to_the_style_line():
    """One model call can check the whole rest of a plainly read list."""
    prompt = (
        "input 64x64 RGB, a 3x3 conv with 32 filters and relu, 2x2 max pooling, "
        "a dense layer of 128 units, 30% dropout, a linear layer with 3 outputs"
    )
    rules = LayerRules.for_prompt(prompt)
    at_dense = State(family=LAYERS, steps=4, at=3)
    assert rules.draft(at_dense) == "dense 128\ndropout 0.3\ndense 3\nstyle:"
    # Mid-line, the rest of a line that starts the one drafted; in another
    # family, or in a line drafted otherwise, nothing.
    assert rules.draft(State(family=LAYERS, steps=4, at=3, line="den")) == (
        "se 128\ndropout 0.3\ndense 3\nstyle:"
    )
    assert rules.draft(State(family=LAYERS, steps=4, at=3, line="dense 64")) == ""
    assert rules.draft(State(family="flow", steps=1)) == ""
    # An item without a draft ends the run before it.
    unsure = LayerRules.for_prompt(
        "input 20, dense 32, dense 64 or 128 units, dropout 0.2, dense 1"
    )
    assert unsure.draft(State(family=LAYERS, steps=1, at=1)) == "dense 32\n"


def test_a_misspelt_layer_word_is_read_as_the_word():
    typed = (
        "simple mlp, input is 30 features, 2 hidden layers of 256 and 128 units, "
        "droput 0.2 after each hidden layer, and a sigmoid output"
    )
    assert kinds(typed) == kinds(typed.replace("droput", "dropout")) is not None
    assert spelled("embeding, Flaten, convolutoin, poolng, fully conected") == (
        "embedding, flatten, convolution, pooling, fully connected"
    )
    # Real words and the layer words' own forms stay as written.
    kept = "data is transformed, polling, dropouts, convolutions, normalisation, connects"
    assert spelled(kept) == kept


@pytest.mark.parametrize(
    ("prompt", "required"),
    [
        (
            "Small transformer for text classification: token ids (length 128) go into an "
            "embedding (vocab 30000, dim 256), then 2 transformer blocks with 8 heads each, "
            "global average pooling and a dense 2 softmax.",
            True,
        ),
        ("It takes 28x28x1 images, then conv 32 3x3 relu, flatten, dense 10 softmax.", True),
        # A size right before a layer is that layer's.
        ("maps each token to a 300-dimensional embedding, then an LSTM of 64, dense 1.", False),
        ("an LSTM of 64 units, dropout 0.2, dense 1 sigmoid", False),
    ],
)
def test_an_input_whose_size_is_said_before_the_layers_is_written(prompt, required):
    rules = LayerRules.for_prompt(prompt)
    assert rules.order is not None
    # Required by the rules, or an input step of the order itself ("takes 28x28x1 images").
    assert (rules.input_required or "input" in rules.order[0].kinds) is required
    if required:
        assert not rules.allows(layer_line_of(rules), 0, "", 0, complete=True)
    else:
        # No size said before the first layer: no input line at all ("input 1" was junk).
        assert not rules.allows("input 64", 0, "", 0, complete=True)


def layer_line_of(rules) -> str:
    """The first listed layer as a plan line, which a required input must come before."""
    kind = next(sorted(step.kinds)[0] for step in rules.order if "input" not in step.kinds)
    return {"embedding": "embedding 30000 256", "conv2d": "conv2d 32 3x3 relu"}[kind]


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        # Flattened data is the input, not a flatten layer.
        (
            "classifier on flattened 784-pixel digits: dense 128 relu, dropout 0.2, dense 10 softmax",
            [["dense", "linear"], ["dropout"], ["dense", "linear"]],
        ),
        # An input said by its length, and a bottleneck said by its units.
        (
            "token sequences of length 32, an embedding with a 5k vocab and 64 dims, an LSTM of 32 "
            "units, a 16-unit bottleneck with relu, dense 2 softmax",
            [["input"], ["embedding"], ["lstm"], ["dense", "linear"], ["dense", "linear"]],
        ),
        # An input said after the output is still the input.
        (
            "conv1d 16 kernel 5 relu, global max pooling, dense 3 softmax. input is 100x8",
            [["input"], ["conv1d"], ["globalmaxpool"], ["dense", "linear"]],
        ),
        # "each <word> window" is no shared follower; samples from channels are the input;
        # "a final softmax over 3 classes" is the output layer.
        (
            "Each sensor window has 200 samples from 6 channels. It goes through a 1D convolution "
            "with 32 filters and kernel size 5, global max pooling, and a final softmax over 3 "
            "classes.",
            [["input"], ["conv1d"], ["globalmaxpool"], ["dense", "linear"]],
        ),
    ],
)
def test_inputs_and_layers_said_in_other_words(prompt, expected):
    assert kinds(prompt) == expected


def test_a_list_of_only_dense_layers_needs_their_sizes():
    # ("flattened": a word only a layer plan draws; a plain dense list is a `net` prompt.)
    on_images = "an autoencoder on flattened images: "
    assert (
        kinds(f"{on_images}dense 64 relu, dense 32 relu, dense 784 sigmoid")
        == [["dense", "linear"]] * 3
    )
    assert kinds(f"{on_images}the encoder outputs codes, a dense decoder, then an output") is None


def test_a_network_in_words_draws_only_layer_types_its_text_speaks_of():
    prompt = (
        "My model for the Titanic comp, 30 features after one-hot encoding. It has a hidden "
        "layer with 256 neurons and relu, batch norm, then more of the same with 128, and "
        "an output neuron with a sigmoid. LB 0.79 lol."
    )
    rules = LayerRules.for_prompt(prompt)
    assert rules.order is None  # no reader: the model writes it, held to what the text names
    checker = StructureChecker.for_prompt(prompt)
    assert feed(checker, "layers\ninput 30\ndense 256 relu\nbatchnorm\n") is not None
    assert feed(checker, "layers\ntransformer") is None  # never named
    assert feed(checker, "layers\ninput 30\nlstm") is None
    # A family named lets each of its kinds be drawn: "pooled" any pooling.
    assert {"globalavgpool", "maxpool"} <= rules.for_prompt("conv 32, average-pooled").kinds


def test_every_layer_type_the_sets_and_the_training_data_expect_is_licensed():
    from ranking.generation.layer_words import licensed_kinds

    for example in generate_examples(3000, seed=42):
        if example.plan.startswith("layers"):
            lines = example.plan.split("\nstyle:")[0].split("\n")[1:]
            kinds = {line.split(" ")[0] for line in lines}
            assert kinds <= licensed_kinds(example.prompt), (example.prompt, example.plan)


def test_w_slash_is_read_as_with():
    typed = "it starts w/ 2 3x3 conv layers w/ 16 filters, 2x2 max pooling, flatten, fc 10"
    assert kinds(typed) == kinds(typed.replace("w/", "with")) is not None
    assert (
        spelled("s3://bucket w/o labels, I/O w/ retries")
        == "s3://bucket w/o labels, I/O with retries"
    )


def test_layers_said_by_their_filters_neurons_or_abbreviations_are_read():
    lenet = (
        "32x32 grayscale input, 6 filters of 5x5 with tanh, 2x2 average pooling, "
        "16 5x5 filters with tanh, BN, average pooling over the sequence, "
        "a 120-neuron layer, and 10 outputs with softmax"
    )
    assert kinds(lenet) == [
        ["input"],
        ["conv2d"],
        ["avgpool"],
        ["conv2d"],
        ["batchnorm"],
        ["globalavgpool"],
        ["dense", "linear"],
        ["dense", "linear"],
    ]
    # Filters without their kernel stay an item of the conv layer listed before them.
    assert kinds("conv 3x3, 64 filters, relu, max pool 2x2, flatten, dense 10") == [
        ["conv2d"],
        ["maxpool"],
        ["flatten"],
        ["dense", "linear"],
    ]


def test_a_training_note_is_no_layer_and_hides_no_output():
    dense = ["dense", "linear"]
    noted = (
        "input 784, dense 128 relu, dropout 0.2, dense 10 softmax. Trained for 30 epochs with "
        "Adam (lr 1e-3), batch size 64."
    )
    assert kinds(noted) == [["input"], dense, ["dropout"], dense]
    # The output, run on into the note, stays a layer.
    run_on = "input 784, dense 128 relu, finally a softmax over the 10 classes after 30 epochs"
    assert kinds(run_on) in (None, [["input"], dense, dense])


def test_a_size_with_its_own_activation_after_a_sized_layer_is_the_next_layer():
    dense = ["dense", "linear"]
    prompt = "input 400, flatten, fully connected 120 tanh, then 84 tanh, and 10 softmax outputs"
    assert kinds(prompt) == [["input"], ["flatten"], dense, dense, dense]
    assert [step.written for step in list_order(prompt)][2:] == [("120",), ("84",), ("10",)]


def test_a_network_told_in_sentences_with_remarks_and_notes():
    # A title that names the network and its input, "again" before restated
    # numbers, "after flattening", a remark in brackets, a training note.
    lecture = (
        "Today we look at a convolutional network for 32x32 grayscale digits. The first layer is "
        "a convolution with 8 filters of size 3x3 and ReLU, followed by 2x2 max pooling. The "
        "second convolution has 16 filters, again 3x3 with ReLU, and again 2x2 max pooling. "
        "After flattening we have a fully connected layer of 64 units with ReLU and finally a "
        "softmax with 4 classes (cat, dog, fox, owl). One epoch takes 300 steps at batch size 64."
    )
    order = list_order(lecture)
    assert [sorted(step.kinds) for step in order] == [
        ["input"],
        ["conv2d"],
        ["maxpool"],
        ["conv2d"],
        ["maxpool"],
        ["flatten"],
        ["dense", "linear"],
        ["dense", "linear"],
    ]
    assert [step.written for step in order] == [
        ("32", "32", "1"),
        ("8", "3"),
        ("2",),
        ("16", "3"),
        ("2",),
        (),
        ("64",),
        ("4",),
    ]
    # The input said by frames and feature size in a first sentence.
    frames = (
        "We model 50 frames of 20-dimensional MFCC features (half a second of audio). They go "
        "through batch normalization, two bidirectional GRU layers of 64 units, a dropout of "
        "0.2 and a 6-way softmax (4 commands plus noise and silence)."
    )
    order = list_order(frames)
    assert [sorted(step.kinds)[0] for step in order] == [
        "input",
        "batchnorm",
        "bigru",
        "bigru",
        "dropout",
        "dense",
    ]
    assert order[0].written == ("50", "20") and order[-1].written == ("6",)


def test_a_dense_network_with_hidden_activations_is_a_layer_list():
    # A `net` line cannot show "selu": the layer plan can.
    prompt = (
        "price regressor: 3 hidden dense layers with 64, 32 and 16 units, all with selu, then a "
        "single linear output unit. we standardise the targets and use mse loss, lr 0.001."
    )
    order = list_order(prompt)
    assert [step.written for step in order] == [("64",), ("32",), ("16",), ("1",)]
    assert [step.activation for step in order[:3]] == ["selu"] * 3
    # An autoencoder whose decoder "mirrors" the encoder, its input a flattened image.
    mirrored = (
        "A small autoencoder: the input is a flattened 16x16 image, so 256 values. The encoder is "
        "dense 64 relu, then an 8-unit bottleneck. The decoder mirrors it: dense 64 relu and a "
        "256-unit sigmoid output."
    )
    order = list_order(mirrored)
    assert [step.written for step in order] == [("256",), ("64",), ("8",), ("64",), ("256",)]
    assert "input" in order[0].kinds


def test_blocks_with_their_filters_said_per_block():
    respectively = (
        "The net receives 64x64x3 images and has two blocks. Each block is two 3x3 convolutions "
        "with ReLU followed by 2x2 max pooling, with 16 and 32 filters in the first and second "
        "block respectively. Then flatten and a dense 5 softmax."
    )
    order = list_order(respectively)
    assert [step.written for step in order] == [
        ("64", "64", "3"),
        ("16", "3"),
        ("16", "3"),
        ("2",),
        ("32", "3"),
        ("32", "3"),
        ("2",),
        (),
        ("5",),
    ]
    listed_after = (
        "three conv blocks, each conv 3x3 + relu then maxpool 2x2, filters 8, 16, 16. "
        "then global avg pooling and a sigmoid output (1 unit)."
    )
    order = list_order(listed_after)
    assert [step.written for step in order if "conv2d" in step.kinds] == [
        ("8", "3"),
        ("16", "3"),
        ("16", "3"),
    ]
    # Layers before "each" are the blocks' own: not read as blocks of the pooling alone.
    followers = (
        "Two conv blocks: 3x3 convolutions with 16 and then 32 filters, relu, each followed by "
        "2x2 max pooling. Then flatten, dense 10 softmax."
    )
    assert list_order(followers) is None


def test_inputs_said_as_dimensions_and_steps_and_a_skip_adding_a_layers_input():
    order = list_order(
        "The input is a sequence of 40 steps with 8 features each. First a dense projection to "
        "32 units, then self-attention with 4 heads, with a residual connection adding the "
        "attention layer's input back to its output, then layer normalization and one sigmoid "
        "output unit."
    )
    assert [sorted(step.kinds)[0] for step in order] == [
        "input",
        "dense",
        "attention",
        "add",
        "layernorm",
        "dense",
    ]
    assert order[0].written == ("40", "8") and order[3].written == ("1",)
    flat = list_order(
        "An MLP for 300-dimensional inputs: dense 128 relu, dropout 0.2, dense 2 softmax."
    )
    assert flat[0].written == ("300",) and "input" in flat[0].kinds


def test_an_input_and_the_embedding_it_goes_into_in_one_item():
    order = list_order(
        "sentiment model: token ids of length 120 go into an embedding (vocabulary of 8000, "
        "64 dimensions), a bidirectional GRU with 32 units, dropout of 0.3, a dense softmax "
        "layer over 3 classes"
    )
    assert [sorted(step.kinds)[0] for step in order] == [
        "input",
        "embedding",
        "bigru",
        "dropout",
        "dense",
    ]
    assert order[0].written == ("120",) and order[1].written == ("8000", "64")


def test_sizes_typed_by_a_closing_note_and_things_the_network_has_not():
    prompt = (
        "autoencoder pls. input is 512. encoder: 256 relu then 64 relu. decoder mirors it: "
        "256 relu, then back to 512 with sigmoid. all dense layers, no dropout or anything"
    )
    assert kinds(prompt) == [["input"]] + [["dense", "linear"]] * 4
    assert [step.written for step in list_order(prompt)][1:] == [
        ("256",),
        ("64",),
        ("256",),
        ("512",),
    ]


def test_layers_said_with_both_again_an_ordinal_or_leading_to_the_next():
    both = (
        "we feed windows of 64 time steps with 6 channels into a one-dimensional convolutional "
        "network. Two convolutional layers with 32 filters and kernel size 5, both with ReLU, "
        "are followed by max pooling of 2. The output is flattened and fed to a dense layer of "
        "50 ReLU units, and a softmax layer predicts one of four gestures."
    )
    assert kinds(both) == [
        ["input"],
        ["conv1d", "conv2d"],
        ["conv1d", "conv2d"],
        ["maxpool"],
        ["flatten"],
        ["dense", "linear"],
        ["dense", "linear"],
    ]
    assert [step.activation for step in list_order(both)][1:3] == ["relu", "relu"]
    lenet = (
        "The first convolutional layer has 8 filters of size 3x3 with tanh activation and is "
        "followed by 2x2 average pooling; the second convolutional layer has 24 filters of "
        "size 3x3, again with tanh, followed by another 2x2 average pooling. After flattening, "
        "a fully connected layer of 100 units with tanh leads to a 5-unit softmax output."
    )
    assert kinds(lenet) == [
        ["conv2d"],
        ["avgpool"],
        ["conv2d"],
        ["avgpool"],
        ["flatten"],
        ["dense", "linear"],
        ["dense", "linear"],
    ]


def test_a_request_naming_the_network_kind_and_a_vocabulary_said_before_its_embedding():
    prompt = (
        "can you sketch a simple lstm for me? word-level, sequences of 30 words, vocab is 900 "
        "words, embedding size 24, then an LSTM with 48 units, then dense 900 with softmax"
    )
    order = list_order(prompt)
    assert [sorted(step.kinds) for step in order] == [
        ["input"],
        ["embedding"],
        ["lstm"],
        ["dense", "linear"],
    ]
    assert order[1].written == ("900", "24")


def test_a_batch_norm_after_the_nth_hidden_layer():
    prompt = (
        "regression net, 30 input features. three hidden dense layers of 128, 64 and 32, all "
        "relu, with batchnorm after the second hidden layer only. then one output unit."
    )
    assert kinds(prompt) == [
        ["input"],
        ["dense", "linear"],
        ["dense", "linear"],
        ["batchnorm"],
        ["dense", "linear"],
        ["dense", "linear"],
    ]


def test_what_no_layer_has_and_a_request_to_draw_are_no_layers():
    prompt = (
        "Input windows are 30 timesteps with 3 features. Two stacked LSTM layers of 40 units, "
        "each followed by dropout of 0.1. Then a dense layer of 20 units and a single-unit dense "
        "output, neither of them with an activation. Draw the model, please."
    )
    assert kinds(prompt) == [
        ["input"],
        ["lstm"],
        ["dropout"],
        ["lstm"],
        ["dropout"],
        ["dense", "linear"],
        ["dense", "linear"],
    ]


def test_a_note_on_data_augmentation_is_no_layer():
    prompt = (
        "input 32x32x3: a 3x3 conv with 16 filters and relu, 2x2 max pool, flatten, dense 10 "
        "softmax. Data augmentation is random crops and flips, which isn't part of the model."
    )
    assert kinds(prompt) == [["input"], ["conv2d"], ["maxpool"], ["flatten"], ["dense", "linear"]]


def test_a_hidden_layer_of_sigmoid_units_needs_a_layer_plan():
    prompt = (
        "Tiny net: 10 input features, one hidden layer with 8 sigmoid units, and 1 sigmoid output."
    )
    assert kinds(prompt) == [["input"], ["dense", "linear"], ["dense", "linear"]]
    assert [step.activation for step in list_order(prompt)] == ["", "sigmoid", "sigmoid"]
    # An output's sigmoid alone is the reference dense nets' too: no layer plan needed.
    assert list_order("an MLP with 4 inputs, 8 hidden units and 1 sigmoid output") is None


def test_a_perceptron_named_before_a_colon_is_a_title_and_its_inputs_the_input():
    order = list_order(
        "Two-layer perceptron: six inputs, a hidden layer of twelve with tanh, "
        "and an output of three units with softmax."
    )
    assert [sorted(step.kinds) for step in order] == [["input"], DENSE, DENSE]
    assert order[0].written == ("6",)


def test_sequences_of_a_length_said_in_the_title_are_the_input():
    prompt = (
        "Text classifier for sequences of length 64. An embedding (vocab 5000, dim 32), "
        "then a GRU with 16 units and a dense layer with 1 output and sigmoid."
    )
    assert kinds(prompt) == [["input"], ["embedding"], ["gru"], DENSE]
    assert list_order(prompt)[0].written == ("64",)
    # With its features said, the title's input is read whole.
    windows = (
        "A forecaster for sequences of 48 steps with 6 features: an LSTM with 32 units, "
        "then a dense layer of 1."
    )
    assert list_order(windows)[0].written == ("48", "6")


def test_a_layer_on_top_of_another_comes_after_it():
    order = list_order(
        "a GRU with 24 units on top of an embedding (500 words, 8 dim), then dense 3 softmax"
    )
    assert [sorted(step.kinds) for step in order] == [["embedding"], ["gru"], DENSE]
    assert "24" in order[1].numbers and "500" in order[0].numbers


def test_layers_stacked_on_top_of_that_and_an_embedding_dimension_said_apart():
    order = list_order(
        "Inputs are sequences of 40 token ids, which are embedded with a vocabulary of 3000 and "
        "a dimension of 32. On top of that I stack two transformer encoder layers, 2 attention "
        "heads each. Then global max pooling and a dense layer of 5 with softmax."
    )
    assert [sorted(step.kinds) for step in order] == [
        ["input"], ["embedding"], ["transformer"], ["transformer"], ["globalmaxpool"], DENSE
    ]  # fmt: skip
    assert {"3000", "32"} <= set(order[1].numbers) and "2" in order[2].numbers


def test_a_bidirectional_vanilla_rnn_and_blocks_after_there_are():
    order = list_order(
        "char tagger: an embedding of 80 symbols into 24 dims, a bidirectional vanilla RNN with "
        "48 units, then a dense layer of 5 with softmax"
    )
    assert [sorted(step.kinds) for step in order] == [["embedding"], ["birnn"], DENSE]
    blocks = list_order(
        "Input 40x40x3. There are three conv blocks, each one a 5x5 convolution with 12 filters "
        "and ReLU followed by 2x2 max pooling. Then flatten and a dense layer of 6."
    )
    assert [sorted(step.kinds) for step in blocks] == [
        ["input"], *[["conv2d"], ["maxpool"]] * 3, ["flatten"], DENSE
    ]  # fmt: skip


def test_a_residual_connection_said_inside_an_arrow_chain():
    order = list_order(
        "embedding (vocab 900, dim 32) -> GRU 48 -> self-attention with 2 heads, with a "
        "residual connection around the attention layer -> layer norm -> dense 3 softmax"
    )
    assert [sorted(step.kinds) for step in order] == [
        ["embedding"], ["gru"], ["attention"], ["add"], ["layernorm"], DENSE
    ]  # fmt: skip


def test_an_autoencoder_of_bare_sizes_is_dense_layers_each_size_one():
    prompt = (
        "Autoencoder for 100-dimensional inputs:\n"
        "- encoder: 64 relu -> 16 (no activation)\n- decoder: 64 relu -> 100 sigmoid"
    )
    order = list_order(prompt)
    assert [sorted(step.kinds) for step in order] == [["input"]] + [DENSE] * 4
    assert [step.written for step in order] == [("100",), ("64",), ("16",), ("64",), ("100",)]
    assert [step.activation for step in order] == ["", "relu", "", "relu", "sigmoid"]
    # Bare sizes in a network of other layers are not read as dense layers.
    assert list_order("conv autoencoder: conv 16 3x3 relu -> 8 -> 16 sigmoid") is None


def test_notes_of_a_layer_said_as_items_of_their_own():
    prompt = (
        "Input sequences of length 32, a token embedding of 900 words and 64 dims, two "
        "transformer encoder layers, each with 4 attention heads and a feed-forward width of "
        "256, then a dense layer of 32, also relu, and a 6-unit sigmoid output, one unit per "
        "toxicity label."
    )
    order = list_order(prompt)
    assert [sorted(step.kinds) for step in order] == [
        ["input"], ["embedding"], ["transformer"], ["transformer"], DENSE, DENSE
    ]  # fmt: skip
    assert [step.activation for step in order[-2:]] == ["relu", "sigmoid"]
    assert order[2].written == ("4",)


def test_an_input_label_then_its_shape_and_a_softmax_over_named_outputs():
    shaped = (
        "Digit model. Input: grayscale 28x28 images, so 28x28x1. A 3x3 conv with 8 filters "
        "and relu, 2x2 max pooling, flatten, a dense layer of 10 with softmax."
    )
    assert kinds(shaped)[0] == ["input"]
    assert list_order(shaped)[0].written == ("28", "28", "1")
    policy = (
        "The policy takes the 6-dim state as input and is a stack of linear layers: linear 64 "
        "with tanh, linear 64 with tanh, then a linear layer with 3 outputs and a softmax over "
        "the actions."
    )
    order = list_order(policy)
    assert [sorted(step.kinds) for step in order] == [["input"], DENSE, DENSE, DENSE]
    assert order[-1].activation == "softmax"


def test_chat_before_the_title_and_an_output_said_after_what_comes_before_it():
    chat = (
        "hey! want a diagram of my model for a slide. it takes the last 14 days with 3 features "
        "each (so 14x3), goes through a GRU with 16 units, a dropout of 0.2 and a single output."
    )
    assert kinds(chat) == [["input"], ["gru"], ["dropout"], DENSE]
    assert list_order(chat)[0].written == ("14", "3")
    logits = (
        "Network is simple. Input: 128-dimensional embeddings from a frozen encoder. A hidden "
        "layer of 64 with relu, layer normalization, and dropout (p=0.1) before the output, "
        "which is 5 raw logits."
    )
    order = list_order(logits)
    assert [sorted(step.kinds) for step in order] == [
        ["input"], DENSE, ["layernorm"], ["dropout"], DENSE
    ]  # fmt: skip
    assert [step.written for step in order] == [("128",), ("64",), (), ("0.1",), ("5",)]


def test_an_autoencoder_whose_encoder_goes_through_sizes_and_one_it_cannot_type():
    prompt = (
        "A dense autoencoder for 100-dimensional inputs: the encoder goes 64 relu -> 8 relu, "
        "and the decoder mirrors it with 64 relu -> 100 sigmoid."
    )
    assert kinds(prompt) == [["input"]] + [DENSE] * 4
    assert [step.written for step in list_order(prompt)][1:] == [("64",), ("8",), ("64",), ("100",)]
    # "ReLU everywhere except ...": which layers have it, the model says.
    assert list_order(prompt.replace("8 relu", "8") + " ReLU everywhere except the code.") is None


def test_a_layer_said_to_act_on_the_input():
    prompt = (
        "The denoising autoencoder takes 100-pixel vectors, corrupted by a dropout layer of 0.3 "
        "right after the input. The encoder has dense layers of 32 and 8 units, all with relu; "
        "the decoder has dense layers of 32 units, also relu, and ends in a 100-unit sigmoid layer."
    )
    order = list_order(prompt)
    assert [sorted(step.kinds) for step in order] == [
        ["input"], ["dropout"], DENSE, DENSE, DENSE, DENSE
    ]  # fmt: skip
    assert [step.activation for step in order[2:]] == ["relu", "relu", "relu", "sigmoid"]
    norm = (
        "Input is a vector of 40 features. First there is a layer norm on the raw input, then a "
        "dense layer of 16 units and a 2-unit softmax output layer."
    )
    assert kinds(norm) == [["input"], ["layernorm"], DENSE, DENSE]


def test_the_model_is_its_layers_ending_in_an_output():
    prompt = (
        "The classifier is three fully connected layers of 64, 32 and 16 units, all ReLU, with "
        "dropout of 0.2 after each, ending in a single sigmoid output neuron. The input is 40 "
        "features."
    )
    assert kinds(prompt) == [["input"], *[DENSE, ["dropout"]] * 3, DENSE]
