"""Preference tuning of the plan-writing LoRA adapter: ORPO (default) or DPO, resumable.

Written here rather than with `trl`: the two losses are a few lines each,
and the adapter's trainer (ranking.generation.training) already has what a
run needs around them - the base model, prompt encoding exactly as
generation sees it, checkpoints, the learning-rate schedule - so `trl`'s
trainer stack (datasets, its own collators and callbacks, a pinned
transformers range) would cost more than it saves on a 2-core CPU.

- ORPO (Hong et al. 2024): the likelihood of the chosen plan (mean token
  NLL, so corrections are supervised examples) plus `lam` times
  -log sigmoid(log odds(chosen) - log odds(rejected)), odds from the mean
  token log-probability. One model in memory, no reference pass.
- DPO (Rafailov et al. 2023): -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r)))
  over summed log-probabilities; the reference is the starting adapter,
  scored once before training (one model in memory too). Corrections add
  the chosen plan's NLL, as ORPO does for every pair.

A style pair (its plans share their structure) trains the style head
(`style_tuning`, on by default) and never the adapter: the head shifts
only the style line's logits, so what users' taste teaches cannot move
the structure. The adapter takes the schedule's steps that hold a
correction or a structure pair.

Each pair carries a weight (readability pairs count less); a step's loss is
the weighted mean over its pairs. Each sequence runs unpadded, and a
rejected plan only from where it leaves its chosen plan, on that plan's
key/value cache (`pair_logps`).

Two things keep a short run from undoing what the adapter knew or missing
what users wrote (measured in docs/benchmarks.md, "Corrections come round,
anchors hold structure"):

- corrections come round `correction_repeats` times an epoch, or more, so
  that they make `correction_share` of it: they are few,
  and a user wrote the right answer;
- `anchors_per_step` examples of the kind the adapter was trained on
  (`reference_anchors` of them reference templates, the rest synthetic)
  ride along each step as supervised-only items (their likelihood, no
  rejected plan), restyled with styles users chose so they teach structure
  and leave the style preference alone.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ranking.generation import training
from ranking.generation.prompting import normalise_prompt
from ranking.learning import style_tuning

METHODS = ("orpo", "dpo")
LOG_FILE = "preference_log.jsonl"
# Pairs scored for the before/after accuracies (about this many, spread
# evenly): each pass costs a forward per pair, and on 500 pairs scoring all
# held-out and training pairs twice would cost more than a third of an epoch.
TRAIN_ACCURACY_SAMPLE = 32
HELD_OUT_ACCURACY_SAMPLE = 64
SUMMARY_FILE = "training_summary.json"


@dataclass
class PreferenceConfig:
    """Everything a preference run depends on (saved with each checkpoint)."""

    method: str = "orpo"
    output: str = "var/learning/adapter"
    checkpoint_dir: str = "var/learning/checkpoint"
    base_path: str | None = None  # None: the cached SmolLM2 base model
    init_adapter: str | None = None  # the active LLM's adapter; None: a fresh LoRA
    steps: int = 100
    batch_pairs: int = 4  # 8 sequences a step: chosen and rejected of 4 pairs
    lr: float = 2e-4
    warmup_steps: int = 5
    orpo_lambda: float = 0.5
    # ORPO's odds-ratio weight for corrections (None: `orpo_lambda`). 0 trains
    # a correction as a supervised example only: its rejected plan, the
    # model's own reading, is not pushed down.
    correction_lambda: float | None = None
    dpo_beta: float = 0.1
    seed: int = 1
    max_length: int = 384
    # torch's intra-op threads are per process: a run in the web process's
    # worker thread gives them back when it ends (see `train`).
    threads: int = 1
    checkpoint_every: int = 10
    save_dtype: str = "float32"  # preference updates are small; fp16 would round some away
    # A fresh LoRA's shape (ignored when starting from an adapter).
    rank: int = 16
    alpha: int = 32
    target_modules: str | list[str] = "all-linear"
    time_limit_minutes: float | None = None
    stop_at: int | None = None  # stop after this step (checkpointed), as if interrupted
    correction_repeats: int = 4  # how often a correction comes round an epoch, at least
    # ... and at least this share of an epoch's pairs are corrections, when
    # there are any: more ratings must not drown what users wrote.
    correction_share: float = 0.3
    anchors_per_step: int = 1  # supervised examples added to each step
    # ... of which this share are reference templates the adapter was trained
    # on (r000-r449), as written there: held-out templates read as before
    # (docs/benchmarks.md: held-out structure -0.001 with 0.5, -0.012 without).
    reference_anchors: float = 0.5
    anchor_weight: float = 1.0
    # Rating and readability pairs train only the top N decoder layers'
    # adapter (None: all); corrections train every layer, and so do the
    # anchors of a step with one. See `lower_adapter`.
    pair_layers: int | None = None
    # A rating or readability pair whose two plans share their structure says
    # nothing about structure: it is scored on its style line alone, so it
    # cannot move the structure the adapter writes (see `encode_pairs`).
    style_only: bool = True
    # A rating or readability pair whose plans differ in structure *and*
    # style cannot say which of the two was judged: it is taken as a style
    # judgement on the chosen plan's structure (the rejected plan's style
    # line on the chosen structure), so it trains style and no structure.
    # One that differs in structure alone stays a structure pair.
    mixed_as_style: bool = True
    # Such a pair's context (prompt and structure) runs without gradients:
    # the backward pass covers its style line only (`_plan_logps`).
    frozen_context: bool = False
    # Style pairs train the style head (ranking.generation.style_head), which
    # acts after `style:` only, instead of the adapter: the structure the
    # adapter writes stays as it was (see `_train`). Off: they train the
    # adapter as before (`style_only` then scores them on their style line).
    style_head: bool = True
    head_epochs: int = 30
    head_lr: float = 0.02
    head_weight_decay: float = 0.01
    head_batch_pairs: int = 16
    # "auto": bfloat16 autocast on CUDA only: on this CPU (AVX512-BF16) a step
    # measured no faster (docs/benchmarks.md). "bf16": always; "off": float32.
    # Weights and the optimiser stay float32 either way.
    autocast: str = "auto"


@dataclass
class Encoded:
    """A pair as token ids: (ids, prompt length) for chosen and rejected, and its weight.

    An anchor has no rejected plan: only its likelihood is trained.
    """

    chosen: tuple[list[int], int]
    rejected: tuple[list[int], int] | None
    weight: float
    # A correction (or an anchor): its chosen plan's NLL is trained under DPO
    # too, and as a pair it comes round `correction_repeats` times an epoch.
    supervised: bool
    # Scored from its style line on (`encode_pairs`): the ids' "prompt
    # length" then ends where the style line starts.
    style_only: bool = False


# ---------------------------------------------------------------- data


def split_held_out(pairs: Sequence, fraction: float = 0.2) -> tuple[list, list]:
    """Return (train, held_out): whole prompts held out, chosen by a hash of the prompt.

    A prompt is either trained on or held out, never both, so held-out
    accuracy measures generalisation to new prompts. Prompts with a
    correction are always trained on: corrections are few and the strongest
    signal (a user wrote the right answer). With fewer than two candidate
    prompts nothing is held out.
    """
    corrected = {normalise_prompt(p.prompt) for p in pairs if p.source == "correction"}
    prompts = sorted({normalise_prompt(p.prompt) for p in pairs} - corrected, key=_digest)
    if len(prompts) < 2 or fraction <= 0:
        return list(pairs), []
    held = set(prompts[: max(1, round(fraction * len(prompts)))])
    train = [p for p in pairs if normalise_prompt(p.prompt) not in held]
    return train, [p for p in pairs if normalise_prompt(p.prompt) in held]


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def encode_pairs(
    tokenizer,
    pairs: Sequence,
    max_length: int,
    style_only: bool = False,
    mixed_as_style: bool = False,
) -> list[Encoded]:
    """Return the pairs that fit `max_length` as token ids (prompts encoded as generation does).

    With `style_only`, a pair that is not a correction and whose plans share
    their structure is scored from its style line on: the structure joins
    the prompt as context, so the pair trains the style it is about and no
    structure token (the structure drops of docs/benchmarks.md, "Style
    pairs scored on their style line"). With `mixed_as_style` too, a pair
    whose plans differ in structure and style becomes such a style pair on
    the chosen plan's structure (`PreferenceConfig.mixed_as_style`).
    """
    encoded = []
    for pair in pairs:
        if style_only and mixed_as_style:
            pair = as_style_pair(pair)
        chosen = training.encode_pair(
            tokenizer, training.Pair(pair.prompt, pair.chosen), max_length
        )
        rejected = training.encode_pair(
            tokenizer, training.Pair(pair.prompt, pair.rejected), max_length
        )
        if chosen is None or rejected is None:
            continue
        correction, style = pair.source == "correction", False
        if style_only and not correction and _structure(pair.chosen) == _structure(pair.rejected):
            start = _style_start(tokenizer, chosen, pair.chosen)
            if start is not None and chosen[0][:start] == rejected[0][:start]:
                chosen, rejected, style = (chosen[0], start), (rejected[0], start), True
        encoded.append(Encoded(chosen, rejected, float(pair.weight), correction, style))
    return encoded


def as_style_pair(pair):
    """Return a judged pair differing in structure and style as a style pair, else the pair.

    The rejected plan keeps its style line and takes the chosen structure.
    Corrections are left alone: there the user wrote the structure.
    """
    if pair.source == "correction":
        return pair
    chosen, rejected = _structure(pair.chosen), _structure(pair.rejected)
    styles = (pair.chosen.strip()[len(chosen) :], pair.rejected.strip()[len(rejected) :])
    if not chosen or not rejected or chosen == rejected or styles[0] == styles[1]:
        return pair
    return replace(pair, rejected=chosen + styles[1])


def _structure(plan: str) -> str:
    return plan.strip().rpartition("\nstyle:")[0]


def _style_start(tokenizer, encoded: tuple[list[int], int], plan: str) -> int | None:
    """Return the index of the first token of the plan's style line, if a token starts it."""
    ids, prompt_len = encoded
    head = _structure(plan) + "\n"
    for end in range(prompt_len + 1, len(ids)):
        text = tokenizer.decode(ids[prompt_len:end])
        if text == head:
            return end
        if len(text) > len(head):
            return None
    return None


def anchor_examples(
    n: int, seed: int, chosen_plans: Sequence[str], reference_share: float = 0.0
) -> list[training.Pair]:
    """Return `n` (prompt, plan) examples restyled with styles users chose.

    The synthetic generator and the reference templates' training split are
    what the adapter learned structure from: `reference_share` of the
    anchors are reference pairs, the rest synthetic. The style line of each
    is swapped for that of a chosen plan (drawn with `seed`), so anchors
    hold structure without pulling style back.
    """
    from ranking.generation import synth
    from ranking.generation.plan import PlanError, parse_style

    styles = []
    for plan in chosen_plans:
        last = plan.strip().splitlines()[-1:] or [""]
        try:
            parse_style(last[0])
        except PlanError:
            continue
        styles.append(last[0])
    references = round(n * reference_share)
    examples = [(e.prompt, e.plan) for e in synth.generate_examples(n - references, seed)]
    if references:
        from ranking.diagrams.data import DATA_DIR

        train_ids = training.TrainConfig.reference_train_ids
        pool = training.reference_pairs(DATA_DIR / "reference_pairs.jsonl", train_ids, seed)
        picker = random.Random(seed + 1)
        examples += [(p.prompt, p.plan) for p in picker.choices(pool, k=references)]
        picker.shuffle(examples)
    rng = random.Random(seed)
    anchors = []
    for prompt, plan in examples:
        lines = plan.strip().splitlines()
        if styles and lines and lines[-1].startswith("style:"):
            lines[-1] = rng.choice(styles)
        anchors.append(training.Pair(prompt, "\n".join(lines), "anchor"))
    return anchors


def encode_anchors(tokenizer, anchors: Sequence[training.Pair], max_length: int, weight: float):
    """Return the anchors that fit `max_length` as supervised-only items."""
    encoded = []
    for anchor in anchors:
        ids = training.encode_pair(tokenizer, anchor, max_length)
        if ids is not None:
            encoded.append(Encoded(ids, None, weight, True))
    return encoded


# ---------------------------------------------------------------- losses


def sequence_logps(peft_model, encoded: Sequence[tuple[list[int], int]], pad_id: int):
    """Return (summed log-probability of each plan + EOS, its token count) as tensors.

    Like `training.plan_loss`, only positions that predict a plan token go
    through the vocabulary projection.
    """
    import torch

    input_ids, attention, labels = training.collate(encoded, pad_id)
    device = next(peft_model.parameters()).device
    input_ids, attention, labels = input_ids.to(device), attention.to(device), labels.to(device)
    causal = peft_model.get_base_model()
    hidden = causal.model(input_ids=input_ids, attention_mask=attention).last_hidden_state
    targets = labels[:, 1:]
    keep = targets != -100
    logits = causal.lm_head(hidden[:, :-1][keep]).float()
    token_logps = torch.log_softmax(logits, dim=-1).gather(1, targets[keep].unsqueeze(1))[:, 0]
    rows = keep.nonzero()[:, 0]
    sums = torch.zeros(len(encoded), device=device).index_add(0, rows, token_logps)
    counts = keep.sum(dim=1).float()
    return sums, counts


def orpo_loss(chosen_sum, chosen_len, rejected_sum, rejected_len, weights, lam):
    """Return (loss, parts): weighted mean of NLL(chosen) + lam * odds-ratio loss.

    `lam` is one float, or a tensor with one per pair (`correction_lambda`).

    log odds(y) = log p - log(1 - p) with p the mean token probability;
    log(1 - p) is computed as log(-expm1(log p)), exact near p = 1.
    """
    import torch.nn.functional as F

    chosen_mean = chosen_sum / chosen_len
    rejected_mean = rejected_sum / rejected_len
    log_odds = (chosen_mean - _log1m_exp(chosen_mean)) - (rejected_mean - _log1m_exp(rejected_mean))
    ratio = -F.logsigmoid(log_odds)
    nll = -chosen_mean
    per_pair = nll + lam * ratio
    loss = (per_pair * weights).sum() / weights.sum()
    return loss, {"nll": _mean(nll), "odds_ratio": _mean(ratio), "log_odds": _mean(log_odds)}


def dpo_loss(chosen_sum, rejected_sum, ref_chosen, ref_rejected, weights, beta, sft_nll=None):
    """Return (loss, parts): weighted mean DPO loss, plus the NLL of supervised pairs if given."""
    import torch.nn.functional as F

    margin = beta * ((chosen_sum - ref_chosen) - (rejected_sum - ref_rejected))
    per_pair = -F.logsigmoid(margin)
    parts = {"dpo": _mean(per_pair), "margin": _mean(margin)}
    if sft_nll is not None:
        per_pair = per_pair + sft_nll
        parts["nll"] = _mean(sft_nll)
    return (per_pair * weights).sum() / weights.sum(), parts


def _log1m_exp(x):
    """Return log(1 - exp(x)) for x < 0, clamped so p = 1 cannot give log 0."""
    import torch

    return torch.log(-torch.expm1(x.clamp(max=-1e-6)))


def _mean(tensor) -> float:
    return round(float(tensor.detach().mean()), 5)


def pair_logps(
    peft_model,
    batch: Sequence[Encoded],
    pad_id: int,
    anchors: Sequence[Encoded] = (),
    lower: Sequence = (),
    frozen_context: bool = False,
):
    """Return (chosen sums, chosen lengths, rejected sums, rejected lengths) for a batch.

    With `anchors`, also (their sums, their lengths). Each sequence runs on
    its own, unpadded: on a CPU a padded batch costs its longest row times
    its rows, and one long anchor made every row that long. A rejected plan
    runs only from where it leaves its chosen plan, on the chosen plan's
    key/value cache (`_rejected_logps`), so a pair's prompt and shared start
    are computed once. The result equals scoring every sequence on its own
    (`sequence_logps`; a test holds values and gradients equal). `pad_id`
    is unused: nothing is padded. `lower` (`lower_adapter`): weights a
    pair that is not a correction does not train, nor do the anchors of a
    batch without one. `frozen_context`: a style pair's context runs
    without gradients (`_plan_logps`).
    """
    device = next(peft_model.parameters()).device
    causal = peft_model.get_base_model()
    chosen, rejected = [], []
    for encoded in batch:
        frozen = frozen_context and encoded.style_only
        with _held(() if encoded.supervised else lower):
            token_logps, hidden, cache = _plan_logps(
                causal, encoded.chosen, device, cache=True, frozen=frozen
            )
            chosen.append(token_logps.sum())
            rejected.append(_rejected_logps(causal, cache, hidden, token_logps, encoded, device))
    parts = (
        _stack(chosen, device),
        _lengths([e.chosen for e in batch], device),
        _stack(rejected, device),
        _lengths([e.rejected for e in batch], device),
    )
    if not anchors:
        return parts
    # Anchors hold what the step moves: the lower layers move only with a
    # correction in the batch.
    with _held(() if any(e.supervised for e in batch) else lower):
        sums = [_plan_logps(causal, a.chosen, device)[0].sum() for a in anchors]
    return (*parts, _stack(sums, device), _lengths([a.chosen for a in anchors], device))


def _stack(values: list, device):
    import torch

    return torch.stack(values) if values else torch.zeros(0, device=device)


def _lengths(encoded: Sequence[tuple[list[int], int]], device):
    import torch

    return torch.tensor([float(len(ids) - start) for ids, start in encoded], device=device)


def _plan_logps(
    causal, encoded: tuple[list[int], int], device, cache: bool = False, frozen: bool = False
):
    """Return (log-probability of each plan token, hidden states, key/value cache) of one row.

    With `frozen`, the context (prompt, and structure for a style pair)
    runs without gradients and the plan on its cache: the values are the
    same, but the backward pass covers the few plan tokens only, not the
    whole sequence. The adapter is then trained through what it does at the
    plan's tokens, not through what it makes of the context. Hidden states
    are returned from position prompt_len - 1 on either way.
    """
    import torch
    from transformers import DynamicCache

    ids, prompt_len = encoded
    input_ids = torch.tensor([ids], device=device)
    past = None
    start = 0
    if frozen:
        start = prompt_len - 1
        with torch.no_grad():
            context = causal.model(input_ids=input_ids[:, :start], use_cache=True)
        past = DynamicCache(
            ddp_cache_data=[(layer.keys, layer.values) for layer in context.past_key_values.layers]
        )
    out = causal.model(
        input_ids=input_ids[:, start:], past_key_values=past, use_cache=cache or frozen
    )
    hidden = out.last_hidden_state[0][prompt_len - 1 - start :]
    # hidden[i] is position prompt_len - 1 + i, which predicts plan token i.
    logits = causal.lm_head(hidden[:-1]).float()
    targets = input_ids[0, prompt_len:]
    token_logps = torch.log_softmax(logits, dim=-1).gather(1, targets[:, None])[:, 0]
    return token_logps, hidden, out.past_key_values if cache else None


def _rejected_logps(causal, cache, hidden, token_logps, encoded: Encoded, device):
    """Return the summed log-probability of a pair's rejected plan.

    Tokens before `split` (where rejected and chosen first differ) have the
    same context in both, so their log-probabilities are the chosen plan's;
    the token at `split` is predicted from the chosen plan's hidden state at
    split - 1; the rest runs on the chosen plan's cache cropped to `split`.
    """
    import torch
    from transformers import DynamicCache

    chosen_ids, prompt_len = encoded.chosen
    rejected_ids, _ = encoded.rejected
    split = prompt_len
    limit = min(len(chosen_ids), len(rejected_ids))
    while split < limit and chosen_ids[split] == rejected_ids[split]:
        split += 1
    split = min(split, len(rejected_ids) - 1)  # identical tokens: score the last one anyway
    shared = token_logps[: split - prompt_len].sum()
    head = causal.lm_head(hidden[split - prompt_len]).float()  # position split - 1
    total = shared + torch.log_softmax(head, dim=-1)[rejected_ids[split]]
    suffix = rejected_ids[split:-1]  # inputs predicting tokens split + 1 .. end
    if suffix:
        layers = [(layer.keys[:, :, :split], layer.values[:, :, :split]) for layer in cache.layers]
        out = causal.model(
            input_ids=torch.tensor([suffix], device=device),
            past_key_values=DynamicCache(ddp_cache_data=layers),
            use_cache=True,
        )
        logits = causal.lm_head(out.last_hidden_state[0]).float()
        targets = torch.tensor(rejected_ids[split + 1 :], device=device)
        total = total + torch.log_softmax(logits, dim=-1).gather(1, targets[:, None]).sum()
    return total


def batch_loss(method, peft_model, batch, pad_id, config, reference=None, anchors=(), lower=()):
    """Return (loss, parts) of one batch of encoded pairs under `method`, plus anchors' NLL.

    Anchors add their weighted NLL to the numerator and their weight to the
    denominator of the weighted mean, as a pair with only a likelihood term would.
    """
    import torch

    chosen, chosen_len, rejected, rejected_len, *extra = pair_logps(
        peft_model, batch, pad_id, anchors, lower, config.frozen_context
    )
    weights = torch.tensor([e.weight for e in batch], device=chosen.device)
    if method == "orpo":
        lam = config.orpo_lambda
        if config.correction_lambda is not None:
            lam = torch.tensor(
                [config.correction_lambda if e.supervised else lam for e in batch],
                device=chosen.device,
            )
        loss, parts = orpo_loss(chosen, chosen_len, rejected, rejected_len, weights, lam)
    else:
        ref_chosen, ref_rejected = (
            torch.tensor(values, device=chosen.device) for values in reference
        )
        supervised = torch.tensor([e.supervised for e in batch], device=chosen.device)
        sft = None
        if bool(supervised.any()):
            sft = torch.where(supervised, -chosen / chosen_len, torch.zeros_like(chosen))
        loss, parts = dpo_loss(
            chosen, rejected, ref_chosen, ref_rejected, weights, config.dpo_beta, sft
        )
    if not anchors:
        return loss, parts
    anchor_sums, anchor_lengths = extra
    anchor_weights = torch.tensor([a.weight for a in anchors], device=chosen.device)
    anchor_nll = -anchor_sums / anchor_lengths
    total = weights.sum() + anchor_weights.sum()
    loss = (loss * weights.sum() + (anchor_nll * anchor_weights).sum()) / total
    return loss, {**parts, "anchor_nll": _mean(anchor_nll)}


def reference_logps(
    peft_model, encoded: Sequence[Encoded], pad_id: int, batch_pairs: int = 8, bf16: bool = False
):
    """Return ([chosen], [rejected]) summed log-probabilities under the model as it is now."""
    import torch

    chosen: list[float] = []
    rejected: list[float] = []
    device = next(peft_model.parameters()).device
    with torch.inference_mode(), _autocast(device, bf16):
        for start in range(0, len(encoded), batch_pairs):
            c, _, r, _ = pair_logps(peft_model, encoded[start : start + batch_pairs], pad_id)
            chosen += c.tolist()
            rejected += r.tolist()
    return chosen, rejected


def _autocast(device, bf16: bool):
    import torch

    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)


def preference_accuracy(
    peft_model, encoded: Sequence[Encoded], pad_id: int, bf16: bool = False, head=None
) -> dict:
    """Return how often the chosen plan is likelier than the rejected one, and the mean margin.

    With a style head (`head` = (StyleHead, `style:` token ids)), each plan's
    style line is scored as the generator decodes it, with the head's shift.
    """
    if not encoded:
        return margin_summary([])
    was_training = peft_model.training
    peft_model.eval()
    chosen, rejected = reference_logps(peft_model, encoded, pad_id, bf16=bf16)
    margins = [c - r for c, r in zip(chosen, rejected, strict=True)]
    if head is not None and _shifts(head[0]):
        margins = [
            m
            + _head_gain(peft_model, e.chosen[0], head)
            - _head_gain(peft_model, e.rejected[0], head)
            for m, e in zip(margins, encoded, strict=True)
        ]
    if was_training:
        peft_model.train()
    return margin_summary(margins)


def margin_summary(margins: Sequence[float]) -> dict:
    """Return {pairs, accuracy (share of margins > 0), mean_margin} of chosen - rejected margins."""
    if not margins:
        return {"pairs": 0, "accuracy": None, "mean_margin": None}
    return {
        "pairs": len(margins),
        "accuracy": round(sum(m > 0 for m in margins) / len(margins), 4),
        "mean_margin": round(sum(margins) / len(margins), 4),
    }


def _shifts(head) -> bool:
    return bool(head.weight.abs().sum() + head.bias.abs().sum() > 0)


def _head_gain(peft_model, ids: list[int], head) -> float:
    style, prefix = head
    start = style_tuning.value_start(ids, prefix)
    if start is None:
        return 0.0
    causal = peft_model.get_base_model()
    return style_tuning.head_gain(
        style, style_tuning.line_features(causal, ids, start, style.token_ids)
    )


def start_head(config: PreferenceConfig, peft_model, tokenizer):
    """Return the style head a run starts from: the starting adapter's, else a zero one."""
    from ranking.generation import style_head

    found = style_head.load(config.init_adapter) if config.init_adapter else None
    if found is not None:
        return found.to(next(peft_model.parameters()).device, None)
    hidden = peft_model.get_base_model().config.hidden_size
    device = next(peft_model.parameters()).device
    return style_head.StyleHead.zeros(style_head.style_token_ids(tokenizer), hidden, device)


# ---------------------------------------------------------------- the loop


def correction_repeats(train_set: Sequence[Encoded], config: PreferenceConfig) -> list[int]:
    """Return how often each pair comes round an epoch: 1, or for a correction enough times
    (`correction_repeats` at least) that corrections make `correction_share` of the epoch.

    With a style head, style pairs do not reach the adapter, so they do not
    count among the pairs corrections must hold their share against.
    """
    corrections = sum(e.supervised for e in train_set)
    others = sum(not e.supervised and not (config.style_head and e.style_only) for e in train_set)
    repeats = config.correction_repeats
    if corrections and 0 < config.correction_share < 1:
        needed = config.correction_share * others / ((1 - config.correction_share) * corrections)
        repeats = max(repeats, math.ceil(needed))
    return [repeats if e.supervised else 1 for e in train_set]


def schedule(
    n_pairs: int, batch_pairs: int, steps: int, seed: int, repeats: Sequence[int] | None = None
) -> list[list[int]]:
    """Return `steps` batches of pair indices: shuffled epochs, the same for the same seed.

    `repeats[i]` (default 1) is how often pair i comes round in one epoch;
    a batch never holds one pair twice.
    """
    rng = random.Random(seed)
    counts = list(repeats) if repeats is not None else [1] * n_pairs
    batches: list[list[int]] = []
    size = max(1, min(batch_pairs, n_pairs))
    while len(batches) < steps:
        pending = [i for i in range(n_pairs) for _ in range(max(1, counts[i]))]
        rng.shuffle(pending)
        while len(pending) >= size:
            batch: list[int] = []
            for index in list(pending):
                if index not in batch:
                    batch.append(index)
                    pending.remove(index)
                    if len(batch) == size:
                        break
            if len(batch) < size:
                break
            batches.append(batch)
    return batches[:steps]


def load_model(config: PreferenceConfig):
    """Return (peft model ready to train, tokenizer) starting from the configured adapter."""
    model, tokenizer = training.load_base_for_training(config.base_path)
    if config.init_adapter:
        # End plans with the token the adapter learned (see training.train).
        from ranking.generation.llm import adapter_stop_tokens

        recorded = adapter_stop_tokens(Path(config.init_adapter))
        tokenizer.eos_token = recorded[0] if recorded else tokenizer.eos_token
    peft_model = training.add_lora(model, config)
    return peft_model, tokenizer


_LAYER_RE = re.compile(r"\.layers\.(\d+)\.")


def lower_adapter(peft_model, pair_layers: int) -> list:
    """Return the trainable adapter weights below the top `pair_layers` decoder layers.

    A rating pair's chosen and rejected plans differ in a style line or a
    few plan lines: what must change sits near the output, so a pair's
    gradient stops at the top layers, and its backward pass (a third to a
    half of a step) is that much shorter. Corrections rewrite how a prompt
    is read, so it reaches every layer, and so do the anchors that hold
    that reading in a step with a correction.
    """
    if pair_layers < 1:
        raise ValueError("pair_layers must be at least 1")
    first = peft_model.get_base_model().config.num_hidden_layers - pair_layers
    lower = []
    for name, param in peft_model.named_parameters():
        found = _LAYER_RE.search(name)
        if param.requires_grad and (found is None or int(found.group(1)) < first):
            lower.append(param)
    return lower


@contextmanager
def _held(params: Sequence):
    """Build no graph through `params` inside the block (their values still count)."""
    for param in params:
        param.requires_grad_(False)
    try:
        yield
    finally:
        for param in params:
            param.requires_grad_(True)


def train(config: PreferenceConfig, pairs: Sequence, held_out: Sequence = (), **kwargs) -> dict:
    """Tune the adapter on preference pairs (resuming from the checkpoint if asked); summarise.

    The summary holds the loss curve and the held-out preference accuracy
    before and after. The adapter goes to `config.output` with a
    training_summary.json naming its end-of-plan token, as the generator expects.
    torch's thread count is restored afterwards, so jobs served by the same
    process get their threads back.
    """
    import torch

    threads = torch.get_num_threads()
    try:
        return _train(config, pairs, held_out, **kwargs)
    finally:
        torch.set_num_threads(threads)


def _train(
    config: PreferenceConfig,
    pairs: Sequence,
    held_out: Sequence = (),
    *,
    resume: bool = False,
    progress: Callable[[training.StepRecord], None] | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    import torch

    if config.method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    started = time.monotonic()
    peft_model, tokenizer = load_model(config)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    peft_model.to(device)
    pad_id = tokenizer.pad_token_id
    train_set = encode_pairs(
        tokenizer, pairs, config.max_length, config.style_only, config.mixed_as_style
    )
    eval_set = encode_pairs(tokenizer, held_out, config.max_length)
    if not train_set:
        raise ValueError("no preference pair fits the model's length limit; nothing to train on")
    style_pairs = sum(e.style_only for e in train_set)
    where = "train the style head" if config.style_head else "scored on their style line"
    log(
        f"{len(train_set)} training pairs ({style_pairs} {where}), "
        f"{len(eval_set)} held out ({config.method})"
    )
    bf16 = config.autocast == "bf16" or (config.autocast == "auto" and torch.cuda.is_available())
    head = start_head(config, peft_model, tokenizer) if config.style_head else None
    scored = None if head is None else (head, style_tuning.prefix_ids(tokenizer))
    eval_sample = _spread(eval_set, HELD_OUT_ACCURACY_SAMPLE)
    before = preference_accuracy(peft_model, eval_sample, pad_id, bf16, scored)
    train_sample = _spread(train_set, TRAIN_ACCURACY_SAMPLE)
    train_before = preference_accuracy(peft_model, train_sample, pad_id, bf16, scored)
    # With a head, style pairs never reach the adapter's steps.
    adapter_items = [i for i, e in enumerate(train_set) if head is None or not e.style_only]
    reference = None
    if config.method == "dpo":
        values = reference_logps(
            peft_model, [train_set[i] for i in adapter_items], pad_id, bf16=bf16
        )
        reference = ([0.0] * len(train_set), [0.0] * len(train_set))
        for n, i in enumerate(adapter_items):
            reference[0][i], reference[1][i] = values[0][n], values[1][n]

    peft_model.train()
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    lower = lower_adapter(peft_model, config.pair_layers) if config.pair_layers else []
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=0.0)
    start_step = training.load_checkpoint(peft_model, optimizer, config) if resume else 0
    if start_step:
        log(f"resuming at step {start_step}")
    repeats = correction_repeats(train_set, config)
    batches = schedule(len(train_set), config.batch_pairs, config.steps, config.seed, repeats)
    if head is not None:
        # The same schedule as without a head, less its style pairs: corrections
        # come round as often, and a step of style pairs alone is no step.
        kept = set(adapter_items)
        batches = [b for b in ([i for i in batch if i in kept] for batch in batches) if b]
    planned = len(batches)
    schedule_config = replace(config, steps=planned)
    anchors = encode_anchors(
        tokenizer,
        anchor_examples(
            config.steps * config.anchors_per_step,
            config.seed,
            [p.chosen for p in pairs],
            config.reference_anchors,
        ),
        config.max_length,
        config.anchor_weight,
    )
    out = Path(config.output)
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / LOG_FILE
    training._truncate_log(log_path, start_step)
    log_path.touch()  # a run of style pairs alone takes no adapter step
    limit = config.time_limit_minutes * 60 if config.time_limit_minutes else None
    done = start_step
    for step in range(start_step, planned):
        t0 = time.monotonic()
        for group in optimizer.param_groups:
            group["lr"] = training.lr_at(step, schedule_config)
        batch = [train_set[i] for i in batches[step]]
        ref = None
        if reference is not None:
            ref = (
                [reference[0][i] for i in batches[step]],
                [reference[1][i] for i in batches[step]],
            )
        per_step = config.anchors_per_step
        step_anchors = anchors[step * per_step : (step + 1) * per_step]
        with _autocast(device, bf16):
            loss, parts = batch_loss(
                config.method, peft_model, batch, pad_id, config, ref, step_anchors, lower
            )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        done = step + 1
        record = training.StepRecord(
            step=done,
            loss=round(loss.item(), 5),
            lr=optimizer.param_groups[0]["lr"],
            tokens=sum(len(e.chosen[0]) + len(e.rejected[0]) for e in batch)
            + sum(len(a.chosen[0]) for a in step_anchors),
            seconds=round(time.monotonic() - t0, 3),
            extra={**parts, "of": planned},
        )
        with log_path.open("a") as handle:
            handle.write(json.dumps(asdict(record)) + "\n")
        if progress is not None:
            progress(record)
        interrupted = (limit is not None and time.monotonic() - started > limit) or (
            config.stop_at is not None and done >= config.stop_at
        )
        if done % config.checkpoint_every == 0 or done == planned or interrupted:
            training.save_checkpoint(peft_model, optimizer, done, config)
        if interrupted:
            log(f"stopping after step {done} (continue with --resume)")
            break

    head_report = None
    if head is not None and not (done < planned):
        head_report = _tune_head(peft_model, head, train_set, tokenizer, config, log)
    after = preference_accuracy(peft_model, eval_sample, pad_id, bf16, scored)
    train_after = preference_accuracy(peft_model, train_sample, pad_id, bf16, scored)
    training.save_adapter(peft_model, config)
    if head is not None and _shifts(head):
        head.save(out)
    curve = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    summary = {
        "method": config.method,
        "steps": done,
        "planned_steps": planned,
        "finished": done >= planned,
        "resumed_from": start_step,
        "training_pairs": len(train_set),
        "held_out_pairs": len(eval_set),
        "loss_curve": [[r["step"], r["loss"]] for r in curve],
        "preference_accuracy": {"before": before, "after": after},
        "train_preference_accuracy": {"before": train_before, "after": train_after},
        "eos_token": tokenizer.eos_token,
        "seconds_this_run": round(time.monotonic() - started, 1),
        "seconds_per_step": _seconds_per_step(curve),
        "bf16_autocast": bf16,
        "style_head": head_report,
        "config": asdict(config),
    }
    (out / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _tune_head(peft_model, head, train_set, tokenizer, config, log) -> dict:
    """Train the style head on the style pairs, on the adapter as the run left it."""
    was_training = peft_model.training
    peft_model.eval()
    started = time.monotonic()
    style = [e for e in train_set if e.style_only]
    pairs = style_tuning.encode_style_pairs(
        peft_model.get_base_model(),
        style,
        style_tuning.prefix_ids(tokenizer),
        head.token_ids,
        log,
    )
    before = style_tuning.accuracy(head, pairs)
    curve = style_tuning.train_head(head, pairs, config, log)
    if was_training:
        peft_model.train()
    return {
        "pairs": len(pairs),
        "epochs": config.head_epochs,
        "loss_curve": curve,
        "train_accuracy": {"before": before, "after": style_tuning.accuracy(head, pairs)},
        "seconds": round(time.monotonic() - started, 1),
    }


def _spread(items: list, size: int) -> list:
    """Return `size` of `items`, evenly spread (all of them when there are no more)."""
    if len(items) <= size:
        return list(items)
    return [items[i * len(items) // size] for i in range(size)]


def _seconds_per_step(curve: list[dict]) -> float | None:
    seconds = [r["seconds"] for r in curve]
    return round(sum(seconds) / len(seconds), 3) if seconds else None


@dataclass
class Progress:
    """Steps done and an ETA from the mean step time so far (for bars and the staff page)."""

    total: int
    done: int = 0
    seconds: list[float] = field(default_factory=list)

    def update(self, record: training.StepRecord) -> dict:
        # A run with a style head plans fewer adapter steps than asked for.
        self.total = (record.extra or {}).get("of", self.total)
        self.done = record.step
        self.seconds.append(record.seconds)
        mean = sum(self.seconds) / len(self.seconds)
        return {
            "step": self.done,
            "steps": self.total,
            "loss": record.loss,
            "eta_seconds": round(mean * max(0, self.total - self.done)),
        }
