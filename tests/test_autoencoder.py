"""The style autoencoder shipped in models/: loads, encodes to finite latents, fails clearly."""

import copy

import numpy as np
import pytest

from ranking.generation.layout import layout_plan
from ranking.generation.plan import parse_plan
from ranking.scoring.autoencoder import LatentEncoder
from ranking.scoring.corpus import styled_diagrams
from ranking.scoring.ranker import DEFAULT_AUTOENCODER_DIR
from ranking.scoring.weights import ScorerWeightsError
from tests.scoring_helpers import copy_weights, rated_diagrams


@pytest.fixture(scope="module")
def encoder():
    return LatentEncoder.load(DEFAULT_AUTOENCODER_DIR)


def test_it_encodes_diagrams_to_finite_32_number_latents(encoder):
    diagrams, _ = rated_diagrams("b", 6)
    latents = encoder.encode(diagrams)
    assert latents.shape == (6, 32)
    assert latents.dtype == np.float32
    assert np.isfinite(latents).all()


def test_the_same_diagram_always_gets_the_same_latent(encoder):
    diagrams, _ = rated_diagrams("b", 3)
    first = encoder.encode(diagrams)
    again = encoder.encode([copy.deepcopy(d) for d in diagrams])
    assert np.array_equal(first, again)


def test_a_restyled_diagram_moves_in_latent_space(encoder):
    plan = parse_plan("net 4 6 6 2\nstyle: down circle arrow muted nolabels medium")
    restyled = plan.with_style({**plan.style, "shape": "box", "line": "dashed"})
    a, b, a2 = encoder.encode([layout_plan(plan), layout_plan(restyled), layout_plan(plan)])
    assert np.sum((a - b) ** 2) > 1.0
    assert np.sum((a - a2) ** 2) == 0.0


MUTED = {"muted", "grey", "pastel", "mono"}


@pytest.mark.parametrize(
    "name, side",
    [
        ("circles vs boxes", lambda look: {"circle": True, "box": False}.get(look["shape"])),
        ("vertical vs horizontal", lambda look: look["orient"] == "down"),
        ("muted vs vivid colours", lambda look: look["palette"] in MUTED),
    ],
)
def test_the_latent_separates_styles_people_prefer(encoder, name, side):
    # Nearest-centroid on the latent, fitted on one half and checked on the
    # other: a latent that ignored the style would be right half the time.
    items = styled_diagrams(160, seed=4242)
    latents = encoder.encode([item.diagram for item in items])
    chosen = [i for i, item in enumerate(items) if side(item.look) is not None]
    labels = np.array([side(items[i].look) for i in chosen])
    z = latents[chosen]
    half = len(chosen) // 2
    centre_a = z[:half][labels[:half]].mean(0)
    centre_b = z[:half][~labels[:half]].mean(0)
    guess = ((z[half:] - centre_a) ** 2).sum(1) < ((z[half:] - centre_b) ** 2).sum(1)
    assert (guess == labels[half:]).mean() > 0.75, name


def test_a_corrupt_encoder_file_is_reported_by_name(tmp_path):
    directory = copy_weights(tmp_path, "autoencoder")
    (directory / "encoder.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ScorerWeightsError, match="corrupt.*encoder.safetensors"):
        LatentEncoder.load(directory)


def test_a_missing_config_is_reported_by_name(tmp_path):
    directory = copy_weights(tmp_path, "autoencoder")
    (directory / "config.json").unlink()
    with pytest.raises(ScorerWeightsError, match="missing.*config.json"):
        LatentEncoder.load(directory)
