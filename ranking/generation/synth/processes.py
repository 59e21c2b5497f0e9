"""ML and data processes in free English, with plans that name each thing as the user did.

A process is a chain of steps (data -> processor -> data ...), sometimes
with a store the first data comes from ("logs from Kafka"), a second input
joined in ("enriched with merchant data from Postgres"), a branch that
reads an intermediate result, a consumer at the end ("which a Looker
dashboard reads"), or only actions ("Chunk → Embed → Store"). The plan
writes every thing by the name it was first given, exactly as the prompt
spells it: pronouns, "the table" and "those embeddings" become that name.
Phrasings are data below, each list picked uniformly; the weights of the
frames are explicit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ranking.generation.flowgraph import name_key
from ranking.generation.plan import FlowStep, Plan
from ranking.generation.prose_names import put_only
from ranking.generation.synth import process_context
from ranking.generation.synth.common import Example, and_list, finish, typo
from ranking.generation.synth.names import action_name, data_name, proc_name, store_name

# How the whole process is written, with weights.
FRAMES = {"arrows": 3, "bullets": 3, "prose": 4}
MAX_NAME = 40  # plan.ITEM_RE
ARROWS = (" -> ", " → ", " => ", " --> ", " -> ", " → ")
# Of processes drawn as arrows that are no single chain, the share written
# as one chain per step ("A + B -> P -> C"); the rest are bullets or prose.
ARROW_LINES = 0.6
# What people put in brackets after a step: no part of its name.
REMARKS = ("nightly", "batch", "v2", "LoRA, r=16", "dedupe + SCD2", "~5 min", "GPU", "k=10",
           "runs hourly", "in prod", "Python", "see ticket", "optional", "async",
           "Spark 3.5")  # fmt: skip

HEADS = (
    "", "", "", "Draw this pipeline:", "Can you sketch our {what}?", "pls diagram this:",
    "Our {what}:", "Here is our {what}.", "Diagram of the {what}:",
    "I need a flowchart of our {what}.", "can you draw my {what}", "Flowchart:", "Pipeline:",
    "{What}:", "Please draw how our {what} works.",
    "hey, could you draw this {what}?", "## {What}", "Architecture of the {what}:",
    "Draw a diagram for my homework: the {what} is as follows.", "Quick sketch of the {what} pls:",
    "DS-{n} wire up the {what}\nAC:", "{What} v2 spec", "RFC: new {what}\n## Design",
    "here's how the {what} works right now:", "context for the design review ({what}):",
)  # fmt: skip
# Stage names people put before a step ("retrieval: two-tower model pulls ..."):
# our words, never part of the plan.
STAGES = ("ingest", "retrieval", "ranking", "training", "serving", "eval", "prep", "indexing",
          "scoring", "export", "monitoring", "cleanup", "features", "inference")  # fmt: skip
WHATS = (
    "pipeline", "nightly job", "ETL pipeline", "RAG pipeline", "training pipeline", "ML pipeline",
    "data flow", "fraud pipeline", "recommendation system", "MLOps setup", "workflow",
    "speech pipeline", "search stack", "ingestion job", "batch scoring job", "serving path",
)  # fmt: skip

# Step sentences by the parts a step has. {a} inputs, {p} processor, {b} outputs;
# {is} agrees with the inputs ("is"/"are").
FULL = (
    "{p} turns {a} into {b}", "{a} {is} parsed by {p} into {b}", "{p} reads {a} and writes {b}",
    "{a} {goes} into {p}, which outputs {b}", "{p} takes {a} and produces {b}",
    "use {p} to turn {a} into {b}", "{a} {is} converted by {p} into {b}",
    "{b} {is_b} produced from {a} by {p}", "{p} ({a} in, {b} out)", "{p}: {a} in, {b} out",
    "feed {a} to {p} to get {b}", "{p} consumes {a} and emits {b}", "run {p} on {a} to get {b}",
    "{a} {is} fed into {p} to produce {b}", "{p} transforms {a} into {b}",
    "{a} {is} transformed by {p} into {b}", "{p} maps {a} to {b}", "{p} computes {b} from {a}",
    "{a} {is} processed by {p}, giving {b}", "{p} loads {a} and outputs {b}",
    "{a} {is} embedded by {p} into {b}", "{p} converts {a} to {b}", "{a} -> {p} -> {b}",
    "{p} writes {b} from {a}", "with {p}, {a} {becomes} {b}", "{p} extracts {b} from {a}",
    "{a} {is} sent to {p}, which returns {b}", "{p} scores {a} and writes {b}",
    "{p} loads {b} from {a}", "{p} pulls {b} from {a}", "{p} fetches {b} from {a}",
    "{b} {is_b} read from {a} by {p}",
    # Stage 8: the shapes of the judged sets 17 and 18.
    "{p} uses {a} to build {b}", "{p} builds {b} off {a}", "{p} learns {b} from {a}",
    "{p} is trained on {a} to produce {b}", "{p} is fit on {a} and writes {b}",
    "{a} {is} aligned with {p}, producing {b}", "{p} runs over {a} and writes {b}",
    "{a} {goes} through {p} to get {b}", "{p} groups {a} into {b}",
    "we run {a} through {p} to get {b}", "we use {p} to turn {a} into {b}",
    "we generate {b} from {a} with {p}", "{p} takes {a} and spits out {b}",
    "{a} {is} scored by {p}, which writes {b}", "{p} trains on {a} and outputs {b}",
    "{p} loads {a}. It outputs {b}", "{p} reads {a}; it writes {b}",
)  # fmt: skip
# A step with two outputs; {b} is "X and Y".
SPLIT = (
    "{p} splits {a} into {b}", "{p} reads {a} and writes two things: {b}",
    "{p} takes {a} and spits out two things: {b}",
    "{a} {is} split by {p} into {b}", "{p} reads {a} and outputs both {b}",
    "{p} turns {a} into {b}", "from {a}, {p} produces {b}",
)  # fmt: skip
# A result that takes the place of an earlier step ("deployed back as the next
# FraudScorer version"): an edge from the data to that step's node.
LOOP = (
    "{a} {is} deployed back as {p}", "{a} replaces {p} for the next round",
    "{a} {is} swapped in as the new {p}", "{a} {goes} back into {p}",
    "{a} {becomes} the next {p}", "and {a} {is} promoted to {p}",
)  # fmt: skip
# One input into two processors at once ("scored twice: A writes X and B writes Y");
# {a2} is the input again, as a pronoun; {p1x} the first processor named again.
FANOUT = (
    "{a} {is} processed twice: {p1} writes {b1} and {p2} writes {b2}",
    "{p1} turns {a} into {b1}, while {p2} turns {a2} into {b2}",
    "{a} {goes} to both {p1} and {p2}; {p1x} produces {b1} and {p2} produces {b2}",
    "{a} {is} sent to {p1} (which outputs {b1}) and to {p2} (which outputs {b2})",
    "{a} {is} fed into {p1} and {p2} in parallel, giving {b1} and {b2} respectively",
    "{p1} reads {a} and writes {b1}; {p2} also reads {a2} and writes {b2}",
    "{a} {is} used by two things: {p1}, which writes {b1}, and a separate {p2} that writes {b2}",
    "{a} {is} read by both {p1} (which writes {b1}) and {p2} (which emits {b2})",
)  # fmt: skip
# Two earlier outputs merged: {a1}, {a2} already named.
REMERGE = (
    "{p} merges {a1} and {a2} into {b}", "{p} combines {a1} and {a2} into {b}",
    "{a1} and {a2} are joined by {p} into {b}", "both go into {p}, which writes {b}",
    "{p} takes both and outputs {b}",
)  # fmt: skip
MERGE = (
    "{a1} and {a2} are joined by {p} into {b}", "{p} combines {a1} with {a2} into {b}",
    "{p} enriches {a1} with {a2} and writes {b}", "{a1} {is1} enriched by {p} with {a2} into {b}",
    "{p} merges {a1} and {a2} into {b}", "{p} joins {a1} with {a2} to produce {b}",
    "{p} reads {a1} and {a2} and outputs {b}", "{a1} and {a2} go into {p}, which outputs {b}",
    "{p} is trained on {a1} plus {a2} to produce {b}", "{p} takes {a1} and {a2} and emits {b}",
    "{p} combines {a1} with {a2} to output {b}", "{p} compares {a1} against {a2} and emits {b}",
    "{a1} {is1} aligned to {a2} with {p}, producing {b}",
    "{p} trains off {a1} + {a2} and writes {b}",
    "{p} runs {a1} on {a2}, outputting {b}", "{p} scores {a1} on {a2} and reports {b}",
    "{p} learns {b} from {a1} and {a2}", "{p} uses {a1} and {a2} to build {b}",
    "{p} fits {b} on {a1} together with {a2}", "{p} takes {a1} along with {a2} and writes {b}",
    # Stage 10: "+" between inputs, as set 21 wrote them.
    "{a1} + {a2} go into {p}, giving {b}", "{a1} + {a2} -> {p} -> {b}",
    "{p} takes {a1} + {a2} and outputs {b}",
)  # fmt: skip
SINK = (
    "{p} reads {a}", "{a} {is} loaded into {p}", "{a} {is} sent to {p}", "{p} consumes {a}",
    "finally {a} {goes} to {p}", "{a} {is} shown in {p}", "{p} visualises {a}",
    "{a} {is} served by {p}", "{p} is trained on {a}", "{a} {is} indexed by {p}",
)  # fmt: skip
SOURCE = (
    "{p} produces {b}", "{p} generates {b}", "{b} {is_b} produced by {p}", "{p} emits {b}",
    "{b} {comes} from {p}", "start with {p}, which writes {b}", "{p} exports {b}",
)  # fmt: skip
CONVERT = (
    "{a} {is} converted into {b}", "{a} {becomes} {b}", "{a} {is} stored in {b}",
    "{a} {is} written to {b}", "save {a} to {b}", "{a} {is} loaded into {b}",
    "turn {a} into {b}", "{a} {is} turned into {b}", "{a} {goes} to {b}", "{a} -> {b}",
    "{a} {is} uploaded to {b}", "{a} {is} copied into {b}",
    "{a} {lands} in {b}", "{a} {ends} up in {b}", "{a} {is} pushed to {b}",
    "{a} {is} dumped into {b}", "{a} {is} logged to {b}", "{a} {is} indexed in {b}",
    "{a} {is} emailed to {b}", "{a} {is} saved as {b}",
)  # fmt: skip
# A step whose input is the previous step's output, said as a relative clause.
WHICH_FULL = ("which {p} turns into {b}", "which {p} reads to produce {b}",
              "which {is} then fed to {p} to get {b}", "which {p} transforms into {b}")  # fmt: skip
WHICH_SINK = ("which {p} reads", "which {is} loaded into {p}", "which {p} consumes",
              "which {is} shown in {p}", "which {is} indexed by {p}")  # fmt: skip
WHICH_CONVERT = ("which {is} stored in {b}", "which {is} written to {b}",
                 "which {is} then converted into {b}", "which {is} saved to {b}")  # fmt: skip
# Pronouns that read right as subject and as object.
PRONOUNS = {False: ("it", "the result", "the output", "that"), True: ("these", "those")}
ORIGINS = ("{x} from {s}", "{x} in {s}", "{x} stored in {s}", "{x} pulled from {s}",
           "{x} (from {s})", "{x} (loaded from {s})", "{x} out of {s}")  # fmt: skip
THEN = ("then ", "next, ", "after that, ", "", "", "")
JOINERS = (". Then ", "; ", ", then ", ". ", ". Next, ", ", and ", ". After that, ")


@dataclass
class Thing:
    """A node: its name as written and the words used for it after the first mention."""

    name: str
    plural: bool = False
    origin: str | None = None  # a store it comes from ("logs from Kafka")
    mentioned: bool = False
    kind: str = "data"  # "data", "proc" or "store": what made the name
    role: str = ""  # what kind of step it is, said once beside its name ("a rules engine")


@dataclass
class Step:
    inputs: list[Thing] = field(default_factory=list)
    proc: Thing | None = None
    outputs: list[Thing] = field(default_factory=list)
    # "transactions are enriched by a Flink job": the output ("enriched
    # transactions") is named only by the next step.
    derived: str = ""
    # The second processor reading the same input as the step before it.
    sibling: bool = False
    # Data that takes an earlier step's place: its only output is that processor.
    loop: bool = False


# Participle -> verb, for outputs named after what a step did to its input.
DERIVED = {
    "enriched": "enriches", "cleaned": "cleans", "parsed": "parses", "scored": "scores",
    "filtered": "filters", "deduplicated": "deduplicates", "normalized": "normalizes",
    "tokenized": "tokenizes", "labelled": "labels", "aggregated": "aggregates",
    "validated": "validates", "transcribed": "transcribes", "resized": "resizes",
}  # fmt: skip
DERIVED_FORMS = ("{a} {is} {done} by {p}", "{p} {does} {a}", "{a} {is} {done} by {p} first",
                 "{a} {is} {done} using {p}")  # fmt: skip
DERIVED_MERGE = ("{a1} {is1} {done} by {p} with {a2}", "{p} {does} {a1} with {a2}")


def _thing(rng: random.Random, make, used: set[str] | None = None) -> Thing:
    """Return a new thing named by `make(rng)`, short enough for a plan item.

    `used` holds the names and last words of the things so far: a new name
    must not be one of them, or "the table" would not say which table.
    """
    name = make(rng)
    taken = used if used is not None else set()
    while len(name) > MAX_NAME or _words(name) & taken:
        name = make(rng)
    if rng.random() < 0.03:
        name = typo(rng, name)  # a misspelt name is still the user's name
    taken |= _words(name)
    last = name.split()[-1]
    kind = "proc" if make is proc_name else "store" if make is store_name else "data"
    return Thing(name, plural=last.endswith("s") and not last.endswith("ss"), kind=kind)


def _words(name: str) -> set[str]:
    """Return the keys a name can be referred to by: the whole name and its last word."""
    return {name_key(name), name_key(name.split()[-1])}


def _chain(rng: random.Random) -> list[Step]:
    """Return a process: a main chain with optional origin, merges, branches and sink."""
    n = rng.choices((1, 2, 3, 4, 5, 6), weights=(2, 6, 8, 6, 3, 1))[0]
    used: set[str] = set()
    data = _thing(rng, data_name, used)
    if rng.random() < 0.3:
        data.origin = _thing(rng, store_name, used).name
    steps: list[Step] = []
    produced: list[Thing] = [data]
    later: list[Step] = []  # what happens to a step's second output, said at the end
    for i in range(n):
        roll = rng.random()
        if roll < 0.12 and i > 0:
            # "... stored in a feature store": data to data, no processor
            out = _thing(rng, store_name if rng.random() < 0.6 else data_name, used)
            steps.append(Step([data], None, [out]))
        else:
            inputs = [data]
            if rng.random() < 0.22:
                extra = _thing(rng, data_name, used)
                if rng.random() < 0.5:
                    extra.origin = _thing(rng, store_name, used).name
                inputs.append(extra)
            derived = rng.choice(list(DERIVED)) if i < n - 1 and rng.random() < 0.15 else ""
            if derived and name_key(f"{derived} {data.name.split()[-1]}") == name_key(data.name):
                derived = ""  # "filtered data" filtered again is no new name: a self-loop
            if derived and DERIVED[derived] == data.name.split()[-1].lower():
                derived = ""  # "the TF-IDF labels the labels"
            if derived:
                out = Thing(f"{derived} {data.name.split()[-1]}", plural=data.plural)
            else:
                out = _thing(rng, data_name, used)
            step = Step(inputs, _thing(rng, proc_name, used), [out], derived)
            steps.append(step)
            if not derived and rng.random() < 0.15:
                # Two outputs: the chain goes on from one, the other has its own end.
                other = _thing(rng, data_name, used)
                step.outputs.append(other)
                end = _second_end(rng, other, used)
                (steps if rng.random() < 0.5 else later).append(end)
                produced.append(other)
        data = out
        produced.append(out)
    last = steps[-1]
    main = last.proc and last.outputs and last.outputs[0] is data  # not a second output's end
    if rng.random() < 0.2 and main and len(last.inputs) == 1 and not last.derived:
        # "completions are scored twice": the same input, a second processor and output.
        proc = _thing(rng, proc_name, used)
        twin = Step(last.inputs, proc, [_thing(rng, data_name, used)], sibling=True)
        steps.append(twin)
        produced.append(twin.outputs[0])
        if rng.random() < 0.5:  # "the aggregator merges em_scores and judge_scores"
            data = _thing(rng, data_name, used)
            steps.append(
                Step([last.outputs[0], twin.outputs[0]], _thing(rng, proc_name, used), [data])
            )
            produced.append(data)
    steps += later
    procs = [s.proc for s in steps if s.proc]
    if rng.random() < 0.3:  # "which a Looker dashboard reads"
        # Sometimes back to an earlier processor: "alerts go back to the training job".
        reuse = procs and rng.random() < 0.15
        steps.append(Step([data], rng.choice(procs) if reuse else _thing(rng, proc_name, used), []))
    # A step said in a "to both A and B" sentence is a listed place, not a loop's end.
    alone = [
        s.proc for i, s in enumerate(steps) if s.proc and not s.sibling and not _has_twin(steps, i)
    ]
    if alone and rng.random() < 0.08 and main:  # the chain ends in a processor's output
        # "the new model is deployed back as the next FraudScorer version"
        steps.append(Step([data], rng.choice(alone), [], loop=True))
    if rng.random() < 0.25 and len(produced) > 1:  # a branch off an earlier result
        source = rng.choice(produced[:-1])
        outs = [_thing(rng, data_name, used)] if rng.random() < 0.6 else []
        reuse = procs and rng.random() < 0.2  # the same tool used twice is one node
        proc = rng.choice(procs) if reuse else _thing(rng, proc_name, used)
        steps.append(Step([source], proc, outs))
    return steps


def _second_end(rng: random.Random, thing: Thing, used: set[str]) -> Step:
    """Return where a step's second output goes: a store, a consumer, or one more step."""
    roll = rng.random()
    if roll < 0.45:
        return Step([thing], None, [_thing(rng, store_name, used)])
    if roll < 0.75:
        return Step([thing], _thing(rng, proc_name, used), [])
    return Step([thing], _thing(rng, proc_name, used), [_thing(rng, data_name, used)])


def _actions(rng: random.Random) -> list[str]:
    """Return 3-7 distinct action names ("Chunk", "Embed", "Store in Vector DB")."""
    names: list[str] = []
    count = rng.randint(3, 7)
    while len(names) < count:
        name = action_name(rng) if rng.random() < 0.7 else _thing(rng, proc_name).name
        if name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


def _plan_lines(steps: list[Step]) -> list[FlowStep]:
    lines = []
    drawn: set[int] = set()  # a thing's origin is drawn once
    for step in steps:
        for thing in step.inputs:
            if thing.origin and id(thing) not in drawn:
                lines.append(FlowStep((thing.origin,), None, (thing.name,)))
                drawn.add(id(thing))
        if step.loop:
            lines.append(FlowStep((step.inputs[0].name,), None, (step.proc.name,)))
            continue
        lines.append(
            FlowStep(
                tuple(t.name for t in step.inputs),
                step.proc.name if step.proc else None,
                tuple(t.name for t in step.outputs),
            )
        )
    return lines


def _article(rng: random.Random, name: str) -> str:
    roll = rng.random()
    if roll < 0.55:
        return name
    if roll < 0.85:
        return "the " + name
    return ("an " if name[0].lower() in "aeiou" else "a ") + name


def _mention(rng: random.Random, thing: Thing, others: list[Thing]) -> str:
    """Return how the text names a thing: in full the first time, maybe shorter later."""
    if not thing.mentioned:
        thing.mentioned = True
        text = _article(rng, thing.name) if not thing.plural else thing.name
        if thing.origin:
            text = rng.choice(ORIGINS).format(x=text, s=_article(rng, thing.origin))
        elif thing.kind == "data" and rng.random() < 0.08:
            text += f" ({rng.choice(process_context.NOTES)})"
        elif thing.kind == "proc" and rng.random() < 0.08:
            # "a rules engine (ClaimRules 3.1) validates ...": the plan keeps the name.
            thing.role = rng.choice(process_context.ROLES_OF_STEPS)
            text = rng.choice(process_context.APPOSITIONS).format(role=thing.role, name=thing.name)
        return text
    words = thing.name.split()
    head = words[-1]
    unique = all(o is thing or o.name.split()[-1].lower() != head.lower() for o in others)
    if thing.kind == "proc" and thing.role:
        return thing.name  # said with its role once; named alone after
    if len(words) > 1 and unique and thing.kind == "proc" and rng.random() < 0.15:
        return "the same " + head  # "embedded by the same model"
    if len(words) > 1 and unique and rng.random() < 0.35:
        # "the table" for "Parquet table"; the plan keeps the full name.
        return rng.choice(("those ", "these ", "the ")) + head if thing.plural else "the " + head
    return ("the " if rng.random() < 0.5 else "") + thing.name


def _verb(thing_list: list[Thing], singular: str, plural: str) -> str:
    many = len(thing_list) > 1 or (thing_list and thing_list[0].plural)
    return plural if many else singular


def _plain(p: str) -> str:
    """Return a processor's mention without its role in brackets ("X (a bandit)" -> "X")."""
    if not p.endswith(")") or " (" not in p:
        return p
    head, inner = p[:-1].split(" (", 1)
    return head if inner.startswith("a ") else inner


def _fill(form: str, a: str, p: str, b: str, ins: list[Thing], outs: list[Thing]) -> str:
    return form.format(
        a=a,
        # Brackets in brackets read as one aside: "P (a bandit) (X in, Y out)".
        p=_plain(p) if "(" in form else p,
        b=b,
        **{
            "is": _verb(ins, "is", "are"),
            "is_b": _verb(outs, "is", "are"),
            "goes": _verb(ins, "goes", "go"),
            "becomes": _verb(ins, "becomes", "become"),
            "comes": _verb(outs, "comes", "come"),
            "lands": _verb(ins, "lands", "land"),
            "ends": _verb(ins, "ends", "end"),
        },
    )


def _sentence(rng: random.Random, step: Step, things: list[Thing], pronoun: str | None) -> str:
    """Render one step; `pronoun` replaces its first input's name when given."""
    ins = [_mention(rng, t, things) for t in step.inputs]
    if pronoun:
        ins[0] = pronoun
    p = _mention(rng, step.proc, things) if step.proc else ""
    b = and_list([_mention(rng, t, things) for t in step.outputs]) if step.outputs else ""
    if step.proc is None:
        return _fill(rng.choice(CONVERT), and_list(ins), p, b, step.inputs, step.outputs)
    if step.loop:
        return _fill(rng.choice(LOOP), ins[0], p, "", step.inputs, step.outputs)
    if step.derived:
        step.outputs[0].mentioned = False  # the next step names it
        done, does = step.derived, DERIVED[step.derived]
        if len(ins) == 2:
            form = rng.choice(DERIVED_MERGE)
            is1 = _verb(step.inputs[:1], "is", "are")
            return form.format(a1=ins[0], a2=ins[1], p=p, done=done, does=does, is1=is1)
        is_ = _verb(step.inputs, "is", "are")
        return rng.choice(DERIVED_FORMS).format(a=ins[0], p=p, done=done, does=does, **{"is": is_})
    if len(ins) == 2 and step.outputs:
        form = rng.choice(MERGE)
        return form.format(a1=ins[0], a2=ins[1], p=p, b=b, is1=_verb(step.inputs[:1], "is", "are"))
    if not ins:
        return _fill(rng.choice(SOURCE), "", p, b, step.inputs, step.outputs)
    if not step.outputs:
        return _fill(rng.choice(SINK), and_list(ins), p, "", step.inputs, step.outputs)
    forms = SPLIT if len(step.outputs) == 2 and rng.random() < 0.5 else FULL
    return _fill(rng.choice(forms), and_list(ins), p, b, step.inputs, step.outputs)


def _fanout(rng: random.Random, first: Step, twin: Step, things: list[Thing]) -> str:
    """Render a step and its sibling (same input, another processor) as one sentence."""
    a = and_list([_mention(rng, t, things) for t in first.inputs])
    p1, b1 = _mention(rng, first.proc, things), _mention(rng, first.outputs[0], things)
    p2, b2 = _mention(rng, twin.proc, things), _mention(rng, twin.outputs[0], things)
    again = "them" if first.inputs[0].plural else "it"
    return rng.choice(FANOUT).format(
        a=a, a2=again, p1=p1, p1x=_mention(rng, first.proc, things), b1=b1, p2=p2, b2=b2,
        **{"is": _verb(first.inputs, "is", "are"), "goes": _verb(first.inputs, "goes", "go")},
    )  # fmt: skip


def _remerge(rng: random.Random, step: Step, things: list[Thing]) -> str | None:
    """Render a merge of two already named outputs, or None if this step is not one."""
    if len(step.inputs) != 2 or not all(t.mentioned for t in step.inputs) or not step.outputs:
        return None
    a1, a2 = (_mention(rng, t, things) for t in step.inputs)
    p, b = _mention(rng, step.proc, things), _mention(rng, step.outputs[0], things)
    return rng.choice(REMERGE).format(a1=a1, a2=a2, p=p, b=b)


def _which(rng: random.Random, step: Step, things: list[Thing]) -> str:
    p = _mention(rng, step.proc, things) if step.proc else ""
    b = and_list([_mention(rng, t, things) for t in step.outputs]) if step.outputs else ""
    forms = WHICH_CONVERT if step.proc is None else (WHICH_FULL if step.outputs else WHICH_SINK)
    return _fill(rng.choice(forms), "", p, b, step.inputs, step.outputs)


def _continues(steps: list[Step], i: int) -> bool:
    """True when step i's only input is step i-1's only output (a pronoun can name it)."""
    if i == 0 or len(steps[i].inputs) != 1 or len(steps[i - 1].outputs) != 1:
        return False
    if steps[i - 1].derived:
        return False  # its output has not been named yet
    return steps[i].inputs[0] is steps[i - 1].outputs[0] and not steps[i].inputs[0].origin


def _pronoun(rng: random.Random, step: Step) -> str:
    return rng.choice(PRONOUNS[step.inputs[0].plural])


def _head(rng: random.Random) -> str:
    what = rng.choice(WHATS)
    return rng.choice(HEADS).format(
        what=what, What=what[0].upper() + what[1:], n=rng.randint(100, 9999)
    )


def _arrow_text(rng: random.Random, steps: list[Step]) -> str | None:
    """Return "A -> P -> B -> Q -> C" when the process is one plain chain, else None."""
    parts: list[str] = []
    for i, step in enumerate(steps):
        if len(step.inputs) != 1 or len(step.outputs) != 1 or step.proc is None:
            return None
        if step.inputs[0].origin or (i and step.inputs[0] is not steps[i - 1].outputs[0]):
            return None
        parts += ([] if i else [step.inputs[0].name]) + [step.proc.name, step.outputs[0].name]
    return rng.choice(ARROWS).join(parts)


def _arrow_lines(rng: random.Random, lines: list[FlowStep]) -> str | None:
    """Return one arrow chain per plan line ("A + B -> P -> C"), bulleted or not, else None.

    A line goes on the chain before it when it takes that step's one output
    ("A -> P -> B -> Q -> C"). A step with no input or no output has no such
    chain ("P -> C" is a plain edge): None.
    """
    if any(line.proc and not (line.inputs and line.outputs) for line in lines):
        return None
    arrow = rng.choice(ARROWS)
    glue = rng.choice((" + ", " + ", ", ", " and "))
    chains: list[list[str]] = []
    for i, line in enumerate(lines):
        parts = [glue.join(line.inputs), *([_remarked(rng, line.proc)] if line.proc else [])]
        parts.append(glue.join(line.outputs))
        before = lines[i - 1] if i else None
        if (
            before
            and before.proc
            and line.proc
            and before.outputs == line.inputs
            and len(line.inputs) == 1
            and rng.random() < 0.5
        ):
            chains[-1] += parts[1:]
        else:
            chains.append(parts)
    bullet = rng.choice(("- ", "* ", "• ", "{n}. ", "{n}) ", "", ""))
    texts = [bullet.format(n=n) + arrow.join(chain) for n, chain in enumerate(chains, 1)]
    return "\n".join(texts) if bullet or rng.random() < 0.6 else ". ".join(texts)


def _remarked(rng: random.Random, name: str) -> str:
    """Return a step's name, now and then with a remark in brackets ("dbt (nightly)")."""
    return f"{name} ({rng.choice(REMARKS)})" if rng.random() < 0.15 else name


def _has_twin(steps: list[Step], i: int) -> bool:
    """True when the step after step i reads the same input (said in one sentence with it)."""
    return i + 1 < len(steps) and steps[i + 1].sibling


def _render(
    rng: random.Random, steps: list[Step], i: int, things: list[Thing], pronoun_odds: float
) -> str:
    """Render step i (with its sibling, if the next step is one) as a sentence."""
    step = steps[i]
    if _has_twin(steps, i):
        return _fanout(rng, step, steps[i + 1], things)
    merged = _remerge(rng, step, things) if i and steps[i - 1].sibling else None
    if merged:
        return merged
    pronoun = _pronoun(rng, step) if _continues(steps, i) and rng.random() < pronoun_odds else None
    sentence = _sentence(rng, step, things, pronoun)
    return process_context.timed(rng, sentence) if rng.random() < 0.07 else sentence


def _prose(rng: random.Random, steps: list[Step], things: list[Thing]) -> str:
    text = ""
    for i, step in enumerate(steps):
        if step.sibling:
            continue  # said with the step before it
        cont = _continues(steps, i) and not step.loop
        if cont and rng.random() < 0.25 and not _has_twin(steps, i):
            text += ", " + _which(rng, step, things)
            continue
        sentence = _render(rng, steps, i, things, 0.35)
        if i == 0:
            start = rng.choice(("First, ", "first ", "", "", "So ")) if len(steps) > 1 else ""
            text = start + sentence
        else:
            last = i == len(steps) - 1
            joiner = rng.choice(JOINERS)
            if joiner.endswith(", ") and joiner != ", ":
                lead = ""  # ". Next, " already says it
            elif last and rng.random() < 0.4:
                lead = "finally "
            else:
                lead = rng.choice(THEN)
            text += joiner + lead + sentence
    return _capital(text) + rng.choice((".", ".", ""))


def _bullets(rng: random.Random, steps: list[Step], things: list[Thing]) -> str:
    bullet = rng.choice(("- ", "* ", "• ", "{n}. ", "{n}) ", "Step {n}: ", ""))
    stages = rng.sample(STAGES, len(steps)) if rng.random() < 0.2 else None
    lines = []
    for i, step in enumerate(steps):
        if not step.sibling:
            sentence = _capital(_render(rng, steps, i, things, 0.2))
            if stages:
                sentence = f"{stages[i]}: {sentence}"
            lines.append(bullet.format(n=len(lines) + 1) + sentence)
    return "\n".join(lines)


# Sentence starts that are our words, not a name (a name keeps the user's case).
_OWN_WORDS = {"use", "feed", "run", "turn", "save", "finally", "first", "with", "start", "then",
              "next,", "after", "and", "so", "which", "it", "them", "that", "the", "we",
              "from"}  # fmt: skip


def _capital(text: str) -> str:
    word = text.split(" ", 1)[0]
    ours = word in _OWN_WORDS or process_context.starts_timed(text)
    return text[:1].upper() + text[1:] if ours else text


def _action_example(rng: random.Random) -> tuple[str, list[FlowStep]]:
    """README-style chains of actions ("Documents → Chunk → Embed → Store")."""
    names = _actions(rng)
    if rng.random() < 0.5:
        names.insert(0, _thing(rng, data_name).name)
    if rng.random() < 0.3:
        names.append(_thing(rng, data_name).name)
    roll = rng.random()
    if roll < 0.55:
        body = rng.choice(ARROWS).join(names)
    elif roll < 0.8:
        bullet = rng.choice(("- ", "{n}. ", "* ", "{n}) "))
        body = "\n".join(bullet.format(n=n) + name for n, name in enumerate(names, 1))
    elif roll < 0.9:
        body = ", then ".join(names[:-1]) + rng.choice((", and finally ", " and then ")) + names[-1]
    else:
        body = rng.choice(("a pipeline chaining ", "", "chain ")) + and_list(
            [_article(rng, n) for n in names]
        ).replace(" and ", rng.choice((" and ", " followed by ")))
    # A plain chain: "A > B > C", "C > D > E", ... draws exactly A -> B -> C -> D -> E.
    lines = [
        FlowStep((names[i],), names[i + 1], (names[i + 2],)) for i in range(0, len(names) - 2, 2)
    ]
    if len(names) % 2 == 0:
        lines.append(FlowStep((names[-2],), None, (names[-1],)))
    return body, lines


def _put_into_places(prompt: str, lines: list[FlowStep]) -> list[FlowStep]:
    """Return the lines with data only ever put into a place ("sent to S3") drawn as data.

    The decoder reads such a place as a data node (`prose_names.put_only`),
    so a consumer named "S3" that the text only sends data to becomes `X > - > S3`.
    """
    places = put_only(prompt)
    return [
        FlowStep(line.inputs, None, (line.proc,))
        if line.proc and not line.outputs and name_key(line.proc) in places
        else line
        for line in lines
    ]


def process_example(rng: random.Random) -> Example:
    head = _head(rng) if rng.random() < 0.85 else process_context.intro(rng, rng.choice(WHATS))
    if rng.random() < 0.15:
        body, lines = _action_example(rng)
    else:
        steps = _chain(rng)
        things = [t for s in steps for t in (*s.inputs, *([s.proc] if s.proc else []), *s.outputs)]
        frame = rng.choices(list(FRAMES), weights=list(FRAMES.values()))[0]
        arrows = _arrow_text(rng, steps) if frame == "arrows" else None
        if frame == "arrows" and not arrows and rng.random() < ARROW_LINES:
            arrows = _arrow_lines(rng, _plan_lines(steps))
        if arrows:
            body = arrows
        elif frame == "bullets" or (frame == "arrows" and rng.random() < 0.5):
            body = _bullets(rng, steps, things)
        else:
            body = _prose(rng, steps, things)
        lines = _plan_lines(steps)
    # A Markdown heading is a line of its own.
    sep = "\n" if "\n" in body or "#" in head or rng.random() < 0.3 else " "
    prompt = f"{head}{sep}{body}".strip() if head else body
    if rng.random() < 0.08:
        end = "" if prompt[-1] in ".!?" or "\n" in body else "."
        prompt += end + ("\n" if "\n" in body else " ") + process_context.tail(rng)
    lines = _put_into_places(prompt, lines)
    plan = Plan("flow", steps=tuple(lines))
    example = finish(rng, prompt, plan, "flowchart", "processes", typos=False)
    if rng.random() < 0.12:
        # All lower case: the names in the plan are still exactly what was typed.
        structure, style = example.plan.rsplit("\n", 1)
        example = Example(
            example.prompt.lower(), structure.lower() + "\n" + style, example.family, example.source
        )
    return example
