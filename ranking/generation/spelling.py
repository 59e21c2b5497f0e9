"""Layer words as people mistype them, read as the words they meant.

"droput 0.2 after each" is a dropout for the readers of networks in words
(`layer_list`) and for the decoder's choice of plan form
(`layerplan.needs_layer_plan`).
"""

from __future__ import annotations

import re

# Layer words people misspell ("droput", "embeding", "convolutoin"); each is
# read as the word it is one slip away from (a letter dropped or added, two
# swapped). Short words ("dense", "conv") are left alone: one slip away
# from them are other words.
SPELLED = (
    "dropout", "flatten", "pooling", "embedding", "convolution", "convolutional",
    "attention", "transformer", "bidirectional", "normalization", "softmax", "sigmoid",
    "mirrors", "connected",
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z]{6,}")


_WITH = re.compile(r"(?<![\w/])w/(?=\s)", re.IGNORECASE)


def spelled(text: str) -> str:
    """Return `text` with words one slip from a layer word (`SPELLED`) written as that word.

    "w/" is written "with" ("an RNN w/ 64 hidden units").
    """
    text = _WITH.sub("with", text)
    return _WORD.sub(lambda m: _respelled(m.group(0)), text)


def _respelled(word: str) -> str:
    lower = word.lower()
    if any(lower.startswith(known) for known in SPELLED):
        return word  # "dropouts", "convolutions": the word itself
    for known in SPELLED:
        if _one_slip(lower, known):
            return known
    return word


def _one_slip(a: str, b: str) -> bool:
    """Return whether `a` is `b` with one letter dropped or added, or two swapped."""
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        # Two letters swapped; not one changed: "transformed" is a word of its own.
        swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i]
        return swapped and a[i + 2 :] == b[i + 2 :]
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[i + 1 :] == shorter[i:]
