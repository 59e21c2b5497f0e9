"""The style head: what users' ratings teach the style line, kept away from the structure.

A plan's style line is decoded after its structure (llm.py). The head is a
linear map from the model's final hidden state (after its last norm) to a
shift of the logits of the style vocabulary's tokens - the words of
`plan.STYLE_CHOICES` - and it acts only on positions after `style:`. It
changes no hidden state and no key or value of any layer, so the structure
a generator writes, and the cache the style line is decoded on, are exactly
those of its LoRA adapter with or without a head: a run that learns users'
taste in styles cannot move how a prompt is read (the structure drops of
docs/benchmarks.md, "Learning from users"). Preference tuning trains it
(ranking.learning.style_tuning); it is saved beside the adapter it was
trained on, and a generator loads it with the adapter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ranking.generation.basemodel import BaseModelError, check_safetensors
from ranking.generation.plan import STYLE_CHOICES

FILE = "style_head.safetensors"
# Where the head starts acting: the text a structure ends with.
STYLE_PREFIX = "style:"


def style_token_ids(tokenizer) -> list[int]:
    """Return the ids of every token of a style value, written with and without its space."""
    ids: set[int] = set()
    for values in STYLE_CHOICES.values():
        for value in values:
            ids.update(tokenizer.encode(" " + value, add_special_tokens=False))
            ids.update(tokenizer.encode(value, add_special_tokens=False))
    return sorted(ids)


@dataclass
class StyleHead:
    """A logit shift for `token_ids`: hidden @ weight.T + bias (weight: ids x hidden size)."""

    token_ids: list[int]
    weight: object  # torch.Tensor (len(token_ids), hidden size)
    bias: object  # torch.Tensor (len(token_ids),)

    @classmethod
    def zeros(cls, token_ids: list[int], hidden_size: int, device=None) -> StyleHead:
        """Return a head that shifts nothing (what a generator without one decodes)."""
        import torch

        n = len(token_ids)
        weight = torch.zeros(n, hidden_size, device=device)
        return cls(list(token_ids), weight, torch.zeros(n, device=device))

    def index(self, device=None):
        import torch

        return torch.tensor(self.token_ids, device=device or self.weight.device)

    def shift(self, hidden):
        """Return the shift of the style tokens' logits at each row of `hidden` (... x ids).

        The state is scaled to norm 1/sqrt(size) (a final state's norm is ~50
        here), so that a weight step moves a logit no faster than a bias
        step: a taste users share is what the head is for, and what the
        prompt and structure say only tilts it.
        """
        hidden = hidden.to(self.weight.dtype)
        scale = hidden.norm(dim=-1, keepdim=True).clamp(min=1e-6) * hidden.shape[-1] ** 0.5
        return (hidden / scale) @ self.weight.T + self.bias

    def apply(self, logits, hidden):
        """Return `logits` (... x vocabulary) with the style tokens shifted."""
        shifted = logits.clone()
        ids = self.index(logits.device)
        shifted[..., ids] = shifted[..., ids] + self.shift(hidden).to(logits.dtype)
        return shifted

    def parameters(self) -> list:
        return [self.weight, self.bias]

    def to(self, device=None, dtype=None) -> StyleHead:
        return StyleHead(
            self.token_ids,
            self.weight.detach().to(device=device, dtype=dtype),
            self.bias.detach().to(device=device, dtype=dtype),
        )

    def save(self, directory: Path | str) -> Path:
        """Write the head (float32) into an adapter directory; return the file."""
        import torch
        from safetensors.torch import save_file

        path = Path(directory) / FILE
        state = {
            "weight": self.weight.detach().float().cpu().contiguous(),
            "bias": self.bias.detach().float().cpu().contiguous(),
            "token_ids": torch.tensor(self.token_ids, dtype=torch.int64),
        }
        save_file(state, path, metadata={"format": "pt", "acts_after": json.dumps(STYLE_PREFIX)})
        return path


def load(directory: Path | str) -> StyleHead | None:
    """Return the head saved in an adapter directory, or None when it has none."""
    path = Path(directory) / FILE
    if not path.is_file():
        return None
    check_safetensors(path, hint="retrain the version or delete the file to decode without it")
    from safetensors.torch import load_file

    state = load_file(path)
    try:
        weight, bias, ids = state["weight"], state["bias"], state["token_ids"]
    except KeyError as exc:
        raise BaseModelError(f"{path} lacks {exc}") from exc
    if weight.ndim != 2 or bias.shape != (len(ids),) or weight.shape[0] != len(ids):
        raise BaseModelError(f"{path} has inconsistent shapes")
    return StyleHead([int(i) for i in ids], weight, bias)
