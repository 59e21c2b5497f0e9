"""The reference generator's step templates: one table, read by the synthetic data
(which writes prompts with them) and by the baseline parser (which reads them back).

Placeholders: {a} inputs, {b} outputs, {p} the processor, {them} "it" or
"them", {c} a converter that is no node ("a PCA converts X into Y").
"""

from __future__ import annotations

import re

# (inputs?, processor?, outputs?) -> forms; a form listed twice is drawn twice as often.
STEP_FORMS: dict[tuple[bool, bool, bool], tuple[str, ...]] = {
    (True, True, True): (
        "inputs {a}, and outputs {b} and process them with {p}",
        "inputs {a}, and outputs {b} and process them with {p}",
        "{p} that inputs {a}, and outputs {b}",
        "{p} that process {a}, and outputs {b}",
        "{p} that handle {a}, and outputs {b}",
        "{p} that, with {a} as input, and {b} as output",
    ),
    (True, True, False): (
        "inputs {a} and process {them} with {p}",
        "inputs {a} and process {them} with {p}",
        "{p} that, with {a} as input",
        "{p} that process {a}",
        "{p} that handle {a}",
    ),
    (False, True, True): (
        "outputs {b} and process {them} with {p}",
        "{p} that with {b} as output",
        "{p} that outputs {b}",
    ),
    (True, False, True): ("a {c} converts {a} into {b}",),
}

# Forms found in the reference prompts that the synthetic data does not write.
READ_ONLY_FORMS = ("{p} that inputs {a}",)

# Words before the steps ("pipeline that includes, ...").
HEAD_VERBS = ("includes,", "contains,", "consists of", "has these steps:", "does the following:")


def all_forms() -> list[str]:
    """Return every distinct form, the read-only ones included."""
    forms = dict.fromkeys(f for group in STEP_FORMS.values() for f in group)
    return list(forms) + [f for f in READ_ONLY_FORMS if f not in forms]


# Phrases only the templates write ("process them with", "CNN model that
# inputs ..."). A prompt without one never needs a numbered name ("CNN
# model #2"): no free-English prompt of the benchmark sets does.
_TEMPLATE_MARKER = re.compile(
    r"\bprocess (?:them|it) with\b|\bthat,? (?:inputs|process|handle|with)\b"
    r"|\bas input, and\b|\bwith\b[^.\n]*\bas output\b",
    re.IGNORECASE,
)


def looks_templated(prompt: str) -> bool:
    """Return whether `prompt` uses a phrase of the reference step forms."""
    return bool(_TEMPLATE_MARKER.search(prompt))
