"""The order of layers a pasted Keras or PyTorch listing spells out, for the decoder.

The model reads pasted code itself (nothing is run), and reads it well
for numbers and activations, but on a long listing it drops a layer,
merges two or invents a dense layer. The order of layer types, though,
is plain text: `layers.Conv2D(...)` after `layers.Conv2D(...)`, or the
calls of a PyTorch `forward`, innermost first. `code_order` reads that
order so the constrained decoder can hold each layer line to it
(`constrain.LayerRules`), the way flow items are held to the prompt's
words. Whatever it cannot read for certain (loops over anything but a
literal list, concatenations, layer types the plan language has no line
for, a `self.x` it cannot find) gives None, and the decoder leaves the
order to the model.

- `reading`: `code_order`, the steps of a listing (Keras calls, a PyTorch
  `forward`);
- `numbers`: the numbers each step's own call states;
- `drafts`: the line each step plainly reads as, for speculative decoding;
- `steps`, `text`, `vocabulary`: the step, text helpers and the tables of
  layer classes, activations and what cannot be read.
"""

from ranking.generation.pasted_code.drafts import draft_lines
from ranking.generation.pasted_code.reading import code_order
from ranking.generation.pasted_code.steps import Step

__all__ = ["Step", "code_order", "draft_lines"]
