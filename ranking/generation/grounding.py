"""A step's inputs checked against the one clause of the prompt that names its processor.

The small model wires most steps right but now and then gives a step the
wrong input or only one of two: "An evaluator scores churn_model.json on
the test split and writes metrics.json" came out as `churn_model.json >
evaluator > metrics.json`, and "pyannote diarizer also takes the speech
segments" as `raw transcripts > pyannote diarizer > ...` (the step before's
output). Constraining the decoder cannot help, as a line's inputs are
written before its processor. So a decoded plan is read against the
prompt, as `repeats.tidy_repeats` does, and the card shows the result.

For each processor that heads exactly one line and is named in exactly one
clause of the prompt, and in a clause without another line's processor:

- the clause's inputs are the plan's names found in it before its first
  output word ("into", "producing", "writes", "to", ...; not "trains on",
  whose object is what it learns from), leaving out a name just after
  "from"/"in" (a place: "logs from Kafka"), a name right before "from" (the
  thing fetched), a name in an aside ("(PeopleNet + tracker)"), two names
  side by side (one thing's words), and a name the step already leads to;
  where the clause's subject acts before the step ("the store provides X
  to the job") it gives no inputs;
- such a name the line lacks is added to its inputs;
- where the clause has such a name and no back-reference ("it", "those",
  "the results"), an input the clause does not name (not even by its last
  word: "the transcripts") is dropped;
- another line's processor is no output of this line where the clause
  does not name it.

And a line that writes part of an input list ("A and B are joined by P",
`coordination.groups`) gets the rest of it, as the plan names it, or as
the prompt does where the plan never wrote it (a span the decoder offers).

Nothing else is invented, and a plan the model wrote right is left alone
(tests/test_grounding.py: no synthetic process changes). Arrow chains
("A -> P -> B") have their own semantics and reference templates their own
conventions: both are left as written.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ranking.generation.coordination import INPUTS, ends_with, groups, words_key
from ranking.generation.flowgraph import expand_flow, name_key
from ranking.generation.plan import FLOW, FlowStep, Plan
from ranking.generation.reference_templates import looks_templated
from ranking.generation.verbs import ANY_VERB, WRITE_VERBS, both_forms

_ARROWS = re.compile(r"->|→|=>|\|")
_ASIDE = re.compile(r"\([^()]*\)")
_ARTICLE = re.compile(r"^(?:(?:the|a|an|our|its|their)\s+)?", re.IGNORECASE)
_TIME = re.compile(r"\b(?:at|during) [\w-]+ time\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|;\s*|\n+|:\s+")
_CLAUSE_JOINT = re.compile(
    r",\s*(?:which|and then|then|and|while|where)\s+|\s+(?:and then|while)\s+", re.IGNORECASE
)
# Verbs whose object a step makes or fetches: "writes metrics.json", "pulls X".
_MAKES = both_forms(
    [*WRITE_VERBS, "compute", "render", "raise", "fit", "pull", "fetch", "extract", "upload",
     "download", "draw", "crawl", "pick", "select", "retrieve", "give", "yield", "export",
     "provide", "supply", "deliver"]
)  # fmt: skip
_OUTPUT_WORD = re.compile(
    r"\b(?:into|producing|giving|as|to|onto|"
    + "|".join(sorted(_MAKES, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
_PLACE_BEFORE = re.compile(r"\b(?:from|in|out of|at)\s+(?:(?:the|a|an|our)\s+)?$", re.IGNORECASE)
_FROM_AFTER = re.compile(r"\s+from\b", re.IGNORECASE)
_LEARNS_FROM = re.compile(r"\s+(?:on|over|against)\b", re.IGNORECASE)
# A comma then a new subject and its verb: the name is in the next clause.
_NEW_CLAUSE = re.compile(
    r",\s+(?!and\b)(?:(?:the|a)\s+)?\S+(?:\s+\S+)?\s+(?:is|are|was|were|\w+s)\b", re.IGNORECASE
)
_BACK_REFERENCE = re.compile(
    r"\b(?:it|them|they|those|these|this|that|its|their|each|both|results?|outputs?)\b",
    re.IGNORECASE,
)
# Characters after the name looked at for a new clause ("..., summarizer-v12 produces").
_LOOKAHEAD = 24


def ground_inputs(plan: Plan, prompt: str, is_name=lambda name: True) -> Plan:
    """Return `plan` with each step's inputs as the clause naming its processor says them.

    `is_name(name)` says whether a name is one the decoder could write (a
    span of the prompt): the names of a listed input group must be.
    """
    if plan.family != FLOW or looks_templated(prompt) or _ARROWS.search(prompt):
        return plan
    clauses = _clauses(prompt)
    listed = [group for group in groups(prompt, is_name) if group.role == INPUTS and group.step]
    steps = [
        _complete_list(_ground_step(step, plan.steps, clauses), plan.steps, listed)
        for step in plan.steps
    ]
    return plan if steps == list(plan.steps) else replace(plan, steps=tuple(steps))


def _complete_list(step: FlowStep, steps: tuple[FlowStep, ...], listed) -> FlowStep:
    """Return `step` with the rest of an input list it writes part of ("A and B are joined by P").

    A listed name the plan writes longer ("the transactions" for "kaldi
    transactions") is that name.
    """
    if step.proc is None:
        return step
    written = {words_key(n): n for other in steps for n in (*other.inputs, *other.outputs)}
    have = {words_key(name) for name in (*step.inputs, *step.outputs)}
    inputs = list(step.inputs)
    for group in listed:
        if name_key(group.step) != name_key(step.proc):
            continue
        meant = [
            [key for key in written if ends_with(key, words_key(name))] or [words_key(name)]
            for name in group.names
        ]
        if not any(have & set(keys) for keys in meant):
            continue  # the line writes none of the list: some other reading
        for name, keys in zip(group.names, meant, strict=True):
            if len(keys) == 1 and keys[0] not in have:
                inputs.append(written.get(keys[0], name))
                have.add(keys[0])
    return step if len(inputs) == len(step.inputs) else replace(step, inputs=tuple(inputs))


def _clauses(prompt: str) -> list[str]:
    # "at serving time" names no processor "serving".
    text = _TIME.sub(" ", _ASIDE.sub(_aside, prompt))
    return [
        clause
        for sentence in _SENTENCE_END.split(text)
        for clause in _CLAUSE_JOINT.split(sentence)
        if clause.strip()
    ]


def _aside(match: re.Match) -> str:
    """Return what stands for an aside: a clause break if it says an output, else nothing.

    "a VADER scorer (producing sentiment scores) and a BERTopic model" is two
    clauses; "DeepStream workers (PeopleNet + tracker)" and "clusters (from
    the warehouse) and PDFs" name no input of the step.
    """
    words = match.group()[1:].split()
    first = words[0].lower() if words else ""
    return "; " if _OUTPUT_WORD.fullmatch(first) or first in ("which", "that", "who") else " "


def _find(name: str, text: str) -> list[int]:
    """Return where `name` stands in `text` as whole words, any case and spacing."""
    words = r"\s+".join(re.escape(word) for word in name.split())
    return [m.start() for m in re.finditer(rf"(?<![\w-]){words}(?![\w-])", text, re.IGNORECASE)]


def _ground_step(step: FlowStep, steps: tuple[FlowStep, ...], clauses: list[str]) -> FlowStep:
    if step.proc is None:
        return step
    key = name_key(step.proc)
    procs = [other.proc for other in steps if other.proc]
    if sum(name_key(proc) == key for proc in procs) > 1:
        return step
    mine = [clause for clause in clauses if _find(step.proc, clause)]
    if len(mine) != 1:
        return step
    clause = mine[0]
    if any(_find(proc, clause) for proc in procs if name_key(proc) != key):
        return step
    # "a script that outputs train.parquet, and xgboost trains on it": xgboost
    # is a step of its own, not this one's output, where this clause does not name it.
    others = {name_key(proc) for proc in procs} - {key}
    outputs = tuple(
        name for name in step.outputs if name_key(name) not in others or _find(name, clause)
    )
    if outputs and outputs != step.outputs:
        step = replace(step, outputs=outputs)
    named = _clause_inputs(step, steps, clause)
    if not named:
        return step
    have = [words_key(name) for name in (*step.inputs, *step.outputs)]
    inputs = [*step.inputs, *(name for name in named if not _among(words_key(name), have))]
    if not _BACK_REFERENCE.search(clause):
        kept = {name_key(name) for name in named}
        inputs = [
            name
            for name in inputs
            if name_key(name) in kept or _find(name, clause) or _find(name.split()[-1], clause)
        ]
    if not inputs:
        return step
    return FlowStep(tuple(inputs), step.proc, step.outputs)


def _among(key: str, keys: list[str]) -> bool:
    """Whether a name is one of `keys`, or one is the other's tail ("resulting item vectors")."""
    return any(ends_with(key, other) or ends_with(other, key) for other in keys)


def _clause_inputs(step: FlowStep, steps: tuple[FlowStep, ...], clause: str) -> list[str]:
    """Return the plan's names the clause gives `step` as inputs, in the clause's order."""
    procs = {name_key(other.proc): other.proc for other in steps if other.proc}
    taken = [(at, at + len(proc)) for proc in procs.values() for at in _find(proc, clause)]
    names: dict[str, str] = {}
    for other in steps:
        for name in (*other.inputs, *other.outputs):
            if name_key(name) not in procs:
                names.setdefault(name_key(name), name)
    found = []
    for name in sorted(names.values(), key=len, reverse=True):  # "raw text" is not "text"
        for at in _find(name, clause):
            end = at + len(name)
            if not any(start < end and at < stop for start, stop in taken):
                taken.append((at, end))
                found.append((at, name))
    at_proc = _find(step.proc, clause)[0]
    after_proc = at_proc + len(step.proc)
    outputs = [
        m.start()
        for m in _OUTPUT_WORD.finditer(clause)
        if not any(start <= m.start() < stop for start, stop in taken)
        # "go to the ranker": the word that leads to the step itself.
        and not _ARTICLE.sub("", clause[m.end() :].lstrip()).startswith(clause[at_proc:after_proc])
        # "trains on X", "fits on X": what it learns from comes next.
        and not _LEARNS_FROM.match(clause[m.end() :])
    ]
    first_output = min(outputs, default=len(clause))
    if first_output < at_proc:
        return []  # "the feature store provides a snapshot to the job": the store acts
    downstream = _downstream(steps, step.proc)

    def between(at: int, name: str) -> str:
        # The text from the processor to a little past the name, whichever comes first.
        return clause[min(at, at_proc) : max(at + len(name) + _LOOKAHEAD, at_proc)]

    def alone(at: int, name: str) -> bool:
        # "orders_2019_2024 extract": two names side by side are one thing's words.
        end = at + len(name)
        return not any(
            not clause[end:start].strip() if start >= end else not clause[stop:at].strip()
            for start, stop in taken
            if start >= end or stop <= at
        )

    return [
        name
        for at, name in sorted(found)
        if at < first_output
        and alone(at, name)
        # A lone verb form ("keeps", "scores") is the clause's verb.
        and not (" " not in name and name.lower() in ANY_VERB)
        and name_key(name) not in downstream
        and not _PLACE_BEFORE.search(clause[:at])
        and not _FROM_AFTER.match(clause[at + len(name) :])
        # "CTC scheduler scores the transcripts": "scores" is its verb, not a name.
        and not (not clause[after_proc:at].strip() and name.split()[0].lower() in ANY_VERB)
        and not _NEW_CLAUSE.search(between(at, name))
    ]


def _downstream(steps: tuple[FlowStep, ...], proc: str) -> set[str]:
    """Return the name keys a processor leads to: an input from there would close a loop."""
    nodes = expand_flow(steps)
    start = next(node for node in nodes if name_key(node.word) == name_key(proc))
    seen: set[int] = set()
    todo = [start.id]
    while todo:
        for target in nodes[todo.pop()].targets:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return {name_key(nodes[i].word) for i in seen}
