"""Layer plans: any sequential network, one plan line per layer.

    layers
    input 28x28x1
    conv2d 32 3x3 relu
    maxpool 2x2
    flatten
    dropout 0.5
    dense 10 softmax
    style: auto mixed arrow muted labels medium

Each line is a layer type and its numbers, in the order the prompt (or the
pasted Keras / PyTorch code) gives them. Activations are part of their
layer's line, never a line of their own. `add K` is a skip connection: the
output of the K lines above it is added to the input of the first of them
("a residual connection around the two conv layers" is `add 2` after them).

The grammar is one regular expression per line (`LINE_RE`), so the same
text serves the parser, the constrained decoder (partial matches of its
canonical form, `CANONICAL_LINE_RE`) and the benchmark (types and numbers
of each label).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ranking.generation.spelling import spelled

LAYERS = "layers"
MAX_LAYER_LINES = 40
MAX_SKIP = 9

ACTIVATIONS = (
    "relu",
    "leakyrelu",
    "prelu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "mish",
    "sigmoid",
    "tanh",
    "softmax",
    "softplus",
    "linear",
)
RECURRENT = ("lstm", "gru", "rnn", "bilstm", "bigru", "birnn")
# Layer type -> how its arguments are written (a regex) and how a reader
# names it on the diagram.
_N = r"[1-9]\d{0,5}"
_ACT = r"(?: (?:" + "|".join(ACTIVATIONS) + r"))?"
_ARGS = {
    "input": rf" {_N}(?:x{_N}){{0,3}}",
    "dense": rf" {_N}{_ACT}",
    "linear": rf" {_N}{_ACT}",
    "conv1d": rf" {_N} {_N}{_ACT}",
    "conv2d": rf" {_N} {_N}x{_N}{_ACT}",
    "maxpool": rf" {_N}(?:x{_N})?",
    "avgpool": rf" {_N}(?:x{_N})?",
    "globalmaxpool": "",
    "globalavgpool": "",
    "flatten": "",
    "batchnorm": "",
    "layernorm": "",
    "dropout": r" 0\.\d{1,3}",
    "embedding": rf" {_N} {_N}",
    **{kind: rf" {_N}{_ACT}" for kind in RECURRENT},
    "attention": rf"(?: {_N})?",
    "transformer": rf"(?: {_N})?",
    "add": rf" [1-{MAX_SKIP}]",
}
LAYER_TYPES = tuple(_ARGS)


def _line_re(args: dict[str, str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{kind}{pattern})" for kind, pattern in args.items()))


LINE_RE = _line_re(_ARGS)
# The lines `LayerSpec.to_text` writes: a rate without trailing zeros
# ("dropout 0.5", never "0.50" or "0.00", which the parser reads as 0.5 and
# 0 and writes back otherwise). The decoder writes only these.
CANONICAL_LINE_RE = _line_re({**_ARGS, "dropout": r" 0\.\d{0,2}[1-9]"})

_NAMES = {
    "input": "Input",
    "dense": "Dense",
    "linear": "Linear",
    "conv1d": "Conv1D",
    "conv2d": "Conv2D",
    "maxpool": "Max pool",
    "avgpool": "Avg pool",
    "globalmaxpool": "Global max pool",
    "globalavgpool": "Global avg pool",
    "flatten": "Flatten",
    "batchnorm": "Batch norm",
    "layernorm": "Layer norm",
    "dropout": "Dropout",
    "embedding": "Embedding",
    "lstm": "LSTM",
    "gru": "GRU",
    "rnn": "RNN",
    "bilstm": "Bidirectional LSTM",
    "bigru": "Bidirectional GRU",
    "birnn": "Bidirectional RNN",
    "attention": "Self-attention",
    "transformer": "Transformer block",
    "add": "Add",
}
# Drawing roles (layout colours): what kind of work a layer does.
_ROLES = {
    "input": "input",
    "conv1d": "conv",
    "conv2d": "conv",
    "maxpool": "pool",
    "avgpool": "pool",
    "globalmaxpool": "pool",
    "globalavgpool": "pool",
    "add": "func",
}


# Words only a layer plan can draw: a prompt naming one of these (or pasted
# code) is not a reference dense net or conv/pool stack, whose `net`/`cnn`
# forms have no place for them. Activations and "embeddings" are left out:
# free dense-net prompts say "softmax over the 10 digits" or "300-dimensional
# word embeddings" as input, and those stay `net`. A count of filters is
# layer-only; "3x3 filters" is how cnn prompts say a 3x3 conv.
_LAYER_ONLY = re.compile(
    r"dropout|flatten|batch ?norm|layer ?norm|normali[sz]ation layer|embedding layer"
    r"|\b(?:bi-?)?(?:lstm|gru|rnn)s?\b|recurrent|attention|transformer (?:block|encoder|layer)"
    r"|residual|skip connection|(?<![x×] )\b\d+ (?:\d+ ?x ?\d+ )?filters"
    r"|conv[12]d|\b[12]d conv|global (?:max|av)"
    # A hidden layer's activation is part of its label, which a `net` line has not
    # ("all with selu"); an output's "softmax" or "sigmoid" is the reference's too.
    r"|\b(?:relu|selu|elu|gelu|swish|tanh|leaky ?relu)\b"
    r"|\b(?:hidden layer|layer)s? (?:of|with) \d+ sigmoid (?:units|neurons|nodes)\b"
    r"|\bnn\.|\blayers\.|sequential\(|keras|torch",
    re.IGNORECASE,
)


def needs_layer_plan(prompt: str) -> bool:
    """Return whether only a `layers` plan can draw what `prompt` names (docs/plan-language.md)."""
    return bool(_LAYER_ONLY.search(spelled(prompt)))  # "droput" too


@dataclass(frozen=True)
class LayerSpec:
    """One line of a layer plan: its type, its numbers and an optional activation."""

    kind: str
    numbers: tuple[float, ...] = ()
    activation: str = ""

    def to_text(self) -> str:
        """Return the canonical plan line."""
        nums = [number_text(n) for n in self.numbers]
        if self.kind == "input":
            args = ["x".join(nums)] if nums else []
        elif self.kind == "conv2d":
            args = [nums[0], f"{nums[1]}x{nums[2]}"]
        elif self.kind in ("maxpool", "avgpool"):
            args = ["x".join(nums)]
        else:
            args = nums
        return " ".join([self.kind, *args, *([self.activation] if self.activation else [])])

    def label(self) -> str:
        """Return the text a reader sees on the layer's shape ("Conv2D 32, 3x3, relu")."""
        name = _NAMES[self.kind]
        nums = [number_text(n) for n in self.numbers]
        if self.kind == "add":
            return name
        if self.kind in ("input", "maxpool", "avgpool"):
            parts = ["x".join(nums)] if nums else []
        elif self.kind == "conv2d":
            parts = [nums[0], f"{nums[1]}x{nums[2]}"]
        elif self.kind == "conv1d":
            parts = [nums[0], f"kernel {nums[1]}"]
        elif self.kind == "embedding":
            parts = [f"{nums[0]}x{nums[1]}"]
        elif self.kind in ("attention", "transformer"):
            parts = [f"{nums[0]} heads"] if nums else []
        else:
            parts = nums
        if self.activation:
            parts.append(self.activation)
        if not parts:
            return name
        # "Dense 10, softmax" but "Self-attention, 8 heads": a count of heads
        # is not the layer's size.
        head = ", " if self.kind in ("attention", "transformer") else " "
        return f"{name}{head}{parts[0]}" + "".join(f", {part}" for part in parts[1:])

    @property
    def role(self) -> str:
        """Return the drawing role (input, conv, pool, func or hidden)."""
        return _ROLES.get(self.kind, "hidden")

    @property
    def category(self) -> str:
        """Return the layer's type with framework synonyms merged (linear is dense)."""
        return "dense" if self.kind == "linear" else self.kind


def number_text(value: float) -> str:
    """Return a layer number as a plan writes it: 32, not 32.0; 0.5 as is."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def parse_layer_line(line: str) -> LayerSpec:
    """Parse one layer line; raise ValueError with a plain reason if it is not one."""
    if not LINE_RE.fullmatch(line):
        kind = line.split(" ", 1)[0]
        if kind not in _ARGS:
            raise ValueError(f"unknown layer type {kind!r}")
        raise ValueError(f"bad numbers for a {kind} layer: {line!r}")
    words = line.split(" ")
    kind, args = words[0], words[1:]
    activation = args.pop() if args and args[-1] in ACTIVATIONS else ""
    numbers: list[float] = []
    for arg in args:
        numbers.extend(float(part) for part in arg.split("x"))
    return LayerSpec(kind, tuple(int(n) if n.is_integer() else n for n in numbers), activation)


def parse_layer_lines(lines: list[str]) -> tuple[LayerSpec, ...]:
    """Parse a layer plan's body (the lines after `layers`) and check its skips."""
    if not lines:
        raise ValueError("a layers plan needs at least one layer")
    if len(lines) > MAX_LAYER_LINES:
        raise ValueError(f"too many layers ({len(lines)} > {MAX_LAYER_LINES})")
    specs = []
    for index, line in enumerate(lines):
        spec = parse_layer_line(line)
        if spec.kind == "add" and spec.numbers[0] >= index:
            raise ValueError(f"'add {spec.numbers[0]}' needs a layer before the ones it skips")
        specs.append(spec)
    return tuple(specs)


def skip_source(specs: tuple[LayerSpec, ...], index: int) -> int | None:
    """Return the index whose output an `add` line at `index` adds back, or None."""
    spec = specs[index]
    if spec.kind != "add":
        return None
    return index - int(spec.numbers[0]) - 1
