"""What a phrase of free English cannot be in a flowchart plan.

The constrained decoder offers every span of the prompt as a node name
(`constrain.prompt_spans`). Read free English, the small model sometimes
takes a verb for a thing ("keyframes are pre-annotated by ..." gave a node
"pre-annotated"; "HiFi-GAN vocodes those" a processor "HiFi-GAN vocodes")
and draws the store an arrow chain ends in as a processor with no output
("... -> chunk vectors -> pgvector"). These rules, read from the words
around a span, take such choices away; the model's next choice stands.

- `is_name_span`: a span is not a name when it holds a form of "be"/"get",
  starts with a participle right after one ("is materialised"), ends right
  before a determiner (its last word is then a verb or a preposition:
  "ALS factorizes the ..."), holds one after its first word ("hands an
  audio buffer"), ends in or holds a word that joins a step to its agent
  or tool ("pre-labeled by SAM 2", "dedupe with"), is a lone verb before
  "with" ("dedupe with MinHashDedup"), holds a verb after its first word
  ("Presidio scrubs", "SearchSvc looks up"; `verbs.VERBS_ONLY`), ends in a verb that is also a
  plural noun where an object follows ("Prophet forecasts daily sales"),
  or is a lone pronoun, time word or number.
- `data_only`: the last item of an arrow chain, and items joined by " + "
  before an arrow, are what a chain carries or lands in, never a processor
  (docs/plan-language.md: `Documents → Chunk → Embed → Store` ends in
  `Embed > - > Store`).
- `put_only`: a store that data is only ever put into ("pushed to
  DynamoDB", "uploaded to an S3 bucket") is never a processor either.
"""

from __future__ import annotations

import re

from ranking.generation.flowgraph import name_key
from ranking.generation.verbs import ANY_VERB, BASE_VERBS, NOUN_LIKE, VERBS_ONLY

BE = frozenset("is are was were be been being".split())
# "gets excuted by" is passive, "to get labelled clusters" is not: after a
# form of "get" only a lone participle is refused.
GET = frozenset("get gets got gotten getting".split())
AUXILIARIES = BE | GET
# Participles that do not end in "-ed" and that pipelines use.
IRREGULAR_PARTICIPLES = frozenset(
    "split sent built written run fed read kept made taken given shown held cut put set "
    "broken chosen drawn known seen spun bound found sold told brought caught left lost "
    "spent pulled thrown rewritten overwritten undertaken".split()
)
# A word right after a name's last word that shows the last word is a verb
# ("pyannote segments the audio") or a preposition ("into the table").
DETERMINERS = frozenset("the a an those these this them its their our my your every".split())
# Words after a plural noun that keep it a noun: "forecasts of", "scores are".
NOUN_FOLLOWERS = frozenset(
    "of from to into for and or but are were is was be with in on at by per as than via "
    "that which who where when go goes get gets come comes become becomes hit hits "
    "out back through plus over off together respectively then also only too while before "
    "after during under against within like along alongside end ends land lands".split()
)
# "every night", "each morning", "every 15 minutes": when a step runs, which
# ends the name before it as a full stop would.
_TIME_WORDS = frozenset(
    "night morning evening day hour minute week month year weekend quarter deploy run release "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_TOOL_WORDS = frozenset("with using via".split())
# Words that join a step to its agent, tool or output: never inside a name.
_JOINS_STEP = _TOOL_WORDS | {"by", "into"}
# ... nor at a name's end, nor is any preposition: "embedded by", "dedupe with".
_ENDS_NO_NAME = _JOINS_STEP | frozenset("to from of for on in at and or as than".split())
# Words that stand for a name or a time, never one themselves: the model
# writes the name a pronoun stands for (docs/plan-language.md).
_POSSESSIVES = frozenset("our my your their its".split())
NOT_NAMES = frozenset(
    "it they them this that these those which who what then also first next finally later "
    "both each all everything anything something nothing here there "
    "nightly hourly daily weekly monthly yearly "
    "now today tonight later seconds minutes hours days weeks months years".split()
)
ARROW_RE = re.compile(r"\s*(?:-{1,2}>|=>|→|⟶|⇒)\s*")
# Where the text after a chain's last arrow stops being its item.
ITEM_END_RE = re.compile(
    r"[,;:!?()\[\]]|\.(?:\s|$)"
    r"|\s(?:and|then|which|that|where|who|before|after|until|every|for|with|via|in|on|at)\s",
    re.IGNORECASE,
)
PLUS_RE = re.compile(r"\s\+\s")


ADVERBS = frozenset("daily nightly hourly weekly monthly".split())
# Words a name ends in ("chat logs export", "DeepFM model", "ReadStation
# annotation tool"): where a prompt only ever says the longer name, the
# shorter one is not the user's (`constrain._cut_short`). Verbs after a name
# ("a LoRA trainer fine-tunes ...") are never in here.
NAME_HEADS = frozenset(
    "model models table tables tool tools bucket buckets export exports split splits job jobs "
    "service services pipeline set sets dataset datasets db database file files fleet store "
    "index registry warehouse lake topic queue mart collection folder sheet cache repo api "
    "endpoint server worker script notebook dag checkpoint adapter embeddings features "
    "labels logs data report reports dashboard classifier encoder decoder detector tokenizer "
    "retriever reranker ranker trainer crawler parser stream archive engine list matrix "
    "vectors corpus shards tarballs records events dump snapshot summary summaries stats "
    "metrics alerts predictions forecast forecasts scores annotations transcripts".split()
)


def continues_name(word: str) -> bool:
    """Whether a word after a name makes a longer name: a head noun, or name-like ("SFTP", "v2").

    Not a plural that may be a verb ("a churn operator *labels* sessions").
    """
    if word.lower() in NOUN_LIKE:
        return False
    return word.lower() in NAME_HEADS or bool(re.search(r"[A-Z0-9_.]", word[1:] or word))


def opens_time(words: list[str]) -> bool:
    """Return whether the words start "every night", "each day", "every 15 minutes", "once a day".

    `words` are the next two words of the sentence (one, where it ends):
    a lone "daily" at a sentence's end counts too ("... and metrics daily.").
    """
    if len(words) == 1:
        return words[0].lower() in ADVERBS
    first, second = (word.lower() for word in words[:2])
    if first in ("once", "twice") and second == "a":
        return True  # "once a day", "twice a week"
    return first in ("every", "each") and (second in _TIME_WORDS or second.isdigit())


def _participle(word: str) -> bool:
    word = word.lower()
    return word.endswith("ed") or word in IRREGULAR_PARTICIPLES


def is_name_span(words: list[str], before: str | None, after: str | None) -> bool:
    """Return whether a run of prompt `words` may be a node name.

    `before` and `after` are the words joined to the run in the prompt
    (same sentence, one space apart), or None.
    """
    lowered = [word.lower() for word in words]
    if any(word in AUXILIARIES for word in lowered):
        return False
    if len(lowered) == 1 and (lowered[0] in NOT_NAMES or lowered[0].replace(".", "").isdigit()):
        return False  # "it", "nightly", "300" (a count: "samples 300 questions")
    # An article inside a run joins a verb to its object ("hands an audio buffer").
    if any(word in DETERMINERS for word in lowered[1:]):
        return False
    if before is not None and _participle(lowered[0]):
        if before.lower() in BE or (before.lower() in GET and len(lowered) == 1):
            return False
    # "dedupe with MinHashDedup": the step's verb; the name is what does it.
    if len(lowered) == 1 and lowered[0] in BASE_VERBS and (after or "").lower() in _TOOL_WORDS:
        return False
    # "pre-labeled by SAM 2", "embedded by": a step joined to what does it.
    if any(word in _JOINS_STEP for word in lowered[1:-1]) or lowered[-1] in _ENDS_NO_NAME:
        return False
    # "Our LayoutLMv3 extractor": the user's "our" is no part of the name.
    if lowered[0] in _POSSESSIVES:
        return False
    # "At query time", "during serving time": when a step runs, not a thing.
    if lowered[-1] == "time" and (before or "").lower() in ("at", "during"):
        return False
    # "Presidio scrubs", "SearchSvc looks up": a name and the verb it does.
    if any(word in VERBS_ONLY for word in lowered[1:]):
        return False
    # "Prophet forecasts daily sales": a verb, where an object follows it.
    if len(lowered) > 1 and lowered[-1] in NOUN_LIKE and after is not None:
        follower = after.lower()
        if not (follower in NOUN_FOLLOWERS or follower in ANY_VERB or _participle(follower)):
            return False
    return not (after is not None and after.lower() in DETERMINERS)


def _chain_items(line: str) -> tuple[list[str], list[str]]:
    """Return an arrow line's last item and the items joined by " + " before an arrow."""
    segments = ARROW_RE.split(line)
    if len(segments) < 2:
        return [], []
    last = ITEM_END_RE.split(segments[-1], maxsplit=1)[0].strip()
    joined = [
        part.strip()
        for segment in segments[:-1]
        if PLUS_RE.search(segment)
        for part in PLUS_RE.split(segment)
    ]
    return [last] if last else [], joined


def data_only(prompt: str) -> frozenset[str]:
    """Return the name keys that this prompt never lets be a processor.

    An item counts only where every mention of it in the prompt is at a
    chain's end or beside a " + ": "Qdrant collection" that ends one chain
    and sits inside another stays free.
    """
    ends: list[str] = []
    for line in prompt.splitlines():
        last, joined = _chain_items(line)
        ends += last + joined
    keys = set()
    lowered = prompt.lower()
    for item in ends:
        words = item.split()
        # "the Postgres warehouse" is written "Postgres warehouse": any word suffix counts.
        for start in range(len(words)):
            suffix = " ".join(words[start:])
            key = name_key(suffix)
            if key and lowered.count(suffix.lower()) <= ends.count(item):
                keys.add(key)
    return frozenset(keys)


# "pushed to DynamoDB", "uploaded to an S3 bucket": where data is put, not who acts.
_PUT_TO = re.compile(
    r"\b(?:pushed|uploaded|written|sent|stored|saved|loaded|published|exported|archived|posted"
    r"|streamed|synced|copied|dumped|landed|persisted|upserted|go|goes|lands?)"
    r"(?: back| nightly| daily| hourly)? (?:in)?to (?:both )?(?:the |an? |our )?",
    re.IGNORECASE,
)
# What a place to put data is called; the training data also sends data to
# steps ("loaded into an anomaly deduplicator"), so only these names count.
_STORE_HEAD = re.compile(
    r"\b(?:bucket|table|db|database|store|index|registry|warehouse|lake|lakehouse|topic|queue"
    r"|mart|collection|folder|sheet|cache|sink|dataset|repo|repository|drive|share)s?$",
    re.IGNORECASE,
)
STORE_PRODUCTS = frozenset(
    "dynamodb pgvector bigquery snowflake redshift s3 gcs postgres postgresql mysql redis "
    "elasticsearch opensearch pinecone qdrant weaviate milvus chroma mongodb cassandra "
    "clickhouse hdfs adls sqlite duckdb supabase firestore bigtable".split()
)
_PUT_TO_END = re.compile(_PUT_TO.pattern + "$", re.IGNORECASE)
# What shows the place acts after all: "..., which triggers ...", "Label Studio outputs".
_ACTS_AFTER = re.compile(r"^\s*(?:[,(]\s*)?(?:which|that|where|who)\b|^\s+[a-z]+s\b(?! and\b)")
_WORD = r"[A-Za-z0-9](?:[\w-]|\.(?=\w))*"
_NAME_RUN = re.compile(rf"{_WORD}(?: {_WORD}){{0,4}}")


def put_only(prompt: str, is_name=lambda name: True) -> frozenset[str]:
    """Return the name keys the prompt only ever puts data into, never lets act.

    Such a place is a plan's data node (`X > - > DynamoDB`), not a processor
    with no output (`X > DynamoDB > -`), which the small model writes. A name
    counts only where every mention of it follows "pushed to", "uploaded
    to" ... and no mention is followed by "which" or a verb of its own.
    """
    keys: set[str] = set()
    for match in _PUT_TO.finditer(prompt):
        run = _NAME_RUN.match(prompt, match.end())
        if run is None:
            continue
        words = run.group().split()
        # The longest run of words that is a name ("MLflow registry, which ...").
        for end in range(len(words), 0, -1):
            name = " ".join(words[:end])
            if is_name(name):
                break
        else:
            continue
        mentions = list(re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", prompt, re.I))
        put = [m for m in mentions if _PUT_TO_END.search(prompt[: m.start()])]
        after_each = [prompt[m.end() : m.end() + 30] for m in mentions]
        if len(put) == len(mentions) and not any(_ACTS_AFTER.match(a) for a in after_each):
            if _STORE_HEAD.search(name) or name.lower() in STORE_PRODUCTS:
                keys.add(name_key(name))
    return frozenset(keys)
