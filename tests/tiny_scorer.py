"""A small fixed scorer: the real CNN ensemble and autoencoder classes with seeded random weights.

Runtime tests rank with it so they need neither trained weights nor
minutes of training: it is written with the scorer's own `save` functions,
registered as a ScorerVersion and loaded by the real loader. Its latents are
standardised over a few sample diagrams (as training does), so different
diagrams lie far apart and the k-NN tells them apart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ranking.generation.layout import layout_plan
from ranking.generation.plan import parse_plan
from ranking.scoring import autoencoder, images
from ranking.scoring.features import FEATURE_NAMES
from ranking.scoring.readability import ReadabilityEnsemble, ReadabilityNet
from tests.fake_generator import FakeGenerator

LATENT_DIM = 8


def sample_diagrams() -> list:
    """Return the fake generator's ten styles of one network, laid out."""
    completions = FakeGenerator(delay=0).generate("DL model with 4 input, and 2 output", 10)
    return [layout_plan(parse_plan(c.text)) for c in completions]


def write_tiny_scorer(root: Path) -> tuple[Path, Path]:
    """Write a readability ensemble and an autoencoder under `root`; return their directories."""
    torch.manual_seed(0)
    readability_dir, autoencoder_dir = root / "readability", root / "autoencoder"
    net = ReadabilityNet(len(FEATURE_NAMES), channels=(4, 4, 4, 4))
    ensemble = ReadabilityEnsemble(
        [net],
        np.zeros(len(FEATURE_NAMES)),
        np.ones(len(FEATURE_NAMES)),
        {"channels": [4, 4, 4, 4]},
    )
    ensemble.save(readability_dir)
    model = autoencoder.Autoencoder(latent_dim=LATENT_DIM).eval()
    with torch.inference_mode():
        raw = model.encoder(images.to_tensor(images.thumbnails(sample_diagrams()))).numpy()
    autoencoder.save(autoencoder_dir, model, raw.mean(0), raw.std(0) + 1e-6, {})
    return readability_dir, autoencoder_dir


def register_tiny_scorer(root: Path):
    """Write the tiny scorer under `root` and make it the active ScorerVersion."""
    from ranking.models import ScorerVersion

    readability_dir, autoencoder_dir = write_tiny_scorer(Path(root))
    version = ScorerVersion.objects.create(
        name="tiny-test-scorer",
        readability_path=str(readability_dir),
        autoencoder_path=str(autoencoder_dir),
    )
    version.activate()
    return version
