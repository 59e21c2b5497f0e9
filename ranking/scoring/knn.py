"""Per-user k-NN: predict a user's rating of new diagrams from the latents they rated.

Reference rule (from the system this replaces): the K nearest rated latents by
squared L2 distance, each weighted 1 / max(d, 0.1)**2, weighted mean of their
ratings. Only the arrays passed in are read, so a caller that passes one
user's ratings gets a prediction from that user's taste alone.
"""

from __future__ import annotations

import numpy as np

# The reference rule used K=3. With the shipped latents, K=20 ranks a simulated
# user's new diagrams better after 10-50 ratings (bench/personalisation.py,
# chosen once on its --seed 8 users and diagrams, reported on --seed 7; see
# docs/benchmarks.md): three neighbours rarely share every style choice a user
# cares about, and 1/d**2 weights still let the nearest dominate.
REFERENCE_K = 3
DEFAULT_K = 20
# Distances below this count as this distance: an exact match (d = 0) would
# otherwise divide by zero, and a near-exact one would swamp the other K-1.
MIN_DISTANCE = 0.1


def predict(latents, rated_latents, ratings, k: int = DEFAULT_K) -> np.ndarray | None:
    """Return the predicted rating (n,) of each latent, or None when nothing is rated.

    latents: (n, d) diagrams to predict; rated_latents: (m, d) diagrams the
    user rated; ratings: (m,) their scores. k > m uses all m ratings.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    ratings = np.asarray(ratings, dtype=np.float64).reshape(-1)
    m = len(ratings)
    if m == 0:
        return None
    queries = np.atleast_2d(np.asarray(latents, dtype=np.float64))
    rated = np.asarray(rated_latents, dtype=np.float64).reshape(m, -1)
    if queries.shape[1] != rated.shape[1]:
        raise ValueError(
            f"latent sizes differ: {queries.shape[1]} (new) vs {rated.shape[1]} (rated)"
        )
    n = len(queries)
    if n == 0:
        return np.zeros(0)
    # |q - r|^2 = |q|^2 - 2 q.r + |r|^2: one matrix product instead of an (n, m, d) array.
    # einsum rather than `@`: the product is small (n x d x m), and BLAS's worker
    # threads, on a CPU shared with the LLM, turned 0.3 ms into 8 ms by waiting
    # for a scheduler tick; einsum runs in this thread.
    cross = np.einsum("kj,ij->ki", queries, rated)
    dist = (
        np.einsum("ij,ij->i", queries, queries)[:, None]
        - 2.0 * cross
        + np.einsum("ij,ij->i", rated, rated)[None, :]
    )
    np.maximum(dist, 0.0, out=dist)  # rounding can make an exact match slightly negative
    k = min(k, m)
    if k < m:
        nearest = np.argpartition(dist, k - 1, axis=1)[:, :k]
    else:
        nearest = np.broadcast_to(np.arange(m), (n, m))
    near_dist = np.take_along_axis(dist, nearest, axis=1)
    weights = 1.0 / np.maximum(near_dist, MIN_DISTANCE) ** 2
    return (weights * ratings[nearest]).sum(1) / weights.sum(1)
