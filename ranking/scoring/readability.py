"""Readability 0-5: an ensemble of small CNNs (one per fold), soft voting by the mean.

Each network looks at the 128 x 77 thumbnail and, in its head, at the
hand-crafted geometry features (ranking.scoring.features): the thumbnail
shows clutter, density and style; the features give the exact overlap,
off-canvas and crossing facts a thumbnail blurs. The scorer takes only a
diagram: both inputs are computed from it. The shipped networks are "gate"
networks: a frozen linear rule on the features grades a flawed diagram and
the CNN decides how flawless it is (ReadabilityNet.forward).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from ranking.diagrams.model import Diagram

from . import aesthetics, images, weights
from .features import FEATURE_NAMES, diagram_features
from .threads import single_thread

KIND = "readability"
MAX_SCORE = 5.0
# "sigmoid": 5 * sigmoid(head); "residual": a frozen linear rule on the features
# plus the network's correction; "gate": the network decides how flawless the
# diagram is and the frozen rule grades the flaws (see ReadabilityNet.forward).
OUTPUTS = ("sigmoid", "residual", "gate")


class ReadabilityNet(nn.Module):
    """A small CNN over the thumbnail whose head also reads the geometry features."""

    def __init__(
        self,
        n_features: int,
        channels: tuple[int, ...] = (16, 32, 48, 64),
        feature_skip: bool = False,
        output: str = "sigmoid",
    ):
        super().__init__()
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        self.output = output
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
        uses_rule = output in ("residual", "gate")
        self.skip = nn.Linear(n_features, 1) if feature_skip or uses_rule else None

    def forward(self, pixels: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """Return the readability (n,); in 0..5 except while training a residual net."""
        seen = self.convs(pixels).mean(dim=(2, 3))
        logit = self.head(torch.cat([seen, features], dim=1)).squeeze(1)
        if self.output == "residual":
            # The skip is a linear rule on the features (fitted in closed form on the
            # fold's human ratings and frozen); the CNN and the MLP add a correction.
            # Unclamped while training so the loss keeps its gradient at the ends.
            score = self.skip(features).squeeze(1) + logit
            return score if self.training else score.clamp(0.0, MAX_SCORE)
        if self.output == "gate":
            # rule + open * (5 - rule): a diagram the CNN finds flawless (open -> 1)
            # scores 5 whatever the rule says; a flawed one (open -> 0) gets the
            # rule's grade. With 140 rated flawed diagrams, a linear rule ranks them
            # better than any correction the CNN learns from them (docs/benchmarks.md),
            # while flawless vs flawed has thousands of examples.
            rule = self.skip(features).squeeze(1).clamp(0.0, MAX_SCORE)
            return rule + torch.sigmoid(logit) * (MAX_SCORE - rule)
        if self.skip is not None:
            logit = logit + self.skip(features).squeeze(1)
        # A sigmoid keeps every prediction inside the rating scale.
        return MAX_SCORE * torch.sigmoid(logit)


def nothing_to_read(features: np.ndarray) -> np.ndarray:
    """Return a mask (n,) of diagrams without a single shape (raw features, log_nodes = 0).

    They score 0 whatever the networks say: a blank canvas (a node list that did
    not parse) is unreadable, and no rated example teaches a CNN that - the
    image is as empty as a tidy diagram's background, and one such g-item
    (rated 0) got a flawless gate.
    """
    return np.asarray(features)[:, FEATURE_NAMES.index("log_nodes")] <= 0


class ReadabilityEnsemble:
    """The K fold networks plus the feature standardisation they were trained with.

    A config with a "rule" block (scorer versions from readability-v2 on)
    keeps each score within the floor and ceiling its measured aesthetics
    allow (ranking.scoring.aesthetics.RuleBounds); without one the score is
    the networks' mean, as the first version shipped it.
    """

    def __init__(self, nets: list[ReadabilityNet], feature_mean, feature_std, config: dict):
        self.nets = nets
        self.feature_mean = np.asarray(feature_mean, dtype=np.float32)
        self.feature_std = np.asarray(feature_std, dtype=np.float32)
        self.config = config
        rule = config.get("rule")
        self.rule = aesthetics.RuleBounds.from_config(rule) if rule is not None else None
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
            output = str(config.get("output", "sigmoid"))
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
        if output not in OUTPUTS:
            raise ScorerWeightsError(f"{KIND} config has an unknown output {output!r}: {directory}")
        try:
            if config.get("rule") is not None:
                aesthetics.RuleBounds.from_config(config["rule"])
        except (AttributeError, TypeError, ValueError) as exc:
            raise ScorerWeightsError(
                f"{KIND} config has a bad rule block: {directory} ({exc})"
            ) from exc
        if not files:
            raise ScorerWeightsError(f"{KIND} config lists no fold models: {directory}")
        nets = []
        for name in files:
            net = ReadabilityNet(len(names), channels, feature_skip, output)
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
    def predict_arrays(
        self,
        pixels: np.ndarray,
        features: np.ndarray,
        measures: list[aesthetics.Measures] | None = None,
    ) -> np.ndarray:
        """Return the readability (n,) from thumbnails (n, H, W, 3) and raw features (n, F).

        The ensemble mean, kept within the rule's bounds when the config has a
        rule and the diagrams' `measures` are given.
        """
        if len(pixels) == 0:
            return np.zeros(0)
        x = images.to_tensor(pixels)
        f = self.standardise(features)
        with single_thread():
            votes = torch.stack([net(x, f) for net in self.nets])
        scores = votes.mean(0).clamp(0.0, MAX_SCORE).double().numpy()
        scores = np.where(nothing_to_read(features), 0.0, scores)
        if self.rule is not None and measures is not None:
            scores = np.array(
                [self.rule.apply(s, m) for s, m in zip(scores, measures, strict=True)]
            )
        return scores

    def predict(self, diagrams: list[Diagram]) -> np.ndarray:
        """Return the readability (n,) in 0..5 of each diagram."""
        return self.assess(diagrams)[0]

    def assess(self, diagrams: list[Diagram]) -> tuple[np.ndarray, list[list[str]]]:
        """Return the readability (n,) of each diagram and its reasons in plain words."""
        diagrams = list(diagrams)
        features = np.stack([diagram_features(d) for d in diagrams]) if diagrams else None
        measures = [aesthetics.measure(d) for d in diagrams]
        scores = self.predict_arrays(images.thumbnails(diagrams), features, measures)
        return scores, [self.reasons(m) for m in measures]

    def reasons(self, measures: aesthetics.Measures) -> list[str]:
        """Return the two or three costliest factors of a diagram, in plain words."""
        weights = dict(self.rule.weights) if self.rule is not None else None
        return aesthetics.reasons(measures, weights)


ScorerWeightsError = weights.ScorerWeightsError
