"""A step's inputs read against the clause that names its processor (grounding.py)."""

from __future__ import annotations

import pytest

from ranking.generation import llm
from ranking.generation.constrain import SpanSet, prompt_spans
from ranking.generation.grounding import ground_inputs
from ranking.generation.pipeline import generate_candidates
from ranking.generation.plan import parse_plan
from ranking.generation.repeats import tidy_repeats
from tests.test_synth import process_examples

STYLE = "style: auto box line grey labels medium"

EVAL = (
    "features.parquet is split by a splitter into a train split and a holdout split. "
    "A trainer fits model.pkl on the train split. "
    "An evaluator scores model.pkl on the holdout split and writes report.json."
)
EVAL_MODEL = (
    "features.parquet > splitter > train split, holdout split\n"
    "train split > trainer > model.pkl\n"
    "model.pkl > evaluator > report.json"
)
SPEECH = (
    "Call audio is cut by a VAD into voice segments. Whisper turns the voice segments into "
    "raw transcripts. The diarizer also takes the voice segments and gives speaker turns."
)
SPEECH_MODEL = (
    "Call audio > VAD > voice segments\n"
    "voice segments > Whisper > raw transcripts\n"
    "raw transcripts > diarizer > speaker turns"
)


def grounded(lines: str, prompt: str) -> str:
    plan = parse_plan(f"flow\n{lines}\n{STYLE}")
    spans = SpanSet(prompt_spans(prompt))
    grounded = ground_inputs(plan, prompt, is_name=lambda name: name in spans)
    return grounded.structure_text().removeprefix("flow\n")


def test_a_second_input_the_clause_names_is_added():
    assert grounded(EVAL_MODEL, EVAL).splitlines()[-1] == (
        "model.pkl, holdout split > evaluator > report.json"
    )


def test_the_rest_of_a_listed_input_is_added_even_if_the_plan_never_wrote_it():
    prompt = (
        "Raw clicks and the ad log are joined by a join job into training rows. "
        "A ranker is trained on the training rows."
    )
    lines = "Raw clicks > join job > training rows\ntraining rows > ranker > -"
    assert (
        grounded(lines, prompt).splitlines()[0] == "Raw clicks, ad log > join job > training rows"
    )
    # A list the line writes none of is some other reading: left alone.
    other = "training rows > join job > -\ntraining rows > ranker > -"
    assert grounded(other, prompt) == other


def test_an_input_the_clause_does_not_name_gives_way_to_the_one_it_names():
    assert grounded(SPEECH_MODEL, SPEECH).splitlines()[-1] == (
        "voice segments > diarizer > speaker turns"
    )


def test_a_back_reference_keeps_the_models_input():
    prompt = SPEECH.replace("also takes the voice segments", "takes them as well")
    assert grounded(SPEECH_MODEL, prompt) == SPEECH_MODEL


def test_places_things_fetched_and_outputs_are_no_inputs():
    prompt = (
        "Raw tickets in the support DB are cleaned by a scrubber into clean tickets. "
        "A labeler reads clean tickets from the ticket store and writes labels."
    )
    lines = (
        "support DB > - > Raw tickets\nRaw tickets > scrubber > clean tickets\n"
        "clean tickets > - > ticket store\nticket store > labeler > labels"
    )
    # "from" names a place, "clean tickets" right before it is what is fetched,
    # and the scrubber's line already has its inputs.
    assert grounded(lines, prompt) == lines


@pytest.mark.parametrize(
    ("prompt", "lines"),
    [
        # A name the step leads to is never its input.
        (
            "The ranker scores the candidates and the ranked list goes to the UI.",
            "candidates > ranker > ranked list\nranked list > - > UI",
        ),
        # A name the line writes longer or shorter is the same input.
        (
            "The resulting item vectors are clustered by a k-means job into clusters.",
            "catalog > encoder > resulting item vectors\nitem vectors > k-means job > clusters",
        ),
    ],
)
def test_a_line_the_clause_agrees_with_stays_as_written(prompt, lines):
    assert grounded(lines, prompt) == lines


def test_asides_time_phrases_and_other_subjects_name_no_input():
    lines = "frames > detector > boxes\nboxes > tracker > tracks"
    # Inside an aside: what the step is made of, not what it reads.
    assert grounded(lines, "The tracker (frames + Kalman filter) turns boxes into tracks.") == lines
    # "at tracker time" names no processor; "the frames provide boxes to the
    # tracker": the frames act, the tracker reads the boxes.
    assert grounded(lines, "At tracker time frames give boxes.") == lines
    prompt = "The detector turns frames into boxes. The frames provide boxes to the tracker."
    assert grounded(lines, prompt) == lines


def test_what_a_step_trains_on_is_its_input():
    prompt = "The student model trains on the prompts and the soft labels and outputs a checkpoint."
    lines = "prompts > teacher > soft labels\nprompts > student model > checkpoint"
    assert grounded(lines, prompt).splitlines()[1] == (
        "prompts, soft labels > student model > checkpoint"
    )


def test_another_lines_step_is_no_output_where_the_clause_does_not_name_it():
    prompt = "a cleaning script outputs train.parquet, and xgboost trains on train.parquet"
    lines = "raw.csv > cleaning script > train.parquet, xgboost\ntrain.parquet > xgboost > model"
    assert grounded(lines, prompt).splitlines()[0] == "raw.csv > cleaning script > train.parquet"


def test_arrow_chains_and_reference_templates_are_left_as_written():
    arrows = "model.pkl -> evaluator -> report.json; holdout split -> evaluator"
    lines = "model.pkl > evaluator > report.json\nholdout split > - > report.json"
    assert grounded(lines, arrows) == lines
    template = "pipeline that consists of, inputs text and process them with CNN model"
    assert grounded("text > CNN model > -", template) == "text > CNN model > -"


def test_no_synthetic_process_written_right_is_changed():
    # Synthetic plans are right by construction: grounding must keep every one.
    examples = process_examples(1500, seed=23)
    for example, _names in examples:
        plan = tidy_repeats(parse_plan(example.plan), example.prompt)
        spans = SpanSet(prompt_spans(example.prompt))
        grounded = ground_inputs(plan, example.prompt, is_name=spans.__contains__)
        assert grounded == plan, (example.prompt, example.plan)
    assert len(examples) > 400


class _MissingInputGenerator:
    """Writes the evaluation step with one of its two inputs, as the small model did."""

    output_format = "plan"

    def generate(self, prompt, count, *, seed=None, on_progress=None, **options):
        palettes = ("muted", "grey", "blue")
        return [
            llm.Completion(f"flow\n{EVAL_MODEL}\nstyle: auto box line {p} labels medium", 9, True)
            for p in palettes[:count]
        ]


def test_the_card_shows_and_draws_the_grounded_plan():
    result = generate_candidates(EVAL, 2, generator=_MissingInputGenerator(), seed=0)
    for candidate in result.candidates:
        assert "model.pkl, holdout split > evaluator > report.json" in candidate.plan
        edges = {(a.label, b.label) for a, b in candidate.diagram.edges()}
        assert ("holdout split", "evaluator") in edges
