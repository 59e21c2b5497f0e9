"""Benchmark personalisation with simulated users (run by hand, not in CI).

    .venv/bin/python bench/personalisation.py [--users 40] [--k 3,10] [--autoencoder DIR]

Each simulated user has a hidden taste over visual style and rates
diagrams 0-5 from that taste plus noise (sd 0.5 before rounding). Two
kinds of taste:
- "brief" (default), the four kinds the product brief names: a liked shape
  style (e.g. circles), a disliked line style (e.g. dashed), a preferred
  orientation (e.g. vertical) and muted versus vivid colours, each with its
  own strength (uniform 0.5-1.5);
- "rich": as above but two liked and two disliked palettes out of eight
  instead of muted/vivid, plus a size preference - many more style cells
  to learn from the same few ratings. After
5, 10, 20 and 50 ratings of random diagrams, the k-NN (the product's rule,
once per K in --k: the reference K=3 and the shipped default) predicts the
user's rating of 300 new diagrams; the score is the
Spearman correlation between predicted and true (noise-free) taste,
averaged over users. Representations compared: the autoencoder's latents,
raw downscaled pixels (32 x 19 RGB, the same thumbnails shrunk 4x) and
random predictions; the style choices themselves (one-hot, what the
latent should recover) give the ceiling. The diagrams come from a seed
the autoencoder never trained on.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scoring_speed import cpu_name  # noqa: E402
from ranking.generation.plan import STYLE_CHOICES  # noqa: E402
from ranking.scoring import images, knn  # noqa: E402
from ranking.scoring.autoencoder import LatentEncoder  # noqa: E402
from ranking.scoring.corpus import styled_diagrams  # noqa: E402
from ranking.scoring.ranker import DEFAULT_AUTOENCODER_DIR  # noqa: E402

RATING_COUNTS = (5, 10, 20, 50)
TEST_SIZE = 300
NOISE = 0.5
PALETTES = STYLE_CHOICES["palette"]
MUTED = {"muted", "grey", "pastel", "mono"}


def brief_taste(rng: random.Random):
    """Return taste(look) -> utility: liked shape, disliked line, orientation, muted/vivid."""
    shape = rng.choice(("circle", "box", "round"))
    line = rng.choice(STYLE_CHOICES["line"])
    orient = rng.choice(("down", "right"))
    muted = rng.random() < 0.5
    w = [rng.uniform(0.5, 1.5) for _ in range(4)]

    def taste(look: dict) -> float:
        return (
            w[0] * (look["shape"] == shape)
            - w[1] * (look["line"] == line)
            + w[2] * (look["orient"] == orient)
            + w[3] * ((look["palette"] in MUTED) == muted)
        )

    return taste


def rich_taste(rng: random.Random):
    """Return taste(look) -> utility for one simulated user with a many-sided taste."""
    shape = rng.choice(("circle", "box", "round"))
    line = rng.choice(STYLE_CHOICES["line"])
    orient = rng.choice(("down", "right"))
    liked = set(rng.sample(PALETTES, 2))
    disliked = set(rng.sample([p for p in PALETTES if p not in liked], 2))
    size = rng.choice(STYLE_CHOICES["size"])
    w = [rng.uniform(0.5, 1.5) for _ in range(6)]

    def taste(look: dict) -> float:
        return (
            w[0] * (look["shape"] == shape)
            - w[1] * (look["line"] == line)
            + w[2] * (look["orient"] == orient)
            + w[3] * (look["palette"] in liked)
            - w[4] * (look["palette"] in disliked)
            + 0.5 * w[5] * (look["size"] == size)
        )

    return taste


def to_ratings(utility: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return 0-5 integer ratings: utility spread over the scale, noise, rounding."""
    z = (utility - utility.mean()) / (utility.std() + 1e-9)
    return np.clip(np.round(2.5 + 1.2 * z + rng.normal(0, NOISE, len(z))), 0, 5)


def one_hot(looks: list[dict]) -> np.ndarray:
    """Return the style choices as one-hot vectors (the ceiling representation)."""
    keys = ("shape", "line", "palette", "size", "orient")
    values = {k: sorted({look[k] for look in looks}) for k in keys}
    return np.array([[float(look[k] == v) for k in keys for v in values[k]] for look in looks])


def evaluate(representations: dict, utilities, users: int, seed: int, ks=(3,)) -> dict:
    """Return {row name: {n ratings: mean Spearman}} over simulated users, one row per K.

    Every K sees the same users, ratings and test diagrams.
    """
    data = np.random.default_rng(seed)
    n = len(next(iter(representations.values())))
    rows = [(name, k) for name in representations for k in ks]
    results = {row: {c: [] for c in RATING_COUNTS} for row in [*rows, ("random", None)]}
    for user in range(users):
        utility = utilities[user]
        order = data.permutation(n)
        test, pool = order[:TEST_SIZE], order[TEST_SIZE:]
        ratings_all = to_ratings(utility, data)
        for count in RATING_COUNTS:
            rated = data.choice(pool, count, replace=False)
            for name, k in rows:
                matrix = representations[name]
                predicted = knn.predict(matrix[test], matrix[rated], ratings_all[rated], k=k)
                rho = spearmanr(predicted, utility[test])[0]
                results[name, k][count].append(0.0 if np.isnan(rho) else rho)
            guess = data.uniform(0, 5, len(test))
            results["random", None][count].append(spearmanr(guess, utility[test])[0])
    return {
        name if k is None else f"{name}, K={k}": {c: float(np.mean(v)) for c, v in by.items()}
        for (name, k), by in results.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--diagrams", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--taste", choices=("brief", "rich"), default="brief")
    parser.add_argument("--autoencoder", default=str(DEFAULT_AUTOENCODER_DIR))
    parser.add_argument(
        "--k",
        default=f"3,{knn.DEFAULT_K}",
        help="comma-separated K values, one row each (default: the reference 3 and the default)",
    )
    args = parser.parse_args()
    ks = sorted({int(k) for k in args.k.split(",")})

    items = styled_diagrams(args.diagrams, seed=90_000 + args.seed)
    looks = [item.look for item in items]
    pixels = images.thumbnails([item.diagram for item in items])
    encoder = LatentEncoder.load(Path(args.autoencoder))
    small = pixels.reshape(len(pixels), images.HEIGHT, images.WIDTH // 4, 4, 3)
    small = small[:, : (images.HEIGHT // 4) * 4].reshape(
        len(pixels), images.HEIGHT // 4, 4, images.WIDTH // 4, 4, 3
    )
    downscaled = small.mean(axis=(2, 4)).reshape(len(pixels), -1) / 255.0
    representations = {
        f"autoencoder latent ({encoder.latent_dim})": encoder.encode(
            [item.diagram for item in items]
        ),
        "raw pixels 32x19 RGB": downscaled,
        "ceiling: style one-hot": one_hot(looks),
    }
    rng = random.Random(args.seed)
    utilities = []
    for _ in range(args.users):
        taste = brief_taste(rng) if args.taste == "brief" else rich_taste(rng)
        utilities.append(np.array([taste(look) for look in looks]))
    results = evaluate(representations, utilities, args.users, args.seed, ks)

    print(
        f"Personalisation - {date.today()}, {cpu_name()}, `.venv/bin/python "
        f"bench/personalisation.py --users {args.users} --diagrams {args.diagrams} "
        f"--taste {args.taste} --seed {args.seed} --k {','.join(map(str, ks))}`: mean "
        f"Spearman (predicted vs true taste) on {TEST_SIZE} new diagrams, "
        f"{args.users} simulated users, k-NN K in {ks}\n"
    )
    header = " | ".join(f"{c} ratings" for c in RATING_COUNTS)
    print(f"| representation | {header} |\n|---|{'---:|' * len(RATING_COUNTS)}")
    for name, by in results.items():
        print(f"| {name} | " + " | ".join(f"{by[c]:.3f}" for c in RATING_COUNTS) + " |")


if __name__ == "__main__":
    main()
