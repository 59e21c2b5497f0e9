"""A step of a listing's order, and activations folded onto the layer they belong to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ranking.generation.pasted_code.vocabulary import (
    ACTIVATION,
    ACTIVATIONS,
    CARRY_ACTIVATION,
    PASSED_BY_ACTIVATION,
)


@dataclass(frozen=True)
class Step:
    """One place in the order: the types its line may have; `repeat`: one or more lines.

    `numbers`: the numbers its line may write, those of its own call (names
    resolved to the numbers the code gives them); None where the call's
    numbers cannot all be read, and the prompt's numbers apply.
    """

    kinds: frozenset[str]
    repeat: bool = False
    numbers: frozenset[str] | None = None
    arguments: str = field(default="", compare=False)  # the call's text, for `numbers`
    # For the decoder's draft of the line (llm speculation): the call's
    # numbers in the order written, and the activation the code applies.
    written: tuple[str, ...] = field(default=(), compare=False)
    activation: str = field(default="", compare=False)
    call: str = field(default="", compare=False)  # the class or function, lower case


def activation_step(key: str, arguments: str) -> list[Step]:
    """Return a marker for an activation call (folded into the layer before it), or []."""
    if key == "activation":  # Keras `Activation("relu")`
        named = re.search(r"[\"'](\w+)[\"']", arguments)
        key = named.group(1).lower() if named else ""
    name = ACTIVATIONS.get(key)
    return [Step(frozenset({ACTIVATION}), activation=name)] if name else []


def fold_activations(steps: list[Step]) -> list[Step]:
    """Return `steps` with each activation marker set on its layer, and dropped.

    Its layer is the last one before it that a line can give an activation
    (dense, conv, recurrent), past norms, pools and dropout: conv, batch
    norm, ReLU is drawn `conv2d ... relu`, then `batchnorm`.
    """
    folded: list[Step] = []
    for step in steps:
        if step.kinds != {ACTIVATION}:
            folded.append(step)
            continue
        for i in range(len(folded) - 1, -1, -1):
            if folded[i].kinds & CARRY_ACTIVATION:
                if not folded[i].activation:
                    folded[i] = replace(folded[i], activation=step.activation)
                break
            if not folded[i].kinds <= PASSED_BY_ACTIVATION:
                break
    return folded
