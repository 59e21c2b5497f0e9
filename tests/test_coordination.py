"""Names a prompt lists with "and" are written together on their side of a step."""

from __future__ import annotations

import pytest

from ranking.generation.constrain import StructureChecker
from ranking.generation.coordination import INPUTS, OUTPUTS, Group, ListRules, groups
from ranking.generation.prose_names import data_only
from ranking.generation.synth import generate_examples
from tests.decoding import feed

SPLIT = (
    "customer features are split by a stratified splitter into a train set and a holdout set. "
    "An XGBoost trainer learns on the train set, then produces a model artifact."
)


def _lists(prompt: str) -> set[tuple[int, tuple[str, ...]]]:
    return {(group.role, group.names) for group in groups(prompt)}


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (SPLIT, {(OUTPUTS, ("train set", "holdout set"))}),
        (
            "a Spark MLlib ALS job factorizes the co-purchase matrix into user factors and "
            "item factors, which TopNScorer combines into recommendation lists",
            {(OUTPUTS, ("user factors", "item factors"))},
        ),
        (
            "match videos are split by FFmpeg into frames (2 fps) and an audio track.",
            {(OUTPUTS, ("frames", "audio track"))},
        ),
        (
            "transcripts and speaker turns are merged by TurnAligner into labeled utterances",
            {(INPUTS, ("transcripts", "speaker turns"))},
        ),
        (
            "the ETAService reads the model registry and the Feast online store and returns "
            "ETA predictions",
            {(INPUTS, ("model registry", "Feast online store"))},
        ),
        (
            "bounding boxes are sent to both the QA dashboard and the reject actuator",
            {(OUTPUTS, ("QA dashboard", "reject actuator"))},
        ),
    ],
)
def test_lists_are_found_with_their_side(prompt, expected):
    assert _lists(prompt) == expected


@pytest.mark.parametrize(
    "prompt",
    [
        # "and" begins a new clause: a verb, a subject with its own verb, a pronoun.
        "Dawid-Skene aggregates the labels into consensus labels and flags disagreements",
        "Scanned invoices are read by Tesseract OCR into raw text, and LayoutLMv3 extracts "
        "line items from the raw text.",
        "The user question and those passages are then passed to GPT-4o",
        # Gapping: two steps said short.
        "images are sent to a NSFW ResNet-50 and captions to a Detoxify text model",
        # Commas alone do not close a list.
        "the valid rows go to the staging table, the invalid rows to the quarantine bucket",
        # "respectively" pairs names of different steps.
        "User history and item metadata are encoded by the user tower and the item tower into "
        "user embeddings and item embeddings respectively.",
        # A name used twice as an input: a fan-out, not one list.
        "a Glue crawler catalogs the S3 bucket into the Glue Data Catalog. "
        "Athena reads the S3 bucket and the Glue Data Catalog",
        # A relative clause inside a list: the ", and" closes the outer list.
        "The features feed two things: the retrieval model, which returns 500 candidates, "
        "and the feature store.",
        # The reference templates list names of different steps.
        "process that contains, outputs matrix and table and process them with LLM",
        # A participle starts the outputs: the step is no list item.
        "ECG scans + hourly captions go into ViT pipeline, giving spectrograms and dashboard data.",
    ],
)
def test_no_list_where_the_words_say_otherwise(prompt):
    assert groups(prompt) == ()


def test_a_listed_name_is_written_with_its_mates():
    checker = StructureChecker.for_prompt(SPLIT)
    head = "flow\ncustomer features > stratified splitter > train set"
    assert feed(checker, head + "\n") is None
    assert feed(checker, head + ", model artifact") is None  # the next item is its mate
    assert feed(checker, head + ", holdout set\n") is not None
    assert feed(checker, "flow\ncustomer features > stratified splitter > holdout set, train set\n")


def test_a_verb_that_is_a_noun_too_ends_the_step_before_its_object():
    prompt = "the router-svc splits incoming users into a control group and a test group"
    assert [g.step for g in groups(prompt)] == ["router-svc"]
    checker = StructureChecker.for_prompt(prompt)
    # Held on the step's own line, and not written half on another step's line.
    assert feed(checker, "flow\nincoming users > router-svc > control group\n") is None
    assert feed(checker, "flow\nincoming users > router-svc > control group, test group\n")


def test_a_name_is_not_run_into_its_list():
    rules = ListRules(groups("the job writes user factors and item factors"), ("user factors",))
    assert not rules.allows_next([], "user factors and")
    assert rules.allows_next([], "user factors")


def test_a_short_mention_may_be_written_as_the_earlier_name():
    rules = ListRules((Group(OUTPUTS, ("summaries", "audio clips")),), ("dask summaries",))
    assert not rules.violates(["dask summaries", "audio clips"])
    assert rules.violates(["dask summaries"])
    assert rules.allows_next(["audio clips"], "dask summ")
    assert not rules.allows_next(["audio clips"], "train")


def test_input_lists_are_found_but_not_held():
    """A line's inputs come before its step: an input list is not forced onto a line."""
    prompt = "transcripts and speaker turns are merged by TurnAligner into labeled utterances"
    assert groups(prompt)
    checker = StructureChecker.for_prompt(prompt)
    assert feed(checker, "flow\ntranscripts > TurnAligner > labeled utterances\n") is not None


def test_a_list_written_whole_holds_no_more():
    checker = StructureChecker.for_prompt(SPLIT)
    line = "customer features > stratified splitter > train set, holdout set\n"
    assert feed(checker, "flow\n" + line + "train set > XGBoost trainer > model artifact\n")
    # The step's own line again must write the whole list only until one line has.
    assert feed(checker, "flow\n" + line + "customer features > stratified splitter > train set\n")


def test_every_synthetic_process_plan_decodes_under_the_lists():
    """Synthetic plans with a list in their prompt still decode: the rule takes nothing they write."""
    examples = [e for e in generate_examples(6000, seed=11) if e.source == "processes"]
    listed = 0
    for example in examples:
        checker = StructureChecker.for_prompt(example.prompt)
        if not checker.lists or checker.flow is not None:
            continue
        if checker.data_only != data_only(example.prompt):
            # The generator also sends data to a step named like a store ("the videos go
            # to Redis"), which `put_only` reads as the store real prompts mean.
            continue
        listed += 1
        structure = example.plan.split("\nstyle:")[0]
        assert feed(checker, structure + "\nstyle:") is not None, (example.prompt, structure)
    assert listed > 30


# A pasted Keras listing: dozens of commas, no verb. The subject pattern once
# backtracked exponentially on it and the decoder never returned; it takes a
# few milliseconds, so a minute's guard only catches the hang.
LISTING = """import tensorflow as tf

net = keras.Sequential([
    keras.Input(shape=(96, 96, 3)),
    Conv2D(8, 7, activation='gelu'),
    AveragePooling2D(2),
    Conv2D(8, kernel_size=(7, 7), activation="gelu"),
    AveragePooling2D((2, 2)),
    Conv2D(filters=8, kernel_size=(7, 7)),
    Activation('gelu'),
    AveragePooling2D(2),
    Conv2D(8, kernel_size=7, activation='gelu'),
    AveragePooling2D(pool_size=(2, 2)),
    GlobalAveragePooling2D(),
    Dense(units=64, activation="relu"),
    Dense(20, activation="softmax"),
])
Please use solid arrows."""


@pytest.mark.timeout(60)
def test_a_pasted_listing_full_of_commas_is_read_and_its_plan_allowed():
    assert groups(LISTING, lambda name: True) == ()
    plan = (
        "layers\ninput 96x96x3\nconv2d 8 7x7 gelu\navgpool 2x2\nconv2d 8 7x7 gelu\navgpool 2x2\n"
        "conv2d 8 7x7 gelu\navgpool 2x2\nconv2d 8 7x7 gelu\navgpool 2x2\nglobalavgpool\n"
        "dense 64 relu\ndense 20 softmax\nstyle:"
    )
    state = feed(StructureChecker.for_prompt(LISTING), plan)
    assert state is not None and state.done
