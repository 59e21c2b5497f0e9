"""Stylistically varied diagrams from the synthetic generator, laid out with random styles.

Used to train the autoencoder, to create degraded examples for the
readability CNN and by the personalisation benchmark. Each item keeps the
style it was drawn with (shape, palette, orientation, line style, labels,
size) because that is what simulated users have a taste for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ranking.diagrams.model import Diagram
from ranking.generation.layout import LayoutError, layout_plan
from ranking.generation.plan import PlanError, parse_plan, random_style
from ranking.generation.synth import generate_examples
from ranking.generation.synth.networks import cnn_example, dense_example
from ranking.generation.synth.templates import template_example

# The mix of structures the scorer networks were trained and checked on; kept
# apart from the LLM's training mix (synth.FAMILY_WEIGHTS) so that retuning
# the generator's data does not move the scorers' data.
CORPUS_WEIGHTS = {dense_example: 22, cnn_example: 20, template_example: 58}


@dataclass
class StyledDiagram:
    """A laid-out diagram, the style it was drawn with and its plan family."""

    diagram: Diagram
    style: dict[str, str]
    family: str

    @property
    def look(self) -> dict[str, str]:
        """Return the style as seen: orientation resolved to "down"/"right", no labels.

        "auto" orientation means down or right depending on the structure, and
        labels are too small to see in a thumbnail, so neither is a visible choice.
        """
        look = {k: v for k, v in self.style.items() if k != "labels"}
        look["orient"] = orientation(self.diagram)
        return look


def orientation(diagram: Diagram) -> str:
    """Return "right" when the edges mostly run sideways, else "down"."""
    dx = sum(abs(t.x - s.x) for s, t in diagram.edges())
    dy = sum(abs(t.y - s.y) for s, t in diagram.edges())
    return "right" if dx > dy else "down"


def styled_diagrams(n: int, seed: int) -> list[StyledDiagram]:
    """Return `n` laid-out synthetic diagrams, each with a uniformly random style.

    Plans the layout engine refuses are skipped and replaced, so the result
    always has `n` items; the same seed gives the same list.
    """
    rng = random.Random(seed)
    out: list[StyledDiagram] = []
    batch = 0
    while len(out) < n:
        # Fresh examples per round keep the structures varied as well as the styles.
        for example in generate_examples(
            max(n - len(out), 16), seed * 1000 + batch, CORPUS_WEIGHTS
        ):
            style = random_style(rng)
            try:
                plan = parse_plan(example.plan).with_style(style)
                diagram = layout_plan(plan)
            except (PlanError, LayoutError):
                continue
            if diagram.nodes:
                out.append(StyledDiagram(diagram, plan.style, plan.family))
            if len(out) == n:
                break
        batch += 1
    return out
