"""Phrases free English never uses as a name, and chain ends that are never processors."""

from __future__ import annotations

import pytest

from ranking.generation.constrain import State, StructureChecker, prompt_spans
from ranking.generation.flowgraph import name_key
from ranking.generation.prose_names import data_only, is_name_span, put_only
from ranking.generation.synth import generate_examples
from tests.decoding import feed


@pytest.mark.parametrize(
    ("prompt", "verb", "name"),
    [
        ("keyframes are pre-annotated by a YOLOv8 detector", "pre-annotated", "keyframes"),
        ("rolling_30d_spend is materialised to Feast", "materialised", "Feast"),
        ("the tool call gets excuted by the tool runner", "excuted", "tool runner"),
        ("HiFi-GAN vocodes those into 22kHz audio", "HiFi-GAN vocodes", "HiFi-GAN"),
        ("pyannote segments the 16 kHz audio into utterances", "pyannote segments", "16 kHz audio"),
        ("Evidently AI reads those logs nightly and computes drift", "nightly", "Evidently AI"),
        ("the ranker reads it and writes scores", "it", "scores"),
        ("when it fires, hands an audio buffer to ASR", "hands an audio buffer", "ASR"),
        ("Weeks later, chargeback reports arrive", "Weeks", "chargeback reports"),
        ("the bot samples 300 questions from Zendesk", "300", "300 questions"),
        # A name and the verb it does; the name alone stays.
        ("Presidio scrubs PII from the chat logs", "Presidio scrubs", "Presidio"),
        ("Fivetran syncs Salesforce into the raw schema", "Fivetran syncs", "Fivetran"),
        ("which e5-large-v2 embeds into vectors", "e5-large-v2 embeds", "e5-large-v2"),
        ("SearchSvc looks up query vectors in faiss.index", "SearchSvc looks up", "SearchSvc"),
        ("tickets -> dedupe with MinHashDedup -> clean tickets", "dedupe", "MinHashDedup"),
        # Nor does a name end in, or hold, the word that joins a step to its agent or tool.
        ("tickets -> dedupe with MinHashDedup -> clean tickets", "dedupe with", "clean tickets"),
        ("tickets -> format with ChatTemplater -> jsonl", "format with ChatTemplater", "jsonl"),
        ("wav is loudness-normalized by ffmpeg", "loudness-normalized by", "ffmpeg"),
        ("keyframes are pre-labeled by SAM 2 into masks", "pre-labeled by SAM 2", "SAM 2"),
        # A plural noun that is also a verb is the verb where an object follows.
        ("Prophet forecasts daily sales into a 28-day forecast", "Prophet forecasts", "Prophet"),
        ("EvalHarness scores churn-model-v7 on the holdout", "EvalHarness scores", "EvalHarness"),
        # When a step runs is no thing of the process, nor is "our" part of a name.
        ("At query time, the user question is embedded", "query time", "user question"),
        (
            "Our LayoutLMv3 extractor reads the page images",
            "Our LayoutLMv3 extractor",
            "LayoutLMv3",
        ),
    ],
)
def test_verbs_pronouns_and_time_words_are_not_names(prompt, verb, name):
    spans = prompt_spans(prompt)
    assert verb not in spans
    assert name in spans


@pytest.mark.parametrize(
    ("prompt", "name"),
    [
        ("the rewritten queries hit a BM25 retriever", "rewritten queries"),
        ("Ragas compares the answers with the gold answers written by the team", "gold answers"),
        ("a reranker keeps the best chunks out of the top-k chunks", "best chunks"),
        ("risk scores are written to Redis", "risk scores"),
        ("the queue writes fraud labels back to Neo4j", "fraud labels"),
        ("daily forecasts of demand go to S3", "daily forecasts"),
    ],
)
def test_plural_nouns_that_are_also_verbs_stay_names(prompt, name):
    assert name in prompt_spans(prompt)


def test_a_title_before_the_steps_names_no_node_unless_a_step_repeats_it():
    prompt = "Labeling loop for the shelf-scanner: photos are labelled by annotators into boxes"
    spans = prompt_spans(prompt)
    assert "Labeling loop" not in spans and "shelf-scanner" not in spans
    assert "photos" in spans and "annotators" in spans
    repeated = prompt + "; the boxes go to the shelf-scanner"
    assert "shelf-scanner" in prompt_spans(repeated)
    heading = "## Review flywheel\nreviews are scored by a ranker into scores"
    assert "Review flywheel" not in prompt_spans(heading) and "ranker" in prompt_spans(heading)
    # A label or a first step is no title: "Source: ...", "So ResNet-50: X in, Y out".
    assert "Snowflake table" in prompt_spans("Source: Snowflake table, step 1: dbt model reads it")
    assert "ResNet-50" in prompt_spans("draw my nightly job So ResNet-50: tweets in, alerts out")


def test_participles_stay_names_where_they_are_not_passive():
    spans = prompt_spans("run the encoder on raw audio to get aggregated mel spectrograms")
    assert "aggregated mel spectrograms" in spans
    assert "aggregated" not in spans  # "to get aggregated" alone is the verb
    assert "cleaned events" in prompt_spans("the cleaner writes cleaned events to S3")


def test_a_name_before_a_line_break_does_not_run_into_the_next_line():
    spans = prompt_spans("captions go into the nightly mart\nThe mart is read by Looker")
    assert "nightly mart" in spans
    assert "nightly mart The" not in spans


def test_is_name_span_reads_the_words_around_the_run():
    assert is_name_span(["ALS"], None, "factorizes")
    assert not is_name_span(["ALS", "factorizes"], None, "the")
    assert not is_name_span(["validated"], "are", "by")
    assert is_name_span(["validated", "events"], "writes", None)
    assert not is_name_span(["events", "are", "validated"], None, None)


def test_the_last_item_of_an_arrow_chain_is_data():
    prompt = (
        "Confluence pages -> HTML cleaner -> plain text -> embedder -> chunk vectors -> pgvector"
    )
    keys = data_only(prompt)
    assert name_key("pgvector") in keys
    assert name_key("HTML cleaner") not in keys
    # Read for certain (flow_reader): the chain's last edge is a plain one.
    assert StructureChecker.for_prompt(prompt).flow[-1] == "chunk vectors > - > pgvector"
    # Where the model writes lines of its own (a sentence not read), the rule holds it.
    checker = StructureChecker.for_prompt(prompt + ". Then we eyeball the vectors for a while.")
    assert checker.flow is None and checker.in_part is not None
    state = feed(checker, checker.forced_rest(State()))
    assert feed(checker, "chunk vectors > pgvector > -\n", state) is None
    assert feed(checker, "embedder > - > pgvector\nstyle:", state) is not None


def test_a_chain_end_named_elsewhere_stays_free():
    prompt = (
        "Indexing: PDFs → chunker → chunks → embedder → vectors → Qdrant collection\n"
        "Query side: question → embedder → query vector → Qdrant collection → top-5 chunks"
    )
    keys = data_only(prompt)
    assert name_key("Qdrant collection") not in keys
    assert name_key("top-5 chunks") in keys


def test_items_joined_by_plus_are_inputs():
    keys = data_only("normalised clips + MUSAN noise → augmenter → augmented clips")
    assert {name_key("normalised clips"), name_key("MUSAN noise")} <= keys
    assert name_key("augmenter") not in keys


def test_the_last_item_stops_at_the_sentence_or_clause():
    keys = data_only("clickstream CSVs -> cleaner -> Postgres warehouse. Failed rows go to S3")
    assert name_key("Postgres warehouse") in keys
    assert name_key("Failed rows") not in keys


def test_every_synthetic_process_plan_still_decodes():
    """The rules take away no name and no processor the process training data writes."""
    examples = [e for e in generate_examples(600, seed=5) if e.source == "processes"]
    assert len(examples) > 100
    for example in examples:
        structure = example.plan.split("\nstyle:")[0]
        checker = StructureChecker.for_prompt(example.prompt)
        assert feed(checker, structure + "\nstyle:") is not None, (example.prompt, structure)


@pytest.mark.parametrize(
    ("prompt", "store"),
    [
        ("The recommendation lists are pushed to DynamoDB.", "DynamoDB"),
        ("scanned invoices are uploaded to an S3 bucket by the app", "S3 bucket"),
        ("the new model is pushed to the MLflow registry.", "MLflow registry"),
    ],
)
def test_a_store_data_is_only_put_into_is_never_a_processor(prompt, store):
    checker = StructureChecker.for_prompt(prompt)
    assert name_key(store) in put_only(prompt, is_name=lambda name: name in checker.spans)
    data = prompt.split(" are ")[0].split(" is ")[0].split()[-2:]
    item = " ".join(data)
    assert feed(checker, f"flow\n{item} > {store} > -\n") is None
    assert feed(checker, f"flow\n{item} > - > {store}\n") is not None


@pytest.mark.parametrize(
    "prompt",
    [
        # The place acts too: it reads, or a relative clause gives it a verb.
        "scanned invoices are uploaded to an S3 bucket. A Lambda function reads the S3 bucket.",
        "the approved model is pushed to the MLflow registry, which triggers a GitHub workflow",
        # Not called a store: the training data sends data to steps this way.
        "the clean articles are loaded into the lane crawler",
    ],
)
def test_a_place_that_acts_or_is_no_store_stays_free(prompt):
    spans = StructureChecker.for_prompt(prompt).spans
    assert put_only(prompt, is_name=lambda name: name in spans) == frozenset()
