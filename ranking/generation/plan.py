"""The plan language: a short text the LLM writes, parsed into a typed `Plan`.

A plan is a few lines. The structure comes first, the last line holds the
visual choices:

    net 6 3 4 2
    style: auto mixed arrow muted labels medium

    cnn 32 conv3 conv=28 pool2 conv3 maxpool2 256 64 16 1
    style: right box dashed blue labels small

    flow
    DB > CNN model > png file
    png file > - > DB
    database > python code > text, table
    text > PCA > -
    style: auto mixed arrow grey labels medium

    layers
    input 28x28x1
    conv2d 32 3x3 relu
    maxpool 2x2
    flatten
    dense 10 softmax
    style: auto mixed arrow muted labels medium

See docs/plan-language.md for the full grammar. The style line is
independent of the structure so a generator can decode the structure once
and sample only the style line per candidate.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace

from ranking.generation.layerplan import LAYERS, LayerSpec, parse_layer_lines

NET_FAMILIES = ("net", "cnn")
FLOW = "flow"

# Per-neuron vs per-layer drawing is structure (it changes the edge count);
# without a flag the layout follows the reference convention.
GRANULARITY_FLAGS = ("neurons", "layers")

# Style keys in canonical order, each with its allowed values (first = default).
# Values are unique across keys so a style line can be read in any order.
STYLE_CHOICES: dict[str, tuple[str, ...]] = {
    "orient": ("auto", "down", "right"),
    "shape": ("mixed", "circle", "box", "round"),
    "line": ("arrow", "line", "dashed"),
    "palette": ("muted", "grey", "bright", "blue", "green", "warm", "pastel", "mono"),
    "labels": ("labels", "nolabels"),
    "size": ("medium", "small", "large"),
}
STYLE_KEYS = tuple(STYLE_CHOICES)
_VALUE_TO_KEY = {v: k for k, values in STYLE_CHOICES.items() for v in values}

CONV_RE = re.compile(r"^conv(\d{1,4})?$|^conv=(\d{1,4})$")
POOL_RE = re.compile(r"^(pool|maxpool|avgpool)(\d{1,2})?$")
# A flowchart item is a phrase copied from the prompt ("png file", "DB").
# A name as the user wrote it: "#dq-alerts", "s3://lead-scores", "ranker:v12", "clips/".
ITEM_RE = re.compile(r"^(?=.{1,40}$)#?[A-Za-z0-9](?:[A-Za-z0-9 ._+#'/&()*-]|:(?=[A-Za-z0-9/]))*$")
MAX_FLOW_LINES = 30
MAX_LAYERS = 40
MAX_UNITS = 100000


class PlanError(ValueError):
    """A plan text that is not valid in the plan language."""


@dataclass(frozen=True)
class Layer:
    """One layer of a network plan.

    kind: "input" (CNN image input), "conv", "pool" or "dense".
    size: the number from the plan (input side, kernel, output side, pool
    window or neuron count); None when the plan gives none.
    detail: "" or, for conv, "out" when size is the output side; for pool,
    "max"/"avg".
    """

    kind: str
    size: int | None = None
    detail: str = ""

    def to_token(self) -> str:
        """Return this layer's plan token."""
        if self.kind in ("dense", "input"):
            return str(self.size)
        if self.kind == "conv":
            if self.size is None:
                return "conv"
            return f"conv={self.size}" if self.detail == "out" else f"conv{self.size}"
        prefix = {"max": "maxpool", "avg": "avgpool"}.get(self.detail, "pool")
        return prefix if self.size is None else f"{prefix}{self.size}"


@dataclass(frozen=True)
class FlowStep:
    """One flowchart step: inputs, an optional processor, outputs (prompt phrases)."""

    inputs: tuple[str, ...] = ()
    proc: str | None = None
    outputs: tuple[str, ...] = ()

    def to_text(self) -> str:
        """Return the step's canonical plan line `IN, IN > PROC > OUT, OUT`."""
        parts = [
            ", ".join(self.inputs) or "-",
            self.proc or "-",
            ", ".join(self.outputs) or "-",
        ]
        return " > ".join(parts)


def default_style() -> dict[str, str]:
    """Return the default style (first value of every key)."""
    return {key: values[0] for key, values in STYLE_CHOICES.items()}


def random_style(rng: random.Random) -> dict[str, str]:
    """Return a uniformly random style drawn with `rng`."""
    return {key: rng.choice(values) for key, values in STYLE_CHOICES.items()}


def distinct_styles(styles: list[dict[str, str]], rng: random.Random) -> list[dict[str, str]]:
    """Return the styles with repeats changed so that no two candidates look alike.

    A repeat keeps its orientation, line style and labels (what a prompt
    usually asks for) and gets an unused palette, then an unused shape.
    """
    result: list[dict[str, str]] = []
    for style in styles:
        style = dict(style)
        for key in ("palette", "shape", "size"):
            if style not in result:
                break
            used = {other[key] for other in result}
            free = [v for v in STYLE_CHOICES[key] if v not in used]
            style[key] = rng.choice(free or list(STYLE_CHOICES[key]))
        result.append(style)
    return result


def style_to_text(style: dict[str, str]) -> str:
    """Return the canonical style line for `style`."""
    return "style: " + " ".join(style[key] for key in STYLE_KEYS)


def parse_style(line: str) -> dict[str, str]:
    """Parse a `style:` line into {key: value}; missing keys get defaults."""
    if not line.startswith("style:"):
        raise PlanError("the last line must start with 'style:'")
    style = default_style()
    seen: set[str] = set()
    for word in line[len("style:") :].split():
        key = _VALUE_TO_KEY.get(word)
        if key is None:
            raise PlanError(f"unknown style value {word!r}")
        if key in seen:
            raise PlanError(f"style {key} given twice")
        seen.add(key)
        style[key] = word
    return style


@dataclass(frozen=True)
class Plan:
    """A parsed plan: the family, its structure and the style choices.

    family "net" (dense network), "cnn" (conv/pool stack then dense layers),
    "flow" (flowchart steps) or "layers" (any sequential network, one
    `LayerSpec` per line; see layerplan.py). `granularity` is "", "neurons"
    or "layers".
    """

    family: str
    layers: tuple[Layer, ...] = ()
    steps: tuple[FlowStep, ...] = ()
    specs: tuple[LayerSpec, ...] = ()
    granularity: str = ""
    style: dict[str, str] = field(default_factory=default_style, compare=True, hash=False)

    def structure_text(self) -> str:
        """Return the structure lines (everything but the style line)."""
        if self.family == FLOW:
            return "\n".join([FLOW] + [step.to_text() for step in self.steps])
        if self.family == LAYERS:
            return "\n".join([LAYERS] + [spec.to_text() for spec in self.specs])
        words = [self.family] + [layer.to_token() for layer in self.layers]
        if self.granularity:
            words.append(self.granularity)
        return " ".join(words)

    def to_text(self) -> str:
        """Return the canonical plan text (parse_plan(p.to_text()) == p)."""
        return self.structure_text() + "\n" + style_to_text(self.style)

    def with_style(self, style: dict[str, str]) -> Plan:
        """Return a copy of this plan with `style` (validated) as its style."""
        merged = default_style()
        for key, value in style.items():
            if key not in STYLE_CHOICES or value not in STYLE_CHOICES[key]:
                raise PlanError(f"invalid style {key}={value!r}")
            merged[key] = value
        return replace(self, style=merged)

    @property
    def dense_sizes(self) -> list[int]:
        """Return the neuron counts of the dense layers."""
        return [layer.size or 1 for layer in self.layers if layer.kind == "dense"]


def _parse_int(word: str, what: str) -> int:
    if not word.isdigit() or len(word) > 6:
        raise PlanError(f"expected a number for {what}, got {word!r}")
    value = int(word)
    if not 1 <= value <= MAX_UNITS:
        raise PlanError(f"{what} {value} out of range 1..{MAX_UNITS}")
    return value


def _parse_net(words: list[str]) -> tuple[tuple[Layer, ...], str]:
    family, rest = words[0], words[1:]
    granularity = ""
    if rest and rest[-1] in GRANULARITY_FLAGS:
        granularity = rest.pop()
    layers: list[Layer] = []
    if family == "cnn":
        if not rest:
            raise PlanError("a cnn plan needs an input size")
        layers.append(Layer("input", _parse_int(rest[0], "input size")))
        rest = rest[1:]
        seen_dense = False
        for word in rest:
            conv, pool = CONV_RE.match(word), POOL_RE.match(word)
            if word.isdigit():
                seen_dense = True
                layers.append(Layer("dense", _parse_int(word, "layer size")))
            elif word == "dense" and not seen_dense:
                # Models copy "a dense layer of 64" as "dense 64": the sizes
                # that follow are the dense layers, so the word adds nothing.
                seen_dense = True
            elif seen_dense and (conv or pool):
                raise PlanError(f"{word!r} after the dense layers")
            elif conv:
                size = conv.group(1) or conv.group(2)
                layers.append(
                    Layer("conv", int(size) if size else None, "out" if conv.group(2) else "")
                )
            elif pool:
                detail = {"maxpool": "max", "avgpool": "avg"}.get(pool.group(1), "")
                size = pool.group(2)
                layers.append(Layer("pool", int(size) if size else None, detail))
            else:
                raise PlanError(f"unknown cnn layer {word!r}")
        if len(layers) < 2:
            raise PlanError("a cnn plan needs at least one layer after the input")
    else:
        for word in rest:
            layers.append(Layer("dense", _parse_int(word, "layer size")))
        if len(layers) < 2:
            raise PlanError("a net plan needs at least two layers")
    if len(layers) > MAX_LAYERS:
        raise PlanError(f"too many layers ({len(layers)} > {MAX_LAYERS})")
    return tuple(layers), granularity


def _parse_items(text: str, what: str) -> tuple[str, ...]:
    if text == "-":
        return ()
    if not text:
        raise PlanError(f"empty {what} (write '-')")
    items = tuple(" ".join(item.split()) for item in text.split(","))
    for item in items:
        if not ITEM_RE.match(item):
            raise PlanError(f"bad {what} {item!r}")
    return items


def parse_step(line: str) -> FlowStep:
    """Parse one flowchart line `IN... > PROC > OUT...` (`-` for none)."""
    parts = [part.strip() for part in line.split(">")]
    if len(parts) != 3:
        raise PlanError(f"a flow line needs two '>': {line!r}")
    inputs = _parse_items(parts[0], "input")
    procs = _parse_items(parts[1], "processor")
    outputs = _parse_items(parts[2], "output")
    if len(procs) > 1:
        raise PlanError(f"one processor per line: {line!r}")
    proc = procs[0] if procs else None
    if proc is None and not (inputs and outputs):
        raise PlanError(f"a line without processor needs inputs and outputs: {line!r}")
    return FlowStep(inputs, proc, outputs)


def parse_plan(text: str) -> Plan:
    """Parse plan text into a Plan; raise PlanError with a reason if invalid."""
    if not isinstance(text, str):
        raise PlanError("plan must be text")
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2:
        raise PlanError("a plan needs a structure line and a style line")
    style = parse_style(lines[-1])
    body = lines[:-1]
    head = body[0].split()
    if head[0] == FLOW:
        if len(head) != 1:
            raise PlanError("'flow' stands alone on its line")
        steps = tuple(parse_step(line) for line in body[1:])
        if not steps:
            raise PlanError("a flow plan needs at least one step")
        if len(steps) > MAX_FLOW_LINES:
            raise PlanError(f"too many flow steps ({len(steps)} > {MAX_FLOW_LINES})")
        return Plan(FLOW, steps=steps, style=style)
    if head[0] == LAYERS:
        if len(head) != 1:
            raise PlanError("'layers' stands alone on its line")
        try:
            specs = parse_layer_lines(body[1:])
        except ValueError as error:
            raise PlanError(str(error)) from error
        return Plan(LAYERS, specs=specs, style=style)
    if head[0] in NET_FAMILIES:
        if len(body) != 1:
            raise PlanError("a network plan is one structure line")
        layers, granularity = _parse_net(head)
        return Plan(head[0], layers=layers, granularity=granularity, style=style)
    raise PlanError(f"unknown plan family {head[0]!r} (net, cnn, flow or layers)")
