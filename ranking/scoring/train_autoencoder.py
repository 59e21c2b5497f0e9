"""Train the style autoencoder on thousands of varied synthetic renders.

The training set is laid-out synthetic diagrams with uniformly random
styles (ranking.scoring.corpus). The loss is the reconstruction error, with
ink pixels weighted up (a thumbnail is mostly white and the lines that show
a dashed style are thin), plus a light auxiliary loss: one linear
classifier per visible style choice (shape, line, palette, size,
orientation) reads the latent, and a scale-free metric loss asks squared
latent distances within a batch to follow how many style choices differ
(ranking.scoring.train_autoencoder.style_distance_loss). The classifiers
are thrown away; together they make the latent's geometry - what the
per-user k-NN compares - follow style, not only where shapes sit. 10% of
the renders are held out to report how well the latent separates styles.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ranking.generation.plan import STYLE_CHOICES

from . import images
from .autoencoder import Autoencoder, save
from .corpus import styled_diagrams

STYLE_KEYS = ("shape", "line", "palette", "size", "orient")
ORIENTATIONS = ("down", "right")
INK_WEIGHT = 9.0  # an ink pixel counts 1 + 9 times a background one


@dataclass
class Settings:
    """Training settings; defaults are the committed model's."""

    renders: int = 3000
    epochs: int = 12
    batch_size: int = 64
    lr: float = 2e-3
    latent_dim: int = 32
    style_weight: float = 1.0
    pooled: bool = True
    # Twice the thumbnail's resolution: at 128 x 77 a dash pattern blurs into a
    # lighter line and arrowheads are 1-2 px; one more stride-2 layer keeps the
    # cost of the later layers as it was.
    scale: float = 2 * images.SCALE
    channels: tuple[int, ...] = (16, 32, 64, 64, 64)
    norm: bool = True
    metric_weight: float = 2.0
    seed: int = 0
    threads: int = 1


def style_targets(looks: list[dict[str, str]]) -> dict[str, np.ndarray]:
    """Return {style key: class index per render}."""
    choices = {**{k: STYLE_CHOICES[k] for k in STYLE_KEYS if k != "orient"}, "orient": ORIENTATIONS}
    return {key: np.array([choices[key].index(look[key]) for look in looks]) for key in STYLE_KEYS}


def class_counts() -> dict[str, int]:
    """Return how many classes each style key has."""
    return {key: len(STYLE_CHOICES[key]) for key in STYLE_KEYS if key != "orient"} | {
        "orient": len(ORIENTATIONS)
    }


def style_distance_loss(latent: torch.Tensor, styles: torch.Tensor) -> torch.Tensor:
    """Return how far latent distances are from style distances, within a batch (scale-free).

    The style distance of two renders is how many style choices differ. The
    k-NN ranks by squared L2 between latents, so this shapes exactly the
    geometry it uses: diagrams of the same style close, different styles far.
    """
    distance = torch.cdist(latent, latent) ** 2
    differ = (styles[:, None, :] != styles[None, :, :]).float().sum(-1)
    off = ~torch.eye(len(latent), dtype=torch.bool)
    d, t = distance[off], differ[off]
    return ((d / (d.mean() + 1e-6) - t / (t.mean() + 1e-6)) ** 2).mean()


def train(output: Path, settings: Settings, progress: bool = True) -> dict:
    """Train into `output` (config.json, weights, train_log.jsonl); return a summary."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    random.seed(settings.seed)
    started = time.monotonic()

    corpus = styled_diagrams(settings.renders, settings.seed + 1000)
    pixels = np.stack(
        [
            images.thumbnail(item.diagram, settings.scale)
            for item in tqdm(corpus, desc="render", disable=not progress)
        ]
    )
    x_all = images.to_tensor(pixels)
    targets = {k: torch.from_numpy(v) for k, v in style_targets([c.look for c in corpus]).items()}
    order = np.random.default_rng(settings.seed).permutation(len(corpus))
    held = order[: len(corpus) // 10]
    train_idx = torch.from_numpy(order[len(corpus) // 10 :])

    model = Autoencoder(
        settings.latent_dim, settings.channels, settings.pooled, settings.scale, settings.norm
    )
    heads = nn.ModuleDict({k: nn.Linear(settings.latent_dim, n) for k, n in class_counts().items()})
    parameters = list(model.parameters()) + list(heads.parameters())
    optimiser = torch.optim.AdamW(parameters, lr=settings.lr, weight_decay=1e-5)
    steps = math.ceil(len(train_idx) / settings.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=settings.lr, total_steps=settings.epochs * steps
    )
    generator = torch.Generator().manual_seed(settings.seed)

    def losses(batch):
        x = x_all[batch]
        latent, recon = model(x)
        weight = 1.0 + INK_WEIGHT * x
        rec = (weight * (recon - x) ** 2).mean()
        aux = sum(
            nn.functional.cross_entropy(heads[k](latent), targets[k][batch]) for k in heads
        ) / len(heads)
        if settings.metric_weight:
            aux = aux + settings.metric_weight * style_distance_loss(
                latent, torch.stack([targets[k][batch] for k in STYLE_KEYS], dim=1)
            )
        return rec, aux, latent

    log_path = output / "train_log.jsonl"
    with open(log_path, "w", encoding="utf-8") as log:
        for epoch in range(settings.epochs):
            model.train()
            shuffled = train_idx[torch.randperm(len(train_idx), generator=generator)]
            sums = np.zeros(2)
            bar = tqdm(
                range(steps),
                desc=f"epoch {epoch + 1}/{settings.epochs}",
                disable=not progress,
                leave=False,
            )
            for step in bar:
                batch = shuffled[step * settings.batch_size : (step + 1) * settings.batch_size]
                rec, aux, _ = losses(batch)
                loss = rec + settings.style_weight * aux
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
                sums += np.array([float(rec.detach()), float(aux.detach())]) * len(batch)
                bar.set_postfix(rec=f"{sums[0] / ((step + 1) * settings.batch_size):.4f}")
            record = {
                "epoch": epoch + 1,
                "train_reconstruction": sums[0] / len(train_idx),
                "train_style": sums[1] / len(train_idx),
                **_held_out(model, heads, x_all, targets, torch.from_numpy(held), losses),
            }
            log.write(json.dumps(record) + "\n")
            log.flush()

    model.eval()
    with torch.inference_mode():
        raw = torch.cat(
            [model.encoder(x_all[i : i + 256]) for i in range(0, len(x_all), 256)]
        ).numpy()
    mean, std = raw.mean(0), raw.std(0) + 1e-6
    summary = {
        "renders": len(corpus),
        "seconds": round(time.monotonic() - started, 1),
        "final": record,
        "settings": vars(settings),
    }
    save(output, model, mean, std, {"training": summary})
    return summary


@torch.inference_mode()
def _held_out(model, heads, x_all, targets, held, losses) -> dict:
    """Return held-out reconstruction loss and style accuracy per key."""
    model.eval()
    rec, _, latent = losses(held)
    accuracy = {
        k: float((heads[k](latent).argmax(1) == targets[k][held]).float().mean()) for k in heads
    }
    return {"held_reconstruction": float(rec), "held_style_accuracy": accuracy}
