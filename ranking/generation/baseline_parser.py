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
from ranking.generation.reference_flow import resolve_steps
from ranking.generation.reference_templates import all_forms

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


def _form_regex(form: str) -> str:
    """Return the regex of a reference step form, tolerant of the commas the data drops."""
    slots = {
        "{a}": rf"(?P<i>{_LIST})",
        "{b}": rf"(?P<o>{_LIST})",
        "{p}": rf"(?P<p>{_P})",
        "{c}": rf"(?:{_P})",
        "{them}": _THEM,
    }
    out = []
    for part in re.split(r"(\{\w+\})", form):
        if part in slots:
            out.append(slots[part])
            continue
        # "that, with" and "that with", "X, and" and "X and" are the same form.
        pieces = part.replace(", ", "\0").replace("that ", "that\0").split("\0")
        literal = ",? ".join(re.escape(piece).replace("\\ ", " ") for piece in pieces)
        out.append(literal.replace("them", _THEM))
    return "".join(out)


# One regex per form of the shared table; named groups i, p, o.
_TEMPLATES = [_form_regex(form) for form in all_forms()]
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


_NUM = r"(\d+)"
_CONV_WORD = r"(?:conv|convolutional) layers?"
_LAYER_PATTERNS = [
    # "2 3 x 3 conv layers": two identical conv layers.
    (re.compile(rf"\b(\d) (\d) ?[x*] ?\d {_CONV_WORD}"), "repeat"),
    (re.compile(rf"\b{_CONV_WORD} \(output(?: is|:) {_NUM} ?x ?\d+(?: feature map)?\)"), "out"),
    (re.compile(rf"\b(\d) ?[x*] ?\d {_CONV_WORD}"), "kernel"),
    (re.compile(rf"\b{_CONV_WORD}"), "conv"),
    (re.compile(r"\b(\d) ?[x*] ?\d (max |average )?pooling layer"), "sized_pool"),
    (re.compile(r"\b(max |average )?pooling layer"), "pool"),
]
_POOL_DETAIL = {"max ": "max", "average ": "avg", None: ""}


def _cnn_layers(text: str) -> tuple[list[Layer], int]:
    """Return the conv/pool layers written in text and where the last one ends."""
    layers: list[Layer] = []
    pos, end = 0, 0
    while True:
        best = None
        for regex, kind in _LAYER_PATTERNS:
            m = regex.search(text, pos)
            if m and (best is None or m.start() < best[0].start()):
                best = (m, kind)
        if best is None:
            return layers, end
        m, kind = best
        if kind == "repeat":
            layers += [Layer("conv", int(m.group(2)))] * int(m.group(1))
        elif kind == "out":
            layers.append(Layer("conv", int(m.group(1)), "out"))
        elif kind == "kernel":
            layers.append(Layer("conv", int(m.group(1))))
        elif kind == "conv":
            layers.append(Layer("conv"))
        elif kind == "sized_pool":
            layers.append(Layer("pool", int(m.group(1)), _POOL_DETAIL[m.group(2)]))
        else:
            layers.append(Layer("pool", None, _POOL_DETAIL[m.group(1)]))
        pos = end = m.end()


def parse_dl_prompt(prompt: str) -> Plan | None:
    """Return the net/cnn plan of a reference-template network prompt, or None."""
    image = re.search(r"(\d+) ?[x*] ?\d+ input", prompt)
    output = re.search(r"(\d+) output", prompt)
    if not output:
        return None
    if image:
        convs, end = _cnn_layers(prompt[image.end() :])
        if not convs:
            return None
        rest = prompt[image.end() + end : output.start()]
        hidden = re.search(r"((?:\d+\D{0,6}?)+) nodes in", rest)
        dense = [int(n) for n in re.findall(r"\d+", hidden.group(1))] if hidden else []
        layers = [Layer("input", int(image.group(1))), *convs]
        layers += [Layer("dense", n) for n in dense + [int(output.group(1))]]
        return Plan("cnn", layers=tuple(layers))
    first = re.search(r"(\d+) input", prompt)
    if not first:
        return None
    rest = prompt[first.end() : output.start()]
    hidden = re.search(r"((?:\d+\D{0,6}?)+) nodes in", rest)
    sizes = [int(first.group(1))]
    sizes += [int(n) for n in re.findall(r"\d+", hidden.group(1))] if hidden else []
    sizes.append(int(output.group(1)))
    return Plan("net", layers=tuple(Layer("dense", n) for n in sizes))


def reference_plan(row: dict) -> Plan | None:
    """Return the plan an ideal model writes for a reference pair, or None.

    Network pairs: the prompt's transcription, kept only when its layer
    kinds and dense sizes agree with the pair's `shape_types`/`shape_sizes`.
    Flowchart pairs: the prompt's transcription (its steps), each item
    renamed to the node the reference generator connected
    (`reference_flow.resolve_steps`), so the plan draws the reference graph
    under the product's explicit semantics.
    """
    if row["task"] == "flowchart":
        steps = parse_flow_prompt(row["prompt"])
        return Plan("flow", steps=resolve_steps(steps)) if steps else None
    plan = parse_dl_prompt(row["prompt"])
    if plan is None:
        return None
    kinds = ["cnn_input" if layer.kind == "input" else layer.kind for layer in plan.layers]
    if kinds != list(row["shape_types"]):
        return None
    sizes = [layer.size for layer in plan.layers if layer.kind == "dense"]
    expected = [
        s for k, s in zip(row["shape_types"], row["shape_sizes"], strict=True) if k == "dense"
    ]
    return plan if sizes == expected else None
