"""Words around a network description that are never layers.

People who ask for a diagram of their model say why ("for my thesis I'm
forecasting stock prices"), how it did ("got 0.984 AUC on the public LB",
"trained 30 epochs, batch 64") and what they want ("could you make a
diagram of it for my report?"). Those sentences carry numbers that are not
units or filters; stage 9 of the generator learns from these to leave them
out. Token inputs are stated as a sequence length ("reviews are cut to 120
words"), which the plan writes as `input 120`.
"""

from __future__ import annotations

import random

# Who and why, before the network; no layer words, so no layer type is hinted.
_INTROS = (
    "Hi, for my deep learning class project I built a {task}.",
    "For my thesis I'm working on a {task}.",
    "Sharing my {task} setup in case it helps anyone.",
    "ok so super basic one for my intro ML hw, it's a {task}.",
    "Quick one: this is the {task} from our {year} paper.",
    "We use a lightweight {task} in production.",
    "My {task} for the Kaggle comp.",
    "Context: {task}, trained on about {rows}k examples.",
)  # fmt: skip
_TASKS = (
    "spam filter", "sentiment classifier", "churn predictor", "digit recognizer",
    "cats-vs-dogs classifier", "stock price forecaster", "toxic comment classifier",
    "keyword spotter", "X-ray triage model", "intent classifier", "defect detector",
)  # fmt: skip
# How it did and how it was trained, after the network.
_RESULTS = (
    "Got {acc}% accuracy on the test set.",
    "Got 0.{auc} AUC on the public LB.",
    "Trained for {epochs} epochs with Adam (lr 1e-3), batch size {batch}.",
    "LB 0.{auc} lol.",
    "val acc {acc}% after {epochs} epochs",
    "It trains in about {minutes} minutes on one GPU.",
)  # fmt: skip
_ASKS = (
    "Could you make a diagram of it for my report?",
    "Can you turn this into a diagram?",
    "want a nice diagram for the notebook",
    "thats it, thx!",
    "Need a figure for the slides.",
)  # fmt: skip


def _fill(rng: random.Random, text: str) -> str:
    return text.format(
        task=rng.choice(_TASKS),
        year=rng.choice((2021, 2022, 2023, 2024)),
        rows=rng.choice((20, 45, 120, 800)),
        acc=rng.choice((87, 91.2, 94, 98.7, 76.5)),
        auc=rng.choice((79, 84, 912, 984)),
        epochs=rng.choice((10, 20, 30, 50)),
        batch=rng.choice((32, 64, 128)),
        minutes=rng.choice((5, 20, 45)),
    )


def around(rng: random.Random, text: str) -> str:
    """Return `text`, sometimes with a sentence of context before and results or a request after."""
    if rng.random() < 0.35:
        text = _fill(rng, rng.choice(_INTROS)) + " " + text
    tail = []
    if rng.random() < 0.25:
        tail.append(_fill(rng, rng.choice(_RESULTS)))
    if rng.random() < 0.3:
        tail.append(rng.choice(_ASKS))
    if tail:
        text = text.rstrip() + rng.choice((" ", "\n\n")) + " ".join(tail)
    if rng.random() < 0.12:
        # Typed in a hurry: all lowercase, "with" as "w/".
        text = text.lower().replace(" with ", rng.choice((" w/ ", " with ")))
    return text


def sequence_input(rng: random.Random, length: str) -> str:
    """A token input's length in words: "reviews are cut to 120 words"."""
    return rng.choice(
        (
            f"Input sequences of length {length}",
            f"Reviews are cut to {length} words",
            f"Texts are padded/truncated to {length} tokens",
            f"It reads sequences of {length} tokens",
            f"Inputs are {length} token ids (max length {length})",
            f"Every comment is padded to {length} tokens",
        )
    )
