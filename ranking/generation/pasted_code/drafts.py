"""The line each step of a listing plainly reads as: a draft for speculative decoding."""

from __future__ import annotations

import re

from ranking.generation.layerplan import parse_layer_line
from ranking.generation.pasted_code.steps import Step
from ranking.generation.pasted_code.vocabulary import ACTIVATIONS, is_torch


def draft_lines(order: tuple[Step, ...], prompt: str) -> tuple[str, ...]:
    """Return, per step, the layer line the code most plainly reads as ("" where unsure).

    A guess for speculative decoding only: the model checks every token of
    it and writes its own line where they differ.
    """
    torch = is_torch(prompt)
    return tuple(_valid(_draft(step, torch)) for step in order)


def _valid(draft: str) -> str:
    """Return `draft` if it is a layer line, else "".

    A draft the grammar refuses ("dropout 5" from a rate it misread) would
    leave the decoder no token to go on with.
    """
    try:
        if draft:
            parse_layer_line(draft.strip())
    except ValueError:
        return ""
    return draft


def _draft(step: Step, torch: bool) -> str:
    kinds = step.kinds
    if kinds == {"dense", "linear"}:
        kind = "linear" if torch else "dense"
    elif len(kinds) == 1:
        (kind,) = kinds
    else:
        return ""
    n = step.written
    if kind in ("flatten", "batchnorm", "layernorm", "globalmaxpool", "globalavgpool"):
        return kind + "\n"
    if not n:
        return ""
    if kind == "input":
        args = ["x".join(n)]
    elif kind == "conv2d":
        args = [n[0], f"{n[1]}x{n[1]}"] if len(n) > 1 else []
    elif kind in ("conv1d", "embedding"):
        args = list(n[:2]) if len(n) > 1 else []
    elif kind in ("maxpool", "avgpool"):
        args = [n[0] if "1d" in step.call else f"{n[0]}x{n[0]}"]
    elif kind in ("attention", "transformer"):
        # The line writes heads: `nhead=8` / `num_heads=4`, or PyTorch's second
        # positional argument (`nn.MultiheadAttention(128, 4)`), never the width.
        heads = re.search(r"\b(?:nhead|num_heads|n_heads|heads)\s*=\s*(\d+)", step.arguments)
        args = [heads.group(1)] if heads else [n[1]] if torch and len(n) > 1 else []
        if not step.arguments and len(n) == 1:
            args = [n[0]]  # words: "six transformer blocks with 8 heads each"
    else:
        args = [n[0]]
    if not args:
        return ""
    keras = re.search(r"activation\s*=\s*[\"'](\w+)[\"']", step.arguments)
    activation = step.activation or (ACTIVATIONS.get(keras.group(1).lower(), "") if keras else "")
    return " ".join([kind, *args, *([activation] if activation else [])]) + "\n"
