"""The numbers a prompt states (prompt_numbers) and the layer rules they feed (constrain)."""

import random

import pytest

from ranking.generation.constrain import LayerRules, StructureChecker
from ranking.generation.prompt_numbers import (
    DEFAULTS,
    as_digits,
    licensed_numbers,
    longest_run,
)
from ranking.generation.synth.layers import layers_example
from tests.decoding import feed


def test_numbers_are_read_as_people_write_them():
    prompt = (
        "input shape 98x40, a 30,522-token vocabulary, 20k words, sixteen 5x5 filters, "
        "one hundred twenty-eight units, dropout .25, nn.Dropout(p=0.1), a 23-way softmax"
    )
    allowed = licensed_numbers(prompt)
    for number in ("98", "40", "30522", "20000", "16", "5", "128", "0.25", "0.1", "23"):
        assert number in allowed, number
    # Names are not numbers: Conv2d's 2 and fc1's 1 are only the defaults.
    assert licensed_numbers("Conv2d with 64 filters, then fc7") == DEFAULTS | {"64"}


def test_a_count_of_layers_is_not_a_size_unless_the_prompt_also_says_it_as_one():
    four_blocks = licensed_numbers("four conv blocks, each two 3x3 convolutions with 32 filters")
    assert "4" not in four_blocks and {"3", "32"} <= four_blocks
    assert "6" not in licensed_numbers("for _ in range(6): layers.append(nn.Linear(64, 64))")
    assert "8" not in licensed_numbers("8 transformer blocks of width 512")
    # Said as a size too, or a number between it and the noun: still a size.
    assert "4" in licensed_numbers("4 transformer blocks with 4 heads each")
    assert "4" in licensed_numbers("attention with 4 heads and 2 layers")


def test_a_percent_is_a_rate_and_not_a_size():
    allowed = licensed_numbers("a dense layer of 256 units and 50% dropout, then forty percent")
    assert {"0.5", "0.4", "256"} <= allowed
    assert "50" not in allowed and "40" not in allowed


def test_number_words_in_a_row_are_split_where_they_cannot_be_one_number():
    allowed = licensed_numbers("sixteen and thirty-two filters, fifty thousand words")
    assert {"16", "32", "50000"} <= allowed
    assert "48" not in allowed


def test_a_prompt_without_numbers_is_not_held_to_the_defaults():
    assert licensed_numbers("an LSTM text classifier with dropout and a softmax") is None


def test_the_longest_run_is_the_largest_count_of_layers_the_prompt_states():
    assert longest_run("a dense layer") == 3
    assert longest_run("four transformer blocks with 8 heads") == 4
    assert longest_run("6 conv layers") == 6
    # A size is not a count: "a 6-unit output" asks for one layer.
    assert longest_run("a 6-unit sigmoid output layer, kernel 5") == 3
    listing = "nn.Sequential(" + "nn.Linear(256, 256), nn.ReLU(), " * 5 + "nn.Linear(256, 2))"
    assert longest_run(listing) == 6  # Linear is named six times
    assert longest_run("for _ in range(6):\n    layers.append(nn.Linear(64, 64))") == 6


# Not a plain list (a skip), so no order (layer_list): the numbers rules alone.
PROSE = (
    "Three 3x3 conv layers with 32 filters each and a skip around them, then a dense layer of "
    "1024 units and 50% dropout."
)


def test_a_layer_line_writes_only_numbers_the_prompt_states():
    checker = StructureChecker.for_prompt(PROSE)
    assert feed(checker, "layers\nconv2d 32 3x3\ndense 1024\ndropout 0.5\nstyle:").done
    assert feed(checker, "layers\ndense 10028") is None
    assert feed(checker, "layers\ndense 50\n") is None
    assert feed(checker, "layers\nconv2d 32 64x") is None
    # A skip's count is of lines, not of the prompt.
    skip = "layers\ndense 1024\nconv2d 32 3x3\nconv2d 32 3x3\nadd 2\n"
    assert feed(checker, skip) is not None


def test_identical_lines_stop_at_the_longest_run_the_prompt_allows():
    checker = StructureChecker.for_prompt(PROSE)  # longest run 3
    three = "layers\n" + "dense 1024\n" * 3
    assert feed(checker, three + "dense 32\n") is not None
    assert feed(checker, three + "dense 1024\n") is None
    # Its activation does not make a line a different layer.
    assert feed(checker, three + "dense 1024 relu\n") is None


def test_input_comes_first_and_flatten_norms_dropout_and_skips_never_follow_themselves():
    # The text names each of these layer types, so each may be drawn (`licensed_kinds`).
    checker = StructureChecker.for_prompt(
        PROSE + " Flatten, batch norm, layer norm and global average pooling too."
    )
    assert feed(checker, "layers\ninput 32\ndense 32\n") is not None
    assert feed(checker, "layers\ndense 32\ninp") is None
    for line in ("flatten", "batchnorm", "layernorm", "dropout 0.5", "globalavgpool"):
        assert feed(checker, f"layers\ndense 32\n{line}\n") is not None
        assert feed(checker, f"layers\ndense 32\n{line}\n{line}\n") is None, line
    assert feed(checker, "layers\ndense 32\ndense 32\nadd 2\nad") is None
    # The plain checker keeps the grammar alone.
    assert feed(StructureChecker(StructureChecker.for_prompt(PROSE).spans), "layers\nflatten\n" * 1)


def test_every_synthetic_layer_plan_passes_the_rules_of_its_own_prompt():
    # The rules must never forbid what the model was taught to write.
    rng = random.Random(3)
    for _ in range(300):
        example = layers_example(rng)
        structure = example.plan.split("\nstyle:")[0]
        state = feed(StructureChecker.for_prompt(example.prompt), structure + "\nstyle:")
        assert state is not None and state.done, (example.prompt, structure)


def test_default_rules_allow_what_the_grammar_allows():
    rules = LayerRules()
    assert rules.allows("dense 10028", 3, "dense 10028", 30, complete=True)
    assert rules.allows("input 5", 2, "input 5", 1, complete=True)


def test_sizes_in_words_are_written_as_digits_for_the_readers():
    text = (
        "two hundred fifty-six, one hundred twenty-eight and sixty-four units with relu and dropout"
    )
    assert as_digits(text) == "256, 128 and 64 units with relu and dropout"
    assert as_digits("sixteen and thirty-two filters") == "16 and 32 filters"
    assert as_digits("the first one has a single output") == "the first one has a single output"


def test_a_width_that_doubles_licenses_the_doubled_sizes():
    text = "three conv blocks; the width doubles each time, starting at 32 filters; 5 outputs"
    allowed = licensed_numbers(text)
    assert {"32", "64", "128", "256", "512"} <= allowed
    assert "10" not in allowed and "1024" not in allowed  # small sizes are not doubled; 16x at most
    assert "64" not in licensed_numbers(text.replace("doubles each time", "stays the same"))


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("dropout point five", "dropout 0.5"),
        ("a rate of zero point two", "a rate of 0.2"),
        ("dropout of point 25, then", "dropout of 0.25, then"),
        # "point" that is no decimal point stays.
        ("at that point two layers", "at that point 2 layers"),
    ],
)
def test_a_rate_said_with_point_is_a_decimal(text, digits):
    assert as_digits(text) == digits
