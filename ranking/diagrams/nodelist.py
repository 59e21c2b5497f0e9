"""Read and write the node-list interchange format.

One shape per record:
``[id, x, y, 'shape', w, h, 'line style', (R, G, B), (R, G, B), [targets], 'label']``
where the trailing label is optional. The reader is as tolerant as the parser
of the system this replaces: quoted or bare strings, numbers written as strings
or floats, extra spaces, several records on one line, the whole list wrapped in
one more pair of brackets. A record it cannot read is reported with its line
number and skipped; `parse` never raises.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .model import LINE_STYLES, SHAPES, Diagram, Node

# Longer number tokens are rejected before int()/float() sees them: Python
# refuses to convert integer strings of more than 4300 digits (ValueError)
# and nothing on a 1000 x 600 canvas needs that many.
MAX_NUMBER_CHARS = 40
# Error messages echo the offending text; cap it so one huge line cannot
# bloat a job's stored error report.
MAX_ERROR_TEXT = 200
# A record holds groups (colours, targets) but no groups inside groups.
MAX_NESTING = 2

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_OPENERS = {"[": "]", "(": ")"}
_CLOSERS = {"]", ")"}
_QUOTES = {"'", '"'}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}

# The exact form `dump_node` writes (and the reference data uses). Lines in
# this form skip the character-by-character splitter, about 5x faster; their
# fields still go through the same readers, so both paths agree.
_NUM = r"(-?\d+(?:\.\d+)?(?:e[+-]\d+)?)"
_BYTE = r"(\d{1,3})"
_CANONICAL = re.compile(
    rf"\[(-?\d+), {_NUM}, {_NUM}, '(rectangle|round rectangle|circle)', {_NUM}, {_NUM}, "
    r"'(solid arrow|solid line|dashed line)', "
    rf"\({_BYTE}, {_BYTE}, {_BYTE}\), \({_BYTE}, {_BYTE}, {_BYTE}\), "
    r"\[((?:-?\d+(?:, -?\d+)*)?)\](?:, '((?:[^'\\]|\\.)*)')?\]",
    re.DOTALL,
)


@dataclass
class LineError:
    """A record that could not be read: 1-based line number, reason, its text."""

    line_no: int
    reason: str
    text: str

    def __str__(self) -> str:
        return f"line {self.line_no}: {self.reason}: {self.text}"


@dataclass
class ParseResult:
    """The diagram made of every readable record, plus the records skipped."""

    diagram: Diagram
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when every record was read."""
        return not self.errors


class _RecordError(ValueError):
    """Why one record cannot be read (turned into a LineError by `parse`)."""


@dataclass
class _Token:
    """One field of a record: raw text plus whether it was written in quotes."""

    text: str
    quoted: bool = False
    items: list[_Token] | None = None  # set for ( ... ) and [ ... ] groups


def parse(text: str) -> ParseResult:
    """Return the diagram in `text` and the records that were skipped, never raising."""
    if not isinstance(text, str):
        return ParseResult(Diagram(), [LineError(0, "input is not text", repr(text)[:80])])
    nodes: list[Node] = []
    errors: list[LineError] = []
    for line_no, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.strip()
        if not line:
            continue
        node = _read_canonical(line)
        if node is not None:
            nodes.append(node)
            continue
        for record_text, problem in _split_records(line):
            if problem:
                errors.append(LineError(line_no, problem, _clip(record_text)))
                continue
            try:
                nodes.append(_read_node(record_text))
            except _RecordError as exc:
                errors.append(LineError(line_no, str(exc), _clip(record_text)))
    return ParseResult(Diagram(nodes), errors)


def dumps(diagram: Diagram) -> str:
    """Return the canonical node-list text of `diagram`, one record a line."""
    return "".join(dump_node(node) + "\n" for node in diagram.nodes)


def dump_node(node: Node) -> str:
    """Return the canonical one-line record of `node` (label only when set)."""
    fields = [
        str(int(node.id)),
        _format_number(node.x),
        _format_number(node.y),
        _quote(node.shape),
        _format_number(node.width),
        _format_number(node.height),
        _quote(node.line),
        _format_colour(node.fill),
        _format_colour(node.stroke),
        "[" + ", ".join(str(int(t)) for t in node.targets) + "]",
    ]
    if node.label:
        fields.append(_quote(node.label))
    return "[" + ", ".join(fields) + "]"


# --- splitting text into records and fields ---------------------------------


def _split_records(line: str) -> list[tuple[str, str | None]]:
    """Return the records on one line as (text, problem) pairs.

    A record is a top-level ``[ ... ]``; a line holding one outer list of
    records (``[[...], [...]]``) is unwrapped once. A line without brackets is
    tried as one bare record, so ``0, 10, 10, circle, ...`` still reads.
    """
    spans, problem = _top_level_groups(line, "[")
    if problem:
        return [(line, problem)]
    if not spans:
        if "," in line:
            return [(line, None)]
        return [(line, "no shape record on this line")]
    records: list[tuple[str, str | None]] = []
    for start, end in spans:
        inner = line[start + 1 : end]
        stripped = inner.strip()
        if stripped.startswith("["):
            # The whole list wrapped in one more pair of brackets.
            inner_spans, inner_problem = _top_level_groups(stripped, "[")
            if not inner_problem and inner_spans and _only_separators(stripped, inner_spans):
                records.extend((stripped[s + 1 : e], None) for s, e in inner_spans)
                continue
        records.append((inner, None))
    return records


def _top_level_groups(text: str, opener: str) -> tuple[list[tuple[int, int]], str | None]:
    """Return (start, end) index pairs of the top-level `opener` groups in `text`.

    Brackets inside quoted strings do not count. Returns a problem string
    instead when brackets do not balance or a quote is left open.
    """
    spans: list[tuple[int, int]] = []
    stack: list[str] = []
    start = -1
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in _QUOTES and _starts_field(text, i):
            close = _closing_quote(text, i)
            if close < 0:
                return spans, "unterminated quoted string"
            i = close + 1
            continue
        if ch in _OPENERS:
            if not stack and ch == opener:
                start = i
            if stack or ch == opener:
                stack.append(_OPENERS[ch])
        elif ch in _CLOSERS and stack:
            if ch != stack[-1]:
                return spans, f"mismatched '{ch}'"
            stack.pop()
            if not stack:
                spans.append((start, i))
        i += 1
    if stack:
        return spans, f"unterminated record (missing '{stack[-1]}')"
    return spans, None


def _only_separators(text: str, spans: list[tuple[int, int]]) -> bool:
    """Return True when nothing but commas and spaces lies between the spans."""
    pos = 0
    for start, end in spans:
        if text[pos:start].strip(" \t,"):
            return False
        pos = end + 1
    return not text[pos:].strip(" \t,")


def _starts_field(text: str, i: int) -> bool:
    """Return True when position `i` is the first non-space char of a field.

    Only such quotes open a string, so an apostrophe inside a bare word
    (``user's data``) stays literal.
    """
    j = i - 1
    while j >= 0 and text[j] in " \t\r":
        j -= 1
    return j < 0 or text[j] in ",[("


def _closing_quote(text: str, i: int) -> int:
    """Return the index of the quote closing the string opened at `i`, or -1."""
    quote = text[i]
    j = i + 1
    n = len(text)
    while j < n:
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j
        j += 1
    return -1


def _split_fields(text: str, depth: int = 0) -> list[_Token]:
    """Return the comma-separated fields of a record body as tokens.

    Commas inside quotes, ( ) and [ ] do not split. Groups become tokens with
    `items`. No valid record nests deeper than a list inside a record, so
    deeper input is refused before it can exhaust the recursion limit.
    """
    if depth > MAX_NESTING:
        raise _RecordError("brackets nested too deeply")
    tokens: list[_Token] = []
    i = 0
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r":
            i += 1
        if i >= n:
            if tokens or text.strip():
                tokens.append(_Token(""))
            break
        ch = text[i]
        if ch in _QUOTES:
            close = _closing_quote(text, i)
            if close < 0:
                raise _RecordError("unterminated quoted string")
            token = _Token(_unescape(text[i + 1 : close]), quoted=True)
            i = close + 1
        elif ch in _OPENERS:
            close = _matching_bracket(text, i)
            token = _Token(text[i : close + 1], items=_split_fields(text[i + 1 : close], depth + 1))
            i = close + 1
        else:
            j = i
            while j < n and text[j] not in ",([":
                j += 1
            token = _Token(text[i:j].strip())
            i = j
        while i < n and text[i] in " \t\r":
            i += 1
        if i < n and text[i] != ",":
            raise _RecordError(f"unexpected text after {token.text[:20]!r}")
        tokens.append(token)
        if i >= n:
            break
        i += 1  # skip the comma
        if i >= n:
            break  # a trailing comma is tolerated
    return tokens


def _matching_bracket(text: str, i: int) -> int:
    """Return the index of the bracket closing the one at `i`."""
    stack = [_OPENERS[text[i]]]
    j = i + 1
    n = len(text)
    while j < n:
        ch = text[j]
        if ch in _QUOTES and _starts_field(text, j):
            close = _closing_quote(text, j)
            if close < 0:
                raise _RecordError("unterminated quoted string")
            j = close + 1
            continue
        if ch in _OPENERS:
            stack.append(_OPENERS[ch])
        elif ch in _CLOSERS:
            if ch != stack[-1]:
                raise _RecordError(f"mismatched '{ch}'")
            stack.pop()
            if not stack:
                return j
        j += 1
    raise _RecordError(f"missing '{stack[-1]}'")


def _unescape(text: str) -> str:
    """Return a quoted string's content with backslash escapes resolved."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


# --- reading one record -----------------------------------------------------


def _read_canonical(line: str) -> Node | None:
    """Return the node of a line in canonical form, or None to use the tolerant path.

    The regex has fixed the syntax; only the value checks of the tolerant
    readers are repeated here. Anything doubtful returns None so the tolerant
    path reads it, or reports it with its usual message.
    """
    match = _CANONICAL.fullmatch(line)
    if (
        match is None
        or len(line) > 2000
        or any(len(g) > MAX_NUMBER_CHARS for g in match.groups()[:7])
    ):
        return None
    g = match.groups()
    x, y, width, height = float(g[1]), float(g[2]), float(g[4]), float(g[5])
    if not all(math.isfinite(v) for v in (x, y, width, height)) or width <= 0 or height <= 0:
        return None
    targets = g[13].split(", ") if g[13] else []
    if any(len(t) > MAX_NUMBER_CHARS for t in targets):
        return None
    fill = (int(g[7]), int(g[8]), int(g[9]))
    stroke = (int(g[10]), int(g[11]), int(g[12]))
    if max(fill + stroke) > 255:
        return None
    label = None
    if g[14] is not None:
        label = _read_label(_Token(_unescape(g[14]), quoted=True))
    return Node(
        id=int(g[0]),
        x=x,
        y=y,
        shape=g[3],
        width=width,
        height=height,
        line=g[6],
        fill=fill,
        stroke=stroke,
        targets=[int(t) for t in targets],
        label=label,
    )


def _read_node(record: str) -> Node:
    """Return the node described by one record body, or raise _RecordError."""
    return _node_from_tokens(_split_fields(record))


def _node_from_tokens(tokens: list[_Token]) -> Node:
    """Return the node made of a record's fields, or raise _RecordError."""
    if len(tokens) not in (10, 11):
        raise _RecordError(f"expected 10 or 11 fields, found {len(tokens)}")
    label = None
    if len(tokens) == 11:
        label = _read_label(tokens[10])
    return Node(
        id=_read_int(tokens[0], "node id"),
        x=_read_float(tokens[1], "x"),
        y=_read_float(tokens[2], "y"),
        shape=_read_choice(tokens[3], SHAPES, "shape"),
        width=_read_positive(tokens[4], "width"),
        height=_read_positive(tokens[5], "height"),
        line=_read_choice(tokens[6], LINE_STYLES, "line style"),
        fill=_read_colour(tokens[7], "fill colour"),
        stroke=_read_colour(tokens[8], "line colour"),
        targets=_read_targets(tokens[9]),
        label=label,
    )


def _scalar_text(token: _Token, what: str) -> str:
    """Return a scalar field's text, rejecting groups where a value belongs."""
    if token.items is not None:
        raise _RecordError(f"{what} should be a single value, not {token.text[:20]!r}")
    return token.text.strip()


def _read_number(token: _Token, what: str) -> float:
    """Return a finite number from a bare or quoted token."""
    text = _scalar_text(token, what)
    if len(text) > MAX_NUMBER_CHARS or not _NUMBER.fullmatch(text):
        raise _RecordError(f"{what} is not a number: {text[:20]!r}")
    value = float(text)
    if not math.isfinite(value):
        raise _RecordError(f"{what} is not a finite number: {text[:20]!r}")
    return value


def _read_float(token: _Token, what: str) -> float:
    """Return a finite float field."""
    return _read_number(token, what)


def _read_positive(token: _Token, what: str) -> float:
    """Return a finite float field that must be greater than zero."""
    value = _read_number(token, what)
    if value <= 0:
        raise _RecordError(f"{what} must be greater than 0, got {_format_number(value)}")
    return value


def _read_int(token: _Token, what: str) -> int:
    """Return an integer field (written as 3, '3' or 3.0)."""
    text = _scalar_text(token, what)
    if len(text) <= MAX_NUMBER_CHARS and _INTEGER.fullmatch(text):
        return int(text)  # exact, even past float precision
    value = _read_number(token, what)
    if not value.is_integer():
        raise _RecordError(f"{what} must be a whole number, got {_format_number(value)}")
    return int(value)


def _normalise_word(text: str) -> str:
    """Return a style word lower-cased with one space between words.

    Underscores, hyphens and stray punctuation at either end are dropped, so
    'Round_Rectangle', ' solid  arrow ' and the old model's '/solid line' read.
    """
    words = re.sub(r"[\s_\-]+", " ", text.lower())
    return re.sub(r"^[^a-z]+|[^a-z]+$", "", words)


def _read_choice(token: _Token, choices: tuple[str, ...], what: str) -> str:
    """Return the canonical spelling of a shape or line-style field."""
    word = _normalise_word(_scalar_text(token, what))
    if word not in choices:
        allowed = ", ".join(choices)
        raise _RecordError(f"unknown {what} {token.text[:30]!r} (expected one of: {allowed})")
    return word


def _group_items(token: _Token, what: str) -> list[_Token]:
    """Return the items of a ( ) or [ ] group, also when written as a quoted string."""
    if token.items is not None:
        return token.items
    text = token.text.strip()
    if token.quoted and text[:1] in _OPENERS and text[-1:] in _CLOSERS:
        # '(192, 192, 224)' written as a string: read what is inside.
        return _split_fields(text[1:-1])
    raise _RecordError(f"{what} should be a bracketed list, got {token.text[:20]!r}")


def _read_colour(token: _Token, what: str) -> tuple[int, int, int]:
    """Return an (R, G, B) field with three whole numbers in 0..255."""
    items = _group_items(token, what)
    if len(items) != 3:
        raise _RecordError(f"{what} needs 3 values, found {len(items)}")
    channels = [_read_int(item, what) for item in items]
    if any(not 0 <= c <= 255 for c in channels):
        raise _RecordError(f"{what} values must be in 0..255, got {tuple(channels)}")
    return (channels[0], channels[1], channels[2])


def _read_targets(token: _Token) -> list[int]:
    """Return the list of target node ids (an empty list is fine)."""
    items = _group_items(token, "targets")
    if len(items) == 1 and not items[0].text.strip() and items[0].items is None:
        return []
    return [_read_int(item, "target id") for item in items]


def _read_label(token: _Token) -> str | None:
    """Return the optional label field, None when it is empty.

    A quoted label is kept exactly (so round trips are stable); a bare one is
    stripped of the spaces around it.
    """
    text = token.text if token.quoted else _scalar_text(token, "label")
    return text if text.strip() else None


# --- writing ----------------------------------------------------------------


def _format_number(value: float) -> str:
    """Return a number as written in the format: integral values without '.0'."""
    value = float(value)
    # Huge integral values keep the exponent form so they read back within
    # MAX_NUMBER_CHARS.
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _format_colour(colour) -> str:
    """Return an (R, G, B) triple as text."""
    return "(" + ", ".join(str(int(c)) for c in colour) + ")"


def _quote(text: str) -> str:
    """Return `text` in single quotes with backslashes, quotes and newlines escaped."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return "'" + escaped + "'"


def _clip(text: str) -> str:
    """Return `text` shortened for an error report."""
    text = text.strip()
    if len(text) <= MAX_ERROR_TEXT:
        return text
    return text[: MAX_ERROR_TEXT - 3] + "..."
