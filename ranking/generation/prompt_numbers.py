"""The numbers a prompt states, as a layer plan writes them.

A layer plan's numbers (units, filters, kernels, shapes, rates) come from
the prompt: "sixteen 5x5 filters", "a vocabulary of 30,522", "20k words",
"50% dropout", `nn.Dropout(p=0.1)`. The constrained decoder lets a layer
line write only these (docs/plan-language.md, "Numbers in layer plans"), so
a model that misreads a paragraph cannot invent "dense 10028" or put
"64x64" on a kernel the prompt calls 3x3.
"""

from __future__ import annotations

import re
from collections import Counter

from ranking.generation.layerplan import number_text

# Always allowed: channels a prompt says in words ("grayscale" is 1, "RGB"
# is 3), a default pool of 2, and PyTorch's default dropout of 0.5.
DEFAULTS = frozenset({"1", "2", "3", "0.5"})
# The longest run of identical layer lines a prompt without a bigger count
# may ask for ("two 3x3 conv layers" is 2, and a pasted listing repeats a
# layer about as often).
MIN_RUN = 3
MAX_RUN = 16

_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "single": 1, "twice": 2,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000}
_NUMBER_WORD = "|".join([*_ONES, *_TENS, *_SCALES, "and"])
# A run of number words: "one hundred twenty-eight", "thirty two", "forty".
_WORDS = rf"(?:{_NUMBER_WORD})(?:[\s-]+(?:{_NUMBER_WORD}))*"
_WORDS_RE = re.compile(rf"\b{_WORDS}\b", re.IGNORECASE)
# Digits, with thousands commas ("30,522"), an optional k ("20k"), and rates
# without their zero ("dropout .25").
# A number glued to letters ("conv2d", "fc1") is a name, except after the x
# of a shape ("98x40", "3×3").
_DIGITS_RE = re.compile(r"(?<![A-WYZa-wyz0-9_.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|\.\d+)([kK]\b)?")
_PERCENT_RE = re.compile(r"\s*(?:%|percent|per cent)", re.IGNORECASE)


def _words_values(words: str) -> list[int]:
    """Return the numbers in a run of number words.

    "one hundred twenty-eight" is one number; "sixteen and thirty-two" and
    "two three" are two: a new number starts where the words cannot go on
    one ("and" only joins after hundred or thousand).
    """
    numbers: list[int] = []
    total = current = 0
    last = ""  # "one", "ten" or "scale": the kind of the previous word

    def flush():
        nonlocal total, current, last
        if last:
            numbers.append(total + current)
        total = current = 0
        last = ""

    for word in re.split(r"[\s-]+", words.lower()):
        if word == "and":
            if last != "scale":
                flush()
        elif word in _ONES:
            if last == "one" or (last == "ten" and _ONES[word] >= 10):
                flush()
            current += _ONES[word]
            last = "one"
        elif word in _TENS:
            if last in ("one", "ten"):
                flush()
            current += _TENS[word]
            last = "ten"
        elif word == "hundred":
            current = max(current, 1) * 100
            last = "scale"
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
            last = "scale"
    flush()
    return numbers


def _values(prompt: str) -> list[tuple[float, bool, int]]:
    """Return each number the prompt states: (value, a percent sign follows, where it starts)."""
    found = []
    for match in _DIGITS_RE.finditer(prompt):
        value = float(match.group(1).replace(",", ""))
        if match.group(2):
            value *= 1000
        found.append((value, bool(_PERCENT_RE.match(prompt, match.end())), match.start()))
    for match in _WORDS_RE.finditer(prompt):
        values = _words_values(match.group(0))
        for i, value in enumerate(values):
            # Only the last number of a run can be the one a "%" follows.
            percent = i == len(values) - 1 and bool(_PERCENT_RE.match(prompt, match.end()))
            found.append((float(value), percent, match.start()))
    return found


def licensed_numbers(prompt: str, defaults: frozenset[str] = DEFAULTS) -> frozenset[str] | None:
    """Return the numbers a layer plan may write for `prompt`, as plan text.

    None when the prompt states no number at all: the model then draws its
    own usual sizes rather than being held to the defaults. A count of
    layers ("four conv blocks", `range(6)`) is not a size: a plan writes it
    as that many lines, so it is licensed only where the prompt also states
    it as a size ("four blocks of 4 units").
    """
    values = _values(prompt)
    if not values:
        return None
    sizes = _sizes(prompt, values)
    if _DOUBLING_RE.search(prompt):
        # "the width doubles each time, starting at 32 filters": 64, 128, ...
        sizes = [*sizes, *_doubled(sizes)]
    return frozenset(defaults).union(sizes)


_DOUBLING_RE = re.compile(r"\bdoubl(?:es?|ing)\b", re.IGNORECASE)


def _doubled(sizes: list[str]) -> list[str]:
    """Whole sizes of 8 or more, times 2, 4, 8 and 16."""
    out = []
    for size in sizes:
        if size.isdigit() and int(size) >= 8:
            out += [str(int(size) * 2**k) for k in range(1, 5)]
    return out


def stated_numbers(text: str) -> list[str]:
    """Return the sizes `text` states, in the order written, as plan text (counts left out).

    "a conv with 32 filters 3x3" -> ["32", "3", "3"]; "20% dropout" -> ["0.2"].
    """
    return _sizes(text, _values(text))


def _sizes(text: str, values: list[tuple[float, bool, int]]) -> list[str]:
    """Return the stated `values` of `text` that are sizes, in order, as plan text.

    A percent is a rate; a count of layers is not a size.
    """
    counts = _count_starts(text)
    sizes = []
    for value, percent, start in sorted(values, key=lambda found: found[2]):
        if percent:
            if 0 < value < 100:
                sizes.append(number_text(value / 100))
        elif start not in counts:
            sizes.append(number_text(value))
    return sizes


def as_digits(text: str, keep: tuple[str, ...] = ("one", "single", "twice")) -> str:
    """Return `text` with its numbers in words as digits: "sixty-four units" -> "64 units".

    A run of several numbers is joined by "and" ("sixteen and thirty-two"
    -> "16 and 32"); words in `keep` stay as they are ("the first one").
    """

    def digits(match: re.Match) -> str:
        words = match.group(0)
        # "dropout 0.5 and one sigmoid output": the "and" joins list items, not numbers.
        leading = re.match(r"and[\s-]+", words, re.IGNORECASE)
        head = leading.group(0) if leading else ""
        trailing = re.search(r"[\s-]+and$", words[len(head) :])
        core = words[len(head) : len(head) + trailing.start()] if trailing else words[len(head) :]
        values = _words_values(core)
        if not values or core.lower() in keep:
            return words
        joined = " and ".join(str(v) for v in values)
        return head + joined + (trailing.group(0) if trailing else "")

    return _POINT_RE.sub(r"\1 0.\2", _WORDS_RE.sub(digits, text))


# "dropout point five", "a rate of zero point two": a rate said in words, once in digits.
_POINT_RE = re.compile(
    r"\b((?:dropout|rate|probability|p)(?: of)?|of) (?:0 |zero )?point (\d\d?)\b(?![.\d])",
    re.IGNORECASE,
)


def _count_starts(prompt: str) -> set[int]:
    """Return where the counts of layers start: numbers only a few plain words before the noun.

    "four conv blocks" is a count; in "4 heads and 2 layers" the 4 is not
    (another number stands between it and "layers").
    """
    starts = set()
    for match in _COUNT_RE.finditer(prompt):
        if match.group(2):
            starts.add(match.start(2))
            continue
        between = prompt[match.end(1) : match.end()]
        if not re.search(r"\d", between) and not _WORDS_RE.search(between):
            starts.add(match.start(1))
    return starts


# Counts of layers: a number a few words before a plural layer noun ("4
# transformer blocks", "three 3x3 conv layers"), a loop in pasted code
# ("for _ in range(4)"). Other numbers are sizes ("a 6-unit output",
# "sixteen filters") and say nothing of repeats.
_COUNT_RE = re.compile(
    rf"\b(\d{{1,2}}|{_WORDS})\s+(?:[\w-]+\s+){{0,3}}?"
    r"(?:layers|blocks|convolutions|convs|stages|times|cells)\b"
    r"|range\((\d{1,2})\)",
    re.IGNORECASE,
)
# Words that name a layer: a prompt (or pasted listing) that names one kind
# N times may ask for N of it in a row ("a transformer block with 4 heads, a
# transformer block ...", five `nn.Linear(256, 256)`).
_LAYER_WORD_RE = re.compile(
    r"transformer|attention|conv|dense|linear|lstm|gru|rnn|pool|dropout|norm|embedding"
    r"|flatten|fully.connected|hidden",
    re.IGNORECASE,
)


def longest_run(prompt: str) -> int:
    """Return how many identical layer lines in a row `prompt` can ask for.

    The largest count of layers the prompt states up to MAX_RUN ("four
    transformer blocks", "6 conv layers"), or the most times it names one
    kind of layer; at least MIN_RUN.
    """
    counts = []
    for number, loop in _COUNT_RE.findall(prompt):
        text = number or loop
        counts += [int(text)] if text.isdigit() else _words_values(text)[-1:]
    counts += Counter(word.lower() for word in _LAYER_WORD_RE.findall(prompt)).values()
    return max([MIN_RUN, *(c for c in counts if c <= MAX_RUN)])


def allows(allowed: frozenset[str], text: str, partial: bool) -> bool:
    """Return whether a number being written (`partial`) or written is in `allowed`."""
    if not partial:
        return text in allowed
    return any(number.startswith(text) for number in allowed)
