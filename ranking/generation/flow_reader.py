"""Processes written as plain sentences, one step each, read for certain into flow lines.

Many users describe a pipeline as a few plain sentences or bullets, each a
step: "Raw frames are sampled by FrameSampler-3 into keyframes.", "dbt
models transform the Parquet table into a daily metrics mart.", "The
corrected boxes are exported as coco_train.json.", "Hex notebooks read the
revenue mart." The small model misreads such prose now and then (it takes
an input for an output, or drops a second input). `read_flow` reads a
prompt into plan lines when every sentence is one of these forms:

| sentence | line |
|---|---|
| IN is VERBed by PROC into OUT (also "with", "using"; ", which outputs OUT") | IN > PROC > OUT |
| IN is VERBed by PROC | IN > PROC > - (a next "the resulting OUT" is its output) |
| PROC VERBs IN into OUT ("turns", "embeds", "copies", ... a known verb) | IN > PROC > OUT |
| PROC VERBs IN from / out of SRC (into OUT) | SRC > PROC > IN (or SRC, IN > PROC > OUT) |
| PROC joins A with B (to build OUT; "merges", "combines", ...) | A, B > PROC > OUT |
| PROC reads IN (and writes OUT to DEST) | IN > PROC > - (or > OUT, then OUT > - > DEST) |
| PROC checks IN, producing OUT | IN > PROC > OUT |
| PROC pulls from SRC (and builds OUT) | SRC > PROC > - (or > OUT) |
| PROC trains on IN (and outputs OUT; "is fit on", "runs over") | IN > PROC > - (or > OUT) |
| PROC trains / fits / retrains MODEL on IN | IN > PROC > MODEL |
| IN is VERBed from SRC by PROC ("downloaded from the RSS feeds by podgrab") | SRC > PROC > IN |
| IN is read by A and B (two or more readers, "queried", "shown", ...) | IN > - > A, B |
| IN feeds both A and B; ..., which both A and B read | IN > - > A, B |
| ..., which is VERBed by PROC (into OUT) | (the step before's OUT) > PROC > OUT |
| ..., which are stored in / go into / end up in DEST | (the step before's OUT) > - > DEST |
| ... by PROC, which VERBs IN into OUT | IN > PROC > OUT (the processor goes on) |
| PROC deploys / syncs / pushes IN (back) to OUT | IN > PROC > OUT |
| IN is shown / displayed in PROC | IN > PROC > - |
| PROC reads IN, and so does PROC2 | IN > PROC > - and IN > PROC2 > - |
| IN is VERBed to / into / as DEST (no one doing it) | IN > - > DEST |
| OUT comes from / off SRC | SRC > - > OUT |
| A + B -> P -> C -> Q -> D (a thing, a step, a thing, ... in turn) | A, B > P > C and C > Q > D |
| A -> B (an even count ends so) | A > - > B |
| PROC VERBs IN into OUT (a verb no form lists: "averages") | IN > PROC > OUT |
| PROC VERBs IN (with / against / on B) and writes / returns OUT (to DEST) | IN, B > PROC > OUT |
| PROC produces OUT from IN; PROC registers IN as OUT | IN > PROC > OUT |
| IN is VERBed by PROC as OUT / -> OUT | IN > PROC > OUT |
| IN is received by PROC and converted into OUT (the second with "into") | IN > PROC > OUT |
| IN is annotated in PROC, producing OUT | IN > PROC > OUT |
| PROC reads IN and computes OUT | IN > PROC > OUT |
| PROC validates IN and splits it into A and B | IN > PROC > A, B |
| PROC writes / uploads to DEST; PROC emits OUT (no input) | PROC > - > DEST (OUT) |
| ..., which PROC syncs / forwards to DEST | (the step before's OUT) > PROC > DEST |
| Pull OUT from SRC into DEST | SRC > - > OUT, OUT > - > DEST |
| Join IN with B using PROC to get OUT; Train PROC on IN -> OUT | IN, B > PROC > OUT; ... |
| Publish IN to DEST | IN > - > DEST |
| IN are VERBed ... and (also) VERBed ... | both of IN, where certain (`_shared_subject`) |

A first or last sentence where the user talks about the pipeline ("quick
rundown of ...", "lmk if anything looks off") is no step, unless a form
reads it or it names a thing of the reading.
An identifier beside its role ("a small script, winrate.py,", "turbine_raw,
an InfluxDB bucket") is the name, the role a remark.
"A and B" is two names; "X from Y" / "X in Y" as the thing a step takes
adds Y > - > X; "it", "them", "the results" are the step before's outputs
(its inputs after "while" or "also": "Z also reads it"); "the raw schema"
after "the Snowflake raw schema" is that earlier name; "tokenized tweets"
after "tweets are tokenized by X" is X's output. Names are the user's
words without a leading article, and each must be a span the decoder
could copy (`constrain.prompt_spans`); "iot.raw" after "the iot.raw topic"
is that node, named as the identifier alone. Titles, greetings, sign-offs,
requests ("can you draw this?") and short remarks about the drawing ("top
to bottom, muted colours") are no steps; a first sentence without a verb
("Hi team, quick summary of the drift setup.") is a title unless it names
a thing of the reading. A remark in brackets after a name ("Raw podcasts
(MP3)") is dropped, unless a name of the reading is in it (an alias); one
after a role ("a judge model (Claude)": which is the name?), and a step in
brackets ("(loaded from X)", "(which writes Y)"), are kept.

In a chain, a remark in brackets ("ffmpeg (LoRA, r=16)") is no part of a
name, a list ("A + B", "A, B") is never a step, and a name is written in
full unless "the" points back ("Filter" is not the earlier "intent
filter"). Anything else (a relative clause that turns the order round, a
table, a verb that could be two words of a sentence, a sentence with words
left over) gives None, and the model reads the prompt alone. The decoder
holds the structure to a reading (`constrain.StructureChecker`), so a
wrong reading would be drawn: tests/test_flow_reader.py checks it reads
every synthetic process it reads as its plan, and no reference template.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import partial

from ranking.generation.flowgraph import name_key, name_words
from ranking.generation.layer_words import layer_kinds
from ranking.generation.prose_names import IRREGULAR_PARTICIPLES
from ranking.generation.reference_templates import looks_templated
from ranking.generation.verbs import (
    ANY_VERB,
    BASE_VERBS,
    READ_VERBS,
    STEP_VERBS,
    VERBS_ONLY,
    WRITE_VERBS,
    both_forms,
    third_person,
)

# Verbs that act on X in "P normalizes X from S3" (`S3 > - > X`, X > P): the
# output is named by the next step ("the normalized X"). Others, "P computes
# B from A", "P pulls B from A", make B out of A.
_ACTS_ON = frozenset(
    "enrich clean parse score filter deduplicate dedupe normalize normalise tokenize tokenise "
    "label aggregate validate transcribe resize redact anonymize anonymise".split()
)


# Verbs that take "X from Y" in: "pulls traces from Langfuse and writes ...".
_TAKING = ("read", "pull", "load", "fetch", "download", "take", "get", "collect", "ingest")

# Verbs that take something out of their input: "strips PII from support_tickets".
_REMOVES = frozenset("strips removes redacts masks scrubs drops deletes".split())
# "X from / in / out of a place": what, and where it is taken from.
_FROM_PLACE = r"^(?P<what>[^,;]+?) (?:{}) (?P<place>[^,;]+)$"
_TAKEN_FROM = re.compile(_FROM_PLACE.format("from|in|out of"))

# What an embedding step makes, said by its noun: "the vectors", "the embeddings".
_EMBEDDINGS = re.compile(r"^(?:[\w-]+ )?(?:vectors|embeddings)$", re.IGNORECASE)
# "Nightly, ...", "Once an hour, ...", "every 5 min ...", "First, ...": when, not a name.
# Stripped from whole sentences, before titles, appositives and the room for unread ones are
# worked out; `_LEAD` strips its own words from each sentence as it is read.
_WHEN_LEAD = re.compile(
    r"^(?:(?:nightly|hourly|daily|weekly|(?:every|each) (?:night|hour|day|morning|week)"
    r"|once an? (?:hour|day|night|week)|first|next|finally),"
    r"|at (?:query|request|serving|inference) time,?"
    r"|every \d+ (?:s|sec|secs|seconds?|min|mins|minutes?|hours?),?)\s+(?=\S)",
    re.IGNORECASE,
)
_TALK_LEAD = re.compile(
    r"^(?:(?:so|ok|okay|well|basically|basicly|basicaly|essentially|roughly)\b[,:]?\s+)+(?=\S)",
    re.IGNORECASE,
)
# "the driver_stats feature view from the Snowflake offline store" (not "in"): moved from there.
_MOVED_FROM = re.compile(_FROM_PLACE.format("from|out of"))

# Verbs that take part of their source: "extracts entities from X into Y".
_SUBSET = frozenset("extracts selects keeps filters picks".split())

# Verbs whose "with" names a second input: "joins stg_orders with stg_customers".
_JOINING = ("join", "merge", "combine", "enrich", "compare", "align")


def _forms(verbs: list[str]) -> str:
    """Return a regex alternation of the verbs in both forms, longest first."""
    return "|".join(sorted(both_forms(verbs), key=len)[::-1])


# A name never starts with one of these: "takes the images and predicts labels".
# (Not the verbs that are also plural nouns: "scores topic", "stores table".)
_VERB_FORMS = frozenset(third_person(v) for v in [*READ_VERBS, *WRITE_VERBS]) - {
    "posts",
    "stores",
    "uses",
}
# "k-means validates features" on the first line is a step, not a title.
_ANY_VERB = both_forms([*STEP_VERBS, *READ_VERBS, *WRITE_VERBS])
_STEP = _forms(STEP_VERBS)
_BASE_STEP = "|".join(sorted(STEP_VERBS, key=len, reverse=True))
# "reads exp_events and computes metrics": a verb of making, in the third person, never a
# noun ("and labels"); not one that takes more in ("and also loads the user embeddings").
_TAKES_MORE = "load fetch pull ingest retrieve sync dump join merge combine compare enrich align"
_STEPS_ONLY = "|".join(
    sorted(
        VERBS_ONLY & {third_person(verb) for verb in STEP_VERBS if verb not in _TAKES_MORE.split()},
        key=len,
        reverse=True,
    )
)
# "Great Expectations checks fct_payments": reading, here only (a "check" in
# a name is a noun to the name rules).
_READ = _forms([*READ_VERBS, "check", "inspect", "plot", "chart"]) + "|connects to|connect to"
# "spits out", "writes out"; "exports item embeddings" (a noun to the name rules).
_WRITE = f"(?:{_forms([*WRITE_VERBS, 'export'])})(?: out)?"
_BE = r"(?:is|are|was|were|gets|get)"
_ADVERB = r"(?:\w+ly |then |first |also |each |both )?"
_PARTICIPLE = (
    r"(?:[\w-]+ed|[\w-]+'d|" + "|".join(sorted(IRREGULAR_PARTICIPLES)) + r")(?: up)?"
    r"(?: (?:nightly|hourly|daily|weekly|\w+ly))?"
)
_AGENT = r"(?:by|with|using)"
# Participles of a reader that makes nothing: "shown in a Mode dashboard".
_SHOWN = r"shown|displayed|plotted|charted|reviewed|viewed|browsed|inspected|explored"
# Verbs of putting data somewhere: "deploys X to the endpoint", "syncs X to HubSpot".
# Third person only: "a deploy job" is no verb.
_PUT_FORMS = frozenset(
    "deploys publishes pushes uploads syncs replicates ships registers delivers forwards "
    "upserts".split()
)
_PUTS = "(?:" + "|".join(sorted(_PUT_FORMS)) + ")"
# Participles of taking data from a place: "downloaded from the RSS feeds by podgrab"
# (not "the boxes are cropped out of the tiles by CropKit": the boxes go in).
_FETCHED = (
    r"(?:downloaded|pulled|fetched|exported|extracted|read|loaded|copied|ingested|scraped"
    r"|collected|taken|retrieved|streamed|synced|dumped|queried|crawled|polled|received)"
)
# Participles of making data out of other data: "embeddings are computed from the chunks by X".
_MADE = (
    r"(?:computed|generated|produced|derived|created|built|calculated|made|assembled|compiled"
    r"|rendered|estimated|predicted|inferred|distilled|synthesi[sz]ed)"
)
# Participles of taking data in and giving nothing named: "is read by A and B".
_CONSUMED = re.compile(
    r"^(?:read|queried|consumed|used|displayed|shown|visuali[sz]ed|monitored|watched|served)$",
    re.IGNORECASE,
)
_INTO = (
    r"(?:,? into|,? to (?:produce|build|make|create|generate|get|give|yield)|,? producing|,? giving"
    r"|,? outputting|,? yielding|,? emitting|,? generating|,? creating|,? down to"
    # "X go through silero vad, which cuts them into speech segments"
    r"|,? (?:which|that) [a-z]{{3,}}s (?:them|it) into"
    r"|\s*(?:->|→)"  # "unlabeled_docs are scored by doc-clf-v4 → uncertainty scores"
    r"|,? (?:which|who|that) (?:outputs?|produces?|returns?"
    r"|writes?|emits?|creates?|generates?|gives?(?: us| me)?|builds?|makes?|computes?|derives?"
    # "... is reviewed in Hubble, which records analyst verdicts"
    r"|records?|saves?|predicts?|detects?|extracts?)"
    # "..., which splits them into valid partitions and failed partitions"
    r"|,? (?:which|who|that) (?:{step}) (?:them|it) into)"
)
_INTO = _INTO.format(step=_STEP)
# What moves data somewhere without changing it: "are upserted into Weaviate".
_MOVED = (
    r"(?:written|pushed|stored|upserted|exported|posted|forwarded|uploaded|saved"
    r"|published|copied|materiali[sz]ed|synced|dumped|streamed|persisted|cached|delivered|shipped"
    r"|moved|appended|inserted|indexed|converted|turned|landed|archived|replicated|ingested"
    r"|queued|emitted|split|promoted|logged|buffered|surfaced|registered|returned"
    r"|routed)"
    r"(?: (?:nightly|hourly|daily|weekly|\w+ly))?"
)
_TEXT = r"(?P<{}>[^,;]+?)"
# A place named as a store: "the Snowflake RAW schema", "quarantine_orders table", "s3://x".
_STORE_NAMED = (
    r" (?:(?:(?! and )[^,;])+ )?(?:table|tables|bucket|schema|warehouse|database|db|lake"
    r"|lakehouse|index"
    r"|store|topic|queue|mart|registry)$"
    r"| (?:s3|gs|hdfs|abfss?)://[^,;\s]+$"
)
# What a step gives after "and": "... and writes an eval report", "and spits out X".
_GIVES = (
    r"writes(?: out)?|outputs|produces|returns|emits|gives(?: us| me)?|spits out|saves|generates"
    r"|creates|yields"
)
_GIVING = r"returning|producing|writing|outputting|giving|emitting|yielding|leaving"
# Verbs whose object is made, never taken: "proposes boxes on frames/ and writes boxes.json".
_MAKING = (
    r"generates|builds|creates|produces|computes|derives|makes|proposes|predicts|detects|finds"
    r"|extracts|estimates|draws|samples|writes|outputs|returns|emits|gives|saves|yields"
    # ... or a method, not data: "applies the redaction map to X".
    r"|applies|performs|executes|uses"
)
# Verbs the other forms know: a form for any other verb leaves them to those.
_KNOWN = "|".join(sorted(ANY_VERB, key=len, reverse=True))
# A processor's name, with its article: "A merge script combines ..." is not "A" merging.
_PROC = r"(?P<proc>(?:(?:a|an|the|our|their) )?[^,;]+?)"
_FORMS = [
    (
        "passive",
        re.compile(
            rf"^{_TEXT.format('ins')} {_BE} {_ADVERB}(?P<verb>{_PARTICIPLE})"
            r"(?: (?:with|against) (?P<more>[^,;]+?))?"
            rf" {_AGENT} {_TEXT.format('proc')}(?: against (?P<also>[^,;]+?))?"
            # "HL7 messages are received by Mirth Connect and converted into FHIR bundles";
            # not "... and uploaded to the CDN": what is uploaded is the step's output.
            rf"(?:(?:{_INTO}|,? (?:to|onto|as)|,? and (?:then )?{_PARTICIPLE} into)"
            r" (?P<outs>.+?))?$",
            re.IGNORECASE,
        ),
    ),
    (
        # "uploaded videos are split into shots by PySceneDetect"
        "passive",
        re.compile(
            rf"^{_TEXT.format('ins')} {_BE} {_ADVERB}{_PARTICIPLE} (?:into|to)"
            rf" {_TEXT.format('outs')} {_AGENT} (?P<proc>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "keyframes go to Label Studio, which produces bounding boxes"
        "passive",
        re.compile(
            rf"^{_TEXT.format('ins')} (?:go|goes|hits?|triggers?|(?:are|is) (?:sent|fed|passed)"
            rf"|feeds?)(?: (?:to|into|through|thru))? {_TEXT.format('proc')}{_INTO}"
            r" (?P<outs>.+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        "step",
        re.compile(
            # "dbt mart models join stg_orders with stg_customers to build fct_revenue",
            # "Fivetran pulls orders_raw out of Postgres".
            rf"^{_PROC} (?:then |first |finally |now )?(?P<active>{_STEP}) {_TEXT.format('ins')}"
            r"(?: (?:with|against) (?P<more>[^,;]+?))?"
            rf"(?: (?:from|out of) {_TEXT.format('src')})?"
            rf"(?:(?:{_INTO}| and (?:{_WRITE})"
            # "Great Expectations validates the orders table and splits it into A and B"
            rf"| and (?:{_STEP}) (?:it|them) into) (?P<outs>.+?))?$",
            re.IGNORECASE,
        ),
    ),
    (
        # "Axolotl fine-tunes Llama-3-8B-Instruct on tickets_clean.jsonl, producing
        # support-lora-v2": the model tuned is an input too.
        "tunes",
        re.compile(
            rf"^{_PROC} (?:fine-?tunes|trains|fits|tunes|LoRA-tunes|retrains) (?P<model>[^,;]+?)"
            rf" on {_TEXT.format('ins')}(?:{_INTO}| and (?:{_WRITE})) (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "LightGBM trains ctr-lgbm-v7 on training_df": with no output said, the model
        # trained is what the step gives.
        "trains_model",
        re.compile(
            rf"^{_PROC} (?:then |first |finally |now )?(?:trains|fits|retrains)"
            rf" (?P<outs>[^,;]+?) on {_TEXT.format('ins')}$",
            re.IGNORECASE,
        ),
    ),
    (
        # "Spark reads txn-raw, joins it with merchant_dim and writes txn_enriched"
        "step",
        re.compile(
            rf"^{_PROC} (?:{_READ}) {_TEXT.format('ins')},? (?P<active>joins|merges|combines"
            r"|enriches) (?:it|them) with (?P<more>[^,;]+?),? and (?:" + _WRITE + r")"
            r" (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "a TFT model produces tft_forecast from weekly_features": made out of them.
        "step",
        re.compile(
            rf"^{_PROC} (?:then |first |finally |now )?(?P<active>produces?|creates?|derives?"
            r"|builds?|computes?|generates?"
            rf"|outputs?|emits?|makes?) {_TEXT.format('outs')} from {_TEXT.format('ins')}$",
            re.IGNORECASE,
        ),
    ),
    (
        # "Use the t-SNE summarizer to turn the Hive table into an image training set"
        "step",
        re.compile(
            rf"^use {_PROC} to (?P<active>{_STEP}) {_TEXT.format('ins')}"
            rf"(?:{_INTO} (?P<outs>.+?))$",
            re.IGNORECASE,
        ),
    ),
    (
        # "..., which DistilBERT classifies into sentiment labels": the step before's outputs.
        "relative",
        re.compile(
            rf"^(?:which|that) {_TEXT.format('proc')} (?P<active>{_STEP}|{_READ})"
            rf"(?: (?:them|it))?(?:{_INTO} (?P<outs>.+?))?$",
            re.IGNORECASE,
        ),
    ),
    (
        # "..., which gdal_merge mosaics into monthly_mosaic.tif": any verb, said with "into".
        "relative",
        re.compile(
            rf"^(?:which|that) {_TEXT.format('proc')}"
            r" (?P<active>(?!(?:is|are|was|goes|comes|gets)\b)(?-i:[a-z][a-z-]+s))"
            r"(?: (?:them|it))? into (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "cohere-rerank-v3 narrows those to top-5 passages": fewer of them.
        "step",
        re.compile(
            rf"^{_PROC} (?:then |first |finally |now )?(?P<active>narrows|reduces|trims|prunes"
            rf"|shortlists|cuts) {_TEXT.format('ins')} (?:down )?to (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "ranker.txt is loaded by the Vespa service, which reranks live queries into
        # ranked results": the processor before does a step of its own.
        "relative_step",
        re.compile(
            rf"^(?:which|that) (?P<active>{_STEP}) {_TEXT.format('ins')}{_INTO} (?P<outs>.+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "KServe deploys claims-bert.pt to the claims-triage endpoint", "Census syncs
        # churn scores back to HubSpot": the step puts its input there.
        "step",
        re.compile(
            rf"^{_PROC} (?:then |first |finally |now )?(?P<active>{_PUTS})"
            r" (?P<ins>(?:(?! from )[^,;])+?) (?:back )?(?:to|into|onto|as) (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "..., which Hightouch syncs back to HubSpot", "which the collector forwards to
        # Langfuse": the step before's outputs, put there.
        "relative",
        re.compile(
            rf"^(?:which|that) {_TEXT.format('proc')} (?P<active>{_PUTS}|sends|writes)"
            r" (?:back )?(?:to|into|onto) (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "the search API emits impression_logs": a source of what it gives.
        "written_to",
        re.compile(
            rf"^{_PROC} (?:emits|produces|generates|outputs|publishes|creates) (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "the billing service reads X, and so does Superset": the same step's input.
        "so_does",
        re.compile(r"^(?:and )?(?:so )?does (?P<proc>[^,;]+?)$", re.IGNORECASE),  # "so" is a lead
    ),
    (
        # "experiment_metrics feeds both the Eppo dashboard and a weekly email digest",
        # "..., which both the fraud notebook and the finance export read": readers, no step.
        "both_read",
        re.compile(
            # Not "X go to both P and Q; P produces A": where data goes, steps may be.
            rf"^(?:{_TEXT.format('ins')} (?:feeds?|is read by|are read by)"
            r" both (?P<outs>[^,;]+? and [^,;]+?)"
            r"|(?:which|that) both (?P<readers>[^,;]+? and [^,;]+?)"
            r" (?:read|use|consume|query|pull from|load))$",
            re.IGNORECASE,
        ),
    ),
    (
        # "..., which is factorized by ALS into user and item embeddings"
        "relative",
        re.compile(
            rf"^(?:which|that) {_BE} {_ADVERB}(?P<verb>{_PARTICIPLE}) {_AGENT}"
            rf" {_TEXT.format('proc')}(?:(?:{_INTO}|,? as) (?P<outs>.+?))?$",
            re.IGNORECASE,
        ),
    ),
    (
        # "..., which are stored in an Azure Data Lake container", "which end up in Hive"
        "relative_move",
        re.compile(
            rf"^(?:which|that) (?:(?:{_BE} {_ADVERB}{_MOVED}|lands?|go(?:es)?|ends? up|flows?"
            r"|ships?) (?:to|into|in|onto)|feeds?(?: into)?|shows? up (?:in|on)"
            # "..., which we store in the product_images collection"
            r"|(?:we|they) (?:store|save|keep|put|write|load|paste|copy|upload|push|send)"
            r" (?:in|into|to))"
            r" (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        "read",
        re.compile(
            # Not "the endpoint serves the checkout service": who is served is no input.
            rf"^{_PROC} (?:{_READ}) (?!(?:the |our )?(?:[\w-]+ )*(?:service|app|api|frontend"
            r"|client|team|users|customers|page)s?$)"
            rf"{_TEXT.format('ins')}"
            rf"(?:(?: and (?:{_WRITE}|{_STEPS_ONLY})|,? producing|,? giving"
            rf"|,? to (?:produce|build|make|create|generate|get|compute)"
            # "consumes page_views and aggregates it into user_session_features"
            rf"| and (?:{_STEP}) (?:it|them) into) {_TEXT.format('outs')}"
            r"(?: (?:to|into) (?P<dest>.+?))?)?$",
            re.IGNORECASE,
        ),
    ),
    (
        # "BentoML pulls from the MLflow Model Registry and builds a Docker image"
        "read",
        re.compile(
            rf"^{_PROC} (?:{_READ}|pulls?|loads?|fetch(?:es)?) from"
            rf" {_TEXT.format('ins')}(?: (?:together|along) with (?P<more>[^,;]+?))?"
            rf"(?: and (?:{_WRITE}) (?P<outs>.+?))?$",
            re.IGNORECASE,
        ),
    ),
    (
        # "train_deepfm.py trains on the training rows and outputs ctr_model_v3"
        "step",
        re.compile(
            rf"^{_PROC} (?:trains|is trained|fits|is fit|runs) (?:on|over)"
            rf" {_TEXT.format('ins')}(?:(?:{_INTO}| and (?:{_WRITE})) (?P<outs>.+?))?$",
            re.IGNORECASE,
        ),
    ),
    (
        "move",
        re.compile(
            rf"^{_TEXT.format('ins')} (?:(?:{_BE} {_ADVERB}{_MOVED}|lands?|ends? up)"
            r" (?:to|into|as|onto|on|in)|becomes?"
            # "records are loaded into the Snowflake RAW schema", "failed rows go to the
            # quarantine table", "events arrive on the clicks topic": into a store by its name.
            rf"|(?:{_BE} {_ADVERB}(?:loaded|sent)|go(?:es)?(?: straight| directly)?)"
            rf" (?:to|into)(?={_STORE_NAMED})"
            rf"|arrives? (?:on|in|at|into)(?={_STORE_NAMED})"
            # "daily_recs go to DynamoDB and to the digest service": two places, no step.
            r"|go(?:es)? (?:to|into)(?= [^,;]+ and (?:also )?(?:to|into) )"
            # "lift_summary.json goes into the weekly review deck": one place, said last.
            r"|go(?:es)? (?:straight |directly )?into(?= [^,;]+$))"
            r" (?P<outs>.+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "Raw podcasts are downloaded from the RSS feeds by podgrab"
        "passive",
        re.compile(
            rf"^{_TEXT.format('ins')} {_BE} {_ADVERB}(?P<verb>{_FETCHED}|{_MADE})(?: in)?"
            rf" (?:from|off|out of) {_TEXT.format('src')} {_AGENT} (?P<proc>[^,;]+?)"
            # "... by a Flink job that computes user_click_features": what it makes of them.
            rf"(?:{_INTO} (?P<outs>[^,;]+?))?$",
            re.IGNORECASE,
        ),
    ),
    (
        # "NDVI composites are computed by ndvi-composer from the masked tiles"
        "passive",
        re.compile(
            rf"^{_TEXT.format('ins')} {_BE} {_ADVERB}(?P<verb>{_FETCHED}|{_MADE})"
            r"(?: (?:nightly|hourly|daily|weekly|monthly))?"
            rf" {_AGENT} {_TEXT.format('proc')} (?:from|off|out of) (?P<src>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "the lift estimates are shown in a Mode dashboard": a reader with no output.
        "passive",
        re.compile(
            rf"^{_TEXT.format('ins')} {_BE} {_ADVERB}(?P<verb>{_SHOWN})"
            rf" (?:in|on) {_TEXT.format('proc')}$",
            re.IGNORECASE,
        ),
    ),
    (
        # "EvalHarness scores churn-model-v7 against the holdout set and writes an eval
        # report", "ScaNN searches X with Y and returns Z": what it acts on, then what it
        # writes; any verb but one of making ("proposes boxes on frames/").
        "acts",
        re.compile(
            rf"^{_PROC} (?:then |first |finally |now )?"
            # A verb in lower case, never a noun's plural ("harness", "Expectations").
            rf"(?P<active>(?!(?:is|was|has|does|{_MAKING})\b)(?-i:[a-z][a-z-]+[^\W\dsiuA-Z]s)"
            r"(?: (?:up|over|through))?) (?P<ins>[^,;]+?)"
            r"(?: (?P<prep>together with|along with|with|against|on|over|using|to)"
            r" (?P<more>[^,;]+?))?(?: together)?"
            rf"(?:,? and (?:also |then )?(?:{_GIVES})|, (?:{_GIVING}))(?: (?:to|into))?"
            rf" {_TEXT.format('outs')}"
            r"(?: (?:to|into) (?P<dest>[^,;]+?))?$",
            re.IGNORECASE,
        ),
    ),
    (
        # "ensemble_blender averages A and B into C": a verb not listed, said with "into".
        "any_verb",
        re.compile(
            rf"^{_PROC} (?P<active>(?!(?:is|was|has|does|goes|as|{_KNOWN})\b)[a-z][a-z-]{{2,}}s)"
            # Not "the clean scans go back into the endpoint": "go back" is no input.
            r" (?!(?:go|goes|come|comes|get|gets|are|is|was|were|back)\b)"
            r"(?P<ins>(?:(?! from )[^,;])+?) into (?P<outs>[^,;]+?)$"
        ),
    ),
    (
        # "the labeling batch is annotated in Label Studio, producing gold labels"
        "passive",
        re.compile(
            rf"^{_TEXT.format('ins')} {_BE} {_ADVERB}(?P<verb>{_PARTICIPLE}) in"
            rf" {_TEXT.format('proc')}{_INTO} (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "The assignment service writes to exp_exposures": from it to there.
        "written_to",
        re.compile(
            rf"^{_PROC} (?:writes|publishes|pushes|sends|emits|logs|dumps|uploads?|streams?|syncs?)"
            r" (?:to|into) (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # Numbered steps told as orders: "Join them with noaa_weather using
        # resample_join.py to get hourly_panel", "Train LightGBM on hourly_panel -> model.txt".
        "step",
        re.compile(
            rf"^(?P<active>{_BASE_STEP}) {_TEXT.format('ins')}"
            r"(?: (?:with|against) (?P<more>[^,;]+?))?"
            rf" (?:using|with|via|through|in) {_TEXT.format('proc')}{_INTO} (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        "step",
        re.compile(
            rf"^(?P<active>train|fit) {_TEXT.format('proc')} on {_TEXT.format('ins')}{_INTO}"
            r" (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "Pull smart_meter_readings from the AMI head-end into TimescaleDB"
        "fetch",
        re.compile(
            r"^(?:pull|fetch|download|export|copy|load|read|ingest|get) (?P<outs>[^,;]+?)"
            r" from (?P<ins>[^,;]+?)(?: (?:into|to) (?P<dest>[^,;]+?))?$",
            re.IGNORECASE,
        ),
    ),
    (
        # "Publish load_forecast_48h.csv to the SCADA dashboard"
        "move",
        re.compile(
            r"^(?:publish|push|upload|save|store|write|sync|copy|export|load|send|deploy)"
            r" (?P<ins>(?:(?! from )[^,;])+?) (?:to|into|in) (?P<outs>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
    (
        # "Call recordings come in from the Genesys export"
        "source",
        re.compile(
            rf"^{_TEXT.format('outs')} (?:comes?|arrives?|{_BE} {_PARTICIPLE})(?: in)? (?:from|off)"
            r" (?P<ins>[^,;]+?)$",
            re.IGNORECASE,
        ),
    ),
]
# Each form that starts with its processor, with the longest processor name
# instead of the shortest (`_two_verbs`).
_GREEDY = {
    pattern: re.compile(pattern.pattern.replace(_PROC, _PROC.replace("+?)", "+)")), pattern.flags)
    for _, pattern in _FORMS
}
# Words a name never starts with or holds: the sentence goes on past it.
_DETERMINER = re.compile(
    r"^(?:the same|the|teh|a|an|our|their|its|those|these|this|that|all|both|each)\s+", re.I
)
_NOT_IN_NAME = re.compile(
    r"\b(?:is|are|was|were|be|been|by|from|into|to|in|on|at|with|which|who|that|while|where"
    r"|when|then|it|they|them|and|or|but|after|before|once|if|of the|through|for|producing"
    r"|using|via|against|per(?!-)|out of|off|too|also|as well|thru|above|below)\b",
    re.IGNORECASE,
)
# "ML pipeline v2 spec First forecast API": a title run into a sentence.
_SENTENCE_START = re.compile(r"\s(?:First|Then|Next|Finally|After that|So)\b")
_PRONOUN = re.compile(
    r"^(?:it|they|them|those|these|this|(?:the )?results?|(?:the )?outputs?)$", re.IGNORECASE
)
# "all three", "both of them": that many things, the step before's.
_ALL_OF = re.compile(
    r"^(?:(?:all|the) (?P<n>two|three|four|five|six)(?: of them)?|both(?: of them)?)$", re.I
)
_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# "that file", "this table": an earlier name it does not repeat.
_POINTING = re.compile(r"^(?:that|this|these|those)\s+\S+$", re.IGNORECASE)
_PEOPLE = frozenset("we i you they someone people users".split())
_ADVERBS = frozenset("straight directly right back then also immediately later next".split())
_PARTICLES = frozenset("up out down off over back".split())
# "the top 500 uncertainty scores", "the latest checkpoints": some of an earlier name's.
_SOME_OF = re.compile(r"^(?:top|first|last|latest|newest|best)(?:[- ](?:\d+|k|n))? ", re.I)
_COUNTED = re.compile(
    r"^(?:one|two|three|four|five|six|seven|eight|nine|ten|several|multiple|many) \w", re.I
)
# Verbs whose object is what the step makes, not what it takes.
_MAKES = both_forms("generate build create produce compute derive make".split())
# "gpt-4 uses clean clicks to build ...": "gpt-4 uses" is no processor.
_READS = frozenset(third_person(verb) for verb in READ_VERBS)
_RESULTING = re.compile(r"^(?:the )?(?:resulting|output) ", re.IGNORECASE)
# Inputs each with its place: "card transactions from Kafka and device fingerprints from X".
_PLACES_SPLIT = re.compile(
    r",\s*(?:and\s+)?|\s+and\s+(?=(?:[\w.-]+ ){0,4}?[\w.-]+ (?:from|in|out of) )"
)
_LIST_SPLIT = re.compile(
    r",\s*(?:and\s+)?|\s+(?:and|plus|together with|along with|\+)\s+", re.IGNORECASE
)
# What may lead a sentence: a step's order, time or place, not a step itself.
_LEAD = re.compile(
    r"^(?:(?:then|first|finally|finaly|next|after that|afterwards|and|so|also|later|lastly)\b,?\s*"
    r"|(?:at (?:query|inference|training|serving|request) time"
    r"|(?:every|each) (?:night|hour|day|week|morning|evening|minute"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|\d+ (?:min|mins|minutes|hours|h|seconds|s))"
    r"|in parallel|separately|meanwhile|in addition|additionally"
    r"|(?:(?:its|it is|this is) )?(?:just|simply|basically)"
    r"|after (?:training|that|this|evaluation|validation)),?\s+)+",
    re.IGNORECASE,
)
_TRAIL = re.compile(
    r"(?:\s+(?:(?:every|each) (?:night|hour|day|week|morning|minute|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|\d+ (?:min|mins|minutes|hours|h|seconds|s))"
    r"|nightly|daily|hourly|weekly"
    r"|in parallel|in batches|in real time|at the end|first|again|instead"
    r"|at (?:query|inference|training|serving|serve|request) time"
    # "..., which PowerScribe consumes for the radiologists' worklist": what it is for.
    r"|for (?:the |our |their )?(?:[\w'-]+ ){0,2}(?:team|teams|worklist|analysts|users"
    r"|reviewers|radiologists|planners|serving|training|inference|reporting|monitoring)))+$",
    re.IGNORECASE,
)
# A name never ends in the participle of where it is: "historical embeddings pulled".
_PLACED = re.compile(
    r" (?:stored|kept|held|sitting|living|landing|pulled|loaded|fetched|taken|exported|collected"
    r"|downloaded|coming)$",
    re.IGNORECASE,
)
# "raw dataset stored in the BigQuery table": a thing and where it is.
_PLACE = re.compile(
    r"^(?P<what>.+?) (?:(?:stored|kept|held|sitting|living|landing|pulled|loaded|fetched|taken"
    r"|exported|collected|downloaded|coming|read) )?(?:from|in|out of) (?P<where>[^,]+)$"
)
# A request about the drawing, not a step: "Please use a soft muted palette."
_STYLE_WORDS = re.compile(
    r"\b(?:palette|colou?r(?:s|ful|ed)?|arrows?|rounded|dashed|dotted|horizontal(?:ly)?"
    r"|vertical(?:ly)?|left to right|top to bottom|monochrome|pastel|black and white"
    r"|style|(?:no|without) (?:text|labels)|compact|colou?rful|gr[ae]yscale"
    r"|(?:blue|green|red|grey|gray|warm|cool|earth|pastel|neutral|orange|purple) tones?)\b",
    re.IGNORECASE,
)
# "..., big nodes": a request about the drawing at a step's end.
_STYLE_TAIL = re.compile(
    r",\s*(?:in )?(?:black and white|monochrome|gr[ae]yscale|colou?rful)$"
    r"|,\s*(?:(?:and|with) )?(?:big|small|large|tiny|compact|rounded|square|dashed|dotted|plain"
    r"|thick|thin|curved|straight|muted|bright|pastel|warm|cool|no|round|soft) (?:[\w-]+ ){0,2}?"
    r"(?:nodes|shapes|boxes|circles|lines|arrows|edges|connections|links|colou?rs?|palette"
    r"|labels|text)$",
    re.IGNORECASE,
)
# Words of a drawing request that never name a thing of the process.
_STYLE_NAME = re.compile(
    r"\b(?:rectangles?|shapes|layout|lines|flowing|downwards|upwards|sideways)\b|^use ", re.I
)
# "it's loaded into BigQuery", "they're pushed to Redis".
# Where a sentence may hold two steps: "X ..., and Q reads Z", "... into a Docker
# image that is pushed to ECR".
_JOINT = re.compile(
    r",?\s+(?:and then|and|then|while)\s+|,\s+"
    r"|\s+(?=(?:which|that) (?:is|are|gets?|go(?:es)?|ends? up|lands?|ships?)\b)",
    re.IGNORECASE,
)
# "a Spark batch job runs nightly and aggregates X": when it runs, then the step.
_RUNS_WHEN = re.compile(
    r" runs (?:nightly|daily|hourly|weekly|every \w+|once a \w+)(?: and|,) ", re.IGNORECASE
)
# "X are stored in A and (are) also pushed to B": the subject, and a predicate without one.
_SUBJECT = re.compile(rf"^(?P<subject>[^,;]+?) (?P<verb>{_BE}|go(?:es)?|lands?)\s", re.IGNORECASE)
_PREDICATE = re.compile(
    rf"^(?P<also>(?:also )?)(?:(?P<be>{_BE}) (?:also )?{_PARTICIPLE}|{_PARTICIPLE}) ",
    re.IGNORECASE,
)
_CONTRACTION = re.compile(r"\b(it|that|this|they)'(s|re)\b", re.IGNORECASE)
_REQUEST_SENTENCE = re.compile(r"^(?:please|pls|kindly|i'?d like|i want|make it)\b", re.I)
# "->", "→", "=>", "-->" between the parts of a chain.
_ARROW = re.compile(r"\s*(?:-+>|→|=>)\s*")
# "extract_stripe: Stripe API -> raw.stripe_charges", "GitHub Actions: repo -> ECR".
_STEP_LABEL = re.compile(r"^(?P<step>[\w./-]+(?: [\w./-]+)?):\s+(?=\S)")
# Words of a title run into a chain's first part, not of a name.
_RUN_IN_TITLE = re.compile(
    r"\b(?:spec|pipeline|workflow|flow|job|setup|system|stack|path|architecture|diagram"
    r"|flowchart|process)\b",
    re.IGNORECASE,
)
# "a preprocessing script (quality agent)": a kind of step with its name in brackets.
_NAMED_ROLE = re.compile(r"(?:^|[>→]\s*)(?:a|an|the)\s[^()>→]*\(", re.IGNORECASE)
# "(LoRA, r=16)", "(drops anything under 20 dB)": a remark inside a chain, no part of it.
_REMARK = re.compile(r"\s*\([^()]*\)")
_BULLET = re.compile(r"^\s*(?:[-*•]|\(?\d+[.)]|step \d+\s*[:—–-])\s+", re.IGNORECASE)
# "Hi team, ...", "Hi all - ...": a greeting before the first step.
_GREETING = re.compile(
    r"^(?:hi|hello|hey)(?: (?:team|all|folks|everyone|there|guys))?\s*[,!-]+\s*", re.IGNORECASE
)
# "Thanks, Priya", "Cheers, Tom": a sign-off after the last step.
# "..., nothing fancy": a closing aside, no name.
_ASIDE_TAIL = re.compile(
    r",\s*(?:nothing fancy|that'?s (?:it|all)|simple as that|more or less|roughly)$", re.I
)
# "the iot.raw topic" is "iot.raw": an identifier (a dot, an underscore, a
# digit) with the kind of thing it is.
_IDENTIFIER = re.compile(r"[._\d]|\w-\w")
# A name written as an identifier: "sepsis-gru-v1", "chunk_vectors" (not "28x28x1").
_IDENTIFIER_NAME = re.compile(r"[._]|[a-z]-[a-z]|-v?\d", re.IGNORECASE)
_KIND_WORDS = frozenset(
    "topic table bucket stream index queue collection folder file dataset".split()
)
_MARKED_KIND = re.compile(
    r"`([^`\n]+)` (?:" + "|".join(_KIND_WORDS) + r"|events|records|rows|messages|data)\b"
)
_ROLE_BEFORE = re.compile(r"\b(?:a|an|the)\s+(?:[^\s(),.;]+\s+){0,3}[^\s(),.;]+$", re.I)
# "(loaded from the GCS bucket)", "(X in, Y out)", "(which writes Y)": steps in brackets.
_FROM_REMARK = re.compile(
    r"\s*\((?:(?:\w+ )?(?:from|in|out of)\b|which\b|that\b|who\b|.*\bin\b.*\bout\b)", re.I
)
# "A small script, winrate.py, turns ...", "clean_shipments, a Databricks notebook,
# reads ...", "... into turbine_raw, an InfluxDB bucket": the identifier is the name,
# the role beside it a remark.
_ROLE = r"(?:[\w-]+ ){0,3}[\w-]+"
_IDENT = r"[\w./:+*-]*(?:[._\d/]|[a-z]-[a-z])[\w./:+*-]*"
# "encounters.csv, vitals.csv and labs.csv are ...": a list of identifiers, said
# with "and" alone so that a clause's comma is not read into it.
_IDENT_LIST = re.compile(rf"(?<![\w./:+*-])(?:{_IDENT}, )+(?={_IDENT},? and {_IDENT})")
_APPOSITIVE = re.compile(
    rf"^(?P<lead>(?:then|next|first|finally|and),? )?"
    rf"(?:(?:a|an|another|one|our|the) (?P<role>{_ROLE}), (?P<name>{_IDENT}),"
    # "sessionizer, a flink job, reads ...", "Marlin, our orchestrator, rewrites ...": one
    # word first in the sentence is a name too.
    rf"|(?P<name2>{_IDENT}|[A-Za-z][\w-]*), (?:a|an|another|our|the) (?P<role2>{_ROLE}),)(?= )"
    # "... reviewed in Hubble, our internal case tool, which ..."
    rf"|(?<= )(?P<name3>{_IDENT}|(?-i:[A-Z])[\w-]*), (?:a|an|our) (?P<role3>{_ROLE})"
    # "... transcribed by asr-conformer-3, our speech-to-text service, into JSON transcripts"
    r"(?=$|, (?:which|and|into|to) )"
    # "... converts them into a LeRobot dataset, pick_place_v2"
    rf"|(?<= )(?:a|an|our|the) (?P<role4>{_ROLE}), (?P<name4>{_IDENT})(?=$|, (?:which|and) )",
    re.IGNORECASE,
)
# "the Kafka topic driver_locations", "the Iceberg table lake.customers": the
# identifier is the name (as in 24 of the 32 such names of the hand-written plans).
_KIND_BEFORE = re.compile(
    r"^(?:[\w-]+ ){0,2}(?:topic|table|bucket|view|index|notebook|dataset|collection|queue"
    r"|stream|container|folder|channel|endpoint|repo|schema|model|adapter|job|file|mart)"
    r" (?P<ident>[^\s]*(?:[._\d/]|\w-\w)[^\s]*)$",
    re.IGNORECASE,
)
_CALLED = re.compile(r"^.*\b(?:called|named)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"^[\w-]+'s\s+", re.IGNORECASE)
# Never a name: a place word, "anything over threshold", "conversions come",
# a quantity ("resampled to 16kHz").
_NOT_A_NAME = re.compile(
    r"^(?:there|here)$|^(?:anything|everything|something|nothing)\b"
    r"|^(?:finally|then|next|first|lastly|afterwards|after that)$"  # "..., finally in real time"
    r"|\s(?:comes?|goes|go|arrives?|lands?|ends? up)$"
    r"|^(?:go|goes|come|comes)\b"  # "aggregated captions go back into ...": no step of "captions"
    r"|^\d+(?:\.\d+)?\s*(?:k?hz|fps|px|dpi|bits?|%)$",
    re.IGNORECASE,
)
# Verbs that start no name, beside VERBS_ONLY: "gives speaker turns", "get pseudo-labels".
_NEVER_FIRST = frozenset("gives renders feeds finds runs gets get sends keeps puts".split())
_SIGN_OFF = re.compile(r"^(?:thanks|thank you|thx|cheers|best|regards)\b[\s,!-]*\w*$", re.I)
# "Nightly ETL:", "Query-time RAG:": a title before the steps.
_TITLE = re.compile(
    r"^[^.!?;]{1,60}:\s*(?:\n|$)|^[^.!?;:]{1,60}:\s+(?=\S)"
    r"|^[^.!?;:—–]{1,60}\s[—–]\s+(?=\S)"  # "ride ETA serving path — trip_requests and ..."
)
_REQUEST = re.compile(
    r"^(?:(?:hey|hi|ok|so|please|pls)\b[,!]?\s*)*(?:(?:can|could|would) you |please )?"
    r"(?:draw|sketch|diagram|make|show)\b[^.:?!\n>→]{0,50}[.:?!]\s*",
    re.IGNORECASE,
)
# The user talking about the pipeline, not a step of it.
_CHAT = re.compile(
    r"\b(?:here'?s|here is|sharing|reminder|rundown|sketch|overview|let me know|lmk|thanks"
    r"|thx|that'?s it|thats it|as discussed|fyi|like this|people asked|new hire|onboarding"
    r"|ping me|questions|need a diagram|documenting)\b",
    re.IGNORECASE,
)
# ... and says no step: "finally we use X to turn A into B" is one.
_STEP_SAID = re.compile(r"\binto\b|->|→|\bto (?:get|turn|produce|make|build)\b", re.I)
MIN_LINES = 2
MAX_ALIAS_WORDS = 6
# Lines of its own the model may write where sentences were not read (PartReading.gaps).
MAX_OWN_LINES = 8
_CLAUSE_JOINT = re.compile(r",|;|\b(?:and|then|which|while)\b", re.IGNORECASE)
# Names people give things are short: of ~3,600 in the hand-written sets,
# two have five words and none more. A longer "name" is a sentence misread.
MAX_NAME_WORDS = 5
MAX_CLAUSES = 4
MAX_CLAUSE_TRIES = 2000
MAX_TITLE_WORDS = 8
MAX_STYLE_WORDS = 8


class _Unread(Exception):
    """A sentence is not one of the forms read for certain."""


def read_flow(prompt: str, is_name=lambda name: True) -> tuple[str, ...] | None:
    """Return the flow lines a prompt of plain step sentences says, or None.

    `is_name(name)` says whether the decoder may write a name (a span of the
    prompt): a reading with any other name is no reading.
    """
    if "|" in prompt:
        return None  # tables: the model's
    return _read_titled(prompt, lambda sentences: _read(sentences, is_name))


@dataclass(frozen=True)
class PartReading:
    """A process read in part: the lines read, in order, and where sentences not read lie.

    `gaps` maps each index of `lines` that sentences not read come before
    (`len(lines)` where they end the prompt) to how many lines of its own
    the model may write there: two per clause of those sentences.
    """

    lines: tuple[str, ...]
    gaps: dict[int, int]


def read_flow_in_part(prompt: str, is_name=lambda name: True) -> PartReading | None:
    """Return the lines of the sentences read for certain where others are not; or None.

    For a prompt `read_flow` leaves to the model: most sentences are read,
    one or two are not ("If you want the alerts, the report is sent to
    PagerDuty."). The decoder writes the lines read in their order, and the
    model its own lines where a sentence was not read
    (`constrain.StructureChecker`). No sentence after one not read may
    point back ("it", "which", "the resulting X"): it may point into that one.
    """
    if "|" in prompt or looks_templated(prompt):
        return None  # tables, and the templates' own semantics (reference_flow): the model's
    return _read_titled(prompt, lambda sentences: _read_in_part(sentences, is_name))


def names_layers(lines: tuple[str, ...]) -> bool:
    """Whether half the names of flow lines or more are layers ("Dense 128 relu", "dropout 0.2").

    Such lines read a network told as a chain, not a process; an identifier
    ("sepsis-gru-v1", "text-embedding-3-small") is a name, never a layer.
    """
    names = set(_line_names(lines)) - {"-"}
    layers = [
        name for name in names if layer_kinds(name.lower()) and not _IDENTIFIER_NAME.search(name)
    ]
    return 2 * len(layers) >= len(names)


def _read_titled(prompt: str, read):
    """Return `read(sentences)` of the prompt, titles and remarks left out where they may be.

    A title that holds a name read is a step after all ("FASTQ files come
    off the NovaSeq."): read again with it. A remark left out that holds a
    name read is an alias ("Call-center audio (8 kHz WAV files) ... The WAV
    files are ..."): no reading.
    """
    sentences, titles, remarks = _sentences(prompt)
    reading = read(sentences)
    if titles and (reading is None or _names_in_any(titles, reading)):
        sentences, _, remarks = _sentences(prompt, titles=False)
        reading = read(sentences)
    if reading is None or isinstance(reading, PartReading):
        # "We bootstrap labels for the warehouse cameras like this.", "Let me know if
        # anything's unclear :)": the user talking, before or after the steps.
        kept, asides = _without_asides(sentences)
        again = read(kept) if asides else None
        if again is not None and not _names_in_any(asides, again):
            reading = again
    # A short remark that holds a name is an alias ("(8 kHz WAV files)"); a sentence in
    # brackets ("(dbt builds both models from raw_stripe, and Looker reads both.)") is not.
    aliases = [remark for remark in remarks if len(remark.split()) <= MAX_ALIAS_WORDS]
    if reading is not None and _names_in_any(aliases, reading):
        return None
    return reading


def _without_asides(sentences: list[str]) -> tuple[list[str], list[str]]:
    """Return the sentences without a first and a last one that are the user talking, and those.

    Such a sentence talks about the pipeline (`_CHAT`: "here's", "quick
    rundown", "lmk"), says no step (`_STEP_SAID`) and is none a form reads.
    """
    ends = {0, len(sentences) - 1} if len(sentences) > 2 else set()
    asides = [
        i
        for i in sorted(ends)
        if _CHAT.search(sentences[i])
        and not _STEP_SAID.search(sentences[i])
        and not _reads(sentences[i])
    ]
    return (
        [sentence for i, sentence in enumerate(sentences) if i not in asides],
        [sentences[i] for i in asides],
    )


def _reads(sentence: str) -> bool:
    """Whether a sentence on its own is one a form reads."""
    try:
        _Reader()._sentence(sentence)
    except _Unread:
        return False
    return True


def _names_in_any(texts: list[str], reading) -> bool:
    """Whether a name of `reading` (lines, or a PartReading) is in one of `texts`."""
    lines = reading.lines if isinstance(reading, PartReading) else reading
    return any(_names_in(text, _line_names(lines)) for text in texts)


def _line_names(lines) -> list[str]:
    """Return the names flow lines write, in order ("-" where a part is empty)."""
    return [name for line in lines for part in line.split(" > ") for name in part.split(", ")]


def _read_in_part(sentences: list[str], is_name) -> PartReading | None:
    reader = _Reader()
    try:
        lines = reader.read(sentences, in_part=True)
    except _Unread:
        return None
    gaps = dict(reader.gaps)
    # "NimbusStream loads X. It outputs Y.": a step with no output before a
    # sentence not read may have its output there; the model writes it whole.
    for i in sorted(gaps, reverse=True):
        if i and lines[i - 1].endswith(" > -"):
            del lines[i - 1]
            room = gaps.pop(i) + 1
            gaps = {gap - (gap > i): own for gap, own in gaps.items()}
            gaps[i - 1] = min(MAX_OWN_LINES, gaps.get(i - 1, 0) + room)
    if (
        not gaps
        or reader.unread * 2 > len(sentences)
        or len(lines) < MIN_LINES
        or not all(is_name(name) for name in reader.names)
    ):
        return None
    return PartReading(tuple(lines), gaps)


def _read(sentences: list[str], is_name) -> tuple[str, ...] | None:
    reader = _Reader()
    try:
        lines = reader.read(sentences)
    except _Unread:
        return None
    if len(lines) < MIN_LINES or not all(is_name(name) for name in reader.names):
        return None
    return tuple(lines)


def _sentences(prompt: str, titles: bool = True) -> tuple[list[str], list[str], list[str]]:
    """Return the prompt's step sentences (bullets and sentences), the titles and remarks left out.

    Requests ("can you draw this?") and sign-offs are left out too; with
    `titles` false, a first sentence that looks like a title is kept.
    """
    # "`clickstream` events": the name is what is marked as code.
    text = _MARKED_KIND.sub(r"\1", _REQUEST.sub("", prompt.strip()))
    text = text.replace("`", "")  # "`build_dataset`": code marks
    text = re.sub(r"(?<!\S)w/(?=\s)", "with", text)  # "embedded w/ bge-small"
    lines = text.splitlines()
    # "RAG setup for the support bot" on a line of its own: a title.
    if (
        len(lines) > 1
        and not _BULLET.match(lines[0])
        and not re.search(r"[.;,]", lines[0])
        and _is_title(lines[0])
    ):
        lines = lines[1:]
    out, left_out, remarks = [], [], []
    for raw in lines:
        if raw.lstrip().startswith("#") or not raw.strip():
            continue
        line = _REMARK.sub(lambda m: _remark(m, remarks), _BULLET.sub("", raw)).strip()
        for sentence in re.split(r"(?<=[.!?;])\s+|;\s*", line):
            sentence = _BULLET.sub("", sentence.strip().rstrip(".!;").strip())
            sentence = _WHEN_LEAD.sub("", sentence)  # "Nightly, feast materialize reads ..."
            sentence = _TALK_LEAD.sub("", sentence)  # "so basicly mysql binlog -> debezium ..."
            if not out and not _BULLET.match(raw):  # "Subject: ...", "Hi team, quick summary."
                sentence = _GREETING.sub("", _TITLE.sub("", sentence, count=1))
                sentence = _BULLET.sub("", sentence)  # "Pipeline: • IrisPump ..."
                if titles and _is_title(sentence):
                    left_out.append(sentence)
                    continue
            sentence = _CONTRACTION.sub(_uncontracted, sentence)
            sentence = _APPOSITIVE.sub(lambda m: _appositive(m, remarks), sentence)
            sentence = _IDENT_LIST.sub(lambda m: m[0].replace(", ", " and "), sentence)
            while _STYLE_TAIL.search(sentence):
                sentence = _STYLE_TAIL.sub("", sentence)
            sentence = _ASIDE_TAIL.sub("", sentence)
            if sentence and not _REQUEST_SENTENCE.match(sentence):
                out.append(sentence)
    while out and _SIGN_OFF.match(out[-1]):
        out.pop()  # "Thanks, Priya"
    return out, left_out, remarks


def _check_processor(procs: list[str], text: str) -> None:
    """Raise _Unread unless `procs` is one processor: no verb in it, a thing, not "we".

    "summarizer takes JSON", "SearchSvc looks up", "gpt-4 uses" are no processors.
    """
    if (
        len(procs) != 1
        or (_VERB_FORMS | _PUT_FORMS) & set(procs[0].lower().split())
        or procs[0].lower() in _PEOPLE
        or procs[0].lower().split()[-1] in _PARTICLES | _READS
        or procs[0].lower() in _ADVERBS  # "those go straight into Pinecone"
    ):
        raise _Unread(text)


def _with_subject(first: str, rest: str) -> tuple[str, str] | None:
    """Return the subject of `first` and `rest` said with it, where `rest` has none; else None.

    "fraud_scores are written to Cassandra and also sent to the case queue":
    "fraud_scores", "fraud_scores are sent to the case queue".
    """
    subject = _SUBJECT.match(first)
    phrase = _PREDICATE.match(rest)
    if subject is None or phrase is None:
        return None
    said = rest[phrase.end("also") :]
    be = subject["verb"] if re.fullmatch(_BE, subject["verb"], re.IGNORECASE) else "are"
    said = f"{subject['subject']} {said}" if phrase["be"] else f"{subject['subject']} {be} {said}"
    return subject["subject"], said


def _remark(match: re.Match, dropped: list[str]) -> str:
    """Return a bracket's text as read: a remark ("Raw podcasts (MP3)") is dropped.

    Kept: a name after its role ("a lambda function (relevance_v2022)") and
    where a thing comes from ("(loaded from the GCS bucket)").
    """
    before = match.string[max(0, match.start() - 60) : match.start()]
    if _ROLE_BEFORE.search(before) or _FROM_REMARK.match(match[0]):
        return match[0]
    dropped.append(match[0])
    return ""


def _appositive(match: re.Match, dropped: list[str]) -> str:
    """Return the identifier of "a small script, winrate.py," with its lead; the role is a remark.

    Not where the role holds a verb ("X, a job reads Y, ..."): a clause, not a role.
    """
    role = match["role"] or match["role2"] or match["role3"] or match["role4"]
    if (VERBS_ONLY | _VERB_FORMS) & set(role.lower().split()):
        return match[0]
    dropped.append(role)
    name = match["name"] or match["name2"] or match["name3"] or match["name4"]
    return (match["lead"] or "") + name


def _names_in(text: str, names: list[str]) -> bool:
    """Whether `text` holds one of `names` as whole words."""
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I) for name in names)


def _uncontracted(match: re.Match) -> str:
    return f"{match[1]} {'are' if match[2].lower() == 're' else 'is'}"


def _is_title(text: str) -> bool:
    """Whether a line or a first sentence is a title: a few words, no verb, no arrow."""
    words = re.findall(r"[\w'-]+", text.lower())
    return (
        len(words) <= MAX_TITLE_WORDS
        and not _ARROW.search(text)
        and not re.search(r"\b(?:is|are)\b|\w+ed\b", text)
        and not any(word in _ANY_VERB for word in words)
    )


def _stem(verb: str) -> str:
    """Return what a verb's participle starts with: "tokenizes" -> "tokeniz", "copies" -> "copi"."""
    verb = verb.lower()
    for ending in ("ies", "es", "s", "e"):
        if verb.endswith(ending) and len(verb) - len(ending) >= 3:
            return verb[: -len(ending)] if ending != "ies" else verb[:-3] + "i"
    return verb


_ACTS_ON_STEMS = tuple(_stem(verb) for verb in _ACTS_ON)


def _two_verbs(pattern: re.Pattern, clause: str, match: re.Match) -> bool:
    """Whether a longer processor name also reads the clause (another word could be the verb)."""
    other = _GREEDY[pattern].match(clause)
    return (
        other is not None
        and other["proc"] != match["proc"]
        # "X join A with B to build C": "X join A with B to" is no name.
        and not _NOT_IN_NAME.search(other["proc"])
        # "X scores the 1-minute aggregates and emits Y": "X scores the 1-minute" is none either.
        and not re.search(r"\s(?:the|a|an)(?:\s|$)", other["proc"], re.IGNORECASE)
        # "whisper-medium transcribes the speech segments": "transcribes" is never a noun.
        and (match.groupdict().get("active") or "").lower() not in VERBS_ONLY
    )


def _verb_then_identifier(words: list[str]) -> bool:
    """Whether a long chain part is a sentence: "Scale AI annotators rank completions.jsonl"."""
    return len(words) >= 3 and any(
        word in BASE_VERBS and _IDENTIFIER.search(after)
        for word, after in zip(words[1:-1], words[2:], strict=True)
    )


def _pointed(text: str) -> bool:
    """Whether `text` starts with "the", "those", ...: it may be the end of an earlier name."""
    return bool(_DETERMINER.match(text.strip()))


def _ends_with(earlier: str, name: str) -> bool:
    """Whether `earlier` ends with the words of `name` ("Snowflake raw schema", "raw schema").

    Whole words: "Load" is not the end of "Upload".
    """
    tail = name_words(name)
    if not tail:
        return False
    if name_words(earlier)[-len(tail) :] == tail:
        return True
    # "doc_chunks", then "the chunks": a plain word is the end of an identifier too
    # (not "HubSpot" after "raw_hubspot": a product's name is its own).
    return name.islower() and name_words(earlier.replace("_", " "))[-len(tail) :] == tail


def _kind_of(named: str, name: str) -> bool:
    """Whether `named` is an identifier with its kind ("iot.raw topic" of "iot.raw").

    Not "S3 bucket" of "S3": a product's name with a digit is no identifier.
    """
    words = name_words(named)
    return (
        bool(re.search(r"[._]|\w-\w", name))
        and words[:-1] == name_words(name)
        and words[-1] in _KIND_WORDS
    )


class _Reader:
    def __init__(self):
        self.lines: list[list[list[str]]] = []  # [ins, [proc], outs]
        self.names: list[str] = []
        # The participle of a step with no output yet: "keywords are tokenized
        # by X. Tokenized keywords are ..." names that output.
        self.participle = ""
        # "Y turns A into B, while Z turns them into C": "them" is A.
        self.parallel = False
        # Clauses tried: a long sentence with many commas splits many ways.
        self.budget = MAX_CLAUSE_TRIES
        # Reading in part: the sentences left unread, the lines they come
        # before (PartReading.gaps), and whether the last sentence was one.
        self.unread = 0
        self.gaps: dict[int, int] = {}  # PartReading.gaps
        self.gap = False
        self.unread_text = ""
        # The line of "Pull X from Y into Z", which "them" after it does not point into.
        self.fetched_to: list[list[str]] | None = None

    def read(self, sentences: list[str], in_part: bool = False) -> list[str]:
        """Return the flow lines of `sentences`; raise _Unread where one is not read.

        `in_part`: skip a sentence not read instead, and read none of the
        next one's words as pointing back across it ("it", "which").
        """
        for sentence in sentences:
            try:
                self._sentence(sentence)
                self.gap = False
            except _Unread:
                words = sentence.lower().split()
                if (
                    not _STYLE_WORDS.search(sentence)
                    or _ARROW.search(sentence)
                    or len(words) > MAX_STYLE_WORDS
                    or any(word in _ANY_VERB for word in words)
                ):
                    if not in_part:
                        raise
                    self.unread += 1
                    self.unread_text += f" {sentence} "
                    # Two lines a clause: a step, and where its input comes from; one
                    # more for each further place ("X from S3 ... with Y in Feast").
                    places = len(re.findall(r"[\s(](?:from|in|out of)\s", sentence))
                    joints = len(_CLAUSE_JOINT.findall(sentence))
                    clauses = 2 * (1 + joints) + max(0, places - 1 - joints)
                    at = len(self.lines)
                    self.gaps[at] = min(MAX_OWN_LINES, self.gaps.get(at, 0) + clauses)
                    self.gap, self.participle = True, ""
                # "Top to bottom, muted colours.": a request about the drawing.
        self._check_links()
        return [
            " > ".join(", ".join(part) if part else "-" for part in line) for line in self.lines
        ]

    def _sentence(self, sentence: str, depth: int = 0) -> None:
        clause = _TRAIL.sub("", _LEAD.sub("", sentence))
        if self._clause(clause):
            return
        # "X are parsed by Y into Z, and Q reads Z": several steps in one sentence.
        for joint in re.finditer(_JOINT, clause):
            first, rest = clause[: joint.start()], clause[joint.end() :]
            saved = copy.deepcopy((self.lines, self.names, self.participle))
            if depth < MAX_CLAUSES and self._clause(first):
                self.parallel = "while" in joint[0]
                try:
                    self._sentence(rest, depth + 1)
                    return
                except _Unread:
                    go_on = partial(self._shared_subject, first, rest, len(saved[0]), depth)
                    if self._kept(go_on):
                        return
                finally:
                    self.parallel = False
            self.lines, self.names, self.participle = saved
        raise _Unread(sentence)

    def _shared_subject(self, first: str, rest: str, start: int, depth: int) -> None:
        """Read `rest` as going on with the subject of `first`; raise _Unread if not certain.

        "X are pulled from BigQuery and combined by P into Y": X is combined.
        "X are written to Cassandra and also sent to the case queue": X goes
        to both. "X are transcribed by W into T and diarized by P into S": X
        goes through both steps. Not "X land in Kafka and are consumed by a
        Flink job", nor "written to the offline store and materialized into
        the online store": what goes on is read from the place, not X; nor
        "X is cleaned by P into Y and uploaded to S3": is X or Y uploaded?
        """
        with_subject = _with_subject(first, rest)
        moved = self.lines[start:]
        # "X are reviewed in the Case Manager UI and archived to ADLS": shown, nothing
        # made, so X goes on; "X gets normalized by ffmpeg and uploaded": which is uploaded?
        shown = bool(re.search(rf"\b(?:{_SHOWN})\b", first, re.IGNORECASE))
        if (
            with_subject is None
            or len(moved) != 1
            or (moved[0][1] and not moved[0][2] and not shown)
        ):
            raise _Unread(rest)
        stepped = bool(moved[0][1]) and not shown
        subject_text, said = with_subject
        subject = self._names(subject_text, pronouns=False)
        taken = moved[0][2] == subject  # "pulled from BigQuery": X comes from there
        count = len(self.lines)
        self._sentence(said, depth + 1)
        went_on = self.lines[count:]
        if stepped:
            # "transcribed by Whisper into T and diarized by pyannote into S": X, twice.
            if all(line[1] for line in went_on):
                return
            raise _Unread(rest)
        moves = not any(line[1] for line in went_on)
        also = re.match(r"(?:also|(?:is|are) also) ", rest, re.IGNORECASE)
        if not (taken or (moves and (shown or also))):
            raise _Unread(rest)

    def _clause(self, clause: str) -> bool:
        self.budget -= 1
        if self.budget < 0:
            raise _Unread("too many ways to split the sentences")
        clause = _RUNS_WHEN.sub(" ", _TRAIL.sub("", clause))
        if _ARROW.search(clause):
            if self._kept(lambda: self._chain(clause)):
                return True
            if len(_ARROW.findall(clause)) > 1:
                return False
            # One arrow a chain does not read may be a step's output: "Train X on Y -> Z".
        if re.search(r" also ", clause):
            # "the segmenter also reads it": the same input as the step before.
            saved, self.parallel = self.parallel, True
            try:
                return self._clause(clause.replace(" also ", " "))
            finally:
                self.parallel = saved
        unsure = False
        for kind, pattern in _FORMS:
            match = pattern.match(clause)
            if match is None or (kind == "any_verb" and unsure):
                continue
            if kind in ("step", "read", "acts") and _two_verbs(pattern, clause, match):
                unsure = True
                continue  # "The Label Studio merges ...": which word is the verb?
            if self._kept(lambda kind=kind, match=match: self._step(kind, match)):
                return True
        return False

    def _kept(self, read) -> bool:
        """Run `read()`; where it raises _Unread, undo what it read and return False."""
        saved = copy.deepcopy((self.lines, self.names, self.participle))
        try:
            read()
        except _Unread:
            self.lines, self.names, self.participle = saved
            return False
        return True

    def _previous(self) -> list[list[str]] | None:
        """Return the line before, which "it" and "which" point back to; None if none.

        Not across a sentence left unread: "it" may be that sentence's.
        """
        if self.gap:
            raise _Unread("which thing, across a sentence not read?")
        return self.lines[-1] if self.lines else None

    def _last_outputs(self) -> list[str]:
        """Return the outputs of the line before, which "which" points back to."""
        last = self._previous()
        if not last or not last[2]:
            raise _Unread("which of no output?")
        return list(last[2])

    def _check_links(self) -> None:
        """Refuse a step with no output followed by a step taking only new names.

        "An XGBoost model scores the feature vectors, and the churn scores
        are written to ..." : the scores are the model's output, said in a
        way no form reads; two unconnected pieces would be drawn.
        """
        seen: set[str] = set()
        for line, following in zip(self.lines, self.lines[1:], strict=False):
            seen.update(name for part in line for name in part)
            if (
                line[1]
                and not line[2]
                and following[0]
                and not seen & set(following[0])
                and following[1] != line[1]  # "loaded by X, which reranks Y into Z": X goes on
            ):
                raise _Unread("a step's output is not named")

    def _chain(self, clause: str) -> None:
        """Read "A + B -> P -> C -> Q -> D": a thing, a step, a thing, ... in turn.

        Read so, a chain of steps alone ("Chunk -> Embed -> Store") draws the
        same edges as a plain chain, and a list ("A + B", "A, B") is inputs
        or outputs, never a step. A chain writes a name in full unless it
        points back: "Filter" is not the earlier "intent filter", "the
        telemetry" is the earlier "Avro telemetry".
        """
        if _NAMED_ROLE.search(clause) or _FROM_REMARK.search(clause):
            # "a preprocessing script (quality agent)": which is the name? "X (from the
            # vector DB)": a step of its own in brackets.
            raise _Unread(clause)
        parts = _ARROW.split(_REMARK.sub("", clause))
        if len(parts) < 2:
            raise _Unread(clause)
        labelled = _STEP_LABEL.match(parts[0])
        if labelled and len(parts) == 2:
            # "extract_stripe: Stripe API -> raw.stripe_charges": the step, then what it moves.
            step = self._names(labelled["step"], pronouns=False)
            if len(step) != 1 or _VERB_FORMS & set(step[0].lower().split()):
                raise _Unread(parts[0])
            ins = self._names(parts[0][labelled.end() :], pronouns=True)
            self._add(ins, step, self._names(parts[1], pronouns=False))
            return
        if _RUN_IN_TITLE.search(parts[0]):
            raise _Unread(parts[0])  # "RAG pipeline v2 spec Documents -> ...": where does it start?
        last = len(parts) - 1
        names = []
        for i, part in enumerate(parts):
            words = _DETERMINER.sub("", part.strip()).lower().split()
            if VERBS_ONLY & set(words) or "the" in words or _verb_then_identifier(words):
                raise _Unread(part)  # "VEP annotates the cohort VCF -> ...": a sentence
            if i % 2 and i != last:
                step = self._names(part, pronouns=False, tails=_pointed(part))
                if len(step) != 1 or _VERB_FORMS & set(step[0].lower().split()):
                    raise _Unread(part)  # one step, and no sentence: "P turns X"
                names.append(step)
            else:  # "A + B" splits as "A, B" does (_LIST_SPLIT)
                names.append(self._names(part, pronouns=True, tails=_pointed(part)))
        for i in range(0, last - 1, 2):
            self._add(names[i], names[i + 1], names[i + 2])
        if last % 2:  # an even count ends "... -> A -> B": no step between them
            self._add(names[last - 1], [], names[last])

    def _step(self, kind: str, match: re.Match) -> None:
        # Inputs first: an output's name must not stand for an input ("the
        # resulting fields ... which outputs clean fields").
        groups = match.groupdict()
        if kind == "written_to":
            if re.search(r"\s(?:the|a|an)(?:\s|$)", groups["proc"], re.IGNORECASE):
                raise _Unread(groups["proc"])  # "ColBERT turns the logs into ...": no processor
            outs = self._names(groups["outs"], pronouns=False)
            self._add(self._names(groups["proc"], pronouns=False), [], outs)
            return
        if kind in ("tunes", "trains_model"):
            procs = self._names(groups["proc"], pronouns=False)
            _check_processor(procs, groups["proc"])
            ins = self._inputs(groups["ins"])
            if kind == "tunes":  # "fine-tunes M on X, producing Y": M goes in too
                ins += self._names(groups["model"], pronouns=False)
            self._add(ins, procs, self._names(groups["outs"], pronouns=False))
            return
        if kind == "fetch":
            fetched = self._names(groups["outs"], pronouns=True)
            self._add(self._names(groups["ins"], pronouns=False), [], fetched)
            if dest := self._names(groups.get("dest"), pronouns=False):
                self._add(fetched, [], dest)
                self.fetched_to = self.lines[-1]
            return
        if kind == "both_read":
            if groups.get("readers"):
                ins = self._last_outputs()
                self._add(ins, [], self._names(groups["readers"], pronouns=False))
            else:
                outs = self._names(groups["outs"], pronouns=False)
                self._add(self._inputs(groups["ins"]), [], outs)
            return
        if kind == "so_does":
            last = self._previous()
            if not last or not last[1] or last[2]:
                raise _Unread("so does which step?")  # only a reader with no output
            self._add(list(last[0]), self._names(groups["proc"], pronouns=False), [])
            return
        if kind == "relative_step":
            last = self._previous()
            if not last or len(last[1]) != 1:
                raise _Unread("which of no processor?")
            outs = self._names(groups["outs"], pronouns=False)
            self._add(self._inputs(groups["ins"]), list(last[1]), outs)
            return
        active = groups.get("active")
        if active and groups.get("ins") and self._earlier(f"{active} {groups['ins']}"):
            # "a checker groups clean click videos into ...": "clean" is of the name.
            raise _Unread(active)
        if kind == "acts" and self._taken_and_put(groups, active or ""):
            return
        if kind.startswith("relative"):
            ins = self._last_outputs()
        elif (active or "").lower() in _REMOVES and (taken := _TAKEN_FROM.match(groups["ins"])):
            # "clean.py strips PII from support_tickets": what it takes is the tickets.
            ins = self._inputs(taken["place"])
        else:
            ins = self._inputs(groups["ins"])
        if kind in ("move", "source", "relative_move"):
            # "pushed to Grafana and to PagerDuty": two places.
            outs = re.sub(r"\band (?:to|into|in) ", "and ", groups.get("outs") or "")
            self._add(ins, [], self._names(outs, pronouns=False))
            return
        if groups.get("also"):  # "X is checked by P against Y -> Z": Y goes in too
            ins += self._inputs(groups["also"])
        if groups.get("more"):  # "X are joined with Y by Z", "Z joins X with Y"
            if active and kind != "acts" and not active.lower().startswith(_JOINING):
                raise _Unread(active)  # "tags X with scores": the scores are its output
            if groups.get("prep") == "to" and not active.lower().startswith(("compare", "align")):
                raise _Unread(active)  # "sends X to Y and writes Z": Y is where X goes
            if groups.get("prep") == "over" and active.lower() == "runs":
                raise _Unread(active)  # "runs CUPED + a t-test over X": a method over data
            ins += self._inputs(groups["more"])
        if kind == "acts" and re.search(r" (?:from|in|out of) ", groups["ins"]):
            if not active.lower().startswith(_TAKING) and active.lower() not in _REMOVES:
                raise _Unread(active)  # "strips PII from X and writes Y": PII goes nowhere
        if " from " in (groups.get("src") or ""):
            raise _Unread(groups["src"])  # "from X pulled from Y"
        src = self._names(groups.get("src"), pronouns=True)
        procs = self._names(groups["proc"], pronouns=False)
        if len(procs) > 1 and not groups.get("outs") and _CONSUMED.match(groups.get("verb") or ""):
            self._add(ins, [], procs)  # "X is read by both the Hex notebook and Tableau"
            return
        _check_processor(procs, groups["proc"])
        # "ModelGate reads the eval report and pushes churn-model-v7 to the MLflow
        # registry": a thing already drawn, put somewhere, is an input of the step.
        put = bool(groups.get("dest")) and self._earlier(groups.get("outs") or "")
        outs = self._names(groups.get("outs"), pronouns=False)
        if put:
            ins, outs = ins + outs, self._names(groups["dest"], pronouns=False)
        if not outs and not src and (groups.get("active") or "").lower() in _MAKES:
            raise _Unread(groups["active"])  # "A GPT model generates synthetic reviews": its output
        verb = groups.get("verb") or _stem(groups.get("active") or "")
        acts_on = verb and verb.split(" ")[0].lower().startswith(_ACTS_ON_STEMS)
        if src and outs and (groups.get("active") or "").lower() in _SUBSET:
            # "en_core_web_trf extracts entities from X into Y", "selects adult ICU stays
            # from X -> Y": what it takes is X, what it picks is said by Y.
            ins = src
        elif src and (outs or acts_on):
            # "Fivetran copies the orders table from Postgres into raw_orders", "the
            # model normalizes boxes from S3": the data comes from there first.
            if len(ins) != 1 or len(src) != 1:
                # "merges A from the lake and B into C": is B a second place or input?
                raise _Unread("which of them comes from there?")
            self._add(src, [], ins)
        elif src:  # "Airflow pulls customer records from BigQuery"
            ins, outs = src, ins
        self._add(ins, procs, outs)
        self.participle = "" if outs else verb.split(" ")[0].lower()
        if not put and (dest := self._names(groups.get("dest"), pronouns=False)):
            self._add(outs, [], dest)

    def _taken_and_put(self, groups: dict, active: str) -> bool:
        """Read "P reads X (from S) and writes it into D": `S > P > X`, `X > - > D`, or `X > P > D`.

        "feast materialize reads the view from the offline store and writes it into the
        online store": taken from there, put here.
        """
        if not (
            groups.get("dest")
            and _PRONOUN.match(groups.get("outs") or "")
            and active.lower().startswith(_TAKING)
            and not groups.get("more")
        ):
            return False
        procs = self._names(groups["proc"], pronouns=False)
        _check_processor(procs, groups["proc"])
        dest = self._names(groups["dest"], pronouns=False)
        if moved := _MOVED_FROM.match(groups["ins"]):
            what = self._names(moved["what"], pronouns=True)
            self._add(self._names(moved["place"], pronouns=True), procs, what)
            self._add(what, [], dest)
        else:  # "shopify-relay takes the order webhooks and writes them to orders_raw"
            self._add(self._inputs(groups["ins"]), procs, dest)
        return True

    def _inputs(self, text: str) -> list[str]:
        """Return a step's inputs: names, a pronoun's antecedents, "X from Y" (adding Y > - > X)."""
        resulting = _RESULTING.match(text)
        if resulting and (last := self._previous()) and not last[2]:
            # "..., and the resulting draft boxes are reviewed by ...": the step before's output.
            names = self._names(text[resulting.end() :], pronouns=False)
            last[2] = names
            return names
        text = re.sub(r"\s*\((from [^()]+)\)", r" \1", text)  # "driver_features (from Tecton)"
        if not re.search(r" (?:from|in|out of) ", text):
            return self._names(text, pronouns=True)
        # "card transactions from Kafka and device fingerprints from the DeviceDB cache"
        names = []
        for part in _PLACES_SPLIT.split(text):
            place = _PLACE.match(part)
            if not place:
                names += self._names(part, pronouns=True)
                continue
            what = self._names(place["what"], pronouns=False)
            where = self._names(place["where"], pronouns=False)
            if len(where) != 1 or len(what) != 1:
                raise _Unread(part)
            self._add(where, [], what)
            names += what
        return names

    def _names(self, text: str | None, pronouns: bool, tails: bool = True) -> list[str]:
        if not text:
            return []
        text = re.sub(r"^both\s+", "", text.strip(), flags=re.IGNORECASE)
        if pronouns and (counted := _ALL_OF.match(text)):
            # "Philter de-identifies all three into ...": the step before's three outputs.
            last = self._previous()
            antecedents = last[0 if self.parallel else 2] if last else []
            if len(antecedents) != _COUNTS[(counted["n"] or "two").lower()]:
                raise _Unread(text)
            return list(antecedents)
        if pronouns and _PRONOUN.match(text):
            last = self._previous()
            antecedents = last[0 if self.parallel else 2] if last else []
            if last is not None and last is self.fetched_to:
                antecedents = last[0]  # "Pull X from Y into Z. Join them ...": X
            if not antecedents:
                raise _Unread(text)
            return list(antecedents)
        names = []
        for part in _LIST_SPLIT.split(text):
            name = _DETERMINER.sub("", part.strip())
            # "a Flink job called SessionAggregator", "the repo's Dockerfile": the name.
            name = _CALLED.sub("", _POSSESSIVE.sub("", name))
            name = _KIND_BEFORE.sub(r"\g<ident>", name)
            if _POINTING.match(part.strip()) and not self._earlier(name):
                raise _Unread(part)  # "that file": which one is not said
            if re.match(r"each\s", part.strip(), re.IGNORECASE) and not self._earlier(name):
                # "reconstructs each spectrum" after "2-second FFT spectra": that name; with
                # no such name drawn ("rewrites each question"), the model's to say.
                name = self._one_of_each(name) or ""
                if not name:
                    raise _Unread(part)
            if (
                not name
                or _NOT_IN_NAME.search(name)
                or _SENTENCE_START.search(name)
                or _PRONOUN.match(name)
                # "become the next Debezium": which node that is, the model decides.
                or (
                    " " in name
                    and name.split()[0].lower() in _VERB_FORMS | {"become", "becomes", "next"}
                )
                # "ML pipeline v2 spec annotations": a title run into the first name.
                or re.search(r"\bspec\b.", name)
                # "emotion script reads 4K reviews": a sentence ("trimmed reads" is a name).
                or _VERB_FORMS & set(name.lower().split()[1:-1])
                or _DETERMINER.match(f"{name} ")
                or _STYLE_WORDS.search(name)
                or _STYLE_NAME.search(name)
                or _PLACED.search(name)
                or len(name.split()) > MAX_NAME_WORDS
                or re.search(r"[()>→]|:(?![A-Za-z0-9/])", name)  # "s3://x", "ranker:v12" stay
                # "three sources (CRM export, ...)": which ones, the remark says.
                or _COUNTED.match(name)
                # "rejected ones go to the AP-Review queue": ones of an earlier name; "the
                # checkout stream both", "the dock sync server overnight": the sentence's words.
                or re.search(r"\b(?:ones|both|overnight)$", name, re.IGNORECASE)
                or _NOT_A_NAME.search(name)
                or name.lower() in _VERB_FORMS  # "The Vespa cluster reads from GCS": no "reads"
                # "computes drift metrics", "gives speaker turns": a verb, then its object.
                or (" " in name and name.split()[0].lower() in VERBS_ONLY | _NEVER_FIRST)
                # "uses the mart", "picks a review batch": a verb with its object.
                or re.match(r"^\S+ (?:a|an|the)\s", name, re.IGNORECASE)
            ):
                raise _Unread(text)
            if pronouns and (some := self._some_of(name)):
                names.append(some)  # "takes the top 500 uncertainty scores": the earlier ones
                continue
            names.append((pronouns and self._output_before(name)) or self._known(name, tails))
        return names

    def _one_of_each(self, name: str) -> str:
        """Return the one earlier name whose last word shares its stem with `name`'s, or ""."""
        stem = name.lower()[: max(5, len(name) - 2)]
        if " " in name or len(stem) < 5:
            return ""
        found = [e for e in self.names if e.lower().split()[-1].startswith(stem)]
        return found[0] if len(found) == 1 else ""

    def _some_of(self, name: str) -> str:
        """Return the earlier name an input is some of ("top 500 uncertainty scores"), or ""."""
        some = _SOME_OF.match(name)
        rest = name_key(name[some.end() :]) if some else None
        return next((earlier for earlier in self.names if name_key(earlier) == rest), "")

    def _output_before(self, name: str) -> str:
        """Return `name` as the output of the step before, if its participle names it, else ""."""
        first = name.split(" ")[0].lower()
        # "the chunks are embedded with bge-small and the vectors get written to pgvector":
        # what embedding makes, said by its noun.
        made = self.participle.startswith(("embed", "vectori", "encod")) and bool(
            _EMBEDDINGS.search(name)
        )
        if not (
            self.participle
            and (
                made
                or (
                    " " in name
                    and first.startswith(self.participle)
                    and (first.endswith("ed") or first in IRREGULAR_PARTICIPLES)
                )
            )
            and self.lines
            and not self.lines[-1][2]
        ):
            return ""
        # "keywords are tokenized by X. Tokenized keywords are ...": X's output.
        name = self._known(name)
        if name in self.lines[-1][0]:
            raise _Unread(name)  # "the filtered answers" after "tokenized filtered answers"
        self.lines[-1][2] = [name]
        self.participle = ""
        return name

    def _earlier(self, name: str) -> bool:
        key = name_key(name)
        return any(name_key(e) == key or _ends_with(e, name) for e in self.names)

    def _known(self, name: str, tails: bool = True) -> str:
        """Return the earlier name `name` means ("the raw schema" -> "Snowflake raw schema").

        Without `tails` (a chain's name, written in full), the name stays as
        written: the same `name_key` is the same node when drawn anyway.
        """
        key = name_key(name)
        for earlier in self.names:
            if name_key(earlier) == key:
                return earlier if tails else name
        ends = [e for e in self.names if tails and _ends_with(e, name) and len(key) >= 2]
        if len(ends) == 1:
            if re.search(rf"(?<![\w-]){re.escape(name)}\b", self.unread_text, re.IGNORECASE):
                # "features" after "cleaned features", and in a sentence not read: which one?
                raise _Unread(name)
            return ends[0]
        for earlier in self.names:
            if _kind_of(earlier, name):  # "the iot.raw topic", then "iot.raw"
                self._rename(earlier, name)
                return name
            if _kind_of(name, earlier):
                return earlier
        if not _IDENTIFIER_NAME.search(name) and re.search(
            rf"[\w.-] {re.escape(name)}\b", self.unread_text, re.IGNORECASE
        ):
            # "the embeddings" after "768-dim embeddings" in a sentence not read: that node.
            raise _Unread(name)
        self.names.append(name)
        return name

    def _rename(self, old: str, new: str) -> None:
        self.names = [new if name == old else name for name in self.names]
        for line in self.lines:
            for part in line:
                part[:] = [new if name == old else name for name in part]

    def _add(self, ins: list[str], proc: list[str], outs: list[str]) -> None:
        if not proc and not (ins and outs):
            raise _Unread("a line without processor needs inputs and outputs")
        if any(len({name_key(name) for name in part}) < len(part) for part in (ins, outs)):
            raise _Unread("a name twice in one list")  # "a dataset, and dataset -> ..."
        if {name_key(name) for name in ins} & {name_key(name) for name in outs}:
            raise _Unread("a step that gives what it takes")  # "samples frames ... into frames/"
        self.lines.append([ins, proc, outs])
