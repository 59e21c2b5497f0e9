"""Processes written as plain step sentences: read for certain, or left to the model."""

from __future__ import annotations

import pytest
import torch

from ranking.diagrams.data import load_reference_pairs
from ranking.generation import constrain
from ranking.generation.flow_reader import PartReading, read_flow, read_flow_in_part
from ranking.generation.synth import generate_examples
from tests.decoding import feed
from tests.test_constrain import biased_generator
from tests.test_speculative import counted, decode_structure
from tests.tinylm import build_tiny_model


def read(prompt: str) -> tuple[str, ...] | None:
    spans = constrain.SpanSet(constrain.prompt_spans(prompt))
    return read_flow(prompt, is_name=lambda name: name in spans)


@pytest.mark.parametrize(
    ("prompt", "lines"),
    [
        (
            # Passive with processor and output; "the resulting X"; a move to a store.
            "Scanned receipts are cropped by ReceiptCropper into receipt images. The receipt "
            "images are read by a Donut model, and the resulting fields are checked by the "
            "validator, which outputs clean fields. The clean fields are upserted into Postgres.",
            (
                "Scanned receipts > ReceiptCropper > receipt images",
                "receipt images > Donut model > fields",
                "fields > validator > clean fields",
                "clean fields > - > Postgres",
            ),
        ),
        (
            # Numbered steps, a title, an active verb with "from ... into", two inputs,
            # "the raw table" for the earlier "Snowflake raw table", a reader.
            "Nightly ETL:\n"
            "1. Stitch copies the invoices table from MySQL into the Snowflake raw table.\n"
            "2. dbt cleans the raw table into tidy invoices.\n"
            "3. tidy invoices and the FX rates seed are joined by a dbt model into the AR mart.\n"
            "4. Superset reads the AR mart.",
            (
                "MySQL > - > invoices table",
                "invoices table > Stitch > Snowflake raw table",
                "Snowflake raw table > dbt > tidy invoices",
                "tidy invoices, FX rates seed > dbt model > AR mart",
                "AR mart > Superset > -",
            ),
        ),
        (
            # "X from Y" for each input, a pronoun, "reads ... and writes ... to ...".
            "Clicks from Kafka and profiles from Redis are merged by a Flink job into sessions. "
            "A ranker reads them and writes scores to the scores topic.",
            (
                "Kafka > - > Clicks",
                "Redis > - > profiles",
                "Clicks, profiles > Flink job > sessions",
                "sessions > ranker > scores",
                "scores > - > scores topic",
            ),
        ),
        (
            # "which" after a step's output: its next step; several steps in one sentence.
            "Logs are parsed by Drain3 into templates, which a counter turns into windows, "
            "and an IsolationForest scores the windows into anomaly scores.",
            (
                "Logs > Drain3 > templates",
                "templates > counter > windows",
                "windows > IsolationForest > anomaly scores",
            ),
        ),
        (
            # A participle naming the output of a step that said none.
            "can you draw this?\n- raw tweets are tokenized by SentencePiece\n"
            "- tokenized tweets are embedded by MiniLM into tweet vectors",
            (
                "raw tweets > SentencePiece > tokenized tweets",
                "tokenized tweets > MiniLM > tweet vectors",
            ),
        ),
    ],
)
def test_step_sentences_are_read_into_flow_lines(prompt, lines):
    assert read(prompt) == lines


@pytest.mark.parametrize(
    ("prompt", "lines"),
    [
        (
            "emails -> TF-IDF vectorizer -> sparse vectors -> LinearSVC -> spam labels",
            (
                "emails > TF-IDF vectorizer > sparse vectors",
                "sparse vectors > LinearSVC > spam labels",
            ),
        ),
        (
            # Bullets of chains: "+" joins inputs, remarks in brackets are no part,
            # the same name is the same node, an even count ends in a plain edge.
            "TTS data prep\n"
            "- audiobooks (LibriVox mp3s) → ffmpeg → 22kHz wavs\n"
            "- 22kHz wavs + book text → Montreal Forced Aligner → aligned utterances\n"
            "- aligned utterances → snr_filter.py → clean utterances (drops under 20 dB)\n"
            "- clean utterances → VITS → voice model → model registry",
            (
                "audiobooks > ffmpeg > 22kHz wavs",
                "22kHz wavs, book text > Montreal Forced Aligner > aligned utterances",
                "aligned utterances > snr_filter.py > clean utterances",
                "clean utterances > VITS > voice model",
                "voice model > - > model registry",
            ),
        ),
        (
            # A chain of steps alone, and a chain beside a sentence.
            "Documents => Chunk => Embed => Store. The answers are posted to Slack.",
            ("Documents > Chunk > Embed", "Embed > - > Store", "answers > - > Slack"),
        ),
    ],
)
def test_arrow_chains_are_read_as_things_and_steps_in_turn(prompt, lines):
    assert read(prompt) == lines


@pytest.mark.parametrize(
    ("prompt", "lines"),
    [
        (
            # "checks ... and writes", "trains on ... and outputs", "at serve time".
            "Great Expectations checks fct_payments and writes a validation report. "
            "train_ltv.py trains on fct_payments and outputs ltv_model, which the bidder "
            "loads at serve time.",
            (
                "fct_payments > Great Expectations > validation report",
                "fct_payments > train_ltv.py > ltv_model",
                "ltv_model > bidder > -",
            ),
        ),
        (
            # "come off", "pulls from ... and builds", "reads ..., producing".
            "FASTQ files come off the NovaSeq. BentoML pulls from the FASTQ files and builds a "
            "Docker image. hybrid_search reads the Docker image, producing candidate hits.",
            (
                "NovaSeq > - > FASTQ files",
                "FASTQ files > BentoML > Docker image",
                "Docker image > hybrid_search > candidate hits",
            ),
        ),
        (
            # Relative clauses on the step before's output: a passive with its
            # processor, and a move to a store.
            "Interaction logs are parsed by a Spark job into a user-item matrix, which is "
            "factorized by ALS into user embeddings and item embeddings. A FAISS builder "
            "indexes the item embeddings into an item index, which is stored in S3.",
            (
                "Interaction logs > Spark job > user-item matrix",
                "user-item matrix > ALS > user embeddings, item embeddings",
                "item embeddings > FAISS builder > item index",
                "item index > - > S3",
            ),
        ),
        (
            # A greeting, a title sentence, a sign-off; "(1)" bullets; a remark in
            # brackets; "downloaded from X by Y"; "it's"; "compares A against B";
            # "read by both A and B"; "the iot.raw topic" is "iot.raw".
            "Hi team, quick summary of the podcast setup.\n"
            "(1) Raw podcasts (MP3) are downloaded from the RSS feeds by podgrab.\n"
            "(2) Raw podcasts are transcribed by Whisper into the transcripts.v2 table; it's "
            "loaded into BigQuery by a Dataflow job.\n"
            "(3) Evidently compares transcripts.v2 against the reference set and produces a "
            "drift report, which is read by both the Hex notebook and Tableau.\n"
            "Thanks, Priya",
            (
                "RSS feeds > podgrab > Raw podcasts",
                "Raw podcasts > Whisper > transcripts.v2",
                "transcripts.v2 > Dataflow job > BigQuery",
                "transcripts.v2, reference set > Evidently > drift report",
                "drift report > - > Hex notebook, Tableau",
            ),
        ),
        (
            # "go through X to get Y", "passed to X to generate Y", "compared against
            # B by X", and a processor that goes on: "loaded by X, which reranks ...".
            "webcam frames go through YOLOv8 to get fruit crops. The fruit crops and the "
            "shelf map are passed to a planner to generate pick lists. The pick lists are "
            "compared against the order book by Evidently, which emits a drift report. The "
            "drift report is loaded by the Vespa service, which reranks live queries into "
            "ranked results instead.",
            (
                "webcam frames > YOLOv8 > fruit crops",
                "fruit crops, shelf map > planner > pick lists",
                "pick lists, order book > Evidently > drift report",
                "drift report > Vespa service > -",
                "live queries > Vespa service > ranked results",
            ),
        ),
        (
            # "X that is pushed to Y", "then" before a verb, "after training", "to A
            # and to B", "shown in", "reads from" (not "reads" as a name).
            "Fivetran copies orders from Postgres into raw_orders. A deploy job turns "
            "raw_orders into a Docker image that is pushed to ECR. ab_stats.py then computes "
            "lift estimates from the Docker image. After training, the lift estimates are "
            "pushed to Grafana and to PagerDuty. The lift estimates are shown in a Mode "
            "dashboard. The Vespa cluster reads from ECR.",
            (
                "Postgres > - > orders",
                "orders > Fivetran > raw_orders",
                "raw_orders > deploy job > Docker image",
                "Docker image > - > ECR",
                "Docker image > ab_stats.py > lift estimates",
                "lift estimates > - > Grafana, PagerDuty",
                "lift estimates > Mode dashboard > -",
                "ECR > Vespa cluster > -",
            ),
        ),
        (
            # "read by X that builds Y", "runs nightly and aggregates", "deploys X to Y",
            # "syncs X back to Y", "and so does Z".
            "clicks.parquet is read by a Spark job that builds training pairs. A Ray job runs "
            "nightly and aggregates the training pairs into daily_stats. KServe deploys "
            "daily_stats to the triage endpoint. Hightouch syncs daily_stats back to HubSpot. "
            "The billing service reads daily_stats, and so does Superset.",
            (
                "clicks.parquet > Spark job > training pairs",
                "training pairs > Ray job > daily_stats",
                "daily_stats > KServe > triage endpoint",
                "daily_stats > Hightouch > HubSpot",
                "daily_stats > billing service > -",
                "daily_stats > Superset > -",
            ),
        ),
    ],
)
def test_more_step_sentences(prompt, lines):
    assert read(prompt) == lines


def test_a_joining_verb_takes_a_second_input_with_with():
    prompt = (
        "Fivetran pulls orders_raw out of Postgres. dbt mart models join orders_raw with "
        "stg_customers to build fct_revenue. fct_revenue is read by a Hex dashboard."
    )
    assert read(prompt) == (
        "Postgres > Fivetran > orders_raw",
        "orders_raw, stg_customers > dbt mart models > fct_revenue",
        "fct_revenue > Hex dashboard > -",
    )
    # "tags X with Y": Y is what the step writes, which no form says.
    tagged = prompt.replace("join orders_raw with", "tag orders_raw with")
    assert read(tagged) is None


def test_a_clause_without_subject_goes_on_with_the_one_before():
    # Taken from a place, then combined: the same data; a verb no list has, with "into";
    # "produces X from Y"; "which feeds" a place.
    prompt = (
        "sales_history and promo_calendar are pulled from BigQuery and combined by "
        "build_features.sql into weekly_features. Prophet turns weekly_features into "
        "prophet_forecast, while a TFT model produces tft_forecast from the same "
        "weekly_features. ensemble_blender averages prophet_forecast and tft_forecast into "
        "final_forecast, which feeds the replenishment system."
    )
    assert read(prompt) == (
        "BigQuery > - > sales_history, promo_calendar",
        "sales_history, promo_calendar > build_features.sql > weekly_features",
        "weekly_features > Prophet > prophet_forecast",
        "weekly_features > TFT model > tft_forecast",
        "prophet_forecast, tft_forecast > ensemble_blender > final_forecast",
        "final_forecast > - > replenishment system",
    )
    # Put in one place and "also" in another: both.
    fanned = (
        "Spark Structured Streaming windows turbine-telemetry into 1-minute aggregates. "
        "eta_predictions are scored by a rules job into alerts. The alerts are returned to "
        "the rider app and also logged to eta-preds."
    )
    assert read(fanned)[-2:] == ("alerts > - > rider app", "alerts > - > eta-preds")
    # Two steps of the same data; a reader that makes something.
    twice = (
        "Meeting audio is transcribed by Whisper into transcripts and diarized by pyannote into "
        "speaker turns. A merge script combines the transcripts and speaker turns into "
        "labelled transcripts. The QA job reads labelled transcripts and computes qa_scores."
    )
    assert read(twice) == (
        "Meeting audio > Whisper > transcripts",
        "Meeting audio > pyannote > speaker turns",
        "transcripts, speaker turns > merge script > labelled transcripts",
        "labelled transcripts > QA job > qa_scores",
    )


def test_a_step_that_splits_its_input_and_a_step_that_delivers_it():
    prompt = (
        "Great Expectations validates the orders table and splits it into clean rows and failed "
        "rows. Kinesis Firehose delivers the clean rows to an S3 bucket. The failed rows and the "
        "orders table are both used by triage.py to produce a triage report."
    )
    assert read(prompt) == (
        "orders table > Great Expectations > clean rows, failed rows",
        "clean rows > Kinesis Firehose > S3 bucket",
        "failed rows, orders table > triage.py > triage report",
    )


def test_a_source_that_makes_what_it_gives_and_a_step_that_puts_the_output_before():
    # "generates X" with no input: the model is X's source, not its reader.
    prompt = (
        "A GPT model generates synthetic reviews. The synthetic reviews are cleaned by a "
        "cleaner into text, which Census syncs back to HubSpot."
    )
    assert read(prompt) == (
        "GPT model > - > synthetic reviews",
        "synthetic reviews > cleaner > text",
        "text > Census > HubSpot",
    )


def test_a_model_tuned_on_data_and_a_reader_that_joins_or_aggregates_what_it_reads():
    prompt = (
        "Spark reads txn_raw, joins it with merchant_dim and writes txn_enriched. A Flink job "
        "consumes txn_enriched and aggregates it into txn_features. Axolotl fine-tunes "
        "Llama-3-8B on txn_features (QLoRA, 3 epochs), producing fraud-lora-v1."
    )
    assert read(prompt) == (
        "txn_raw, merchant_dim > Spark > txn_enriched",
        "txn_enriched > Flink job > txn_features",
        "txn_features, Llama-3-8B > Axolotl > fraud-lora-v1",
    )


def test_irregular_participles_outputs_down_to_and_what_ships_or_uploads():
    prompt = (
        "The user question is rewritten by QueryRewriter into a search query. A toxicity "
        "classifier filters the search query down to safe queries. safe queries are quantized "
        "by AutoGPTQ into an int4 model that ships to the edge devices. The edge devices upload "
        "to MinIO."
    )
    assert read(prompt) == (
        "user question > QueryRewriter > search query",
        "search query > toxicity classifier > safe queries",
        "safe queries > AutoGPTQ > int4 model",
        "int4 model > - > edge devices",
        "edge devices > - > MinIO",
    )


def test_code_marked_names_titles_after_a_dash_and_where_inputs_come_from():
    prompt = (
        "search features — `impressions` events are read from Kafka by a Spark job that "
        "computes ctr_features. ctr_features and user_profiles (from Tecton) are combined by "
        "rank-gateway into rank inputs. rank inputs are scored by ranker-v2 into rankings. Rankings "
        "are reviewed in the Ops UI and archived to GCS."
    )
    assert read(prompt) == (
        "Kafka > - > impressions",
        "impressions > Spark job > ctr_features",
        "Tecton > - > user_profiles",
        "ctr_features, user_profiles > rank-gateway > rank inputs",
        "rank inputs > ranker-v2 > rankings",
        "rankings > Ops UI > -",
        "rankings > - > GCS",
    )
    # A kebab-case name with its kind, then without: one node.
    topic = (
        "Meter readings are published to the meter-raw topic. meter-raw is windowed by a Flink "
        "job into hourly usage. hourly usage is written to Postgres."
    )
    assert read(topic)[:2] == (
        "Meter readings > - > meter-raw",
        "meter-raw > Flink job > hourly usage",
    )


def test_steps_told_as_orders_and_outputs_said_with_as_or_an_arrow():
    # One arrow after a step sentence is its output.
    assert read(
        "FASTQ files -> fastp -> trimmed reads. VEP annotates the cohort VCF -> annotated variants"
    ) == (
        "FASTQ files > fastp > trimmed reads",
        "cohort VCF > VEP > annotated variants",
    )
    prompt = (
        "1. Pull sensor_rows from the plant historian into InfluxDB.\n"
        "2. Join them with shift_calendar using align.py to get shift_panel.\n"
        "3. Train CatBoost on shift_panel -> yield_model.cbm.\n"
        "4. forecast.py uses yield_model.cbm and shift_panel to produce yield_forecast.csv.\n"
        "5. Publish yield_forecast.csv to the ops dashboard."
    )
    assert read(prompt) == (
        "plant historian > - > sensor_rows",
        "sensor_rows > - > InfluxDB",
        "sensor_rows, shift_calendar > align.py > shift_panel",
        "shift_panel > CatBoost > yield_model.cbm",
        "yield_model.cbm, shift_panel > forecast.py > yield_forecast.csv",
        "yield_forecast.csv > - > ops dashboard",
    )
    registered = (
        "reviews are scored by sent-clf → review scores. pick_top.py takes the top 200 review "
        "scores and writes a review batch. The review batch is annotated in Prodigy, producing "
        "gold tags. MLflow registers gold tags as tagset v2, which is deployed by Triton as the "
        "tagger endpoint. The audit service writes to audit_log."
    )
    assert read(registered) == (
        "reviews > sent-clf > review scores",
        "review scores > pick_top.py > review batch",
        "review batch > Prodigy > gold tags",
        "gold tags > MLflow > tagset v2",
        "tagset v2 > Triton > tagger endpoint",
        "audit service > - > audit_log",
    )


@pytest.mark.parametrize(
    "prompt",
    [
        # Put in a place, then consumed or moved on: from the place, not the data.
        "Events land in Kafka and are consumed by a Flink job that computes aggregates. "
        "The aggregates are written to the Feast online store.",
        "Events are parsed by a Flink job into user features, which are written to the "
        "offline store and materialized into the online store.",
        # Normalized by a step with no output, then uploaded: the step's output is.
        "The wav files are made by HiFi-GAN into wav. The wav gets loudness-normalized by "
        "ffmpeg and uploaded to the CDN.",
        # "three sources (A, B, C)": which ones, only the remark says.
        "Merge three sources (CRM export, web logs) with a python script into one table. "
        "A random forest is trained on the table by sklearn into a chart.",
        # "and loads X": a second input, not an output.
        "items are embedded by a TF trainer into item vectors. The recs API queries the item "
        "vectors and also loads the user vectors.",
    ],
)
def test_a_clause_without_subject_is_not_read_where_the_subject_is_unsure(prompt):
    assert read(prompt) is None


@pytest.mark.parametrize(
    "prompt",
    [
        # A list where a step should be: which of them is the step?
        "logs -> Fluentd + Vector -> S3",
        # A sentence inside a chain.
        "tickets -> redact_pii.py scrubs them -> redacted tickets",
        # A relative clause inside a name.
        "Templates, which Drain3 makes from logs, are counted by a counter into windows.",
        # Which word is the verb: "scores" or "labels"?
        "The ranker scores click labels into ranked lists. Ranked lists are exported to S3.",
        # Which of two inputs comes from Postgres?
        "A loader copies orders and refunds from Postgres into the lake. Spark reads the lake.",
        # One step only: not worth holding the model to.
        "Audio is transcribed by Whisper into text.",
        # A sentence no form reads leaves the whole prompt to the model.
        "Videos are split into shots by PySceneDetect. Then we eyeball the shots for a while.",
        # A person is no processor; "that file" names no earlier name.
        "Every night we pull raw order CSVs from the vendor SFTP. A job turns the CSVs into "
        "orders.parquet, and that file is loaded into Snowflake by Snowpipe.",
        # A phrasal verb is not part of the processor's name.
        "product vectors are indexed by FAISS builder into faiss.index. SearchSvc looks up "
        "query vectors in faiss.index and returns top-k products.",
        # "the anomaly alerts land in ..." is a sentence of its own, not a name.
        "Trades go through TradeNormalizer to get normalized trades, then an isolation forest "
        "scores them and the anomaly alerts land in the compliance queue.",
        # Who is served is no input: "the endpoint serves the checkout service".
        "model.tar.gz is deployed by a CDK stack to the endpoint. The endpoint serves the "
        "checkout service.",
        # "too" is not part of a name.
        "emails are parsed by MailParser into ticket bodies. PriorityRules reads the ticket "
        "bodies too and outputs priority flags.",
    ],
)
def test_what_is_not_read_for_certain_is_left_to_the_model(prompt):
    assert read(prompt) is None


def test_a_drawing_request_is_no_step():
    prompt = (
        "Invoices are parsed by Textract into fields. The fields are written to DynamoDB, "
        "big rounded boxes. Top to bottom, muted colours please."
    )
    assert read(prompt) == ("Invoices > Textract > fields", "fields > - > DynamoDB")


def test_no_reference_template_prompt_is_read():
    """The templated prompts keep their own semantics (reference_flow): the model's."""
    assert not [row["id"] for row in load_reference_pairs() if read(row["prompt"])]


def test_synthetic_processes_read_are_read_as_their_plans():
    """Every synthetic process the reader reads, it reads as its plan, line for line."""
    count = merged_chains = 0
    # Stage 8's data (intros, notes, steps with two outputs) reads less often: more examples.
    for example in generate_examples(12000, seed=99):
        # The reference templates keep the reference generator's own semantics.
        if example.source != "processes" or (lines := read(example.prompt)) is None:
            continue
        assert lines == tuple(example.plan.split("\nstyle:")[0].split("\n")[1:]), example.prompt
        count += 1
        merged_chains += " + " in example.prompt and "->" in example.prompt
    assert count > 300
    assert merged_chains > 10  # stage 10's chains, one per step ("A + B -> P -> C")


def test_synthetic_processes_read_in_part_are_lines_of_their_plans_in_order():
    """The lines read in part are lines of the plan, in the plan's order.

    Nearly always: a synthetic plan may give a step an output its prompt
    never says ("annotations are indexed in a Google Sheet", made by an
    earlier step unsaid), and the line read then lacks it.
    """
    count = misses = 0
    for example in generate_examples(6000, seed=99):
        if example.source != "processes" or (reading := read_flow_in_part(example.prompt)) is None:
            continue
        plan = iter(example.plan.split("\nstyle:")[0].split("\n")[1:])
        misses += not all(line in plan for line in reading.lines)
        count += 1
    assert count > 150
    assert misses <= count // 100


PROMPT = (
    "Support tickets are cleaned by a regex scrubber into clean tickets. Clean tickets are "
    "classified by DistilBERT into intents. The intents are posted to Slack."
)
READING = (
    "Support tickets > regex scrubber > clean tickets",
    "clean tickets > DistilBERT > intents",
    "intents > - > Slack",
)


def test_the_checker_holds_the_structure_to_the_reading():
    checker = constrain.StructureChecker.for_prompt(PROMPT)
    assert checker.flow == READING
    text = "\n".join(["flow", *READING, "style:"])
    assert feed(checker, text).done
    assert checker.forced_rest(constrain.State()) == text
    # Another structure, a line fewer, or a network: refused.
    assert feed(checker, "flow\nSupport tickets > DistilBERT > intents\n") is None
    assert feed(checker, "\n".join(["flow", *READING[:2], "style:"])) is None
    assert feed(checker, "net ") is None


# One sentence no form reads ("if you want ..."); the others read.
IN_PART = (
    "Support tickets are cleaned by a regex scrubber into clean tickets. Clean tickets are "
    "classified by DistilBERT into intents. If you want the alerts, the intents are sent to "
    "PagerDuty. The intents are posted to Slack."
)


def test_a_process_read_in_part_gives_its_read_lines_and_gaps():
    assert read(IN_PART) is None
    spans = constrain.SpanSet(constrain.prompt_spans(IN_PART))
    reading = read_flow_in_part(IN_PART, is_name=lambda name: name in spans)
    # The third sentence is not read: the model may write lines before the third line.
    assert reading == PartReading(READING, {2: 4})
    # After a sentence not read, "they" could be that sentence's: not read either.
    pointing = IN_PART.replace("The intents are posted", "They are posted")
    assert read_flow_in_part(pointing) == PartReading(READING[:2], {2: 6})
    # A prompt read whole, or mostly not read, is not read in part.
    assert read_flow_in_part(PROMPT) is None
    mostly = "We zip it up, then ship it. Support tickets are cleaned by X into Y. Y goes far."
    assert read_flow_in_part(mostly) is None


def test_the_checker_writes_the_lines_read_in_part_in_order():
    checker = constrain.StructureChecker.for_prompt(IN_PART)
    assert checker.flow is None and checker.in_part.lines == READING
    # Up to the sentence not read, the lines read are the draft and the only way on.
    start = "\n".join(["flow", *READING[:2]]) + "\n"
    assert checker.forced_rest(constrain.State()) == start
    assert feed(checker, "flow\n" + READING[1]) is None
    state = feed(checker, start)
    # There the model may write a line of its own, or go on with the next line read.
    assert checker.forced_rest(state) == ""
    own = feed(checker, "intents > - > PagerDuty\n", state)
    assert own is not None
    assert feed(checker, READING[2] + "\nstyle:", own).done
    assert feed(checker, READING[2] + "\nstyle:", state).done
    # Not a line read twice, nor the end before every line read is written.
    assert feed(checker, READING[1] + "\n", state) is None
    assert feed(checker, "style:", own) is None


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("flow-reader-base"), seed=7)


def test_a_random_model_decodes_the_reading_in_few_calls(tiny_base):
    generator = counted(biased_generator(tiny_base, 6.0, speculate=8))
    with torch.inference_mode():
        structure, calls = decode_structure(generator, PROMPT)
    assert structure.text == "\n".join(["flow", *READING, "style:"])
    # The whole reading is a draft the model checks; where the model prefers
    # another tokenisation of the same text, the rest of the reading from
    # there is the next draft (12 calls for 102 tokens; 40 with drafts from
    # a line's start only).
    assert calls <= len(structure.tokens) / 6


def test_a_process_read_whole_is_offered_as_its_one_reading(tiny_base):
    """No alternative reading is searched: it could only spell the same lines otherwise."""
    generator = biased_generator(tiny_base, 6.0, speculate=8)
    searched = []
    search = generator._alternative_structure
    generator._alternative_structure = lambda *args: searched.append(args) or search(*args)
    completions = generator.generate(PROMPT, 5, seed=1)
    assert not searched
    assert {completion.structure_rank for completion in completions} == {0}
    assert all(
        completion.text.startswith("\n".join(["flow", *READING])) for completion in completions
    )


def test_a_step_that_acts_on_its_inputs_and_writes_what_it_gives():
    prompt = (
        "EvalHarness scores churn-model-v7 against holdout_set and writes eval_report.json. "
        "ScaNN searches item_embeddings with user_vector and returns candidates_top500. "
        "cleanlab goes over candidates_top500 and spits out label_issues.csv. "
        "GPT-4o gets label_issues.csv together with eval_report.json and writes draft_answer. "
        "A Spark batch job reads draft_answer and writes anomaly scores to Postgres."
    )
    assert read(prompt) == (
        "churn-model-v7, holdout_set > EvalHarness > eval_report.json",
        "item_embeddings, user_vector > ScaNN > candidates_top500",
        "candidates_top500 > cleanlab > label_issues.csv",
        "label_issues.csv, eval_report.json > GPT-4o > draft_answer",
        "draft_answer > Spark batch job > anomaly scores",
        "anomaly scores > - > Postgres",
    )


@pytest.mark.parametrize(
    "prompt",
    [
        # A verb of making: the boxes are made, not taken.
        "ffmpeg samples clips into frames/. Grounding DINO proposes boxes on frames/ and writes "
        "boxes.json.",
        # "harness" is no verb, nor a capitalised plural.
        "The eval harness checkpoints and writes scores. A job reads scores.",
        # "to" after a verb other than comparing is where the input goes.
        "sync.py sends orders to Kafka and writes a log. A job reads the log.",
    ],
)
def test_a_step_that_acts_is_not_read_where_its_objects_are_unsure(prompt):
    assert read(prompt) is None


def test_an_identifier_beside_its_role_is_the_name():
    prompt = (
        "A small script, winrate.py, turns the verdicts into winrate.csv. Then clean_shipments, "
        "a Databricks notebook, reads winrate.csv and writes silver.shipments. Telegraf copies "
        "silver.shipments into turbine_raw, an InfluxDB bucket, which Grafana reads."
    )
    assert read(prompt) == (
        "verdicts > winrate.py > winrate.csv",
        "winrate.csv > clean_shipments > silver.shipments",
        "silver.shipments > Telegraf > turbine_raw",
        "turbine_raw > Grafana > -",
    )
    # A role with a verb is a clause of its own, not a remark.
    assert read("winrate.py, a job reads scores, turns X into Y. Z reads Y.") is None


def test_a_model_trained_with_no_output_said_is_the_output_and_a_model_put_is_an_input():
    prompt = (
        "1. Feast pulls training features from the offline store\n"
        "2. XGBoost trainer fits churn-model-v7 on those training features\n"
        "3. EvalHarness scores churn-model-v7 against the holdout set and writes an eval report\n"
        "4. ModelGate reads the eval report and pushes churn-model-v7 to the MLflow registry"
    )
    assert read(prompt) == (
        "offline store > Feast > training features",
        "training features > XGBoost trainer > churn-model-v7",
        "churn-model-v7, holdout set > EvalHarness > eval report",
        "eval report, churn-model-v7 > ModelGate > MLflow registry",
    )


def test_a_list_of_identifiers_with_commas_is_one_list():
    prompt = (
        "encounters.csv, vitals.csv and labs.csv are extracted from Epic Clarity. "
        "build_timeseries.py takes encounters.csv, vitals.csv and labs.csv and produces "
        "sepsis_ts.parquet."
    )
    assert read(prompt) == (
        "Epic Clarity > - > encounters.csv, vitals.csv, labs.csv",
        "encounters.csv, vitals.csv, labs.csv > build_timeseries.py > sepsis_ts.parquet",
    )


def test_a_thing_that_goes_into_one_place_is_moved_there():
    assert read(
        "ab_analysis.py turns exp_daily into lift_summary.json. lift_summary.json goes into the "
        "weekly review deck."
    ) == (
        "exp_daily > ab_analysis.py > lift_summary.json",
        "lift_summary.json > - > weekly review deck",
    )


def test_an_identifier_after_its_kind_is_the_name():
    prompt = (
        "Debezium publishes changes to the Kafka topic pg.public.customers. A Flink SQL job "
        "upserts pg.public.customers into the Iceberg table lake.customers. Trino reads "
        "lake.customers."
    )
    assert read(prompt) == (
        "changes > Debezium > pg.public.customers",
        "pg.public.customers > Flink SQL job > lake.customers",
        "lake.customers > Trino > -",
    )


def test_the_user_talking_before_or_after_the_steps_is_no_step():
    prompt = (
        "hey team — quick rundown of the new docs-bot ingestion. confluence_export.zip gets "
        "unpacked by Unstructured into raw_pages, then RecursiveCharacterTextSplitter cuts "
        "raw_pages into doc_chunks. text-embedding-3-small embeds the chunks into chunk_vectors "
        "and those go straight into Pinecone. lmk if anything looks off"
    )
    assert read(prompt) == (
        "confluence_export.zip > Unstructured > raw_pages",
        "raw_pages > RecursiveCharacterTextSplitter > doc_chunks",
        "doc_chunks > text-embedding-3-small > chunk_vectors",
        "chunk_vectors > - > Pinecone",
    )
    # A step said by the user is a step: not dropped, so not read.
    assert (
        read(
            "Spark parses logs into events. A job turns events into rows. Here's the last bit: we "
            "use a summarizer to turn rows into a report."
        )
        is None
    )
    # An adverb is no processor; "HubSpot" is not the end of "raw_hubspot".
    assert read(
        "Airbyte syncs HubSpot contacts into raw_hubspot. dbt turns raw_hubspot into "
        "marts.roi, which Hightouch syncs back to HubSpot."
    ) == (
        "HubSpot contacts > Airbyte > raw_hubspot",
        "raw_hubspot > dbt > marts.roi",
        "marts.roi > Hightouch > HubSpot",
    )


def test_extracting_from_a_source_and_a_purpose_after_a_reader():
    prompt = (
        "datasketch dedups articles_en.jsonl into articles_dedup.jsonl. en_core_web_trf "
        "extracts entities from articles_dedup.jsonl into entities.jsonl, which PowerScribe "
        "consumes for the radiologists' worklist."
    )
    assert read(prompt) == (
        "articles_en.jsonl > datasketch > articles_dedup.jsonl",
        "articles_dedup.jsonl > en_core_web_trf > entities.jsonl",
        "entities.jsonl > PowerScribe > -",
    )
    # A verb and an identifier inside a chain's part: a sentence, not a name.
    assert read("Annotators rank completions.jsonl → prefs_raw.jsonl. Spark reads it.") != (
        "Annotators rank completions.jsonl > - > prefs_raw.jsonl",
        "prefs_raw.jsonl > Spark > -",
    )


def test_returning_outputs_a_second_input_against_or_with_and_all_three():
    prompt = (
        "e5-base-v2 encodes query_text into query_vec, and FAISS searches dense_vecs with "
        "query_vec, returning dense_hits. eta-gbdt-v2 reads from Redis together with dense_hits "
        "and outputs predicted_eta. predicted_eta is checked by validate.py against po_master.csv "
        "→ valid.csv + exceptions.csv, which we paste into the release doc."
    )
    assert read(prompt) == (
        "query_text > e5-base-v2 > query_vec",
        "dense_vecs, query_vec > FAISS > dense_hits",
        "Redis, dense_hits > eta-gbdt-v2 > predicted_eta",
        "predicted_eta, po_master.csv > validate.py > valid.csv, exceptions.csv",
        "valid.csv, exceptions.csv > - > release doc",
    )
    three = (
        "encounters.csv, vitals.csv and labs.csv are extracted from Epic Clarity. Philter "
        "de-identifies all three into deid_encounters.csv, deid_vitals.csv and deid_labs.csv."
    )
    assert read(three)[1] == (
        "encounters.csv, vitals.csv, labs.csv > Philter > "
        "deid_encounters.csv, deid_vitals.csv, deid_labs.csv"
    )
    # "all two" of three things: which two?
    assert read(three.replace("all three", "all two")) is None
    # "annotated by P with boxes": the boxes are what it gives, not an input.
    assert read(
        "Frames are annotated by YOLOv8-l with bounding boxes, and the bounding boxes are "
        "filtered by a threshold step into clean detections."
    ) != (
        "Frames, bounding boxes > YOLOv8-l > -",
        "bounding boxes > threshold step > clean detections",
    )


def test_a_process_that_names_a_layer_is_read_and_a_chain_of_layers_is_not():
    process = (
        "First, the Airflow DAG pulls images_v5.tar from GCS. Then a PyTorch training job "
        "fine-tunes resnet50 on it, producing defect-clf-v12.pt. Finally, defect-clf-v12.pt is "
        "pushed to Vertex AI Endpoints."
    )
    assert constrain.StructureChecker.for_prompt(process).flow == (
        "GCS > Airflow DAG > images_v5.tar",
        "images_v5.tar, resnet50 > PyTorch training job > defect-clf-v12.pt",
        "defect-clf-v12.pt > - > Vertex AI Endpoints",
    )
    network = "Input 28x28x1 -> Conv 32 3x3 relu -> MaxPool 2x2 -> Flatten -> Dense 10 softmax"
    assert read(network) is not None  # the reader alone reads it as a chain ...
    checker = constrain.StructureChecker.for_prompt(network)
    assert checker.flow is None and checker.in_part is None  # ... which is a network's


def test_the_lines_read_do_not_eat_the_models_token_budget(tiny_base):
    # 20 tokens of the model's own: the reading (over 100 tokens) is held on top of them.
    generator = counted(biased_generator(tiny_base, 6.0, speculate=8, max_new_tokens=20))
    with torch.inference_mode():
        structure, _ = decode_structure(generator, PROMPT)
    assert structure.text == "\n".join(["flow", *READING, "style:"])


def test_a_step_never_gives_what_it_takes_and_an_identifier_is_no_end_of_a_longer_name():
    # "frames" from an mp4 into "frames/": one node both taken and given.
    assert read("ffmpeg samples frames from cam.mp4 into frames/. SAM reads frames/.") is None
    # An identifier in a sentence not read is no longer name's end ("writes articles_raw.jsonl").
    part = read_flow_in_part(
        "Scrapy crawls the sources listed in feeds.yaml and writes articles_raw.jsonl. "
        "trafilatura extracts the main text from articles_raw.jsonl → articles_clean.jsonl. "
        "lid.176 keeps only English articles from articles_clean.jsonl → articles_en.jsonl."
    )
    assert part is not None and part.lines == (
        "articles_raw.jsonl > trafilatura > articles_clean.jsonl",
        "articles_clean.jsonl > lid.176 > articles_en.jsonl",
    )


def test_glob_names_a_sentence_in_brackets_and_a_role_before_its_identifier():
    chain = (
        "invoice flow:\ninvoice_*.pdf → Tesseract → ocr_text.json\n"
        "ocr_text.json → kie-v2 → fields.json"
    )
    assert read(chain) == (
        "invoice_*.pdf > Tesseract > ocr_text.json",
        "ocr_text.json > kie-v2 > fields.json",
    )
    # A sentence in brackets that names things of the reading is no alias of them.
    assert read(
        "Stripe -> Fivetran -> raw_stripe -> dbt -> fct_revenue + dim_customers -> Looker. "
        "(dbt builds both models from raw_stripe in the same run, and Looker reads both.)"
    ) == (
        "Stripe > Fivetran > raw_stripe",
        "raw_stripe > dbt > fct_revenue, dim_customers",
        "fct_revenue, dim_customers > - > Looker",
    )
    assert read(
        "rosbag record turns teleop sessions into episode_*.bag. bag2lerobot.py converts them "
        "into a LeRobot dataset, pick_place_v2."
    ) == (
        "teleop sessions > rosbag record > episode_*.bag",
        "episode_*.bag > bag2lerobot.py > pick_place_v2",
    )


def test_a_step_that_takes_something_out_of_its_input():
    assert read(
        "support_tickets come from Zendesk. clean.py strips PII from support_tickets and writes "
        "tickets_clean.jsonl. Presidio redacts PII in tickets_clean.jsonl, giving redacted.jsonl."
    ) == (
        "Zendesk > - > support_tickets",
        "support_tickets > clean.py > tickets_clean.jsonl",
        "tickets_clean.jsonl > Presidio > redacted.jsonl",
    )


def test_readers_said_with_both():
    assert read(
        "exposure_events and purchase_events are joined by the metrics job into "
        "experiment_metrics. experiment_metrics feeds both the Eppo dashboard and a weekly "
        "email digest."
    ) == (
        "exposure_events, purchase_events > metrics job > experiment_metrics",
        "experiment_metrics > - > Eppo dashboard, weekly email digest",
    )
    assert read(
        "spark streaming turns payments into bronze_payments, which both the fraud notebook "
        "and the finance export read."
    ) == (
        "payments > spark streaming > bronze_payments",
        "bronze_payments > - > fraud notebook, finance export",
    )


def test_data_made_from_other_data_by_a_step_said_in_the_passive():
    assert read_flow(
        "Page scans are pulled from the archive bucket by scan-sync. OCR text is extracted "
        "from the page scans by tess-runner. Summaries are then generated by sumbot-7 from the "
        "OCR text, and they are stored in Elastic."
    ) == (
        "archive bucket > scan-sync > Page scans",
        "Page scans > tess-runner > OCR text",
        "OCR text > sumbot-7 > Summaries",
        "Summaries > - > Elastic",
    )


def test_data_received_by_a_step_and_converted_into_what_it_makes():
    assert read_flow(
        "Sensor frames are received by frame-gate and converted into jpeg tiles. tiler-2 "
        "reads the jpeg tiles and writes tile_index.parquet."
    ) == (
        "Sensor frames > frame-gate > jpeg tiles",
        "jpeg tiles > tiler-2 > tile_index.parquet",
    )


def test_a_plain_word_name_beside_its_role_and_each_of_an_earlier_name():
    assert read_flow(
        "Audio clips are uploaded to s3://calls/raw. sessionizer, a flink job, reads "
        "s3://calls/raw and emits spectrograms. Tagger, our internal tool, labels each "
        "spectrogram into call tags. Call tags are reviewed in Hubble, which records verdicts."
    ) == (
        "Audio clips > - > s3://calls/raw",
        "s3://calls/raw > sessionizer > spectrograms",
        "spectrograms > Tagger > call tags",
        "call tags > Hubble > verdicts",
    )
    # "each question" with no such name drawn: which one, the model says.
    steps = (
        "Clips are uploaded to s3://a. Tagger labels each {} into tags. Tags go to the tag table."
    )
    assert read_flow(steps.format("clip"))[1] == "Clips > Tagger > tags"
    assert read_flow(steps.format("question")) is None


def test_loaded_sent_go_and_arrive_into_a_place_named_as_a_store():
    assert read_flow(
        "Invoices arrive in the claims-inbox bucket. ocr-worker turns the invoices into page "
        "text. The page text is loaded into the Snowflake RAW schema, and failed pages go to "
        "the quarantine table."
    ) == (
        "Invoices > - > claims-inbox bucket",
        "Invoices > ocr-worker > page text",
        "page text > - > Snowflake RAW schema",
        "failed pages > - > quarantine table",
    )
    # A place not named as a store may be a step ("loaded into Label Studio"): the model's.
    assert read_flow("Frames are uploaded to S3. The frames are loaded into Label Studio.") is None
    # "rejected ones": ones of an earlier name, not a name.
    assert (
        read_flow(
            "Scans land in the inbox bucket. Approved scans and rejected ones go to the QA table."
        )
        is None
    )


def test_per_in_a_hyphenated_name_and_with_written_w_slash():
    assert read_flow(
        "FASTQ files from the sequencer are aligned by bwa-mem2 into BAMs, which a variant caller "
        "turns into per-sample VCFs. The VCFs are annotated w/ VEP into annotated variants."
    ) == (
        "sequencer > - > FASTQ files",
        "FASTQ files > bwa-mem2 > BAMs",
        "BAMs > variant caller > per-sample VCFs",
        "per-sample VCFs > VEP > annotated variants",
    )


def test_a_step_that_takes_something_from_a_place_and_writes_it_into_another():
    assert read_flow(
        "Nightly, sync-job reads the user_stats view from the Postgres replica and writes it "
        "into the Redis cache. The API reads the Redis cache."
    ) == (
        "Postgres replica > sync-job > user_stats view",
        "user_stats view > - > Redis cache",
        "Redis cache > API > -",
    )


def test_vectors_said_after_an_embedding_step_are_its_output():
    assert read_flow(
        "Wiki pages get split into chunks by chunk-svc, then the chunks are embedded w/ e5 and "
        "the vectors get written to pgvector. At query time the API reads pgvector."
    ) == (
        "Wiki pages > chunk-svc > chunks",
        "chunks > e5 > vectors",
        "vectors > - > pgvector",
        "pgvector > API > -",
    )
    # Any other new name after a step with no output: which it is, the model says.
    assert read_flow("Chunks are embedded with e5. The scores are written to pgvector.") is None


def test_after_set_30_aligns_to_a_reference_builds_from_and_a_talking_lead():
    assert read_flow(
        "So basicly fastp trims the raw reads into trimmed reads. BWA-MEM aligns the trimmed "
        "reads to GRCh38 and outputs BAM files. merge-job builds cohort.bam from the BAM files. "
        "Risk scores are computed weekly by risk.py from cohort.bam."
    ) == (
        "raw reads > fastp > trimmed reads",
        "trimmed reads, GRCh38 > BWA-MEM > BAM files",
        "BAM files > merge-job > cohort.bam",
        "cohort.bam > risk.py > Risk scores",
    )


def test_a_step_that_takes_something_and_writes_it_and_a_role_before_into():
    assert read_flow(
        "relay-svc takes the order webhooks and writes them to orders_raw; dq-check validates "
        "orders_raw and writes report.json."
    ) == (
        "order webhooks > relay-svc > orders_raw",
        "orders_raw > dq-check > report.json",
    )
    assert read_flow(
        "Audio files are uploaded to the raw bucket. The audio files are transcribed by asr-3, "
        "our speech-to-text service, into transcripts."
    ) == (
        "Audio files > - > raw bucket",
        "Audio files > asr-3 > transcripts",
    )


@pytest.mark.parametrize("lead", ["Once an hour, ", "Every 5 min ", "First, ", "At query time "])
def test_a_sentence_said_with_when_it_runs_first(lead):
    assert read_flow(
        f"{lead}drift-job compares prediction_log with the reference table, producing "
        "drift_report.html. Grafana reads drift_report.html."
    ) == (
        "prediction_log, reference table > drift-job > drift_report.html",
        "drift_report.html > Grafana > -",
    )


def test_fewer_of_them_and_a_relative_step_of_any_verb_into():
    assert read_flow(
        "fmask turns the tiles into cloud-masked tiles, which gdal_merge mosaics into "
        "mosaic.tif. crop-seg segments mosaic.tif into boundaries.geojson. rerank-v3 narrows "
        "the boundaries.geojson to top-5 fields."
    ) == (
        "tiles > fmask > cloud-masked tiles",
        "cloud-masked tiles > gdal_merge > mosaic.tif",
        "mosaic.tif > crop-seg > boundaries.geojson",
        "boundaries.geojson > rerank-v3 > top-5 fields",
    )


def test_a_step_named_before_its_arrow():
    assert read_flow(
        "Revenue ELT:\n- extract_stripe: Stripe API -> raw.charges\n- extract_crm: HubSpot -> "
        "raw.deals\n- dbt joins raw.charges with raw.deals into mart_revenue"
    ) == (
        "Stripe API > extract_stripe > raw.charges",
        "HubSpot > extract_crm > raw.deals",
        "raw.charges, raw.deals > dbt > mart_revenue",
    )
