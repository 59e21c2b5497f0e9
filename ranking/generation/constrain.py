"""Grammar- and copy-constrained decoding of a plan's structure lines.

The structure part of a plan (everything before `style:`) is decoded so that
every prefix of it is a prefix of a valid plan, and every flowchart item
(node name) is a span of the user's prompt: text the user wrote, never a
phrase the model made up. The style line is not constrained.

The checker works on text, not tokens: a `State` holds only the line being
written (earlier lines are fixed once they end), so checking one candidate
token re-reads at most one line (~60 characters). `choose_token` walks the
candidates in descending logit order and takes the first whose decoded text
keeps the structure valid; with a trained model that is almost always the
first or second, so a step costs microseconds beside the model's tens of
milliseconds.

The grammar is the canonical text of plan.py, slightly stricter than
`parse_plan` (single spaces, no blank lines, no leading zeros), which is what
the model was trained on:

    flow                        | net 6 3 4 2 [neurons|layers]
    IN, IN > PROC > OUT         | cnn 32 conv3 pool2 [dense] 64 10 [flag]
    ...                         | layers
    style:                      | conv2d 32 3x3 relu   (layerplan.CANONICAL_LINE_RE)
                                | ...
                                | style:
"""

from __future__ import annotations

import copy
import re
from bisect import bisect_left
from dataclasses import dataclass

import regex

from ranking.generation.coordination import ListRules
from ranking.generation.flow_reader import (
    PartReading,
    names_layers,
    read_flow,
    read_flow_in_part,
)
from ranking.generation.flowgraph import name_key
from ranking.generation.layer_list import list_order
from ranking.generation.layer_words import KIND_RES, licensed_kinds
from ranking.generation.layerplan import (
    ACTIVATIONS,
    CANONICAL_LINE_RE,
    LAYER_TYPES,
    LAYERS,
    MAX_LAYER_LINES,
    needs_layer_plan,
)
from ranking.generation.pasted_code import Step, code_order, draft_lines
from ranking.generation.plan import (
    GRANULARITY_FLAGS,
    ITEM_RE,
    MAX_FLOW_LINES,
    MAX_LAYERS,
    MAX_UNITS,
)
from ranking.generation.prompt_numbers import allows, licensed_numbers, longest_run
from ranking.generation.prompting import normalise_prompt
from ranking.generation.prose_names import (
    continues_name,
    data_only,
    is_name_span,
    opens_time,
    put_only,
)

STYLE = "style:"
# The one-line network families (`net 6 3 2`, `cnn 32 conv3 ...`).
NETWORKS = ("net", "cnn")
# Words of the prompt: maximal runs of the characters a plan item may hold.
WORD_RE = re.compile(r"[A-Za-z0-9._+#'/&():*-]+")
# "clips/", "s3://ml-data/": a folder, offered with its slash too.
_FOLDER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._+#'&:-]*(?:/[A-Za-z0-9._+#'&:-]+)*)/[.,;:!?)]*$")
# Longest span offered as one item; ITEM_RE caps an item at 40 characters.
MAX_SPAN_WORDS = 8
MAX_SPAN_CHARS = 40
# The number of a repeated name ("CNN model #2"): flowgraph reads 1-2 digits.
NUMBER = re.compile(r"[1-9]\d?")
# Sentence punctuation glued to a word ("labels." "'spam'") is not part of a name.
TRAILING_JUNK = ".'-_/&(:*"
# Characters a structure can contain at all; a token with any other character
# (or any non-ASCII byte) can never appear before `style:`.
STRUCTURE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
STRUCTURE_CHARS |= frozenset("._+#'/&()*- ,>=:\n")
# Complete cnn layer words; sizes without leading zeros (conv0 draws nothing).
CONV_WORD = re.compile(r"conv(?:=?[1-9]\d{0,3})?")
POOL_WORD = re.compile(r"(?:max|avg)?pool(?:[1-9]\d?)?")
# A cnn word still being written: a keyword prefix, or keyword + some digits.
CNN_PARTIAL = re.compile(r"conv=?[1-9]\d{0,3}|(?:max|avg)?pool[1-9]\d?")
CNN_KEYWORDS = ("conv=", "maxpool", "avgpool", "pool", "dense")
# The layer-line grammar with partial matching: a line being written is
# valid while some complete layer line starts with it.
LAYER_LINE = regex.compile(CANONICAL_LINE_RE.pattern)
# Candidates examined per step before widening: a trained model's choice is
# almost always in the first few; a random one needs the whole vocabulary.
WINDOWS = (16, 256, None)
# Sampling (structure_temperature > 0) draws from at most this many allowed
# tokens (HF's default top_k) among the best SAMPLE_WINDOW: tokens further
# down carry negligible mass, and walking all 49k per step would cost ~0.1 s.
SAMPLE_TOP_K = 50
SAMPLE_WINDOW = 256


# ---------------------------------------------------------------- prompt spans


def _clean_word(raw: str) -> str:
    """Return `raw` without leading non-alphanumerics and trailing sentence punctuation."""
    if raw == "&":
        return raw  # "Weights & Biases": a word of a name, never a name's end (`prompt_spans`)
    word = raw.lstrip("._+#'/&():*-")
    if raw.startswith("#") and word[:1].isalpha() and raw[1:2] == word[:1]:
        word = "#" + word  # "#dq-alerts": a channel's name
    while word and (
        word[-1] in TRAILING_JUNK or (word[-1] == ")" and word.count("(") < word.count(")"))
    ):
        word = word[:-1]
    return word


# "Labeling loop for the shelf-scanner: unlabeled photos are ...": what the
# process is, before its steps; its words name no node unless a step repeats them.
_TITLE = re.compile(r"^\s*[^.!?;:\n]{1,60}:\s+(?=\S)")
_HEADING = re.compile(r"^(?:\s*#{1,6} [^\n]*\n)+")
# Words that say a phrase is about the whole process ("Source: ..." labels a line).
_TITLE_WORD = re.compile(
    r"\b(?:pipeline|flow|loop|setup|process|path|system|job|stack|steps?|architecture"
    r"|overview|design|runbook|summary|workflow|round|how)\b",
    re.IGNORECASE,
)


def _without_title(prompt: str) -> str:
    # "## Data flywheel": a Markdown heading names the whole, not a node.
    prompt = _HEADING.sub("", prompt)
    title = _TITLE.match(prompt)
    words = list(_TITLE_WORD.finditer(title.group())) if title else []
    if not words:
        return prompt
    # "... nightly job So ResNet-50:" runs on into a step's name: no title.
    tail = title.group()[words[-1].end() :]
    if any(char.isupper() for char in tail):
        return prompt
    return prompt[title.end() :]


def prompt_spans(prompt: str) -> list[str]:
    """Return the sorted phrases a flowchart item may be: contiguous word runs of the prompt.

    Words are split at any character a plan item cannot hold (so a span never
    crosses "," ";" ">" "->", a newline or a ":" at a word's end; "s3://x"
    and "ranker:v12" are one word) and a span continues only over
    a single plain space, and not past a word that lost punctuation at that
    end ("labels. Then" is two sentences). Each span also comes with its
    first letter's case flipped: a sentence-initial "Emails" may be "emails".
    Spans English never uses as a name are left out (`prose_names.is_name_span`).
    """
    # A NUL keeps each line break a word boundary that no span joins across.
    text = normalise_prompt(_without_title(prompt).replace("\n", "\0"))
    words = []  # (clean word, may join the previous word)
    raws = []  # each clean word's text as written
    previous_end = -2
    previous_clean_end = False
    for match in WORD_RE.finditer(text):
        raw = match.group()
        word = _clean_word(raw)
        joins = (
            match.start() == previous_end + 1
            and text[previous_end] == " "
            and previous_clean_end
            and raw[0] == word[:1]
        )
        previous_end = match.end()
        previous_clean_end = bool(word) and raw.endswith(word)
        if word:
            words.append((word, joins))
            raws.append(raw)
        else:
            previous_clean_end = False
    spans: set[str] = set()
    nexts: dict[str, list[str | None]] = {}  # span -> the word after each of its mentions
    for start in range(len(words)):
        span = words[start][0]
        before = words[start - 1][0] if start and words[start][1] else None
        for end in range(start, min(start + MAX_SPAN_WORDS, len(words))):
            if end > start:
                if not words[end][1]:
                    break
                span = f"{span} {words[end][0]}"
            if len(span) > MAX_SPAN_CHARS:
                break
            joined = end + 1 < len(words) and words[end + 1][1]
            after = words[end + 1][0] if joined else None
            if after:
                more = end + 2 < len(words) and words[end + 2][1]
                if opens_time([after, words[end + 2][0]] if more else [after]):
                    after = None  # "... writes fasttext orders every night"
            nexts.setdefault(span, []).append(after)
            names = [word for word, _ in words[start : end + 1]]
            if names[-1] == "&":
                continue
            if ITEM_RE.match(span) and is_name_span(names, before, after):
                spans.add(span)
                flipped = span[0].swapcase() + span[1:]
                if ITEM_RE.match(flipped):
                    spans.add(flipped)
            if end == start and (folder := _FOLDER.match(raws[start])):
                spans.add(folder[1] + "/")  # "clips/" as written, beside "clips"
            if end == start and span.startswith("#") and ITEM_RE.match(span[1:]):
                spans.add(span[1:])  # "growth" beside "#growth": the model may leave the mark
    return sorted(spans - _cut_short(spans, nexts))


def _cut_short(spans: set[str], nexts: dict[str, list[str | None]]) -> set[str]:
    """Return the spans the prompt never ends a name at: each mention runs on into a longer name.

    "chat logs" where the prompt only ever says "the chat logs export",
    "DeepFM" where it says "a DeepFM model": the user's name is the longer
    one, and the small model cut it short. A span with one mention that ends
    there (or a word after it that no longer name takes) stays.
    """
    short = set()
    for span in spans:
        mentions = nexts.get(span)
        if mentions and all(
            after is not None and continues_name(after) and f"{span} {after}" in spans
            for after in mentions
        ):
            short.add(span)
    flipped = {span[0].swapcase() + span[1:] for span in short}
    # A case-flipped span goes with its original unless the prompt writes it too.
    return short | {span for span in flipped if span in spans and span not in nexts}


class SpanSet:
    """The allowed items of one prompt, with prefix lookup by bisection.

    An item is a span, or a span numbered " #N" (flowgraph: "CNN model #2" is
    a second node the prompt also calls "CNN model").
    """

    def __init__(self, spans):
        self.sorted = sorted(set(spans))
        self.members = frozenset(self.sorted)

    def __contains__(self, item: str) -> bool:
        if item in self.members:
            return True
        head, mark, number = item.rpartition(" #")
        return bool(mark) and head in self.members and _numbered(item, number, complete=True)

    def __bool__(self) -> bool:
        return bool(self.sorted)

    def has_prefix(self, prefix: str) -> bool:
        """Return whether some allowed item starts with `prefix`."""
        i = bisect_left(self.sorted, prefix)
        if i < len(self.sorted) and self.sorted[i].startswith(prefix):
            return True
        if prefix.endswith(" ") and prefix[:-1] in self.members:
            return len(prefix) + 2 <= MAX_SPAN_CHARS  # room for "#2"
        head, mark, number = prefix.rpartition(" #")
        return bool(mark) and head in self.members and _numbered(prefix, number, complete=False)


def _numbered(item: str, number: str, complete: bool) -> bool:
    # "#1" is the name itself (flowgraph's default), so numbers run 2..99.
    if len(item) + (0 if number else 1) > MAX_SPAN_CHARS:
        return False
    if not number:
        return not complete
    return bool(NUMBER.fullmatch(number)) and (not complete or int(number) >= 2)


# ---------------------------------------------------------------- the checker


def _line_key(line: str) -> tuple:
    """Return a flow line's identity: each item's `name_key`, part by part."""
    return tuple(tuple(name_key(item) for item in part.split(", ")) for part in line.split(" > "))


@dataclass(frozen=True)
class State:
    """Where a structure decode stands: the family ("" before the first line ends),
    flow steps written, the line in progress, and whether `style:` was reached."""

    family: str = ""
    steps: int = 0
    line: str = ""
    done: bool = False
    # Layer plans: the last complete line's kind and numbers, and how many
    # lines in a row had them.
    last: str = ""
    run: int = 0
    # Layer plans of pasted code: the next step of the code's order (LayerRules.order);
    # flow plans read in part: the next line read (StructureChecker.in_part).
    at: int = 0
    # Flow plans: the prompt's lists (coordination.Group) some line has written whole.
    listed: frozenset = frozenset()
    # Flow plans read in part: the lines written (`_line_key`), none written twice.
    written: frozenset = frozenset()


class StructureChecker:
    """Decides whether text keeps a plan structure valid, for one prompt's spans.

    `networks` are the one-line network families allowed: none when the
    prompt names layers only a layer plan can draw (`needs_layer_plan`), so
    "a 3x3 conv with 32 filters ..." cannot fall back to a `cnn` line.
    `layers` holds what a layer plan may write for this prompt: its numbers
    and how many identical lines in a row (`LayerRules`).
    """

    def __init__(
        self,
        spans: SpanSet,
        networks: tuple[str, ...] = NETWORKS,
        layers: LayerRules | None = None,
        data_only: frozenset[str] = frozenset(),
        flow: tuple[str, ...] | None = None,
        lists: ListRules | None = None,
        in_part: PartReading | None = None,
    ):
        self.spans = spans
        self.networks = networks
        self.layers = layers or LayerRules()
        self.data_only = data_only
        # A process read for certain (`flow_reader.read_flow`): the plan's
        # lines, which the structure must be, the model choosing the tokens.
        self.flow = flow
        # A process read in part (`flow_reader.read_flow_in_part`): the plan
        # writes the lines read in their order, and lines of the model's own
        # only where a sentence was not read.
        self.in_part = in_part
        self._read_keys = {_line_key(line) for line in in_part.lines} if in_part else set()
        # Outputs the prompt lists with "and", written together (coordination.py).
        self.lists = lists or ListRules()

    @classmethod
    def for_prompt(cls, prompt: str) -> StructureChecker:
        networks = () if needs_layer_plan(prompt) else NETWORKS
        spans = SpanSet(prompt_spans(prompt))
        layers = LayerRules.for_prompt(prompt)
        flow, in_part = None, None
        if layers.order is None:
            # Also where the prompt names a layer ("a PyTorch training job", "sepsis-gru-v1
            # (a GRU)"), unless what is read is a chain of layers ("Input 28x28 > Conv 32").
            flow = read_flow(prompt, is_name=lambda name: name in spans)
            if flow is not None and (len(flow) > MAX_FLOW_LINES or names_layers(flow)):
                flow = None  # a plan that long could not be written, or a network's layers
            if flow is None:
                in_part = read_flow_in_part(prompt, is_name=lambda name: name in spans)
                if in_part is not None and (
                    len(in_part.lines) >= MAX_FLOW_LINES or names_layers(in_part.lines)
                ):
                    in_part = None
        lists = ListRules.for_prompt(prompt, spans)
        data = data_only(prompt) | put_only(prompt, is_name=lambda name: name in spans)
        return cls(spans, networks, layers, data, flow, lists, in_part)

    def read_text(self) -> str:
        """Return the lines a reading holds the structure to, as written, or ""."""
        lines = self.flow or (self.in_part.lines if self.in_part else ())
        return "\n".join(lines)

    def forced_rest(self, state: State) -> str:
        """Return the structure text a read process has left from here, or "".

        From a line's start; within a line too, where the line so far is the
        start of the line read next ("BigQuery > - > sa"), so that the draft
        goes on after the model spells a name its own way ("_fore" + "cast"
        for the draft's "_forecast").
        """
        if state.done:
            return ""
        if state.line:
            return self._rest_of_line(state)
        if self.in_part is not None:
            return self._read_lines_next(state)
        if self.flow is None:
            return ""
        if not state.family:
            return "\n".join(["flow", *self.flow, STYLE])
        return "".join(f"{line}\n" for line in self.flow[state.steps :]) + STYLE

    def _rest_of_line(self, state: State) -> str:
        """Return the rest of the line read that the line in progress starts, and what follows."""
        if not state.family:
            return ""
        if self.flow is not None:
            lines, at, end, tail = self.flow, state.steps, len(self.flow), STYLE
        elif self.in_part is not None:
            lines, at = self.in_part.lines, state.at
            end = self._next_gap(at)
            tail = ""  # as from a line's start (`_read_lines_next`)
        else:
            return ""
        if at >= len(lines) or not lines[at].startswith(state.line):
            return ""
        rest = "".join(f"{later}\n" for later in lines[at + 1 : end])
        return f"{lines[at][len(state.line) :]}\n{rest}{tail}"

    def _is_next_read(self, line: str, at: int) -> bool:
        """Whether `line` is the next line read ("clean detections" for "Clean detections")."""
        lines = self.in_part.lines
        return at < len(lines) and _line_key(line) == _line_key(lines[at])

    def _next_gap(self, at: int) -> int:
        """Return where the next gap after read line `at` lies (the end if none)."""
        return min([gap for gap in self.in_part.gaps if gap > at] + [len(self.in_part.lines)])

    def _read_lines_next(self, state: State) -> str:
        """Return the lines read in part that follow here with no gap before them, or ""."""
        if state.family and state.at in self.in_part.gaps:
            return ""  # the model's own lines may come first
        lines = self.in_part.lines
        end = self._next_gap(state.at)
        head = "" if state.family else "flow\n"
        return head + "".join(f"{line}\n" for line in lines[state.at : end])

    def advance(self, state: State, piece: str) -> State | None:
        """Return the state after appending `piece`, or None if no valid plan starts so."""
        if state.done or not piece:
            return None
        *complete, partial = (state.line + piece).split("\n")
        family, steps, last, run, at = state.family, state.steps, state.last, state.run, state.at
        listed, written = state.listed, state.written
        for line in complete:
            if self._style_allowed(family, steps, at) and line.startswith(STYLE):
                if line[len(STYLE) :].strip():
                    return None
                return State(family, steps, line, True, last, run, at, listed, written)
            if not family:
                family = self._finish_first_line(line)
                if not family:
                    return None
            elif (
                family == "flow"
                and steps < MAX_FLOW_LINES
                and self._flow_line(line, True, steps, listed, at)
                and not (self.in_part and _line_key(line) in written)
            ):
                steps += 1
                listed = listed | self.lists.written_whole(line.split(" > "), listed)
                if self.in_part:
                    at += self._is_next_read(line, at)
                    written = written | {_line_key(line)}
            elif family == LAYERS and self._layer(line, steps, last, run, at, complete=True):
                key = _layer_key(line)
                run = run + 1 if key == last else 1
                last = key
                at = self.layers.next_at(line, at)
                steps += 1
            else:
                return None
        if self._style_allowed(family, steps, at):
            if partial.startswith(STYLE):
                if partial[len(STYLE) :].strip():
                    return None  # "style:-+*/" in one token: the style line is sampled
                return State(family, steps, partial, True, last, run, at, listed, written)
            if STYLE.startswith(partial):
                return State(family, steps, partial, False, last, run, at, listed, written)
        if not family:
            ok = self._first_line(partial)
        elif family == LAYERS:
            ok = self._layer(partial, steps, last, run, at, complete=False)
        else:
            ok = (
                family == "flow"
                and steps < MAX_FLOW_LINES
                and self._flow_line(partial, False, steps, listed, at)
            )
        if not ok:
            return None
        return State(family, steps, partial, False, last, run, at, listed, written)

    def failure(self, state: State) -> str:
        """Return a reason naming where the structure could not go on."""
        return f"no token continues a valid plan after line {state.line!r}"

    def _layer(self, line: str, written: int, last: str, run: int, at: int, complete: bool) -> bool:
        return (
            written < MAX_LAYER_LINES
            and _layer_line(line, written, complete)
            and self.layers.allows(line, written, last, run, complete, at)
        )

    def _style_allowed(self, family: str, steps: int, at: int = 0) -> bool:
        if family == LAYERS:
            return steps > 0 and self.layers.order_done(at)
        if self.flow is not None:
            return family == "flow" and steps == len(self.flow)
        if self.in_part is not None:
            return family == "flow" and at == len(self.in_part.lines)
        return family in NETWORKS or (family == "flow" and steps > 0)

    # -- first line: `flow` or a network

    def _flow_allowed(self) -> bool:
        # Pasted code whose order is read is a network, never a flowchart.
        return bool(self.spans) and self.layers.order is None

    def _first_line(self, line: str) -> bool:
        if self.flow is not None or self.in_part is not None:
            return "flow".startswith(line)
        words = line.split(" ")
        if len(words) == 1:
            head = words[0]
            return ("flow".startswith(head) and self._flow_allowed()) or any(
                family.startswith(head) for family in (*self.networks, LAYERS)
            )
        if words[0] not in self.networks:
            return False
        state = _fold_net(words[0], words[1:-1])
        return state is not None and _net_word_prefix(state, words[-1])

    def _finish_first_line(self, line: str) -> str:
        if self.flow is not None or self.in_part is not None:
            return "flow" if line == "flow" else ""
        if line == "flow":
            return "flow" if self._flow_allowed() else ""
        if line == LAYERS:
            return LAYERS
        words = line.split(" ")
        if words[0] not in self.networks:
            return ""
        state = _fold_net(words[0], words[1:])
        return words[0] if state is not None and _net_complete(state) else ""

    # -- flow lines: `IN, IN > PROC > OUT, OUT`

    def _flow_line(
        self,
        line: str,
        complete: bool,
        steps: int = 0,
        listed: frozenset = frozenset(),
        at: int = 0,
    ) -> bool:
        if self.flow is not None:
            if steps >= len(self.flow):
                return False
            return line == self.flow[steps] if complete else self.flow[steps].startswith(line)
        if self.in_part is not None:
            lines, gaps = self.in_part.lines, self.in_part.gaps
            if at < len(lines) and (line == lines[at] if complete else lines[at].startswith(line)):
                return True  # the next line read
            # A line of the model's own only where a sentence was not read, a
            # few per sentence, and none that is a line read, but the next.
            own = steps - at
            if at not in gaps or own >= sum(room for gap, room in gaps.items() if gap <= at):
                return False
            if complete and _line_key(line) in self._read_keys and not self._is_next_read(line, at):
                return False
        if complete:
            parts = line.split(" > ")
            return len(parts) == 3 and self._flow_parts(parts, True, listed)
        if line.endswith((">", ",")):
            line += " "  # the only way on from " >" or "," is their space
        if self._flow_parts(line.split(" > "), False, listed):
            return True
        # A trailing space either continues an item ("png " of "png file") or
        # opens the next " > ".
        return (
            line.endswith(" ")
            and not line.endswith(("> ", ", "))
            and self._flow_parts(f"{line[:-1]} > ".split(" > "), False, listed)
        )

    def _flow_parts(self, parts: list[str], complete: bool, listed=frozenset()) -> bool:
        if len(parts) > 3:
            return False
        # One line needs a processor or both ends: "- > - > X" and "X > - > -" are invalid.
        if len(parts) >= 2 and parts[1] == "-" and (parts[0] == "-" or parts[2:] == ["-"]):
            return False
        last = len(parts) - 1
        for role, part in enumerate(parts):
            partial = role == last and not complete
            if part == "-" or (partial and not part):
                continue
            items = part.split(", ")
            if role == 1 and len(items) > 1:
                return False  # one processor per line
            if role == 1 and not partial and name_key(part) in self.data_only:
                return False  # a chain's end, a place data is put (prose_names)
            if any(item not in self.spans for item in items[:-1]):
                return False
            tail = items[-1]
            if not (self.spans.has_prefix(tail) if partial else tail in self.spans):
                return False
            if self.lists and not self._listed_together(parts, role, partial, listed):
                return False
        return True

    def _listed_together(self, parts: list[str], role: int, partial: bool, listed) -> bool:
        if role != 2:
            return True
        items = parts[2].split(", ")
        if partial:
            return self.lists.allows_next(items[:-1], items[-1], parts[1], listed)
        return not self.lists.violates(items, parts[1], listed)


def _layer_line(line: str, written: int, complete: bool) -> bool:
    """Return whether `line` is (complete) or starts (partial) a layer line.

    `written` layer lines come before it: an `add K` needs K + 1 of them.
    """
    if not complete:
        # "add K" needs K + 1 >= 2 lines above it: with fewer, even "ad" is a dead end.
        if written < 2 and len(line) >= 2 and "add ".startswith(line[:4]):
            return False
        return bool(LAYER_LINE.fullmatch(line, partial=True)) and not (
            line.startswith("add ") and len(line) > 4 and int(line[4]) >= written
        )
    return bool(CANONICAL_LINE_RE.fullmatch(line)) and not (
        line.startswith("add ") and int(line[4:]) >= written
    )


# Kinds that never follow themselves: two flattens, two norms, two dropouts
# or two skips in a row draw nothing a network has. (A second `input` is
# refused anyway: it may only be the first line.)
NEVER_TWICE = frozenset(
    {"flatten", "globalmaxpool", "globalavgpool", "batchnorm", "layernorm", "dropout", "add"}
)


def _layer_key(line: str) -> str:
    """Return a layer line's kind and numbers, without its activation."""
    words = line.split(" ")
    return " ".join([words[0], *(w for w in words[1:] if w[:1].isdigit())])


def _kinds_for(line: str) -> set[str]:
    """Return the layer types a (partial) line can still become."""
    head = line.split(" ")[0]
    if " " in line:
        return {head} if head in LAYER_TYPES else set()
    return {kind for kind in LAYER_TYPES if kind.startswith(head)}


def _before_first_layer(text: str) -> str:
    """Return the text before the first word naming a layer other than the input.

    A short title is passed over: in "Small transformer for text
    classification: token ids (length 128) go into ..." the layers start
    after the colon.
    """
    lower = text.lower()
    title = _TITLE_RE.match(lower)
    skip = title.end() if title else 0
    starts = [
        match.start()
        for pattern, kinds in KIND_RES
        if "input" not in kinds
        for match in [pattern.search(lower, skip)]
        if match
    ]
    return text[: min(starts)] if starts else ""


_TITLE_RE = re.compile(r"^[^:\d\n]{1,60}:\s")
# A size of the input said before the first layer: "(length 128)", "sequences
# of 100", "42 tabular features", "28x28x1 images". Not one right before that
# layer's word ("a 300-dimensional embedding"), which is the layer's.
_INPUT_SIZE = re.compile(
    r"\(length \d+\)|\b(?:sequences?|windows?|series) of (?:length )?\d+\b|\blength[- ]\d+\b"
    r"|\b\d+[- ](?:[\w-]+ )?(?:tokens|characters|chars|time ?steps?|steps?|features|samples"
    r"|frames|coefficients|bins)\b"
    r"|\b\d+-dim(?:ensional)? (?:input|feature|vector)"
    r"|\b\d+ ?[x×] ?\d+(?: ?[x×] ?\d+)*\b(?!\s*$)",
    re.IGNORECASE,
)


# An input named, or its shape ("64x64 RGB crops").
_INPUT_WORD = re.compile(r"\binputs?\b|\b\d+ ?[x×] ?\d+\b", re.IGNORECASE)


@dataclass(frozen=True)
class LayerRules:
    """What a layer plan may write for one prompt, beyond the line grammar.

    - `numbers`: every number is one the prompt states (prompt_numbers), or
      any number when the prompt states none (None);
    - `longest_run`: lines with the same kind and numbers in a row (a
      misread paragraph must not repeat `dense 6` to the 40-line cap);
    - `in_order`: `input` only as the first line, and no NEVER_TWICE kind
      after itself;
    - `order`: for pasted code, the layers its listing builds, in order
      (pasted_code.code_order), or for a plain list of layers in words the
      layers it names (layer_list.list_order): each line takes the next
      step's type and that call's (item's) numbers, and the plan ends only
      after the last step.

    The defaults allow every plan the grammar allows.
    """

    numbers: frozenset[str] | None = None
    longest_run: int = MAX_LAYER_LINES
    in_order: bool = False
    order: tuple[Step, ...] | None = None
    # With an order that declares no input: may the plan still start with one?
    input_optional: bool = False
    # Per step, the line the code or list item plainly reads as: a draft for speculation.
    drafts: tuple[str, ...] = ()
    # An optional input's numbers: those stated before the first layer ("each
    # sample is 50 timesteps with 6 features. First an LSTM of 64 units ...").
    input_numbers: frozenset[str] | None = None
    # ... and must it, because the prompt gives the input's size before the
    # first layer ("token ids (length 128) go into an embedding")?
    input_required: bool = False
    # Without an order: the layer types the prompt speaks of (layer_words.licensed_kinds).
    kinds: frozenset[str] | None = None

    @classmethod
    def for_prompt(cls, prompt: str) -> LayerRules:
        text = normalise_prompt(prompt)
        order, listed = code_order(prompt), False
        if order is None:
            # "input 32x32x3, two conv layers ..., flatten, ...": its input may
            # be in a title the list leaves out ("takes windows of 96 steps").
            order = list_order(prompt)
            listed = order is not None
        if order is not None and len(order) >= MAX_LAYER_LINES:
            order = None
        drafts = draft_lines(order, prompt) if order is not None else ()
        # "input is 42 tabular features" or "64x64 crops" beside a PyTorch
        # listing, which declares no input of its own. A list in words that
        # gives no input size before its first layer gets no input: of 45
        # such prompts on layer sets 1-17, 1 expected one, and the model
        # wrote junk ("input 32000x3", "input 1") into others.
        before = _before_first_layer(text)
        sized = bool(_INPUT_SIZE.search(before))
        optional = bool(
            order
            and "input" not in order[0].kinds
            and (sized if listed else _INPUT_WORD.search(prompt))
        )
        input_numbers = licensed_numbers(before) if optional else None
        required = optional and sized
        return cls(
            licensed_numbers(text),
            longest_run(text),
            True,
            order,
            optional,
            drafts,
            input_numbers,
            required,
            licensed_kinds(prompt) if order is None else None,
        )

    def allows(
        self, line: str, written: int, last: str, run: int, complete: bool, at: int = 0
    ) -> bool:
        if self.in_order or self.order is not None:
            kinds = _kinds_for(line)
            if written:
                kinds.discard("input")
            last_kind = last.split(" ")[0]
            if last_kind in NEVER_TWICE:
                kinds.discard(last_kind)
            if self.kinds is not None:
                kinds &= self.kinds
            if self.order is not None:
                allowed = {k for step in self._steps_at(at) for k in step.kinds}
                if self.input_optional and not written:
                    allowed = {"input"} if self.input_required else allowed | {"input"}
                kinds &= allowed
            if not kinds:
                return False
        if run >= self.longest_run and _layer_key(line) == last:
            return False
        if not self._drafted_numbers(line, complete, at):
            return False
        if line.startswith("input"):
            numbers = self.numbers if self.input_numbers is None else self.input_numbers
        else:
            numbers = self._numbers_at(at)
        return numbers is None or self._numbers_allowed(line, complete, numbers)

    def _drafted_numbers(self, line: str, complete: bool, at: int) -> bool:
        """Whether a line of the step its item or call plainly reads writes that reading's numbers.

        "a 3x3 conv with 64 filters" is `conv2d 64 3x3`: the small model
        wrote `conv2d 3 3x3` now and then (3 is a default a kernel may
        need), and `input 200x128` for `keras.Input(shape=(200,))`. A step
        with no plain reading (no draft) leaves the numbers to the model.
        """
        draft = self.drafts[at] if at < len(self.drafts) else ""
        head = line.split(" ")[0]
        if not draft or (at and self.order[at - 1].repeat) or head not in self.order[at].kinds:
            return True
        if not complete and " " not in line:
            return True  # the layer type is still being written
        drafted = draft.split()
        want = [word for word in drafted if word[:1].isdigit()]
        words = line.split(" ")[1:]
        have = [word for word in words if word[:1].isdigit()]
        # "nn.Linear(256, 12), nn.Sigmoid()" ends `linear 12 sigmoid`: the
        # model dropped such an activation now and then. A draft without one
        # leaves it open (an activation said elsewhere in words).
        activation = drafted[-1] if drafted[-1] in ACTIVATIONS else ""
        rest = [word for word in words if not word[:1].isdigit()]
        if complete:
            return have == want and (not activation or rest == [activation])
        if activation and (len(rest) > 1 or not activation.startswith(rest[0] if rest else "")):
            return False
        writing = words[-1] if words and words[-1][:1].isdigit() else None
        done = have[:-1] if writing is not None else have
        return (
            len(have) <= len(want)
            and done == want[: len(done)]
            and (writing is None or want[len(done)].startswith(writing))
        )

    def _steps_at(self, at: int) -> list[Step]:
        """Return the steps of the order the next line may take at step `at`."""
        steps = [self.order[at]] if at < len(self.order) else []
        if at and self.order[at - 1].repeat:
            steps.append(self.order[at - 1])
        return steps

    def _numbers_at(self, at: int) -> frozenset[str] | None:
        """Return the numbers a line at step `at` may write: its call's, else the prompt's."""
        if self.order is None:
            return self.numbers
        steps = self._steps_at(at)
        if not steps or any(step.numbers is None for step in steps):
            return self.numbers
        return frozenset().union(*(step.numbers for step in steps))

    def next_at(self, line: str, at: int) -> int:
        """Return the order's step after a complete `line` written at step `at`."""
        if self.order is None or at >= len(self.order):
            return at
        return at + 1 if line.split(" ")[0] in self.order[at].kinds else at

    def draft(self, state) -> str:
        """Return the lines the code reads as from where `state` is, or "".

        The lines run on while each step has a draft, and past the last
        step into the style line's start: where the model agrees with the
        whole reading, one call checks it all.
        """
        if state.family != LAYERS or state.at >= len(self.drafts):
            return ""
        lines, start = [], state.at
        if state.line:
            # Within a line that starts the one drafted: the rest of it, and on.
            current = self.drafts[state.at]
            if not current or not current.startswith(state.line):
                return ""
            lines, start = [current[len(state.line) :]], state.at + 1
        elif self.input_optional and not state.steps:
            return ""  # an optional input first: no guess until the model has chosen
        for line in self.drafts[start:]:
            if not line:
                return "".join(lines)
            lines.append(line)
        return "".join(lines) + STYLE

    def order_done(self, at: int) -> bool:
        """Return whether a plan at step `at` has written every step of its order."""
        return self.order is None or at >= len(self.order)

    @staticmethod
    def _numbers_allowed(line: str, complete: bool, numbers: frozenset[str]) -> bool:
        words = line.split(" ")
        if words[0] == "add":
            return True  # a count of lines above, not a number of the prompt
        for i, word in enumerate(words[1:], start=1):
            if not word[:1].isdigit():
                continue
            pieces = word.split("x")
            for j, piece in enumerate(pieces):
                writing = not complete and i == len(words) - 1 and j == len(pieces) - 1
                if not allows(numbers, piece, partial=writing):
                    return False
        return True


def _is_size(word: str) -> bool:
    return word.isdigit() and word[0] != "0" and len(word) <= 6 and int(word) <= MAX_UNITS


# A network line's state after its complete words: (family, layers, after
# the dense layers began, granularity flag written).
NetState = tuple[str, int, bool, bool]


def _net_word(state: NetState, word: str) -> NetState | None:
    family, layers, dense, flagged = state
    if flagged:
        return None  # the flag ends the line
    if word in GRANULARITY_FLAGS:
        return (family, layers, dense, True) if _net_complete(state) else None
    if layers >= MAX_LAYERS:
        return None
    if _is_size(word):
        # In a cnn the first number is the image side, every later one a dense layer.
        return (family, layers + 1, dense or (family == "cnn" and layers > 0), False)
    if family != "cnn" or layers == 0 or dense:
        return None
    if word == "dense":
        return (family, layers, True, False)
    if CONV_WORD.fullmatch(word) or POOL_WORD.fullmatch(word):
        return (family, layers + 1, False, False)
    return None


def _fold_net(family: str, words: list[str]) -> NetState | None:
    state: NetState | None = (family, 0, False, False)
    for word in words:
        state = _net_word(state, word)
        if state is None:
            return None
    return state


def _net_complete(state: NetState) -> bool:
    # net: input and output at least; cnn: the image and one layer after it.
    return state[1] >= 2


def _net_word_prefix(state: NetState, prefix: str) -> bool:
    """Return whether some complete word starting with `prefix` may follow `state`."""
    family, layers, dense, flagged = state
    if flagged:
        return False
    if _net_complete(state) and any(flag.startswith(prefix) for flag in GRANULARITY_FLAGS):
        return True
    if layers >= MAX_LAYERS:
        return False
    if not prefix or _is_size(prefix):
        return True
    if family != "cnn" or layers == 0 or dense:
        return False
    return bool(CNN_PARTIAL.fullmatch(prefix)) or any(k.startswith(prefix) for k in CNN_KEYWORDS)


# ---------------------------------------------------------------- token choice


class TokenTable:
    """Each token's decoded text, or None where it can never appear in a structure.

    Built once per tokenizer (about 0.1 s for SmolLM2's 49k tokens): special
    tokens, tokens with a non-ASCII byte and tokens with a character no
    structure holds are None, so the per-step walk rejects them at once.
    `exact` says whether token texts concatenate to the decoded text (true of
    byte-level BPE like SmolLM2's; a SentencePiece tokenizer drops a token's
    leading space when decoding it alone, and the checker would misread).
    """

    def __init__(self, tokenizer):
        special = set(tokenizer.all_special_ids)
        self.strings: list[str | None] = []
        for token_id in range(len(tokenizer)):
            text = None if token_id in special else tokenizer.decode([token_id])
            if text and set(text) <= STRUCTURE_CHARS:
                self.strings.append(text)
            else:
                self.strings.append(None)
        probe = "flow\nraw logs, S3 #2 > - > TF-IDF vectors\nnet 6 3 layers\nstyle:"
        ids = tokenizer(probe, add_special_tokens=False).input_ids
        self.exact = "".join(self.strings[i] or "\0" for i in ids) == probe

    def without(self, token_ids) -> TokenTable:
        """Return this table with `token_ids` (a generator's stop tokens) never allowed."""
        if all(self.strings[i] is None for i in token_ids if i < len(self.strings)):
            return self
        table = copy.copy(self)
        table.strings = [None if i in token_ids else s for i, s in enumerate(self.strings)]
        return table


_tables: dict[int, tuple[object, TokenTable]] = {}


def token_table(tokenizer) -> TokenTable:
    """Return the cached TokenTable of `tokenizer`."""
    cached = _tables.get(id(tokenizer))
    if cached is None or cached[0] is not tokenizer:
        cached = (tokenizer, TokenTable(tokenizer))
        _tables[id(tokenizer)] = cached
    return cached[1]


@dataclass
class Choice:
    """A chosen token: id, its text, the state after it and its model log-probability.

    `runner_up` is the best other allowed token that changes more than
    whitespace, as (token id, log-probability, state after it), if one was
    asked for and lies in the first window.
    """

    token: int
    text: str
    state: State
    logprob: float
    runner_up: tuple[int, float, State] | None = None


def _whitespace_variant(a: str, b: str) -> bool:
    # "\n" is structure (it ends a line); spaces alone are not.
    return a.replace(" ", "") == b.replace(" ", "")


def _descending(logits):
    """Yield token ids in descending logit order, sorting more of the vocabulary only as needed."""
    import torch

    vocab = logits.shape[-1]
    start = 0
    for window in WINDOWS:
        size = vocab if window is None else min(window, vocab)
        yield from torch.topk(logits, size).indices.tolist()[start:]
        if size == vocab:
            return
        start = size


def choose_token(
    logits,
    state: State,
    checker: StructureChecker,
    table: TokenTable,
    *,
    temperature: float = 0.0,
    top_p: float = 1.0,
    rng=None,
    runner_up: bool = False,
) -> Choice | None:
    """Return the model's best (or a sampled) token that keeps the structure valid, or None.

    `logits` is one row (vocabulary,) of raw next-token logits. Greedy takes
    the first allowed token in descending logit order; sampling draws among
    the allowed tokens of the first SAMPLE_WINDOW (or the first allowed one
    beyond), at most SAMPLE_TOP_K of them, renormalised, at `temperature`
    with top-p. Log-probabilities are under the unmasked model.
    """
    import torch

    logits = logits.detach().float().cpu()
    log_norm = float(torch.logsumexp(logits, dim=-1))
    strings = table.strings
    allowed: list[tuple[int, State]] = []
    for rank, token_id in enumerate(_descending(logits), start=1):
        text = strings[token_id] if token_id < len(strings) else None
        after = None if text is None else checker.advance(state, text)
        if after is not None and not (
            temperature <= 0 and allowed and _whitespace_variant(strings[allowed[0][0]], text)
        ):
            allowed.append((token_id, after))
        # Stop before the walk sorts a wider window it does not need.
        if not allowed:
            continue
        if temperature > 0:
            if len(allowed) >= SAMPLE_TOP_K or rank >= SAMPLE_WINDOW:
                break
        elif not runner_up or len(allowed) > 1 or rank >= WINDOWS[0]:
            # A runner-up below the first window is far behind the best:
            # never a close alternative.
            break
    if not allowed:
        return None
    if temperature <= 0:
        token_id, after = allowed[0]
        second = None
        if len(allowed) > 1:
            other, other_state = allowed[1]
            second = (other, float(logits[other]) - log_norm, other_state)
        return Choice(
            token_id, strings[token_id], after, float(logits[token_id]) - log_norm, second
        )
    ids = torch.tensor([token_id for token_id, _ in allowed])
    probs = torch.softmax(logits[ids] / max(temperature, 1e-4), dim=-1)
    if top_p < 1.0:
        # Keep the smallest prefix whose mass reaches top_p (always the top token).
        sorted_probs, order = probs.sort(descending=True)
        cut = sorted_probs.cumsum(dim=-1) - sorted_probs >= top_p
        sorted_probs[cut] = 0.0
        probs = torch.zeros_like(probs).scatter(-1, order, sorted_probs)
    pick = int(torch.multinomial(probs, 1, generator=rng)[0])
    token_id, after = allowed[pick]
    return Choice(token_id, strings[token_id], after, float(logits[token_id]) - log_norm)
