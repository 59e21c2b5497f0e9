"""The layer order read from pasted code, and the decoder holding a plan to it.

`pasted_code.code_order` reads the order of layer types a Keras or PyTorch
listing builds (nothing is run); the constrained decoder then lets each
layer line take only the next type. Listings here are written for these
tests; the blind sets stay for benchmarks.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranking.generation import constrain
from ranking.generation.layerplan import parse_layer_lines
from ranking.generation.pasted_code import code_order
from tests.decoding import feed
from tests.test_constrain import style_bias, tiny_base, tokenizer  # noqa: F401

KERAS_LIST = """model = keras.Sequential([
    layers.Conv2D(16, (5, 5), activation="relu", input_shape=(48, 48, 1)),
    layers.MaxPooling2D((2, 2)),
    layers.Dropout(0.3),  # regularise
    layers.Flatten(),
    layers.Dense(7, activation="softmax"),
])"""

KERAS_ADD = """please draw my sentiment model
model = Sequential()
model.add(Embedding(5000, 64))
model.add(Bidirectional(GRU(48)))
model.add(Dense(24))
model.add(Activation('relu'))
model.add(Dense(2, activation='softmax'))
model.compile(optimizer=Adam(1e-3), loss='categorical_crossentropy')"""

KERAS_FUNCTIONAL = """inp = keras.Input(shape=(40, 40, 3))
a = layers.Conv2D(24, 3, padding="same", activation="relu")(inp)
b = layers.Conv2D(24, 3, padding="same")(a)
b = layers.BatchNormalization()(b)
c = layers.add([a, b])
out = layers.Dense(4)(layers.GlobalAveragePooling2D()(c))"""

TORCH_CLASS = '''class Tagger(nn.Module):
    """Three-way tagger."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(12, 40, kernel_size=9)
        self.norm = nn.BatchNorm1d(40)
        self.pool = nn.MaxPool1d(3)
        self.rnn = nn.LSTM(40, 20, batch_first=True, bidirectional=True)
        self.head = nn.Linear(40, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.norm(self.conv(x))))
        x, _ = self.rnn(x.transpose(1, 2))
        return self.head(x[:, -1])
'''

TORCH_RESIDUAL = """class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(30, 30)
        self.fc2 = nn.Linear(30, 30)
        self.out = nn.Linear(30, 2)

    def forward(self, x):
        h = F.gelu(self.fc1(x))
        h = self.fc2(h) + x
        return self.out(torch.flatten(h, 1))
"""


def kinds(order):
    return [sorted(step.kinds) for step in order]


def test_a_keras_list_is_read_in_order_with_its_input_and_without_activations():
    assert kinds(code_order(KERAS_LIST)) == [
        ["input"], ["conv2d"], ["maxpool"], ["dropout"], ["flatten"], ["dense", "linear"]
    ]  # fmt: skip


def test_each_step_may_write_the_numbers_of_its_own_call_with_names_resolved():
    code = (
        "N_OUT, width = 6, 96\nmodel = keras.Sequential([\n"
        "    layers.LSTM(width, return_sequences=True, input_shape=(30, 4)),\n"
        "    layers.Dropout(rate=0.15),\n    layers.MaxPooling1D(),\n"
        '    layers.Dense(N_OUT, activation="softmax", name="out"),\n])'
    )
    order = code_order(code)
    assert [sorted(step.numbers) for step in order] == [
        ["30", "4"], ["96"], ["0.15"], ["2"], ["6"]
    ]  # fmt: skip


def test_input_dim_is_an_input_but_not_an_embeddings():
    dense = (
        "n_inputs = 13\nmodel = Sequential()\n"
        'model.add(Dense(64, activation="selu", input_dim=n_inputs))\nmodel.add(Dense(1))'
    )
    order = code_order(dense)
    assert kinds(order) == [["input"], ["dense", "linear"], ["dense", "linear"]]
    assert sorted(order[0].numbers) == ["13"] and sorted(order[1].numbers) == ["64"]
    embedded = "model = Sequential([Embedding(input_dim=5000, output_dim=32), LSTM(16)])"
    assert kinds(code_order(embedded)) == [["embedding"], ["lstm"]]


def test_a_number_the_code_does_not_give_leaves_the_prompts_numbers():
    code = "def build(k):\n    return nn.Sequential(nn.Linear(8, 10), nn.Linear(10, k))"
    assert [step.numbers for step in code_order(code)] == [frozenset({"10"}), None]


def test_a_torch_layers_first_argument_is_what_flows_in_not_its_size():
    code = (
        "import torch\nnet = nn.Sequential(nn.Conv1d(12, 40, 9), nn.Flatten(), nn.Linear(400, 3))"
    )
    assert [step.numbers for step in code_order(code)] == [
        frozenset({"40", "9"}), None, frozenset({"3"})
    ]  # fmt: skip


def test_a_functional_call_gives_the_numbers_after_its_tensor():
    code = (
        "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(16, 8)\n\n    def forward(self, x):\n"
        "        x = F.max_pool1d(x, 4)\n        x = F.dropout(x, p=0.3, training=self.training)\n"
        "        return self.fc(x)\n"
    )
    assert [sorted(step.numbers) for step in code_order(code)] == [["4"], ["0.3"], ["8"]]


def test_a_loop_over_a_literal_list_is_written_out():
    code = (
        "model = keras.Sequential()\nmodel.add(keras.Input(shape=(64, 64, 3)))\n"
        "for width in [16, 32]:\n"
        "    model.add(layers.Conv2D(width, 3, activation='relu'))\n"
        "    model.add(layers.MaxPooling2D(2))\n"
        "model.add(layers.Flatten())\nmodel.add(layers.Dense(4))\n"
    )
    order = code_order(code)
    assert kinds(order) == [
        ["input"], ["conv2d"], ["maxpool"], ["conv2d"], ["maxpool"], ["flatten"],
        ["dense", "linear"],
    ]  # fmt: skip
    assert [sorted(order[i].numbers) for i in (1, 3)] == [["16", "3"], ["3", "32"]]


def test_the_add_form_merges_bidirectional_and_skips_activations_and_the_optimiser():
    assert kinds(code_order(KERAS_ADD)) == [
        ["embedding"], ["bigru"], ["dense", "linear"], ["dense", "linear"]
    ]  # fmt: skip


def test_a_wrapped_recurrent_layer_in_a_list_keeps_its_place():
    code = (
        "model = keras.Sequential([\n    layers.Embedding(3000, 32),\n"
        "    layers.Bidirectional(layers.LSTM(16, return_sequences=True)),\n"
        "    layers.Dense(8, kernel_initializer=HeNormal()),\n    layers.Dense(1),\n])"
    )
    assert kinds(code_order(code)) == [
        ["embedding"], ["bilstm"], ["dense", "linear"], ["dense", "linear"]
    ]  # fmt: skip


def test_the_functional_form_reads_a_skip_and_nested_calls_innermost_first():
    assert kinds(code_order(KERAS_FUNCTIONAL)) == [
        ["input"], ["conv2d"], ["conv2d"], ["batchnorm"], ["add"], ["globalavgpool"], ["dense", "linear"]
    ]  # fmt: skip


def test_a_torch_forward_gives_the_order_whatever_order_init_defines():
    assert kinds(code_order(TORCH_CLASS)) == [
        ["conv1d"], ["batchnorm"], ["maxpool"], ["bilstm"], ["dense", "linear"]
    ]  # fmt: skip


def test_a_plus_in_forward_is_a_skip_and_torch_flatten_a_flatten():
    assert kinds(code_order(TORCH_RESIDUAL)) == [
        ["dense", "linear"], ["dense", "linear"], ["add"], ["flatten"], ["dense", "linear"]
    ]  # fmt: skip


def test_a_transformer_encoder_is_one_or_more_blocks():
    code = """class Enc(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(1000, 64)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4), num_layers=n)
        self.fc = nn.Linear(64, 2)

    def forward(self, t):
        return self.fc(self.enc(self.emb(t)))
"""
    order = code_order(code)
    assert kinds(order) == [["embedding"], ["transformer"], ["dense", "linear"]]
    assert [step.repeat for step in order] == [False, True, False]


@pytest.mark.parametrize(
    "prompt",
    [
        "a CNN with two conv layers, dropout 0.5 and a dense softmax output",
        "I use keras for this one: conv 32 3x3, pool, dense 10",
        # A block of its own: its layers are not in the listing.
        "model = nn.Sequential(ResBlock(64), ResBlock(64), nn.Linear(64, 10))",
        # A loop in forward builds an unknown number of layers.
        "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, 8)\n\n    def forward(self, x):\n"
        "        for _ in range(3):\n            x = self.fc(x)\n        return x\n",
        # Outputs of layers concatenated: not a line of layers.
        "model = keras.Sequential([layers.Dense(8), layers.Dense(4)])\n"
        "x = layers.concatenate([a, b])",
        # Layers the plan language cannot draw.
        "model = nn.Sequential(nn.Conv3d(1, 8, 3), nn.ReLU(), nn.Linear(8, 2))",
    ],
)
def test_prose_and_listings_it_cannot_read_for_certain_give_no_order(prompt):
    assert code_order(prompt) is None


def test_an_encoder_has_as_many_blocks_as_its_num_layers_says():
    code = """class Enc(nn.Module):
    def __init__(self, depth=3):
        super().__init__()
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4), num_layers=depth)
        self.fc = nn.Linear(64, 2)

    def forward(self, t):
        return self.fc(self.enc(t))
"""
    assert kinds(code_order(code)) == [["transformer"]] * 3 + [["dense", "linear"]]


def test_a_stacked_recurrent_layer_is_as_many_layers_as_its_num_layers_says():
    code = """class Tagger(nn.Module):
    def __init__(self, hidden=128, n_layers=3):
        super().__init__()
        self.emb = nn.Embedding(5000, 64)
        self.rnn = nn.LSTM(64, hidden, num_layers=n_layers, bidirectional=True)
        self.gru = nn.GRU(256, 32)
        self.out = nn.Linear(32, 9)

    def forward(self, x):
        h, _ = self.rnn(self.emb(x))
        g, _ = self.gru(h)
        return self.out(g)
"""
    assert kinds(code_order(code)) == [
        ["embedding"], ["bilstm"], ["bilstm"], ["bilstm"], ["gru"], ["dense", "linear"]
    ]  # fmt: skip


def test_the_checker_holds_layer_lines_to_the_order_and_numbers_of_the_code():
    checker = constrain.StructureChecker.for_prompt(KERAS_LIST)
    assert feed(checker, "flow") is None  # pasted code is a network
    assert feed(checker, "layers\ninput 48x48x1\nconv2d 16 5x5 relu\nmaxpool 2x2\n") is not None
    assert feed(checker, "layers\nconv2d") is None  # the listing declares its input
    assert feed(checker, "layers\ninput 48x48x1\nconv2d 7") is None  # the Dense's number
    assert feed(checker, "layers\ninput 48x48x1\nconv2d 16 5x5 relu\ndense") is None
    head = "layers\ninput 48x48x1\nconv2d 16 5x5 relu\nmaxpool 2x2\n"
    assert feed(checker, head + "style:") is None  # too early
    whole = head + "dropout 0.3\nflatten\ndense 7 softmax\n"
    assert feed(checker, whole + "dense") is None  # nothing after the last layer
    assert feed(checker, whole + "style:").done


def test_an_input_the_prose_mentions_may_start_a_torch_plan():
    code = "nn.Sequential(nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 1))"
    assert feed(constrain.StructureChecker.for_prompt(code), "layers\ninput") is None
    checker = constrain.StructureChecker.for_prompt("the input is 12 sensor readings\n" + code)
    assert feed(checker, "layers\ninput 12\nlinear 5 relu\nlinear 1\nstyle:").done
    assert feed(checker, "layers\nlinear 5 relu\nlinear 1\nstyle:").done


TORCH_SHAPED = """class Net(nn.Module):
    \"\"\"Takes images shaped (N, 3, 64, 48).\"\"\"

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(torch.flatten(F.relu(self.conv(x)), 1))"""


def test_a_torch_shape_comment_with_the_batch_first_is_the_input_channels_last():
    order = code_order(TORCH_SHAPED)
    assert order[0].kinds == {"input"} and order[0].written == ("64", "48", "3")
    checker = constrain.StructureChecker.for_prompt(TORCH_SHAPED)
    plan = "layers\ninput 64x48x3\nconv2d 16 3x3 relu\nflatten\nlinear 4\nstyle:"
    assert feed(checker, plan).done
    assert feed(checker, "layers\nconv2d") is None  # the input comes first
    conv1d = "seq = nn.Sequential(nn.Conv1d(12, 32, 7), nn.ReLU())  # x: (batch, 12, 1000)"
    assert code_order(conv1d)[0].written == ("1000", "12")  # (N, C, L): L steps of C
    tokens = "nn.Sequential(nn.Embedding(8000, 64), nn.Flatten())  # ids: (B, 50)"
    assert code_order(tokens)[0].written == ("50",)
    assert code_order(TORCH_SHAPED.replace("(N, 3, 64, 48)", "3x64x48"))[0].kinds != {"input"}


def test_a_repeated_step_takes_as_many_lines_as_the_model_writes():
    code = "model = nn.Sequential(nn.Embedding(900, 32), nn.TransformerEncoder(x, 2), nn.Linear(32, 2))"
    checker = constrain.StructureChecker.for_prompt(code)
    head = "layers\nembedding 900 32\ntransformer 2\n"
    assert feed(checker, head + "linear 2\nstyle:").done
    assert feed(checker, head + "transformer 2\ntransformer 2\nlinear 2\nstyle:").done


CODE_PROMPTS = [KERAS_LIST, KERAS_ADD, KERAS_FUNCTIONAL, TORCH_CLASS, TORCH_RESIDUAL]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prompt=st.sampled_from(CODE_PROMPTS), seed=st.integers(0, 2**16))
def test_random_logits_under_an_order_never_dead_end_and_follow_it(tokenizer, prompt, seed):  # noqa: F811
    checker = constrain.StructureChecker.for_prompt(prompt)
    order = code_order(prompt)
    table = constrain.token_table(tokenizer)
    state = feed(checker, "layers\n")
    rng = torch.Generator().manual_seed(seed)
    bias = style_bias(table, 4.0)
    text = "layers\n"
    for _ in range(400):
        logits = torch.randn(len(table.strings), generator=rng) * 3 + bias
        choice = constrain.choose_token(logits, state, checker, table, temperature=0.0)
        assert choice is not None, f"dead end after {text!r}"
        state, text = choice.state, text + choice.text
        if state.done:
            break
    assert state.done, text
    lines = text[: text.index("style:")].splitlines()[1:]
    written = [spec.kind for spec in parse_layer_lines(lines)]
    assert len(written) == len(order)
    assert all(kind in step.kinds for kind, step in zip(written, order, strict=True))


def test_drafts_are_the_lines_the_code_plainly_reads_as():
    from ranking.generation.pasted_code import draft_lines

    assert draft_lines(code_order(KERAS_LIST), KERAS_LIST) == (
        "input 48x48x1\n", "conv2d 16 5x5 relu\n", "maxpool 2x2\n", "dropout 0.3\n",
        "flatten\n", "dense 7 softmax\n",
    )  # fmt: skip
    # F.relu after a batch norm belongs to the conv; PyTorch's first argument flows in.
    assert draft_lines(code_order(TORCH_CLASS), TORCH_CLASS) == (
        "conv1d 40 9 relu\n", "batchnorm\n", "maxpool 3\n", "bilstm 20\n", "linear 3\n"
    )  # fmt: skip


def test_a_draft_the_layer_grammar_refuses_is_no_draft():
    from ranking.generation.pasted_code import Step, draft_lines

    order = (
        Step(frozenset({"dense"}), written=("8",)),
        Step(frozenset({"dropout"}), written=("5",)),
    )
    assert draft_lines(order, "dense 8, dropout 5") == ("dense 8\n", "")


def test_an_activation_the_listing_applies_ends_its_layer_line():
    prompt = (
        "head = nn.Sequential(\n    nn.Linear(64, 32),\n    nn.ReLU(),\n    nn.Linear(32, 3),\n"
        "    nn.Sigmoid(),\n)"
    )
    checker = constrain.StructureChecker.for_prompt(prompt)
    assert feed(checker, "layers\nlinear 32 relu\nlinear 3 sigmoid\n") is not None
    assert feed(checker, "layers\nlinear 32 relu\nlinear 3\n") is None  # dropped
    assert feed(checker, "layers\nlinear 32 relu\nlinear 3 soft") is None  # another one
    assert feed(checker, "layers\nlinear 32\n") is None


def test_a_stacked_encoder_layer_gives_each_block_its_heads():
    prompt = (
        "class Encoder(nn.Module):\n"
        "    def __init__(self, vocab=5000, d_model=64, heads=4):\n"
        "        super().__init__()\n"
        "        self.embed = nn.Embedding(vocab, d_model)\n"
        "        layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=heads, batch_first=True)\n"
        "        self.encoder = nn.TransformerEncoder(layer, num_layers=3)\n"
        "        self.head = nn.Linear(d_model, 2)\n"
        "\n"
        "    def forward(self, ids):\n"
        "        return self.head(self.encoder(self.embed(ids)))\n"
    )
    from ranking.generation.pasted_code import draft_lines

    drafts = draft_lines(code_order(prompt), prompt)
    assert drafts == ("embedding 5000 64\n", *["transformer 4\n"] * 3, "linear 2\n")


def test_a_named_input_shape_and_a_scheduler_are_read():
    from ranking.generation.pasted_code import draft_lines

    keras = (
        "SHAPE = (32, 32, 3)\nmodel = keras.Sequential([\n"
        "    layers.Conv2D(8, 3, activation='relu', input_shape=SHAPE),\n"
        "    layers.GlobalAveragePooling2D(),\n    layers.Dense(4, activation='softmax'),\n])"
    )
    assert draft_lines(code_order(keras), keras) == (
        "input 32x32x3\n", "conv2d 8 3x3 relu\n", "globalavgpool\n", "dense 4 softmax\n",
    )  # fmt: skip
    # A learning-rate schedule is no block of layers the listing hides.
    torch_code = (
        "N = 7\nmodel = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, N))\n"
        "opt = torch.optim.AdamW(model.parameters())\n"
        "sched = torch.optim.lr_scheduler.StepLR(opt, step_size=5)"
    )
    assert draft_lines(code_order(torch_code), torch_code) == ("linear 16 relu\n", "linear 7\n")


RESNET_FORWARD = """class Res(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.c1 = nn.Conv2d(16, 16, 3, padding=1)
        self.n1 = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 16, 3, padding=1)
        self.n2 = nn.BatchNorm2d(16)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        x = F.relu(self.stem(x))
        shortcut = x
        y = self.n1(F.relu(self.c1(x)))
        y = self.n2(self.c2(y))
        x = y + shortcut
        return self.head(x)
"""


def test_a_skip_in_forward_goes_around_the_layers_since_its_other_operand_was_set():
    order = code_order(RESNET_FORWARD)
    assert [sorted(step.numbers) for step in order if step.kinds == {"add"}] == [["4"]]
    checker = constrain.StructureChecker.for_prompt(RESNET_FORWARD)
    body = "layers\nconv2d 16 3x3 relu\nconv2d 16 3x3 relu\nbatchnorm\nconv2d 16 3x3\nbatchnorm\n"
    assert feed(checker, body + "add 4\n") is not None
    assert feed(checker, body + "add 1\n") is None


@pytest.mark.parametrize(
    "statement",
    [
        "x = self.n2(self.c2(y)) + shortcut",
        "x = shortcut + self.n2(self.c2(y))",
        "y = self.n2(self.c2(y))\n        y += shortcut\n        x = y",
    ],
)
def test_a_skip_beside_a_call_or_added_in_place_counts_the_same_layers(statement):
    code = RESNET_FORWARD.replace("y = self.n2(self.c2(y))\n        x = y + shortcut", statement)
    assert kinds(code_order(code))[-2:] == [["add"], ["dense", "linear"]]
    assert [sorted(step.numbers) for step in code_order(code) if step.kinds == {"add"}] == [["4"]]


def test_a_skip_from_the_forwards_own_input_is_left_to_the_model():
    (add,) = [step for step in code_order(TORCH_RESIDUAL) if step.kinds == {"add"}]
    assert add.numbers is None


def test_a_product_of_literals_is_the_number_it_makes():
    code = "decoder = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 28 * 28))"
    assert [step.written for step in code_order(code)][-1] == ("784",)
