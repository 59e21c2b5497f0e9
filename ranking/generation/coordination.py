"""Names a prompt lists with "and", which a plan line writes together.

Read free English, the small model often stops a list after its first
name: "split by a stratified splitter into a train set and a holdout set"
came out as `... > stratified splitter > train set`, and "reads the model
registry and the Feast online store" lost the store. `groups` finds such
lists where the words around them say which side of a step they are on:

- outputs after "into", "outputs", "produces", "writes", "to (both)" ...;
- inputs after "reads", "takes", "combines", "joins", "compares" ...,
  and lists that are the subject of "are"/"were"/"go" ("transcripts and
  speaker turns are merged by TurnAligner").

The decoder then lets a line write one name of a group on that side only
with the others (`StructureChecker`). A list counts only when "and" (or
"plus", "as well as") closes it and every item is a name the prompt
offers: "the valid rows go to the staging table, the invalid rows to the
bucket" is two steps, and "reads X and returns Y" ends the list at X.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ranking.generation.flowgraph import label, name_words
from ranking.generation.prose_names import ADVERBS, IRREGULAR_PARTICIPLES
from ranking.generation.reference_templates import looks_templated
from ranking.generation.verbs import both_forms

OUTPUTS, INPUTS = 2, 0  # roles: the part of an `IN > PROC > OUT` line

# Words after which a list is some step's outputs.
_OUT_WORDS = (
    r"\b(?:into|outputs?|produces?|emits?|writes?|returns?|creates?|generates?|yields?"
    r"|exports?|publishes?|to)"
)
_OUT_CONTEXT = re.compile(_OUT_WORDS + r"\s+", re.IGNORECASE)
_IN_CONTEXT = re.compile(
    r"\b(?:reads?|takes?|combines?|merges?|joins?|compares?|consumes?|runs?)\s+", re.IGNORECASE
)
# Where a name is also an input, though never the start of a list: "... from the question".
_IN_MENTION = re.compile(r"\b(?:from|uses?|queries|query|with|against)\s+", re.IGNORECASE)
# A clause's subject: "A and B are merged by C", "the user question is embedded by ...".
_SUBJECT = re.compile(
    r"(?:^|[;:\n]\s*|\.\s+|,\s+)(?:(?:then|first|finally|next|and|so|while)\b,?\s+)*"
    # A list item starts with a non-space: with "\s*" and a space-led item both
    # free to take the spaces after each comma, a pasted listing's hundred
    # commas made the search exponential.
    r"(?P<list>[^.;:\n,]+?(?:,\s*[^.;:\n,\s][^.;:\n,]*?)*?)\s+(?P<verb>is|are|was|were|goes|go|gets|get)\b",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:(?:then|first|finally|next|and|so|while|after that|at \w+ time|every (?:\d+ )?\w+"
    r"|nightly|daily|hourly|weekly|once a \w+|in real time|on demand|at \d+\s?[ap]m"
    r"|each \w+)\b,?\s*)+",
    re.I,
)
_DETERMINERS = frozenset("the a an its their our those these this".split())
_RELATIVE = re.compile(r"\b(?:which|that|who)\s+(?:\w+ly\s+|then\s+|also\s+)?$", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[;:!?\n]|\.(?:\s|$)")
_ASIDE = re.compile(r"\s*\([^()]*\)")
_SEPARATOR = re.compile(
    r"(,\s*and\s+|,\s*|\s+(?:and|plus|as well as|along with|together with)\s+)", re.IGNORECASE
)
_CLOSING = re.compile(r"and|plus|as well as|with", re.IGNORECASE)
_DETERMINER = re.compile(r"^(?:(?:both|the|a|an|our|their|its|all|each)\s+)+", re.IGNORECASE)
# Words after which a list's last name has ended: "... ranker on a held-out sample".
_NAME_END = re.compile(
    r"\s(?:on|with|from|to|by|for|in|at|into|using|via|against|every|each"
    r"|as|before|after|then|out|once|twice)\b.*$"
    # "... and metrics daily": when, at the end; "hourly table" is a name.
    r"|\s(?:" + "|".join(sorted(ADVERBS)) + r")\s*$",
    re.IGNORECASE | re.DOTALL,
)
# Words no listed name holds: the list has become a clause or points back
# ("the user question and those passages" names passages written before).
_NOT_IN_NAME = frozenset(
    "is are was were be been gets get go goes it they them those these this that which who "
    "also then both no without first finally we i you every "
    # "..., giving A and B": the list starts after the participle.
    "giving producing yielding outputting returning emitting creating generating".split()
)
# Verbs a second item may start with, where "and" has begun a new clause:
# "aggregates the labels into consensus labels and flags disagreements".
_VERB_STEMS = (
    "read return write output produce emit send take consume publish create generate run "
    "input convert process handle flag select forward yield predict extract aggregate "
    "tokenize tokenise materialize materialise push pull fetch compute store save update "
    "trigger deploy train fit evaluate score rank sort join merge split filter clean embed "
    "index upload load call post archive sync stream cache mark tag detect classify build "
    "make raise alert notify page log emit keep drop apply feed end hit show validate use spit "
    "turn enrich encode decode parse transcribe translate summarize summarise classify chunk "
    "annotate label normalize normalise resize crop dedupe deduplicate vectorize featurize "
    "map serve query watch monitor display visualize visualise combine become learn land group "
    "compare replace promote"
).split()


_VERB_FORMS = both_forms(_VERB_STEMS)
# Verbs that are also the nouns names end in ("Feast online store", "fraud scores"):
# only a second item's first word is tested against them.
_NOUN_TOO = frozenset(
    "store stores score scores index cache caches log logs tag tags page pages feed feeds post "
    "posts sort rank ranks split splits filter filters call calls build builds alert alerts "
    "update updates output outputs input inputs end show shows drop drops run runs load loads "
    "mark marks keep use uses make train turn turns map maps label labels chunk chunks query "
    "queries display displays monitor monitors watch watches group groups".split()
)
# Words of a drawing request run on after the last step: "..., round nodes and solid lines".
_DRAWING = re.compile(
    r"\b(?:nodes|shapes|boxes|circles|lines|arrows|edges|colou?rs?|palette|layout|rectangles?"
    r"|black|white|gr[ae]yscale|vertical(?:ly)?|horizontal(?:ly)?|style|labels? on)\b",
    re.IGNORECASE,
)
MAX_NAME_WORDS = 5
MAX_LIST = 3


@dataclass(frozen=True)
class Group:
    """Names listed together on one side (`role`) of a step, as the prompt writes them."""

    role: int
    names: tuple[str, ...]
    # The step they belong to, where the sentence names it ("... by a
    # stratified splitter into", "The HighlightPicker combines"); "" if not.
    step: str = ""

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(words_key(name) for name in self.names)


def groups(prompt: str, is_name=lambda name: True) -> tuple[Group, ...]:
    """Return the lists of names the prompt coordinates, each with its side of a step.

    A list is left out when one of its names is mentioned on the same side
    elsewhere ("outputs matrix ... outputs matrix and table", "reads A and
    B ... C uses A"): which mention a line stands for is then not clear.
    So is a list in a clause that says "respectively".
    """
    if looks_templated(prompt):
        return ()  # the reference steps list names of different steps
    text = _ASIDE.sub("", prompt)
    found: list[Group] = []
    mentions: dict[int, list[str]] = {OUTPUTS: [], INPUTS: []}
    contexts = ((OUTPUTS, _OUT_CONTEXT, True), (INPUTS, _IN_CONTEXT, True))
    for role, context, lists in (*contexts, (INPUTS, _IN_MENTION, False)):
        for match in context.finditer(text):
            before = text[: match.start()].split()[-1:]
            named = match.group().startswith("to") and before and before[0][0].isupper()
            listed = before and before[0].endswith(",")
            if not match.group()[0].islower() or named or listed:
                # "Generate Answer", "the Export to ONNX", "augment, generate answer and
                # the index" name steps.
                continue
            segment = _clause(text[match.end() :])
            gap = match.group().split()[0].lower()
            first = segment.split()[:1]
            if gap == "to" and first and first[0].lower() in _VERB_STEMS:
                continue  # "uses X to build A and B": a verb, not a place data is sent to
            names = _listed(segment, is_name, whole=False, gap=gap) if lists else ()
            if _RELATIVE.search(text[: match.start()]) and ", and " in segment.lower():
                # "the retrieval model, which returns 500 candidates, and the feature
                # store": the ", and" may close the list the relative clause interrupts.
                names = ()
            if names and "respectively" not in segment.lower():
                # "sent to A and B" moves data: no step is named.
                ends = gap != "into"
                step = "" if gap == "to" else _step_before(text, match.start(), is_name, ends)
                found.append(Group(role, names, step))
            mentions[role] += [words_key(name) for name in names] or [_first_name(segment)]
    for match in _SUBJECT.finditer(text):
        names = ()
        if match.group("verb").lower() in ("are", "were", "go", "get"):
            names = _listed(match.group("list"), is_name, whole=True)
        if names and "respectively" not in _clause(text[match.start("list") :]).lower():
            agent = _AGENT.match(_clause(text[match.end("verb") :]))
            step = _step_name(agent["step"], is_name) if agent else ""
            found.append(Group(INPUTS, names, step))
        last = _LEAD.sub("", match.group("list").split(",")[-1].strip())
        mentions[INPUTS] += [words_key(name) for name in names] or [_first_name(last)]
    found = [group for group in found if not _opens_step(prompt, group.names[-1])]
    produced = {key for group in found if group.role == OUTPUTS for key in group.keys}
    unique = {
        (group.role, group.keys): group
        for group in found
        if all(_mentioned_once(key, mentions[group.role]) for key in group.keys)
        and (group.role == OUTPUTS or all(_used_once(prompt, n, produced) for n in group.names))
    }
    return tuple(unique.values())


def _step_before(text: str, at: int, is_name, verb_ends: bool) -> str:
    """Return the step a list after `at` belongs to: "by P" or the clause's subject, or "".

    `verb_ends`: the clause ends with the step's verb ("The HighlightPicker
    combines"); otherwise the verb is inside it ("FFmpeg splits X into").
    """
    clause = re.split(r"[.;:?!]\s|\n|,\s|\bwhich\b|\bthat\b", text[:at])[-1]
    agent = re.search(r"\b(?:by|using|with) (?P<step>[^,]+?)\s*$", clause)
    if agent:
        return _step_name(agent["step"], is_name)
    words = clause.split()
    # "P merges ..." ends at the verb; "P splits X into ..." has its verb inside.
    for index, word in enumerate([] if verb_ends else words):
        after = words[index + 1].lower() if index + 1 < len(words) else ""
        # "the assignment-service splits incoming users into": a verb that is a
        # noun too ("splits") between a name and its object.
        between = (
            index > 0
            and word.lower() in _NOUN_TOO
            and words[index - 1].lower() not in _DETERMINERS
            and after
            and after not in _NOT_IN_NAME
            and not _is_verb(after, noun_too=True)
        )
        if _is_verb(word) or between or after in _DETERMINERS or after in ("it", "them"):
            words = words[:index]
            break
    subject: list[str] = []
    for word in reversed(words):
        lowered = word.lower()
        if lowered in _DETERMINERS or lowered in _NOT_IN_NAME or _is_verb(word):
            break
        if lowered in ("first", "next", "finally", "spec"):
            break
        subject.insert(0, word)
    return _step_name(" ".join(subject), is_name)


def _bare(text: str) -> str:
    """Return `text` without the leads, time phrases and determiners that open it."""
    previous = None
    while previous != text:
        previous, text = text, _DETERMINER.sub("", _LEAD.sub("", text.strip())).strip()
    return text


def _step_name(text: str, is_name) -> str:
    name = _bare(text)
    return name if name and len(name.split()) <= MAX_NAME_WORDS and is_name(name) else ""


# "... are merged by TurnAligner into ...": the step after a list that is a subject.
_AGENT = re.compile(
    r"\s*(?:\w+ly |then |also |first )?[\w-]+ (?:by|with|using) (?P<step>.+?)"
    r"(?=\s+(?:into|to|and|as|for|on|from)\b|\s*$)",
    re.IGNORECASE,
)


def _opens_step(prompt: str, name: str) -> bool:
    """Return whether `name` heads a step of its own ("..., and node2vec: X in, Y out")."""
    after = rf"(?<![\w-]){re.escape(name)}\s*(?::|\([^()]*\b(?:in|out)\b)"
    return re.search(after, prompt, re.IGNORECASE) is not None


def _used_once(text: str, name: str, produced: set[str]) -> bool:
    """Return whether `name` is an input once at most: other mentions are where it is made.

    "Athena reads the S3 bucket and the Glue Data Catalog" after "a Glue
    crawler catalogs the S3 bucket" is a fan-out, not one list.
    """
    uses = 0
    for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE):
        before = _DETERMINER_END.sub("", text[: match.start()])
        made = _OUT_CONTEXT_END.search(before)
        if made is None:
            # The tail of a longer name that was made: "outputs dask summaries".
            longer = _LONGER_MADE.search(before)
            made = longer and not any(
                _is_verb(word, noun_too=True) or word.lower() in _NOT_IN_NAME
                for word in longer.group("words").split()
            )
        if not made:
            uses += 1
    # "these scans", "the scans" after "MRI scans": a short mention is a use too.
    last = re.escape(name.split()[-1])
    if len(name.split()) > 1:
        uses += len(re.findall(rf"\b(?:these|those|the)\s+{last}\b", text, re.IGNORECASE))
    if words_key(name) in produced:
        uses -= 1
    return uses <= 1


_DETERMINER_END = re.compile(r"(?:\b(?:both|the|a|an|our|their|its|all|each)\s+)+$", re.I)
_LONGER_MADE = re.compile(
    _OUT_WORDS + r"\s+(?:(?:both|the|a|an|our|their|its)\s+)?(?P<words>(?:[\w.-]+ ){1,3})$"
)
_OUT_CONTEXT_END = re.compile(_OUT_WORDS + r"\s+$")


def _clause(text: str) -> str:
    end = _CLAUSE_END.search(text)
    return text[: end.start() if end else len(text)]


def _first_name(segment: str) -> str:
    return words_key(_DETERMINER.sub("", _NAME_END.sub("", _SEPARATOR.split(segment)[0])).strip())


def _mentioned_once(key: str, mentions: list[str]) -> bool:
    # "the question" may stand for "user question": a shorter mention counts.
    return sum(1 for other in mentions if other and ends_with(key, other)) <= 1


def words_key(name: str) -> str:
    """Return `name` as `name_key` compares it, its words kept apart ("user question")."""
    return " ".join(name_words(label(name)))


def ends_with(key: str, other: str) -> bool:
    """Return whether the name `key` is `other` or ends in its words ("dask summary", "summary")."""
    return key == other or key.endswith(" " + other)


_NEW_SUBJECT = re.compile(r"^[\w .-]+? (?:are|is|were|was|go|goes|get|gets)\b", re.IGNORECASE)


def _listed(segment: str, is_name, whole: bool, gap: str = "") -> tuple[str, ...]:
    """Return the names of the "and"-closed list that opens `segment`, or ().

    With `whole`, every word of the segment must belong to the list. A list
    item that repeats the word `gap` before it ("sent to A and captions to
    B") is a second step said short, and ends the list before it.
    """
    pieces = _SEPARATOR.split(segment.strip())
    names: list[str] = []
    closed_at = 0  # how many names the last "and" closed
    for index in range(0, len(pieces), 2):
        raw = pieces[index]
        cut = _NAME_END.sub("", raw)
        name = _DETERMINER.sub("", cut).strip()
        gapped = gap and raw[len(cut) :].split()[:1] == [gap] and names
        if gapped or not _is_listed_name(name, is_name, first=not names) or (whole and cut != raw):
            if whole or _NEW_SUBJECT.match(raw):
                # "produces X, and the Y and the Z are joined by ...": the
                # names after "and" may open the next clause's subject.
                return ()
            break
        names.append(name)
        if index and _CLOSING.search(pieces[index - 1]):
            closed_at = len(names)
        if cut != raw:
            break
    if whole and closed_at != len(names):
        return ()
    # Longer lists are chains of steps ("a pipeline chaining A, B, C and D").
    return tuple(names[:closed_at]) if 2 <= closed_at <= MAX_LIST else ()


def _is_verb(word: str, noun_too: bool = False) -> bool:
    """Return whether `word` is a verb form; `noun_too` counts those that are nouns as well.

    A participle counts too: "documents pulled from S3" has left the list.
    """
    word = word.lower()
    if word.endswith("ed") and len(word) > 4:
        return True
    if noun_too and word in IRREGULAR_PARTICIPLES:
        return True  # "drawn vertically"; a name may end in one ("train set")
    return word in _VERB_FORMS and (noun_too or word not in _NOUN_TOO)


def _is_listed_name(name: str, is_name, first: bool) -> bool:
    words = name.split()
    if not words or len(words) > MAX_NAME_WORDS:
        return False
    if any(word.lower() in _NOT_IN_NAME for word in words) or _DRAWING.search(name):
        return False
    if not first and (
        # "and flags disagreements" is a verb; a lone "and scores" is a name.
        _is_verb(words[0], noun_too=len(words) > 1)
        or any(_is_verb(word, noun_too=True) for word in words[1:-1])
        or (len(words) > 1 and _is_verb(words[-1]))
    ):
        return False
    if words[0].lower() in ("in", "on", "at", "by", "to", "into", "from", "and", "with"):
        return False
    return is_name(name)


class ListRules:
    """What a plan line may write as outputs, given the prompt's lists (`groups`).

    A written item stands for a listed name when it is that name or a
    longer one ending in it ("the summaries" may be written "dask
    summaries", the earlier name). Outputs whose step the sentence names
    are held together on that step's line only. Input lists (`groups` finds
    them too, and they keep output lists honest about fan-outs) are not held.
    """

    def __init__(self, found: tuple[Group, ...] = (), spans: tuple[str, ...] = ()):
        self.outputs = [g for g in found if g.role == OUTPUTS]
        self.forms = {
            name: [
                name,
                *(span for span in spans if span.lower().endswith(" " + name.lower())),
            ]
            for group in self.outputs
            for name in group.names
        }

    @classmethod
    def for_prompt(cls, prompt: str, spans) -> ListRules:
        # Only outputs: a line's inputs are written before its step, and on
        # the spent process sets holding input lists together carried a
        # misread line further (a list forced onto the wrong step).
        found = tuple(g for g in groups(prompt, lambda name: name in spans) if g.role == OUTPUTS)
        return cls(found, tuple(spans.sorted) if found else ())

    def __bool__(self) -> bool:
        return bool(self.forms)

    def violates(
        self, items: list[str], step: str | None = None, done: frozenset = frozenset()
    ) -> bool:
        """Return whether complete output `items` write a listed name without its list.

        `step` is the line's processor, known when the outputs are written;
        `done` holds the lists an earlier line wrote whole, which hold no more.
        """
        return bool(self._missing(items, step, done))

    def allows_next(
        self,
        written: list[str],
        tail: str,
        step: str | None = None,
        done: frozenset = frozenset(),
    ) -> bool:
        """Return whether the item `tail` (in progress) may follow the complete `written` items.

        Once a listed name is written, the next items are its missing list
        mates, and no item runs a listed name into its list ("train set and ...").
        """
        lowered = tail.lower()
        for group in self._groups(step, done):
            for name in group.names:
                for form in self.forms[name]:
                    if lowered.startswith((form.lower() + " and", form.lower() + " plus")):
                        return False
        missing = self._missing(written, step, done)
        if not missing:
            return True
        # Items written since the list began are its names, not a word of one ("the").
        names = [name for group in self._groups(step, done) for name in group.names]
        keys = [words_key(item) for item in written]
        first = next(i for i, key in enumerate(keys) if any(_written(n, [key]) for n in names))
        if not all(any(_written(n, [key]) for n in names) for key in keys[first:]):
            return False
        forms = [form.lower() for name in missing for form in self.forms[name]]
        return any(form.startswith(lowered) for form in forms)

    def written_whole(self, parts: list[str], done: frozenset = frozenset()) -> frozenset:
        """Return the output lists a complete line `IN > PROC > OUT` (split) writes whole."""
        keys = [] if parts[2] == "-" else [words_key(item) for item in parts[2].split(", ")]
        return frozenset(
            group
            for group in self._groups(parts[1], done)
            if all(_written(name, keys) for name in group.names)
        )

    def _groups(self, step: str | None, done: frozenset = frozenset()) -> list[Group]:
        mine = [g for g in self.outputs if g not in done]
        if step is None:
            return mine
        return [g for g in mine if not g.step or _same_step(step, g.step)]

    def _missing(self, items: list[str], step: str | None, done: frozenset) -> list[str]:
        keys = [words_key(item) for item in items]
        mine = self._groups(step, done)
        missing: list[str] = []
        for group in mine:
            present = [name for name in group.names if _written(name, keys)]
            if present and len(present) < len(group.names):
                missing += [name for name in group.names if name not in present]
        if not missing:
            return []
        # A name listed twice is fine where one of its lists is whole.
        whole = {
            name
            for group in mine
            if all(_written(n, keys) for n in group.names)
            for name in group.names
        }
        touched = [
            group
            for group in mine
            if any(_written(name, keys) and name not in whole for name in group.names)
        ]
        return [name for group in touched for name in group.names if not _written(name, keys)]


def _written(name: str, keys: list[str]) -> bool:
    key = words_key(name)
    return any(ends_with(written, key) for written in keys)


def _same_step(written: str, step: str) -> bool:
    if written == "-":
        return False
    a, b = words_key(written), words_key(step)
    return ends_with(a, b) or ends_with(b, a)
