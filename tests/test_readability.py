"""The readability CNN ensemble shipped in models/: loads, scores 0..5, fails clearly."""

import copy
import json

import numpy as np
import pytest

from ranking.diagrams import nodelist
from ranking.scoring.ranker import DEFAULT_READABILITY_DIR
from ranking.scoring.readability import ReadabilityEnsemble
from ranking.scoring.weights import ScorerWeightsError
from tests.scoring_helpers import copy_weights, rated_diagrams


@pytest.fixture(scope="module")
def ensemble():
    return ReadabilityEnsemble.load(DEFAULT_READABILITY_DIR)


def test_the_shipped_ensemble_has_one_network_per_fold(ensemble):
    assert len(ensemble.nets) == ensemble.config["cv"]["settings"]["folds"] >= 2


def test_it_scores_rated_diagrams_with_finite_values_in_range(ensemble):
    diagrams, _ = rated_diagrams("g", 20)
    scores = ensemble.predict(diagrams)
    assert scores.shape == (20,)
    assert np.isfinite(scores).all()
    assert scores.min() >= 0.0 and scores.max() <= 5.0


def test_a_reference_diagram_outscores_its_shapes_piled_on_each_other(ensemble):
    diagrams, _ = rated_diagrams("b", 10)
    piled = []
    for diagram in diagrams:
        broken = copy.deepcopy(diagram)
        for node in broken.nodes:
            node.x, node.y = 500 + (node.x - 500) * 0.1, 300 + (node.y - 300) * 0.1
        piled.append(broken)
    assert ensemble.predict(diagrams).mean() > ensemble.predict(piled).mean() + 1.0


def test_it_is_the_mean_of_its_networks(ensemble):
    diagrams, _ = rated_diagrams("g", 4)
    single = [
        ReadabilityEnsemble([net], ensemble.feature_mean, ensemble.feature_std, {}).predict(
            diagrams
        )
        for net in ensemble.nets
    ]
    assert ensemble.predict(diagrams) == pytest.approx(np.mean(single, axis=0), abs=1e-5)


def test_a_blank_diagram_scores_zero(ensemble):
    # A node list that did not parse draws nothing: unreadable, whatever a
    # network makes of an empty canvas.
    blank = nodelist.parse("not a node list").diagram
    assert blank.nodes == []
    diagrams, _ = rated_diagrams("b", 1)
    scores = ensemble.predict([blank, *diagrams])
    assert scores[0] == 0.0
    assert scores[1] > 0.0


def test_no_diagrams_give_no_scores(ensemble):
    assert ensemble.predict([]).shape == (0,)


def test_a_truncated_weight_file_is_reported_by_name(tmp_path):
    directory = copy_weights(tmp_path, "readability")
    fold = directory / "fold1.safetensors"
    fold.write_bytes(fold.read_bytes()[:100])
    with pytest.raises(ScorerWeightsError, match="corrupt.*fold1.safetensors"):
        ReadabilityEnsemble.load(directory)


def test_a_missing_weight_file_is_reported_by_name(tmp_path):
    directory = copy_weights(tmp_path, "readability")
    (directory / "fold0.safetensors").unlink()
    with pytest.raises(ScorerWeightsError, match="missing.*fold0.safetensors"):
        ReadabilityEnsemble.load(directory)


def test_a_corrupt_config_is_reported_by_name(tmp_path):
    directory = copy_weights(tmp_path, "readability")
    (directory / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ScorerWeightsError, match="corrupt.*config.json"):
        ReadabilityEnsemble.load(directory)


def test_weights_of_another_shape_are_reported(tmp_path):
    directory = copy_weights(tmp_path, "readability")
    config = json.loads((directory / "config.json").read_text())
    config["channels"] = [8, 8, 8, 8]
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(ScorerWeightsError, match="does not fit"):
        ReadabilityEnsemble.load(directory)


def test_a_missing_directory_is_reported(tmp_path):
    with pytest.raises(ScorerWeightsError, match="directory is missing"):
        ReadabilityEnsemble.load(tmp_path / "nowhere")
