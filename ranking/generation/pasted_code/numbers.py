"""The numbers a step's own call states, with names resolved from the listing."""

from __future__ import annotations

import math
import re
from dataclasses import replace

from ranking.generation.layerplan import number_text
from ranking.generation.pasted_code.steps import Step
from ranking.generation.pasted_code.text import top_level_arguments
from ranking.generation.pasted_code.vocabulary import TORCH_INPUT_FIRST

# Keyword arguments that hold a layer's numbers; others (padding, stride,
# num_layers, flags) say nothing a layer line writes.
_NUMERIC_KEYWORDS = {
    "units", "filters", "kernel_size", "pool_size", "rate", "p", "input_dim", "output_dim",
    "num_heads", "key_dim", "nhead", "d_model", "hidden_size", "out_features",
    "out_channels", "num_embeddings", "embedding_dim", "embed_dim", "shape",
    "output_size",
}  # fmt: skip
_KEYWORD = re.compile(r"\s*(\w+)\s*=(?!=)")  # a keyword argument's `name=`
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?!\s*[(.\w])(?!\s*=[^=])")
_LITERAL = re.compile(r"(?<![\w.])(\d[\d_]*(?:\.\d+)?)(?![\w.])")
_NUMBER_OR_NAME = re.compile(f"{_LITERAL.pattern}|{_NAME.pattern}")
_NOT_NAMES = {"True", "False", "None", "self"}
_PRODUCT = re.compile(r"\s*\d+(?:\s*\*\s*\d+)+\s*")
# Numbers a call without any still draws with: the default pool and dropout.
_DEFAULTS = {"maxpool": "2", "avgpool": "2", "dropout": "0.5"}
_TUPLE_ASSIGNMENT = re.compile(
    r"^[ \t]*(\w+(?:[ \t]*,[ \t]*\w+)+)[ \t]*=[ \t]*"
    r"(\(?[\d_.]+(?:[ \t]*,[ \t]*[\d_.]+)+\)?)[ \t]*$",
    re.MULTILINE,
)


def named_numbers(code: str) -> dict[str, set[str]]:
    """Return the numbers the code gives each name (`EMBED = 64`, `hidden=128` in a signature)."""
    found: dict[str, set[str]] = {}
    for names, values in _TUPLE_ASSIGNMENT.findall(code):  # `n_in, n_out = 9, 6`
        names, values = re.split(r"\s*,\s*", names), re.findall(r"[\d_.]+", values)
        for name, value in zip(names, values, strict=False):
            found.setdefault(name, set()).add(_number(value))
    code = _TUPLE_ASSIGNMENT.sub("", code)
    pattern = r"\b([A-Za-z_]\w*)\s*(?::\s*\w+\s*)?=\s*(\d[\d_]*(?:\.\d+)?)(?![\w.]|\s*[-+*/])"
    for name, value in re.findall(pattern, code):
        found.setdefault(name, set()).add(_number(value))
    return found


def _number(text: str) -> str:
    """Return a literal (`20_000`, `0.50`) as a plan writes it."""
    return number_text(float(text.replace("_", "")))


def with_numbers(step: Step, names: dict[str, set[str]], torch: bool = False) -> Step:
    """Return `step` with the numbers its call states, or None where a name cannot be read.

    A PyTorch layer's first argument is what flows in (`nn.Linear(128, 10)`
    is a 10-unit layer), never a number of its line.
    """
    if step.numbers is not None:
        return step
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "", step.arguments)
    pieces = top_level_arguments(text)
    if torch and step.kinds & TORCH_INPUT_FIRST:
        positional = [p for p in pieces if not _KEYWORD.match(p)]
        if positional:
            pieces.remove(positional[0])
    written: list[str] = []
    for piece in pieces:
        keyword = _KEYWORD.match(piece)
        if keyword and keyword.group(1) not in _NUMERIC_KEYWORDS:
            continue
        value = piece[keyword.end() :] if keyword else piece
        if _PRODUCT.fullmatch(value):  # `nn.Linear(128, 28 * 28)` is a 784-unit layer
            written.append(str(math.prod(int(n) for n in re.findall(r"\d+", value))))
            continue
        for literal, name in _NUMBER_OR_NAME.findall(value):
            if literal:
                written.append(_number(literal))
            elif name not in _NOT_NAMES:
                if name not in names:
                    return step  # a number the code does not give: leave it to the prompt's
                written += sorted(names[name])
    values = set(written)
    if not values:
        values = {_DEFAULTS[k] for k in step.kinds if k in _DEFAULTS}
    if "dropout" in step.kinds:
        usable = any(v.startswith("0.") for v in values)
    else:
        usable = any("." not in v and 1 <= int(v) <= 999_999 for v in values)
    if not usable:
        return step
    return replace(step, numbers=frozenset(values), written=tuple(written))
