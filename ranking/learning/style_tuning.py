"""Preference tuning of the style head (ranking.generation.style_head) on style pairs.

A style pair (`preference.Encoded.style_only`) has one prompt and one
structure; its plans differ in the style line. Such pairs train the head,
not the LoRA adapter, so what users' taste teaches cannot move the structure
the adapter writes. The adapter runs once over each style line without
gradients, and for every token after `style:` the head's log-probability
needs only: the hidden state that predicts it, the style tokens' logits
there, the log-sum-exp of all other logits, and the written token's logit
(`LineFeatures`). ORPO or DPO then trains the head over these features: an
epoch over 500 pairs is a few small matrix products.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ranking.generation import style_head
from ranking.generation.style_head import StyleHead

# The tokens a plan's style line starts with (after the newline that ends
# the structure): the head acts on the positions after them.
_PREFIX_TEXT = style_head.STYLE_PREFIX


@dataclass
class LineFeatures:
    """What the head needs to score one style line (n tokens after `style:`, EOS included)."""

    hidden: object  # (n, hidden size) the final state predicting each token
    style_logits: object  # (n, style tokens) the adapter's logits of the style tokens
    rest_lse: object  # (n,) log-sum-exp of every other token's logit
    target_logit: object  # (n,) the adapter's logit of the token written
    target_index: object  # (n,) that token's index among the style tokens, -1 if it is none


def prefix_ids(tokenizer) -> list[int]:
    return tokenizer.encode(_PREFIX_TEXT, add_special_tokens=False)


def value_start(ids: Sequence[int], prefix: Sequence[int]) -> int | None:
    """Return the index of the first token after the last `style:` in `ids`, if any."""
    size = len(prefix)
    for i in range(len(ids) - size, -1, -1):
        if list(ids[i : i + size]) == list(prefix):
            return i + size
    return None


def line_features(causal, ids: Sequence[int], start: int, token_ids: Sequence[int]):
    """Return the LineFeatures of the tokens ids[start:] (no gradients), on the model as it is."""
    import torch

    device = next(causal.parameters()).device
    with torch.no_grad():
        out = causal.model(input_ids=torch.tensor([list(ids)], device=device))
        hidden = out.last_hidden_state[0, start - 1 : -1]
    return _features(causal, hidden, ids[start:], token_ids)


def pair_features(causal, chosen: Sequence[int], rejected: Sequence[int], start: int, token_ids):
    """Return the LineFeatures of two plans that share ids[:start], the shared part run once.

    The same values as `line_features` of each (a test holds them equal);
    a style pair's prompt and structure are most of its tokens.
    """
    import torch
    from transformers import DynamicCache

    device = next(causal.parameters()).device
    lines = []
    with torch.no_grad():
        context = causal.model(input_ids=torch.tensor([list(chosen[:start])], device=device))
        last = context.last_hidden_state[0, -1:]
        layers = [(layer.keys, layer.values) for layer in context.past_key_values.layers]
        for ids in (chosen, rejected):
            hidden = last
            if len(ids) - 1 > start:
                out = causal.model(
                    input_ids=torch.tensor([list(ids[start:-1])], device=device),
                    past_key_values=DynamicCache(ddp_cache_data=layers),
                )
                hidden = torch.cat([last, out.last_hidden_state[0]])
            lines.append(_features(causal, hidden, ids[start:], token_ids))
    return lines[0], lines[1]


def _features(causal, hidden, targets: Sequence[int], token_ids: Sequence[int]) -> LineFeatures:
    """Return what the head needs of the states `hidden` that predict `targets`."""
    import torch

    device = hidden.device
    with torch.no_grad():
        hidden = hidden.float()
        logits = causal.lm_head(hidden).float()
    index = torch.tensor(list(token_ids), device=device)
    targets = torch.tensor(list(targets), device=device)
    position = torch.full((logits.shape[1],), -1, dtype=torch.long, device=device)
    position[index] = torch.arange(len(index), device=device)
    rest = logits.clone()
    rest[:, index] = float("-inf")
    return LineFeatures(
        hidden=hidden,
        style_logits=logits[:, index],
        rest_lse=torch.logsumexp(rest, dim=-1),
        target_logit=logits.gather(1, targets[:, None])[:, 0],
        target_index=position[targets],
    )


def line_logps(head: StyleHead, features: LineFeatures):
    """Return the log-probability of each token of the line with the head's shift."""
    import torch

    style = features.style_logits + head.shift(features.hidden)
    total = torch.logaddexp(features.rest_lse, torch.logsumexp(style, dim=-1))
    written = style.gather(1, features.target_index.clamp(min=0)[:, None])[:, 0]
    return torch.where(features.target_index >= 0, written, features.target_logit) - total


def head_gain(head: StyleHead, features: LineFeatures) -> float:
    """Return how much the head adds to the line's summed log-probability."""
    import torch

    with torch.no_grad():
        zero = StyleHead.zeros(head.token_ids, features.hidden.shape[1], features.hidden.device)
        return float(line_logps(head, features).sum() - line_logps(zero, features).sum())


@dataclass
class StylePair:
    """A style pair as features of its two lines, with its weight."""

    chosen: LineFeatures
    rejected: LineFeatures
    weight: float


def encode_style_pairs(causal, encoded: Sequence, prefix: Sequence[int], token_ids, log=None):
    """Return the StylePairs of `encoded` style pairs whose lines both follow `style:`."""
    pairs = []
    for i, item in enumerate(encoded):
        chosen_ids, rejected_ids = item.chosen[0], item.rejected[0]
        start = value_start(chosen_ids, prefix)
        if start is None or list(rejected_ids[:start]) != list(chosen_ids[:start]):
            continue
        chosen, rejected = pair_features(causal, chosen_ids, rejected_ids, start, token_ids)
        pairs.append(StylePair(chosen, rejected, float(item.weight)))
        if log is not None and (i + 1) % 100 == 0:
            log(f"style lines read: {i + 1} of {len(encoded)} pairs")
    return pairs


def sums(head: StyleHead, pairs: Sequence[StylePair]):
    """Return (chosen sums, chosen lengths, rejected sums, rejected lengths) as tensors."""
    import torch

    chosen = [line_logps(head, p.chosen) for p in pairs]
    rejected = [line_logps(head, p.rejected) for p in pairs]
    return (
        torch.stack([c.sum() for c in chosen]),
        torch.tensor([float(len(c)) for c in chosen]),
        torch.stack([r.sum() for r in rejected]),
        torch.tensor([float(len(r)) for r in rejected]),
    )


def accuracy(head: StyleHead, pairs: Sequence[StylePair]) -> dict:
    """Return how often the chosen line is likelier than the rejected one, and the mean margin."""
    import torch

    from ranking.learning.preference import margin_summary

    if not pairs:
        return margin_summary([])
    with torch.no_grad():
        chosen, _, rejected, _ = sums(head, pairs)
    return margin_summary((chosen - rejected).tolist())


def train_head(
    head: StyleHead,
    pairs: Sequence[StylePair],
    config,
    log: Callable[[str], None] = print,
) -> list[list[float]]:
    """Train `head` in place on `pairs` with `config.method`; return [epoch, mean loss] rows.

    ORPO: the chosen line's mean token NLL plus `orpo_lambda` times the odds
    ratio loss, as for the adapter. DPO: the reference is the head as it
    starts (zero for a first run), over the same features.
    """
    import torch

    from ranking.learning.preference import dpo_loss, orpo_loss

    if not pairs:
        return []
    reference = None
    if config.method == "dpo":
        with torch.no_grad():
            ref_chosen, _, ref_rejected, _ = sums(head, pairs)
        reference = (ref_chosen, ref_rejected)
    params = head.parameters()
    for param in params:
        param.requires_grad_(True)
    optimizer = torch.optim.AdamW(params, lr=config.head_lr, weight_decay=config.head_weight_decay)
    rng = random.Random(config.seed)
    order = list(range(len(pairs)))
    size = max(1, config.head_batch_pairs)
    curve = []
    for epoch in range(config.head_epochs):
        rng.shuffle(order)
        losses = []
        for begin in range(0, len(order), size):
            batch = order[begin : begin + size]
            chosen, chosen_len, rejected, rejected_len = sums(head, [pairs[i] for i in batch])
            weights = torch.tensor([pairs[i].weight for i in batch])
            if reference is None:
                loss, _ = orpo_loss(
                    chosen, chosen_len, rejected, rejected_len, weights, config.orpo_lambda
                )
            else:
                loss, _ = dpo_loss(
                    chosen,
                    rejected,
                    reference[0][batch],
                    reference[1][batch],
                    weights,
                    config.dpo_beta,
                )
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
        curve.append([epoch + 1, round(sum(losses) / len(losses), 5)])
    for param in params:
        param.requires_grad_(False)
    log(f"style head: {len(pairs)} pairs, {config.head_epochs} epochs, loss {curve[-1][1]}")
    return curve
