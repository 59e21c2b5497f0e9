"""A small stand-in for the fine-tuned LLM: writes plans without a language model.

Selected with JOB_GENERATOR_FACTORY=tests.fake_generator.build (the one place
the job runtime swaps generators), so runtime tests take seconds instead of
loading a model. It honours the real generator's interface
(`generate(prompt, count, *, seed, on_progress, structure_temperature)` ->
`Completion`s, `output_format`) and everything after it - plan parsing,
layout, rendering, scoring, ranking - is the real pipeline.

The structure comes from the reference-template parser; candidate i always
gets the i-th of a fixed list of distinct styles, so the same prompt gives
the same candidates every time (tests compare rankings across jobs).
FAKE_GENERATOR_DELAY (seconds per candidate) slows it down for tests that
need a job to be mid-run.
"""

from __future__ import annotations

import os
import random
import time

from ranking.generation.baseline_parser import parse_dl_prompt, parse_flow_prompt
from ranking.generation.llm import Completion
from ranking.generation.plan import (
    STYLE_CHOICES,
    Layer,
    Plan,
    default_style,
    distinct_styles,
    style_to_text,
)

FALLBACK = Plan("net", layers=(Layer("dense", 3), Layer("dense", 4), Layer("dense", 2)))


def styles(count: int) -> list[dict[str, str]]:
    """Return `count` visibly different styles, the same list every time."""
    chosen = []
    for i in range(count):
        style = default_style()
        for key in ("orient", "shape", "line", "palette", "size"):
            values = STYLE_CHOICES[key]
            style[key] = values[i % len(values)]
        chosen.append(style)
    return distinct_styles(chosen, random.Random(0))


class FakeGenerator:
    """Writes `count` plans for a prompt: one structure, distinct style lines."""

    output_format = "plan"

    def __init__(self, config=None, delay: float | None = None):
        self.config = config
        self.delay = float(os.environ.get("FAKE_GENERATOR_DELAY", "0")) if delay is None else delay
        self.calls = 0

    def structure(self, prompt: str) -> str:
        plan = parse_dl_prompt(prompt)
        if plan is None:
            steps = parse_flow_prompt(prompt)
            plan = Plan("flow", steps=tuple(steps)) if steps else FALLBACK
        return plan.structure_text()

    def generate(self, prompt, count, *, seed=None, on_progress=None, structure_temperature=0.0):
        """Return `count` completions, reporting tokens and finished rows like the real one."""
        self.calls += 1
        report = on_progress or (lambda event: None)
        structure = self.structure(prompt)
        texts = [f"{structure}\n{style_to_text(style)}" for style in styles(count)]
        words = [len(text.split()) for text in texts]
        tokens = [0] * count
        for row in range(count):
            steps = max(1, words[row])
            for _ in range(steps):
                tokens[row] += 1
                report({"stage": "generating", "tokens": list(tokens), "finished": row})
                if self.delay:
                    time.sleep(self.delay / steps)
            report({"candidate_finished": row})
        return [Completion(text, tokens[i], True, 0.0) for i, text in enumerate(texts)]


def build(config) -> FakeGenerator:
    """Return a fake generator for an LLMConfig (the JOB_GENERATOR_FACTORY hook)."""
    return FakeGenerator(config)


def broken(config):
    """A factory whose model files are unreadable (the failure path)."""
    from ranking.generation.basemodel import BaseModelError

    raise BaseModelError("adapter directory models/broken lacks adapter_config.json")
