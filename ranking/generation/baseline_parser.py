"""A hand-written parser from reference-template prompts to plans: a baseline only.

The product path never uses this (the structure of every diagram comes from
the LLM). It exists to validate the plan language against the reference
pairs (a correct transcription of each prompt must lay out to the reference
structure) and as the baseline row of the generation benchmark. It only
understands the reference generator's templates.
"""

from __future__ import annotations

import re

from ranking.generation import vocab
from ranking.generation.plan import FlowStep, Layer, Plan

_DATA = sorted(
    {p for ps in vocab.DATA_PHRASES.values() for p in ps}
    | {p for ps in vocab.EXTRA_DATA_PHRASES.values() for p in ps},
    key=len,
    reverse=True,
)
_PROC = sorted(
    {p for ps in vocab.PROC_PHRASES.values() for p in ps}
    | {p for ps in vocab.EXTRA_PROC_PHRASES.values() for p in ps},
    key=len,
    reverse=True,
)
_ITEM = "(?:" + "|".join(re.escape(p) for p in _DATA) + ")"
_LIST = rf"{_ITEM}(?:(?:,? and |, ){_ITEM})*"
_P = "(?:" + "|".join(re.escape(p) for p in _PROC) + ")"
_THEM = "(?:them|it)"

# (regex, which groups are inputs/proc/outputs); named groups i, p, o.
_TEMPLATES = [
    rf"a (?:{_P}) converts (?P<i>{_LIST}) into (?P<o>{_LIST})",
    rf"inputs (?P<i>{_LIST}),? and outputs (?P<o>{_LIST}) and process {_THEM} with (?P<p>{_P})",
    rf"inputs (?P<i>{_LIST}) and process {_THEM} with (?P<p>{_P})",
    rf"outputs (?P<o>{_LIST}) and process {_THEM} with (?P<p>{_P})",
    rf"(?P<p>{_P}) that,? inputs (?P<i>{_LIST}),? and outputs (?P<o>{_LIST})",
    rf"(?P<p>{_P}) that,? (?:process|handle) (?P<i>{_LIST}),? and outputs (?P<o>{_LIST})",
    rf"(?P<p>{_P}) that,? with (?P<i>{_LIST}) as input,? and (?P<o>{_LIST}) as output",
    rf"(?P<p>{_P}) that,? with (?P<i>{_LIST}) as input",
    rf"(?P<p>{_P}) that,? with (?P<o>{_LIST}) as output",
    rf"(?P<p>{_P}) that,? outputs (?P<o>{_LIST})",
    rf"(?P<p>{_P}) that,? (?:process|handle) (?P<i>{_LIST})",
    rf"(?P<p>{_P}) that,? inputs (?P<i>{_LIST})",
]
_COMPILED = [re.compile(t) for t in _TEMPLATES]
_SEP = re.compile(r",? (?:and then|and|then) |, ")
_ITEM_RE = re.compile(_ITEM)


def _items(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(m.group(0) for m in _ITEM_RE.finditer(text))


def _step(match: re.Match) -> FlowStep:
    groups = match.groupdict()
    proc = groups.get("p")
    return FlowStep(_items(groups.get("i")), proc, _items(groups.get("o")))


def _parse_run(text: str, start: int) -> list[FlowStep] | None:
    """Parse text[start:] as steps joined by separators (longest-first, backtracking)."""
    if start >= len(text):
        return []
    candidates = []
    for regex in _COMPILED:
        m = regex.match(text, start)
        if m:
            candidates.append(m)
    candidates.sort(key=lambda m: m.end(), reverse=True)
    for m in candidates:
        end = m.end()
        if end == len(text):
            return [_step(m)]
        sep = _SEP.match(text, end)
        if sep:
            rest = _parse_run(text, sep.end())
            if rest is not None:
                return [_step(m)] + rest
    return None


def parse_flow_prompt(prompt: str) -> list[FlowStep]:
    """Return the steps of a reference-template flowchart prompt ([] if unreadable)."""
    text = prompt.strip()
    head = re.match(r"^.*?that (?:includes|contains|consists of),?\s*(?:first,\s*)?", text)
    if not head:
        return []
    body = text[head.end() :]
    steps: list[FlowStep] = []
    for raw in re.split(r"\s*\n\s*", body):
        line = re.sub(r"^(?:[-*•]|\d+\.)\s*", "", raw.strip()).rstrip(".").strip()
        if not line:
            continue
        parsed = _parse_run(line, 0)
        if parsed is None:
            return []
        steps.extend(parsed)
    return steps


def plan_from_reference(shape_types: list, shape_sizes: list) -> Plan:
    """Return the net/cnn plan for a dl_model reference pair's layer list."""
    if shape_types[0] == "cnn_input":
        layers = [Layer("input", shape_sizes[0])]
        for kind, size in zip(shape_types[1:], shape_sizes[1:], strict=True):
            if kind == "conv":
                layers.append(Layer("conv", 3))
            elif kind == "pool":
                layers.append(Layer("pool", 2))
            else:
                layers.append(Layer("dense", size))
        return Plan("cnn", layers=tuple(layers))
    return Plan("net", layers=tuple(Layer("dense", size) for size in shape_sizes))
