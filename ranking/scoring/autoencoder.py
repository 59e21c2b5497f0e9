"""A small convolutional autoencoder whose 32-number latent describes a diagram's look.

The k-NN predicts a user's rating from distances between latents, so the
latent must put diagrams of the same style (shapes, palette, orientation,
line style, density) close together. Reconstruction alone spends most of
the latent on where the shapes are; training adds an auxiliary loss that
asks the latent to predict the style choices of each render (known for the
synthetic training set), which pulls styles apart. Latents are
standardised with the training set's mean and spread so squared L2
distances are in comparable units whatever the dimension.

The input scale is part of the saved config: the readability CNN's
128 x 77 thumbnail hides arrowheads and the corners of rounded boxes,
which users do see, so the shipped encoder reads a 256 x 154 render (it
costs about as much to draw; the first stride-2 layer halves it at once).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ranking.diagrams.model import Diagram

from . import images, weights
from .threads import single_thread

KIND = "autoencoder"
DEFAULT_CHANNELS = (16, 32, 64, 64)


def grid_for(scale: float, layers: int) -> tuple[int, int]:
    """Return the (height, width) left after `layers` stride-2 convolutions of a render."""
    height, width = images.size(scale)
    for _ in range(layers):
        height, width = math.ceil(height / 2), math.ceil(width / 2)
    return height, width


class Encoder(nn.Module):
    """Render (n, 3, H, W) -> latent (n, latent_dim)."""

    def __init__(
        self,
        latent_dim: int = 32,
        channels: tuple[int, ...] = DEFAULT_CHANNELS,
        pooled: bool = False,
        scale: float = images.SCALE,
        norm: bool = False,
    ):
        super().__init__()
        self.pooled = pooled
        self.norm = norm
        layers: list[nn.Module] = []
        previous = 3
        for width in channels:
            layers.append(nn.Conv2d(previous, width, 3, stride=2, padding=1, bias=not norm))
            if norm:
                # Batch norm makes the fine texture detectors (dashes, corners) train in
                # the few epochs a CPU affords.
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.ReLU(inplace=True))
            previous = width
        self.convs = nn.Sequential(*layers)
        grid = grid_for(scale, len(channels))
        # With `pooled`, the latent also reads the mean and max of every feature
        # map over the whole image: where-free summaries of texture (round or
        # square corners, dashes, colours) that a style is made of, which the
        # position-by-position grid spreads thin.
        inputs = previous * grid[0] * grid[1] + (2 * previous if pooled else 0)
        self.project = nn.Linear(inputs, latent_dim)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        maps = self.convs(pixels)
        parts = [maps.flatten(1)]
        if self.pooled:
            parts += [maps.mean(dim=(2, 3)), maps.amax(dim=(2, 3))]
        return self.project(torch.cat(parts, dim=1))


class Decoder(nn.Module):
    """Latent (n, latent_dim) -> render (n, 3, H, W) of ink in 0..1."""

    def __init__(
        self,
        latent_dim: int = 32,
        channels: tuple[int, ...] = DEFAULT_CHANNELS,
        scale: float = images.SCALE,
    ):
        super().__init__()
        widths = list(reversed(channels))
        self.first = widths[0]
        self.grid = grid_for(scale, len(channels))
        self.size = images.size(scale)
        self.expand = nn.Linear(latent_dim, widths[0] * self.grid[0] * self.grid[1])
        layers: list[nn.Module] = []
        outputs = widths[1:] + [3]
        previous = widths[0]
        for i, width in enumerate(outputs):
            layers.append(nn.ConvTranspose2d(previous, width, 4, stride=2, padding=1))
            if i < len(outputs) - 1:
                layers.append(nn.ReLU(inplace=True))
            previous = width
        self.deconvs = nn.Sequential(*layers)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        grid = self.expand(latent).view(-1, self.first, *self.grid)
        # Doubling the grid overshoots the render by a few rows/columns; crop them.
        return torch.sigmoid(self.deconvs(grid))[:, :, : self.size[0], : self.size[1]]


class Autoencoder(nn.Module):
    """Encoder + decoder; only the encoder is needed to score."""

    def __init__(
        self,
        latent_dim: int = 32,
        channels: tuple[int, ...] = DEFAULT_CHANNELS,
        pooled: bool = False,
        scale: float = images.SCALE,
        norm: bool = False,
    ):
        super().__init__()
        self.channels = tuple(channels)
        self.scale = scale
        self.encoder = Encoder(latent_dim, channels, pooled, scale, norm)
        self.decoder = Decoder(latent_dim, channels, scale)

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent = self.encoder(pixels)
        return latent, self.decoder(latent)


class LatentEncoder:
    """The trained encoder plus the latent standardisation; encodes diagrams."""

    def __init__(self, encoder: Encoder, mean, std, config: dict, scale: float = images.SCALE):
        self.encoder = encoder.eval()
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        self.config = config
        self.scale = scale

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
            pooled = bool(config.get("pooled", False))
            scale = float(config.get("scale", images.SCALE))
            channels = tuple(int(c) for c in config.get("channels", DEFAULT_CHANNELS))
            norm = bool(config.get("norm", False))
        except (KeyError, TypeError, ValueError) as exc:
            raise ScorerWeightsError(
                f"{KIND} config is incomplete: {directory / weights.CONFIG} ({exc!r})"
            ) from exc
        if mean.shape != (latent_dim,) or std.shape != (latent_dim,) or (std <= 0).any():
            raise ScorerWeightsError(
                f"{KIND} config has a bad latent standardisation: {directory / weights.CONFIG}"
            )
        if not 0.05 <= scale <= 1.0 or not channels:
            raise ScorerWeightsError(f"{KIND} config has a bad scale or channels: {directory}")
        encoder = Encoder(latent_dim, channels, pooled, scale, norm)
        weights.load_state(directory / name, encoder, KIND)
        return cls(encoder, mean, std, config, scale)

    @torch.inference_mode()
    def encode_arrays(self, pixels: np.ndarray) -> np.ndarray:
        """Return standardised latents (n, d) float32 of renders (n, H, W, 3) at `self.scale`."""
        if len(pixels) == 0:
            return np.zeros((0, self.latent_dim), dtype=np.float32)
        with single_thread():
            raw = self.encoder(images.to_tensor(pixels)).numpy()
        return ((raw - self.mean) / self.std).astype(np.float32)

    def render(self, diagrams: list[Diagram]) -> np.ndarray:
        """Return the renders this encoder reads."""
        return images.thumbnails(list(diagrams), self.scale)

    def encode(self, diagrams: list[Diagram]) -> np.ndarray:
        """Return the latent (n, d) of each diagram."""
        return self.encode_arrays(self.render(diagrams))


def save(directory: Path, model: Autoencoder, mean, std, config: dict) -> None:
    """Write config.json, encoder.safetensors and decoder.safetensors into `directory`."""
    config = {
        **config,
        "kind": KIND,
        "latent_dim": int(len(mean)),
        "pooled": model.encoder.pooled,
        "norm": model.encoder.norm,
        "scale": model.scale,
        "channels": list(model.channels),
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
