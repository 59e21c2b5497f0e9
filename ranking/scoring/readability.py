"""Readability 0-5: an ensemble of small CNNs (one per fold), soft voting by the mean.

Each network looks at the 128 x 77 thumbnail and, in its head, at the
hand-crafted geometry features (ranking.scoring.features): the thumbnail
shows clutter, density and style; the features give the exact overlap,
off-canvas and crossing facts a thumbnail blurs. The scorer takes only a
diagram: both inputs are computed from it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from ranking.diagrams.model import Diagram

from . import images, weights
from .features import FEATURE_NAMES, diagram_features
from .threads import single_thread

KIND = "readability"
MAX_SCORE = 5.0


class ReadabilityNet(nn.Module):
    """A small CNN over the thumbnail whose head also reads the geometry features."""

    def __init__(
        self,
        n_features: int,
        channels: tuple[int, ...] = (16, 32, 48, 64),
        feature_skip: bool = False,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        previous = 3
        for width in channels:
            layers += [
                nn.Conv2d(previous, width, 3, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
            ]
            previous = width
        self.convs = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Linear(previous + n_features, 32),
            nn.ReLU(inplace=True),
            nn.Dropout(0.2),
            nn.Linear(32, 1),
        )
        # A linear path from the features straight to the output: with 140
        # faulty examples a linear rule generalises best, and the CNN and the
        # MLP then only learn corrections to it.
        self.skip = nn.Linear(n_features, 1) if feature_skip else None

    def forward(self, pixels: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """Return the readability (n,) in 0..5."""
        seen = self.convs(pixels).mean(dim=(2, 3))
        logit = self.head(torch.cat([seen, features], dim=1)).squeeze(1)
        if self.skip is not None:
            logit = logit + self.skip(features).squeeze(1)
        # A sigmoid keeps every prediction inside the rating scale.
        return MAX_SCORE * torch.sigmoid(logit)


class ReadabilityEnsemble:
    """The K fold networks plus the feature standardisation they were trained with."""

    def __init__(self, nets: list[ReadabilityNet], feature_mean, feature_std, config: dict):
        self.nets = nets
        self.feature_mean = np.asarray(feature_mean, dtype=np.float32)
        self.feature_std = np.asarray(feature_std, dtype=np.float32)
        self.config = config
        for net in nets:
            net.eval()

    @classmethod
    def load(cls, directory: Path) -> ReadabilityEnsemble:
        """Load the ensemble written by `save`; raise ScorerWeightsError naming a bad file."""
        directory = Path(directory)
        config = weights.read_config(directory, KIND)
        try:
            names = list(config["features"])
            files = list(config["folds"])
            channels = tuple(int(c) for c in config["channels"])
            feature_skip = bool(config.get("feature_skip", False))
            mean = np.asarray(config["feature_mean"], dtype=np.float32)
            std = np.asarray(config["feature_std"], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise ScorerWeightsError(
                f"{KIND} config is incomplete: {directory / weights.CONFIG} ({exc!r})"
            ) from exc
        if tuple(names) != FEATURE_NAMES or mean.shape != (len(names),) or std.shape != mean.shape:
            raise ScorerWeightsError(
                f"{KIND} config was trained on other geometry features: "
                f"{directory / weights.CONFIG}; retrain with manage.py train_readability"
            )
        if not files:
            raise ScorerWeightsError(f"{KIND} config lists no fold models: {directory}")
        nets = []
        for name in files:
            net = ReadabilityNet(len(names), channels, feature_skip)
            weights.load_state(directory / name, net, KIND)
            nets.append(net)
        return cls(nets, mean, std, config)

    def save(self, directory: Path, files: list[str] | None = None) -> None:
        """Write config.json and fold<i>.safetensors into `directory`."""
        files = files or [f"fold{i}.safetensors" for i in range(len(self.nets))]
        config = {
            **self.config,
            "kind": KIND,
            "features": list(FEATURE_NAMES),
            "feature_mean": self.feature_mean.tolist(),
            "feature_std": self.feature_std.tolist(),
            "folds": files,
        }
        weights.save(directory, config, dict(zip(files, self.nets, strict=True)))

    def standardise(self, features: np.ndarray) -> torch.Tensor:
        """Return raw geometry features (n, F) standardised as in training."""
        return torch.from_numpy(
            (np.asarray(features, dtype=np.float32) - self.feature_mean) / self.feature_std
        )

    @torch.inference_mode()
    def predict_arrays(self, pixels: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Return the ensemble mean (n,) from thumbnails (n, H, W, 3) and raw features (n, F)."""
        if len(pixels) == 0:
            return np.zeros(0)
        x = images.to_tensor(pixels)
        f = self.standardise(features)
        with single_thread():
            votes = torch.stack([net(x, f) for net in self.nets])
        return votes.mean(0).clamp(0.0, MAX_SCORE).double().numpy()

    def predict(self, diagrams: list[Diagram]) -> np.ndarray:
        """Return the readability (n,) in 0..5 of each diagram."""
        features = np.stack([diagram_features(d) for d in diagrams]) if diagrams else None
        return self.predict_arrays(images.thumbnails(diagrams), features)


ScorerWeightsError = weights.ScorerWeightsError
