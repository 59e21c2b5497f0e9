"""Verbs of pipeline steps, shared by the process reader and the name rules.

`flow_reader` reads "Fivetran copies ... into ..." with them; `prose_names`
refuses a name that holds one used as a verb ("Prophet forecasts daily
sales into ..." names "Prophet", not "Prophet forecasts").
"""

from __future__ import annotations

# Verbs of a step done by a named processor ("Fivetran copies ...").
STEP_VERBS = (
    "aggregate annotate augment caption chunk classify clean cluster combine "
    "compress compute convert copy crop decode deduplicate detect distill embed encode enrich "
    "export extract featurize fetch filter generate index ingest join label load merge "
    "normalise normalize pack parse preprocess process pull quantize rank rerank resize "
    "rewrite sample score segment shard split summarise summarize tag tokenise tokenize "
    "transcribe transform translate turn vectorise vectorize answer retrieve dedupe validate "
    "evaluate compare resample align diarize diarise redact anonymize anonymise sessionize build "
    "sync dump reproject fit promote reorder materialize materialise dedup group keep"
).split()
# Verbs of a processor that takes something and gives nothing named.
READ_VERBS = "read consume query use serve display visualise visualize monitor watch take".split()
# Verbs of writing a step's output somewhere.
WRITE_VERBS = (
    "write send push output produce emit post publish store save upsert predict return "
    "generate create build train make spit learn pick select"
).split()


def third_person(verb: str) -> str:
    """Return "embeds" for "embed", "classifies" for "classify", "pushes" for "push"."""
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        return verb + "es"
    return verb + "s"


def both_forms(verbs: list[str]) -> frozenset[str]:
    """Return each verb and its third-person form."""
    return frozenset(form for verb in verbs for form in (verb, third_person(verb)))


# More verbs a processor does, only as names' ends: "SearchSvc looks up ...".
_MORE_VERBS = (
    "look scrub forecast grade hit feed draw crawl format fuse invoke "
    "replicate deploy retrain finetune reindex approve append download stream route call "
    "archive upload review log ship land mirror"
).split()
# Third-person forms that are also common plural nouns ("risk scores",
# "model outputs", "daily forecasts"): a verb only where an object follows.
NOUN_LIKE = frozenset(
    "scores labels tags samples splits outputs returns ranks chunks clusters segments joins "
    "builds loads queries filters indexes forecasts answers reads writes posts stores uses "
    "exports aggregates shards crops displays watches trains makes takes turns copies merges "
    "records processes captions fits picks hits feeds draws grades pulls pushes streams routes "
    "calls archives uploads reviews logs ships lands mirrors dumps groups".split()
)
# Third-person forms that are verbs wherever they stand after a name.
VERBS_ONLY = (
    frozenset(third_person(verb) for verb in [*STEP_VERBS, *READ_VERBS, *WRITE_VERBS, *_MORE_VERBS])
    - NOUN_LIKE
)
# Every verb above, as written after "to" ("dedupe with MinHashDedup"), and in every form.
BASE_VERBS = frozenset([*STEP_VERBS, *READ_VERBS, *WRITE_VERBS, *_MORE_VERBS])
ANY_VERB = both_forms(list(BASE_VERBS))
