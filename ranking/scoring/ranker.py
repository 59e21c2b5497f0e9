"""Score and rank candidate diagrams for one user: readability + predicted user rating.

final = readability (0-5, CNN ensemble) + predicted user rating (0-5, k-NN
over the autoencoder latents of diagrams this user rated). A user with no
ratings yet is ranked by readability alone (`user_scores` is None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ranking.diagrams.model import Diagram
from ranking.paths import MODELS_DIR

from . import aesthetics, images, knn
from .autoencoder import LatentEncoder
from .features import diagram_features
from .readability import ReadabilityEnsemble
from .weights import ScorerWeightsError

# The shipped scorer's (readability-v2: networks within the measured-aesthetics
# bounds); the first scorer's networks stay in scoring/readability.
DEFAULT_READABILITY_DIR = MODELS_DIR / "scoring" / "readability-v2"
DEFAULT_AUTOENCODER_DIR = MODELS_DIR / "scoring" / "autoencoder"

__all__ = ["Ranking", "Scorer", "ScorerWeightsError"]


@dataclass
class Ranking:
    """Scores indexed like the input diagrams, and their order (best first)."""

    order: list[int]
    recommended: list[bool]
    readability: np.ndarray
    user_scores: np.ndarray | None
    final: np.ndarray
    latents: np.ndarray
    # The costliest measured defects of each diagram, in plain words.
    reasons: list[list[str]] = field(default_factory=list)


class Scorer:
    """The loaded CNN ensemble and autoencoder encoder."""

    def __init__(self, readability: ReadabilityEnsemble, encoder: LatentEncoder):
        self.readability_model = readability
        self.encoder = encoder

    @classmethod
    def load(
        cls,
        readability_dir: Path = DEFAULT_READABILITY_DIR,
        autoencoder_dir: Path = DEFAULT_AUTOENCODER_DIR,
    ) -> Scorer:
        """Load both models; raise ScorerWeightsError naming the missing or corrupt file."""
        return cls(ReadabilityEnsemble.load(readability_dir), LatentEncoder.load(autoencoder_dir))

    @property
    def latent_dim(self) -> int:
        return self.encoder.latent_dim

    def readability(self, diagrams: list[Diagram]) -> np.ndarray:
        """Return the readability (n,) in 0..5 of each diagram."""
        return self.readability_model.predict(list(diagrams))

    def encode(self, diagrams: list[Diagram]) -> np.ndarray:
        """Return the autoencoder latents (n, latent_dim) float32 of the diagrams."""
        return self.encoder.encode(list(diagrams))

    def rank(
        self,
        diagrams: list[Diagram],
        rated_latents,
        ratings,
        recommend: int,
        k: int = knn.DEFAULT_K,
    ) -> Ranking:
        """Score `diagrams` and rank them for a user with these (latent, rating) pairs.

        `rated_latents` (m, d) and `ratings` (m,) are one user's own ratings;
        nothing else is read. The top `recommend` of the order are flagged.
        Ties keep the input order.
        """
        diagrams = list(diagrams)
        # Render once for the CNN (and the encoder, when it reads the same size).
        pixels = images.thumbnails(diagrams)
        measures = [aesthetics.measure(d) for d in diagrams]
        if diagrams:
            features = np.stack([diagram_features(d) for d in diagrams])
            readability = self.readability_model.predict_arrays(pixels, features, measures)
        else:
            readability = np.zeros(0)
        # The encoder may read a larger render than the CNN's thumbnail.
        same = self.encoder.scale == images.SCALE
        latents = self.encoder.encode_arrays(pixels if same else self.encoder.render(diagrams))
        ratings = np.asarray(ratings, dtype=float).reshape(-1)
        user_scores = None
        if len(ratings):
            # reshape(0, -1) is ambiguous to numpy, so only shape a non-empty matrix.
            rated = np.asarray(rated_latents, dtype=float).reshape(len(ratings), -1)
            user_scores = knn.predict(latents, rated, ratings, k=k)
        final = readability if user_scores is None else readability + user_scores
        order = sorted(range(len(diagrams)), key=lambda i: (-final[i], i))
        top = set(order[: max(0, recommend)])
        return Ranking(
            order=order,
            recommended=[i in top for i in range(len(diagrams))],
            readability=readability,
            user_scores=user_scores,
            final=np.asarray(final, dtype=float),
            latents=latents,
            reasons=[self.readability_model.reasons(m) for m in measures],
        )
