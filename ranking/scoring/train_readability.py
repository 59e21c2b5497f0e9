"""Train the readability ensemble: K fold CNNs on human ratings plus degraded diagrams.

Honest cross-validation: the K networks are the ensemble, and each human
rated item is scored (out of fold) by the one network that never saw it -
not it, nor degradations made from it, nor a labelling rule fitted on it.

Per fold the training set is
- the reference targets (`b…`, rated 5) and LLM-drawn diagrams (`g…`, 0-4)
  of the other folds, the g-items weighted up since they are the hard part;
- clean layout-engine diagrams with random styles, labelled 5: the layout
  guarantees no overlaps or shapes off the canvas, and the web app scores
  exactly such diagrams, so the CNN must not mark a palette or shape down
  because the reference set never used it;
- degradations (ranking.scoring.degrade) of those clean diagrams and of the
  fold's b-items, labelled by a ridge rule from geometry features to score
  fitted on the fold's g-items (at most 4: a damaged diagram is never a reference).
Images are flipped left-right and upside down at random (the old system's
rotation/flip augmentation; a 90-degree turn would change the aspect).

Each fold network (output "gate", the default) carries that same ridge rule,
frozen, as its linear feature path, and learns only a gate: how flawless the
diagram looks (then it scores 5) versus how much the rule's grade should
stand. The 140 LLM-drawn ratings are too few and too noisy for a CNN to
grade flaws better than a linear rule (docs/benchmarks.md lists the tries),
but flawless-versus-flawed has thousands of examples.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from ranking.diagrams import nodelist
from ranking.diagrams.data import load_readability_labels

from . import aesthetics, images
from .corpus import styled_diagrams
from .degrade import degrade
from .features import FEATURE_NAMES, diagram_features
from .metrics import agreement, fit_ridge, ridge_coefficients
from .readability import MAX_SCORE, ReadabilityEnsemble, ReadabilityNet, nothing_to_read

# How much more often a g-item is drawn than a b-item: 140 of 840 labels,
# and the only ones that rank faulty diagrams against each other.
G_WEIGHT = 4.0
SYNTH_WEIGHT = 0.5
DEGRADED_MAX = 4.0  # the rule labels faulty diagrams 0..4, like the human g-scores
GATE_START = -3.0  # sigmoid(-3) = 0.05: a new gate is nearly shut


@dataclass
class Settings:
    """Training settings; defaults are the committed model's."""

    folds: int = 5
    epochs: int = 14
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    synth: int = 500
    degradations_per_item: int = 2
    seed: int = 0
    threads: int = 1
    channels: tuple[int, ...] = (16, 32, 48, 64)
    feature_skip: bool = False
    # "gate": the fold's ridge rule on the features (frozen) grades a diagram and
    # the CNN + MLP decide how flawless it is (5 when flawless); "residual": the
    # rule plus a CNN + MLP correction; "sigmoid": 5 * sigmoid(net), the first model.
    output: str = "gate"
    # Huber with a small beta is close to L1, whose optimum (a median) is what MAE rewards.
    loss: str = "huber"  # or "mse"
    degraded_weight: float = 1.0
    unharmed_degradations_flawless: bool = False  # see degraded_labels
    g_weight: float = G_WEIGHT
    # The measured-aesthetics floor and ceiling the ensemble's scores are kept
    # in (aesthetics.RuleBounds; None: the networks' mean alone, as the first
    # scorer). Written into config.json, so a retrained ensemble keeps them.
    rule: dict | None = field(default_factory=lambda: aesthetics.RuleBounds().to_config())
    extra: dict = field(default_factory=dict)


@dataclass
class Pool:
    """Every training/validation item, pre-rendered."""

    ids: list[str]
    kind: np.ndarray  # "b", "g", "synth", "degraded"
    fold: np.ndarray  # -1: usable in every fold
    score: np.ndarray  # human score (nan for degraded)
    source: np.ndarray  # index of the clean item a degradation came from, else -1
    pixels: np.ndarray
    features: np.ndarray


def assign_folds(rows: list[dict], k: int, rng: random.Random) -> dict[str, int]:
    """Return {id: fold}: b- and g-items split separately, g stratified by score."""
    folds: dict[str, int] = {}
    for group in ("b", "g"):
        members = [r for r in rows if r["id"].startswith(group)]
        rng.shuffle(members)
        members.sort(key=lambda r: r["score"])  # stable: shuffled within a score
        offset = rng.randrange(k)
        for i, row in enumerate(members):
            folds[row["id"]] = (i + offset) % k
    return folds


def build_pool(settings: Settings, progress: bool = True, extra_labels=()) -> Pool:
    """Render the human-rated items, clean synthetic diagrams and their degradations.

    `extra_labels` ({"id", "node_list", "score"}: the app's own ratings) are
    trained on in every fold (kind "app", fold -1) and never validated, so
    the out-of-fold figures stay those of the reference labels.
    """
    rng = random.Random(settings.seed)
    rows = load_readability_labels()
    folds = assign_folds(rows, settings.folds, rng)
    entries = []  # (id, kind, fold, score, source, diagram)
    for row in rows:
        diagram = nodelist.parse(row["node_list"]).diagram
        entries.append((row["id"], row["id"][0], folds[row["id"]], row["score"], -1, diagram))
    for row in extra_labels:
        diagram = nodelist.parse(row["node_list"]).diagram
        entries.append((str(row["id"]), "app", -1, float(row["score"]), -1, diagram))
    for i, item in enumerate(styled_diagrams(settings.synth, settings.seed + 1)):
        entries.append((f"s{i:04d}", "synth", -1, MAX_SCORE, -1, item.diagram))
    clean = [i for i, e in enumerate(entries) if e[1] in ("b", "synth")]
    for index in clean:
        ident, _, fold, _, _, diagram = entries[index]
        for j in range(settings.degradations_per_item):
            damaged, _ = degrade(diagram, rng)
            entries.append((f"{ident}-d{j}", "degraded", fold, math.nan, index, damaged))
    pixels = np.zeros((len(entries), images.HEIGHT, images.WIDTH, 3), dtype=np.uint8)
    features = np.zeros((len(entries), len(FEATURE_NAMES)), dtype=np.float32)
    for i, entry in enumerate(tqdm(entries, desc="render", disable=not progress)):
        pixels[i] = images.thumbnail(entry[5])
        features[i] = diagram_features(entry[5])
    return Pool(
        ids=[e[0] for e in entries],
        kind=np.array([e[1] for e in entries]),
        fold=np.array([e[2] for e in entries]),
        score=np.array([e[3] for e in entries], dtype=float),
        source=np.array([e[4] for e in entries]),
        pixels=pixels,
        features=features,
    )


def degraded_labels(pool: Pool, rule, flawless_if_unharmed: bool = True) -> np.ndarray:
    """Return labels for the degraded items: the rule's score, or 5 if no fault was made.

    With `flawless_if_unharmed` False every degradation gets the rule's score
    (at most DEGRADED_MAX): a layout scattered by jitter without any overlap
    still looks like the LLM-drawn diagrams people rated 1-3, not like a
    reference, and labelling it 5 taught the network the opposite.
    """
    index = np.nonzero(pool.kind == "degraded")[0]
    f = pool.features[index]
    src = pool.features[pool.source[index]]
    col = {name: i for i, name in enumerate(FEATURE_NAMES)}
    faults = (
        (f[:, col["overlapping_node_share"]] > 0)
        | (f[:, col["off_canvas_share"]] > 0)
        | (f[:, col["crossings_per_edge"]] > src[:, col["crossings_per_edge"]] + 1e-6)
        | (f[:, col["edges_through_shapes"]] > src[:, col["edges_through_shapes"]] + 1e-6)
    )
    if not flawless_if_unharmed:
        faults[:] = True
    labels = np.full(len(index), MAX_SCORE)
    labels[faults] = np.clip(rule(f[faults]), 0.0, DEGRADED_MAX)
    return labels


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Flip each image left-right and/or upside down at random."""
    n = len(x)
    lr = torch.rand(n, generator=generator) < 0.5
    ud = torch.rand(n, generator=generator) < 0.5
    x = x.clone()
    x[lr] = x[lr].flip(3)
    x[ud] = x[ud].flip(2)
    return x


def train_fold(
    pool: Pool,
    fold: int,
    mean: np.ndarray,
    std: np.ndarray,
    settings: Settings,
    log,
    progress: bool,
) -> tuple[ReadabilityNet, np.ndarray, np.ndarray]:
    """Train one fold's network; return it, the validation indices and their predictions."""
    started = time.monotonic()
    human = np.isin(pool.kind, ("b", "g"))
    train_g = (pool.kind == "g") & (pool.fold != fold)
    rule = fit_ridge(pool.features[train_g], pool.score[train_g])
    targets = pool.score.copy()
    targets[pool.kind == "degraded"] = degraded_labels(
        pool, rule, settings.unharmed_degradations_flawless
    )
    usable = pool.fold != fold  # -1 (synthetic) is never a validation fold
    train = np.nonzero(usable)[0]
    weight = np.select(
        [pool.kind[train] == "g", pool.kind[train] == "synth", pool.kind[train] == "degraded"],
        [settings.g_weight, SYNTH_WEIGHT, settings.degraded_weight],
        1.0,
    )
    valid = np.nonzero(human & (pool.fold == fold))[0]

    torch.manual_seed(settings.seed * 100 + fold)
    generator = torch.Generator().manual_seed(settings.seed * 100 + fold)
    net = ReadabilityNet(
        len(FEATURE_NAMES), settings.channels, settings.feature_skip, settings.output
    )
    if settings.output in ("residual", "gate"):
        _start_from_rule(net, pool.features[train_g], pool.score[train_g], mean, std)
    optimiser = torch.optim.AdamW(
        [p for p in net.parameters() if p.requires_grad],
        lr=settings.lr,
        weight_decay=settings.weight_decay,
    )
    steps_per_epoch = math.ceil(len(train) / settings.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=settings.lr, total_steps=settings.epochs * steps_per_epoch
    )
    x_all = images.to_tensor(pool.pixels)
    f_all = torch.from_numpy((pool.features - mean) / std)
    y_all = torch.from_numpy(targets.astype(np.float32))
    probabilities = torch.from_numpy(weight / weight.sum())
    for epoch in range(settings.epochs):
        net.train()
        draw = torch.multinomial(probabilities, len(train), replacement=True, generator=generator)
        order = torch.from_numpy(train)[draw]
        total = 0.0
        bar = tqdm(
            range(steps_per_epoch),
            desc=f"fold {fold + 1}/{settings.folds} epoch {epoch + 1}/{settings.epochs}",
            disable=not progress,
            leave=False,
        )
        for step in bar:
            batch = order[step * settings.batch_size : (step + 1) * settings.batch_size]
            predicted = net(_augment(x_all[batch], generator), f_all[batch])
            if settings.loss == "huber":
                # Huber with a small beta is close to L1, which MAE rewards.
                loss = torch.nn.functional.smooth_l1_loss(predicted, y_all[batch], beta=0.5)
            else:
                loss = torch.nn.functional.mse_loss(predicted, y_all[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(batch)
            bar.set_postfix(loss=f"{total / ((step + 1) * settings.batch_size):.3f}")
        predictions = _predict(net, x_all[valid], f_all[valid], pool.features[valid])
        is_g = pool.kind[valid] == "g"
        # Logged to watch training only: nothing is selected on the validation fold.
        log(
            {
                "fold": fold,
                "epoch": epoch + 1,
                "seconds": round(time.monotonic() - started, 1),
                "train_loss": total / len(train),
                "valid_g": agreement(predictions[is_g], pool.score[valid][is_g]),
                "valid_all": agreement(predictions, pool.score[valid]),
            }
        )
    return net, valid, _predict(net, x_all[valid], f_all[valid], pool.features[valid])


def _start_from_rule(net: ReadabilityNet, x, y, mean: np.ndarray, std: np.ndarray) -> None:
    """Set the net's skip to the ridge rule fitted on (x, y) and freeze it; start at the rule.

    The rule reads raw features, the net standardised ones ((x - mean) / std),
    so the coefficients are converted. The MLP's output layer starts at zero
    weights (a residual net then predicts exactly the rule) and, for a gate,
    at a bias of GATE_START (the gate starts nearly shut: again about the rule),
    so training only adds what the thumbnail and the features explain beyond it.
    """
    coef, intercept = ridge_coefficients(x, y)
    with torch.no_grad():
        net.skip.weight.copy_(torch.from_numpy((coef * std).astype(np.float32))[None])
        net.skip.bias.fill_(float(intercept + mean @ coef))
        net.head[-1].weight.zero_()
        net.head[-1].bias.fill_(GATE_START if net.output == "gate" else 0.0)
    net.skip.requires_grad_(False)


def bounded(ids: list[str], rows: np.ndarray, scores: np.ndarray, rule) -> np.ndarray:
    """Return the human-rated items' scores (`rows` of the pool) kept within the rule's bounds.

    The rule's scales were set by hand, not fitted on these labels, so the
    bounded scores stay out of fold.
    """
    by_id = {row["id"]: row["node_list"] for row in load_readability_labels()}
    return np.array(
        [
            rule.apply(float(scores[i]), aesthetics.measure(nodelist.parse(by_id[ids[i]]).diagram))
            for i in rows
        ]
    )


@torch.inference_mode()
def _predict(net: ReadabilityNet, x: torch.Tensor, f: torch.Tensor, raw: np.ndarray) -> np.ndarray:
    """Return one net's scores as the ensemble would give them (blank diagrams 0)."""
    net.eval()
    scores = torch.cat([net(x[i : i + 256], f[i : i + 256]) for i in range(0, len(x), 256)])
    return np.where(nothing_to_read(raw), 0.0, scores.numpy())


def train(output: Path, settings: Settings, progress: bool = True, extra_labels=()) -> dict:
    """Train the K fold ensemble into `output`; return the cross-validation summary.

    `extra_labels` are the app's own ratings (see build_pool), counted in the
    summary as `app_labels`.

    Writes config.json + fold<i>.safetensors (the ensemble), train_log.jsonl
    (one line per fold and epoch), oof.jsonl (out-of-fold prediction of
    every human rating) and cv.json (the summary).
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(settings.threads)
    random.seed(settings.seed)
    np.random.seed(settings.seed)
    started = time.monotonic()
    extra_labels = list(extra_labels)
    pool = build_pool(settings, progress, extra_labels)
    # Standardise with the synthetic items only: no human-rated item, in any
    # fold, shapes the inputs.
    synthetic = np.isin(pool.kind, ("synth", "degraded")) & (pool.fold == -1)
    mean = pool.features[synthetic].mean(0)
    std = pool.features[synthetic].std(0) + 1e-3

    log_path = output / "train_log.jsonl"
    with open(log_path, "w", encoding="utf-8") as log_file:

        def log(record: dict) -> None:
            log_file.write(json.dumps(record) + "\n")
            log_file.flush()

        nets, oof = [], np.full(len(pool.ids), np.nan)
        for fold in range(settings.folds):
            net, valid, predictions = train_fold(pool, fold, mean, std, settings, log, progress)
            nets.append(net)
            oof[valid] = predictions

    human = np.nonzero(np.isin(pool.kind, ("b", "g")))[0]
    g = human[pool.kind[human] == "g"]
    cnn_oof = oof.copy()
    if settings.rule is not None:
        oof[human] = bounded(pool.ids, human, oof, aesthetics.RuleBounds.from_config(settings.rule))
    summary = {
        "g": agreement(oof[g], pool.score[g]),
        "all": agreement(oof[human], pool.score[human]),
        "cnn_alone_g": agreement(cnn_oof[g], pool.score[g]),
        "seconds": round(time.monotonic() - started, 1),
        "settings": {k: v for k, v in vars(settings).items() if k != "extra"},
        "train_items": int(len(pool.ids)),
        "app_labels": len(extra_labels),
    }
    config = {
        "channels": list(settings.channels),
        "feature_skip": settings.feature_skip,
        "output": settings.output,
        "cv": summary,
    }
    if settings.rule is not None:
        config["rule"] = settings.rule
    ReadabilityEnsemble(nets, mean, std, config).save(output)
    with open(output / "oof.jsonl", "w", encoding="utf-8") as handle:
        for i in human:
            record = {
                "id": pool.ids[i],
                "fold": int(pool.fold[i]),
                "score": float(pool.score[i]),
                "predicted": round(float(oof[i]), 4),
                "cnn": round(float(cnn_oof[i]), 4),
            }
            handle.write(json.dumps(record) + "\n")
    (output / "cv.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
