"""Scorer.rank: readability + the user's predicted rating, cold start, recommendations."""

import numpy as np
import pytest

from ranking.generation.layout import layout_plan
from ranking.generation.plan import parse_plan
from ranking.scoring.ranker import Scorer
from ranking.scoring.weights import ScorerWeightsError
from tests.scoring_helpers import copy_weights, rated_diagrams


@pytest.fixture(scope="module")
def scorer():
    return Scorer.load()


@pytest.fixture(scope="module")
def candidates():
    plan = parse_plan("net 3 5 5 2\nstyle: down circle arrow muted nolabels medium")
    styles = [
        {"shape": "circle", "line": "arrow", "palette": "muted"},
        {"shape": "box", "line": "dashed", "palette": "bright"},
        {"shape": "round", "line": "line", "palette": "green"},
        {"shape": "box", "line": "arrow", "palette": "warm"},
    ]
    return [layout_plan(plan.with_style({**plan.style, **s})) for s in styles]


def test_a_user_without_ratings_is_ranked_by_readability_alone(scorer, candidates):
    result = scorer.rank(candidates, [], [], recommend=2)
    assert result.user_scores is None
    assert np.array_equal(result.final, result.readability)
    assert list(result.final[result.order]) == sorted(result.final, reverse=True)
    assert sum(result.recommended) == 2
    assert all(result.recommended[i] for i in result.order[:2])
    assert result.latents.shape == (4, scorer.latent_dim)


def test_final_adds_the_users_predicted_rating(scorer, candidates):
    latents = scorer.encode(candidates)
    result = scorer.rank(candidates, latents[:2], [0.0, 5.0], recommend=1, k=3)
    assert result.user_scores is not None
    assert result.final == pytest.approx(result.readability + result.user_scores)
    # The two rated diagrams come back with (almost exactly) their own ratings.
    assert result.user_scores[0] < 0.5 and result.user_scores[1] > 4.5


def test_a_liked_diagram_rises_above_a_disliked_one(scorer, candidates):
    latents = scorer.encode(candidates)
    result = scorer.rank(candidates, latents[[0, 1]], [0.0, 5.0], recommend=1)
    assert result.order.index(1) < result.order.index(0)
    flipped = scorer.rank(candidates, latents[[0, 1]], [5.0, 0.0], recommend=1)
    assert flipped.order.index(0) < flipped.order.index(1)


def test_latents_come_back_as_encode_gives_them(scorer, candidates):
    result = scorer.rank(candidates, [], [], recommend=1)
    assert np.allclose(result.latents, scorer.encode(candidates))


def test_recommend_larger_than_the_candidates_flags_them_all(scorer, candidates):
    assert all(scorer.rank(candidates, [], [], recommend=10).recommended)
    assert not any(scorer.rank(candidates, [], [], recommend=0).recommended)


def test_no_candidates_give_an_empty_ranking(scorer):
    result = scorer.rank([], [], [], recommend=3)
    assert result.order == [] and result.recommended == []
    assert result.latents.shape == (0, scorer.latent_dim)


def test_readability_matches_rank(scorer):
    diagrams, _ = rated_diagrams("g", 5)
    ranked = scorer.rank(diagrams, [], [], recommend=1)
    assert scorer.readability(diagrams) == pytest.approx(ranked.readability, abs=1e-6)


def test_loading_a_corrupt_autoencoder_fails_with_the_file_named(tmp_path):
    directory = copy_weights(tmp_path, "autoencoder")
    (directory / "encoder.safetensors").write_text("garbage")
    readability = copy_weights(tmp_path, "readability")
    with pytest.raises(ScorerWeightsError, match="encoder.safetensors"):
        Scorer.load(readability, directory)
