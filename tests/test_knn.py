"""Per-user k-NN: the reference rule (K nearest by squared L2, weights 1/max(d, 0.1)**2)."""

import numpy as np
import pytest

from ranking.scoring import knn


def test_it_weights_the_k_nearest_by_inverse_squared_distance():
    # Squared distances from the origin: 1, 4, 50; with k=2 the third is ignored.
    rated = [[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]]
    predicted = knn.predict([[0.0, 0.0]], rated, [4.0, 2.0, 0.0], k=2)
    w1, w2 = 1 / 1**2, 1 / 4**2
    assert predicted == pytest.approx([(4 * w1 + 2 * w2) / (w1 + w2)])


def test_an_exact_match_is_weighted_as_distance_point_one_not_infinity():
    rated = [[0.0, 0.0], [0.3, 0.0]]  # squared distances 0 (-> 0.1) and 0.09 (-> 0.1)
    predicted = knn.predict([[0.0, 0.0]], rated, [5.0, 1.0], k=3)
    assert predicted == pytest.approx([3.0])


def test_k_larger_than_the_ratings_uses_all_of_them():
    rated = [[0.0], [2.0]]  # squared distances 1 and 1 from the query
    assert knn.predict([[1.0]], rated, [1.0, 4.0], k=10) == pytest.approx([2.5])


def test_k_picks_by_squared_distance_for_every_query_at_once():
    rated = np.array([[0.0], [10.0], [20.0]])
    predicted = knn.predict([[0.0], [10.0], [21.0]], rated, [0.0, 3.0, 5.0], k=1)
    assert predicted == pytest.approx([0.0, 3.0, 5.0])


def test_a_user_with_no_ratings_gets_no_prediction():
    assert knn.predict(np.ones((4, 32)), np.zeros((0, 32)), [], k=3) is None


def test_mismatched_latent_sizes_are_an_error():
    with pytest.raises(ValueError, match="latent sizes differ"):
        knn.predict(np.zeros((1, 4)), np.zeros((2, 3)), [1, 2])


def test_predictions_stay_within_the_range_of_the_ratings():
    rng = np.random.default_rng(1)
    ratings = rng.integers(0, 6, size=200).astype(float)
    predicted = knn.predict(rng.normal(size=(50, 32)), rng.normal(size=(200, 32)), ratings, k=3)
    assert predicted.shape == (50,)
    assert predicted.min() >= 0 and predicted.max() <= 5


def test_the_default_k_is_twenty_and_the_reference_k_three_stays_available():
    # 21 rated diagrams on a line at squared distances 1, 4, ..., 441 from the
    # query: the default ignores only the farthest; K=3 keeps the three nearest.
    rated = np.arange(1.0, 22.0)[:, None]
    ratings = np.r_[np.full(20, 2.0), 5.0]
    assert knn.DEFAULT_K == 20
    assert knn.predict([[0.0]], rated, ratings) == pytest.approx([2.0])
    predicted = knn.predict([[0.0]], rated, np.r_[4.0, 1.0, 1.0, np.zeros(18)], k=knn.REFERENCE_K)
    w = 1 / np.array([1.0, 4.0, 9.0]) ** 2
    assert predicted == pytest.approx([(4 * w[0] + w[1] + w[2]) / w.sum()])
