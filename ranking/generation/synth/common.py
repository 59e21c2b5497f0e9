"""Shared pieces of the synthetic data: numbers, English lists, style requests, typos."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ranking.generation.plan import STYLE_CHOICES, Plan, random_style


@dataclass(frozen=True)
class Example:
    """One training pair: a prompt, the plan text, its task family and the module that made it."""

    prompt: str
    plan: str
    family: str  # "dl_model" or "flowchart"
    source: str = ""  # "networks", "templates" or "processes"


# ---------------------------------------------------------------- numbers

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(value: int) -> str:
    """Return `value` (0..9999) in English words ("sixty-four")."""
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens] + ("-" + _ONES[ones] if ones else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        head = _ONES[hundreds] + " hundred"
        return head + (" and " + number_words(rest) if rest else "")
    thousands, rest = divmod(value, 1000)
    head = number_words(thousands) + " thousand"
    return head + (" " + number_words(rest) if rest else "")


def num(rng: random.Random, value: int, wordy: bool) -> str:
    if wordy and value <= 1000 and rng.random() < 0.7:
        return number_words(value)
    return str(value)


def and_list(items: list[str]) -> str:
    """Return the items as English lists them: "32, 64 and 128"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def join(rng: random.Random, items: list[str], spaces: bool = False) -> str:
    """Join items as an English list with a random separator style.

    Plain-space joining ("3 4 5") is only allowed for numbers, where it stays
    unambiguous.
    """
    if len(items) == 1:
        return items[0]
    style = rng.random()
    if style >= 0.6 and style < 0.8 and not spaces:
        style = 0.9
    if style < 0.4:
        return ", ".join(items[:-1]) + (", and " if rng.random() < 0.5 else " and ") + items[-1]
    if style < 0.6:
        return ", ".join(items)
    if style < 0.8:
        return " ".join(items)
    return " and ".join(items)


# ---------------------------------------------------------------- style requests

_STYLE_PHRASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("orient", "down"): (
        "top to bottom",
        "vertical layout",
        "drawn vertically",
        "flowing downwards",
    ),
    ("orient", "right"): (
        "left to right",
        "horizontal layout",
        "drawn horizontally",
        "laid out horizontally",
    ),
    ("shape", "circle"): ("use circles", "circles for the nodes", "round nodes"),
    ("shape", "box"): ("use rectangles", "boxes for every node", "square boxes"),
    ("shape", "round"): ("rounded rectangles", "rounded boxes", "use round rectangles"),
    ("line", "arrow"): ("with arrows", "arrows between shapes", "solid arrows"),
    ("line", "line"): ("plain lines without arrow heads", "solid lines", "simple lines, no arrows"),
    ("line", "dashed"): ("dashed lines", "dashed connections", "use dashed edges"),
    ("palette", "muted"): ("muted colours", "muted colors", "soft muted palette"),
    ("palette", "grey"): ("grey colours", "in grayscale", "gray palette"),
    ("palette", "bright"): ("bright colours", "vivid colors", "colourful"),
    ("palette", "blue"): ("blue tones", "in blue", "a blue palette"),
    ("palette", "green"): ("green tones", "in green", "a green palette"),
    ("palette", "warm"): ("warm colours", "warm colors like orange", "a warm palette"),
    ("palette", "pastel"): ("pastel colours", "pastel colors", "soft pastel palette"),
    ("palette", "mono"): ("black and white", "monochrome", "no colours"),
    ("labels", "labels"): ("with labels", "label every shape", "show the names"),
    ("labels", "nolabels"): ("without labels", "no text in the shapes", "unlabelled shapes"),
    ("size", "small"): ("small shapes", "compact", "tiny nodes"),
    ("size", "large"): ("large shapes", "big nodes", "make it big"),
}


def _style_and_request(rng: random.Random) -> tuple[dict[str, str], str]:
    """Return a style for the plan and the prompt suffix that requests part of it."""
    style = random_style(rng)
    if rng.random() > 0.3:
        return style, ""
    keys = rng.sample(list(STYLE_CHOICES), rng.choice((1, 1, 2, 3)))
    requests = []
    for key in keys:
        options = [v for (k, v) in _STYLE_PHRASES if k == key]
        value = rng.choice(options)
        style[key] = value
        requests.append(rng.choice(_STYLE_PHRASES[(key, value)]))
    text = join(rng, requests)
    suffix = rng.choice(
        (". Please use {}.", ", {}.", ". Style: {}.", " ({})", ". I'd like {}.", "; {}")
    ).format(text)
    return style, suffix


def _add_request(rng: random.Random, prompt: str, suffix: str) -> str:
    """Append a style request; a bulleted prompt gets it on its own line."""
    if "\n" in prompt and rng.random() < 0.7:
        sentence = suffix.lstrip(".,;( ").rstrip(")")
        return prompt.rstrip(". ") + "\n" + sentence[0].upper() + sentence[1:]
    return prompt.rstrip(". ") + suffix


def finish(
    rng: random.Random, prompt: str, plan: Plan, family: str, source: str, typos: bool = True
) -> Example:
    """Return the example with a style line, maybe a style request and a typo in the prompt.

    `typos=False` for prompts whose plan copies names: a typo there is made in
    the name itself, so that the plan can copy it.
    """
    style, suffix = _style_and_request(rng)
    if suffix:
        prompt = _add_request(rng, prompt, suffix)
    if typos and rng.random() < 0.04:
        prompt = typo(rng, prompt)
    return Example(prompt, plan.with_style(style).to_text(), family, source)


def typo(rng: random.Random, text: str) -> str:
    """Return text with one letter dropped or doubled inside a long word."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 5]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    words[i] = w[:j] + w[j + 1 :] if rng.random() < 0.5 else w[:j] + w[j] + w[j:]
    return " ".join(words)
