"""Synthetic (prompt, plan) pairs for fine-tuning the plan-writing LLM.

One module per family, phrasings kept as data in each:
- `networks`: dense nets and CNNs in reference and free phrasings;
- `templates`: flowcharts in the reference generator's templates;
- `processes`: ML/data processes in free English with an open vocabulary
  (`names`), plans naming each thing as the user did;
- `layers`: any sequential network, pasted as Keras / PyTorch code or in
  words, as a layer plan.
Prompts may ask for a style ("dashed lines", "horizontal"); the plan's style
line honours that and is random otherwise, so sampling the style gives
variety.
"""

from __future__ import annotations

import random

from ranking.generation.synth.common import Example, number_words
from ranking.generation.synth.layers import layers_example
from ranking.generation.synth.networks import cnn_example, dense_example
from ranking.generation.synth.processes import process_example
from ranking.generation.synth.templates import template_example

__all__ = ["Example", "FAMILY_WEIGHTS", "generate_examples", "number_words"]

# Share of each family in the data. Processes carry most of it: free English
# is what users write. Templates grew back in stage 5 because held-out
# templated prompts regressed under stage 4's mix; layer plans grew in stage 6
# for descriptions in prose (`layer_prose`), which stage 5 never saw, and again
# in stage 7 for blocks whose filters change from block to block. Stage 8
# shifts weight back to processes, for the prose of the judged sets 17 and 18
# (`process_context`, steps with two outputs, multi-input verbs). Stage 9
# gives networks in words more (`layer_context`, more prose in `layer_prose`):
# blind layer set 19 drew 4 of 15 of them right.
FAMILY_WEIGHTS = {
    dense_example: 5,
    cnn_example: 5,
    template_example: 18,
    process_example: 42,
    layers_example: 30,
}


def generate_examples(n: int, seed: int, family_weights: dict | None = None) -> list[Example]:
    """Return `n` synthetic examples, the same list for the same seed.

    `family_weights` ({maker: weight}, default FAMILY_WEIGHTS) sets the mix.
    """
    rng = random.Random(seed)
    mix = family_weights or FAMILY_WEIGHTS
    makers, weights = list(mix), list(mix.values())
    return [rng.choices(makers, weights=weights)[0](rng) for _ in range(n)]
