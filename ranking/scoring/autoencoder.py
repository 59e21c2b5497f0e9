"""A small convolutional autoencoder whose 32-number latent describes a diagram's look.

The k-NN predicts a user's rating from distances between latents, so the
latent must put diagrams of the same style (shapes, palette, orientation,
line style, density) close together. Reconstruction alone spends most of
the latent on where the shapes are; training adds a light auxiliary loss
that asks the latent to predict the style choices of each render (known
for the synthetic training set), which pulls styles apart. Latents are
standardised with the training set's mean and spread so squared L2
distances are in comparable units whatever the dimension.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from ranking.diagrams.model import Diagram

from . import images, weights

KIND = "autoencoder"
# 77 x 128 -> 39 x 64 -> 20 x 32 -> 10 x 16 -> 5 x 8 after four stride-2 convolutions.
GRID = (5, 8)


class Encoder(nn.Module):
    """Thumbnail (n, 3, 77, 128) -> latent (n, latent_dim)."""

    def __init__(self, latent_dim: int = 32, channels: tuple[int, ...] = (16, 32, 64, 64)):
        super().__init__()
        layers: list[nn.Module] = []
        previous = 3
        for width in channels:
            layers += [nn.Conv2d(previous, width, 3, stride=2, padding=1), nn.ReLU(inplace=True)]
            previous = width
        self.convs = nn.Sequential(*layers)
        self.project = nn.Linear(previous * GRID[0] * GRID[1], latent_dim)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.project(self.convs(pixels).flatten(1))


class Decoder(nn.Module):
    """Latent (n, latent_dim) -> thumbnail (n, 3, 77, 128) of ink in 0..1."""

    def __init__(self, latent_dim: int = 32, channels: tuple[int, ...] = (64, 64, 32, 16)):
        super().__init__()
        self.first = channels[0]
        self.expand = nn.Linear(latent_dim, channels[0] * GRID[0] * GRID[1])
        layers: list[nn.Module] = []
        widths = list(channels[1:]) + [3]
        previous = channels[0]
        for i, width in enumerate(widths):
            layers.append(nn.ConvTranspose2d(previous, width, 4, stride=2, padding=1))
            if i < len(widths) - 1:
                layers.append(nn.ReLU(inplace=True))
            previous = width
        self.deconvs = nn.Sequential(*layers)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        grid = self.expand(latent).view(-1, self.first, *GRID)
        # 5 x 8 doubles to 80 x 128; the bottom three rows are padding.
        return torch.sigmoid(self.deconvs(grid))[:, :, : images.HEIGHT, :]


class Autoencoder(nn.Module):
    """Encoder + decoder; only the encoder is needed to score."""

    def __init__(self, latent_dim: int = 32):
        super().__init__()
        self.encoder = Encoder(latent_dim)
        self.decoder = Decoder(latent_dim)

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent = self.encoder(pixels)
        return latent, self.decoder(latent)


class LatentEncoder:
    """The trained encoder plus the latent standardisation; encodes diagrams."""

    def __init__(self, encoder: Encoder, mean, std, config: dict):
        self.encoder = encoder.eval()
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        self.config = config

    @property
    def latent_dim(self) -> int:
        return len(self.mean)

    @classmethod
    def load(cls, directory: Path) -> LatentEncoder:
        """Load the encoder written by `save`; raise ScorerWeightsError naming a bad file."""
        directory = Path(directory)
        config = weights.read_config(directory, KIND)
        try:
            latent_dim = int(config["latent_dim"])
            mean = np.asarray(config["latent_mean"], dtype=np.float32)
            std = np.asarray(config["latent_std"], dtype=np.float32)
            name = str(config["encoder"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ScorerWeightsError(
                f"{KIND} config is incomplete: {directory / weights.CONFIG} ({exc!r})"
            ) from exc
        if mean.shape != (latent_dim,) or std.shape != (latent_dim,) or (std <= 0).any():
            raise ScorerWeightsError(
                f"{KIND} config has a bad latent standardisation: {directory / weights.CONFIG}"
            )
        encoder = Encoder(latent_dim)
        weights.load_state(directory / name, encoder, KIND)
        return cls(encoder, mean, std, config)

    @torch.inference_mode()
    def encode_arrays(self, pixels: np.ndarray) -> np.ndarray:
        """Return standardised latents (n, d) float32 of thumbnails (n, H, W, 3)."""
        if len(pixels) == 0:
            return np.zeros((0, self.latent_dim), dtype=np.float32)
        raw = self.encoder(images.to_tensor(pixels)).numpy()
        return ((raw - self.mean) / self.std).astype(np.float32)

    def encode(self, diagrams: list[Diagram]) -> np.ndarray:
        """Return the latent (n, d) of each diagram."""
        return self.encode_arrays(images.thumbnails(diagrams))


def save(directory: Path, model: Autoencoder, mean, std, config: dict) -> None:
    """Write config.json, encoder.safetensors and decoder.safetensors into `directory`."""
    config = {
        **config,
        "kind": KIND,
        "latent_dim": int(len(mean)),
        "latent_mean": np.asarray(mean, dtype=float).tolist(),
        "latent_std": np.asarray(std, dtype=float).tolist(),
        "encoder": "encoder.safetensors",
        "decoder": "decoder.safetensors",
    }
    weights.save(
        directory,
        config,
        {"encoder.safetensors": model.encoder, "decoder.safetensors": model.decoder},
    )


ScorerWeightsError = weights.ScorerWeightsError
