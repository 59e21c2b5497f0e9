"""Benchmark scoring speed on this CPU (run by hand, not in CI).

    .venv/bin/python bench/scoring_speed.py [--repeats 50] [--threads N]

Rows: scoring 5 candidates end to end as a job does (render thumbnails +
geometry features + measured aesthetics and reasons + CNN ensemble within
the rule's bounds + encode + k-NN over 50 ratings) with the active scorer
(readability-v2), its parts, and the k-NN alone over 10,000 ratings. Median and 90th percentile
of `repeats` timed runs after a warm-up.
"""

from __future__ import annotations

import argparse
import platform
import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from ranking.generation.layout import layout_plan  # noqa: E402
from ranking.generation.plan import distinct_styles, parse_plan, random_style  # noqa: E402
from ranking.scoring import aesthetics, images, knn  # noqa: E402
from ranking.scoring.features import diagram_features  # noqa: E402
from ranking.scoring.ranker import Scorer  # noqa: E402


def timed(fn, repeats: int) -> tuple[float, float]:
    """Return (median, p90) milliseconds of `fn()` over `repeats` runs after one warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times)), float(np.percentile(times, 90))


def cpu_name() -> str:
    """Return the CPU model name from lscpu (or the platform's processor string)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    scorer = Scorer.load()
    rng = random.Random(0)
    # Five candidates of one prompt, as the pipeline makes them: one structure, distinct styles.
    plan = parse_plan("cnn 32 conv3 pool2 conv3 pool2 256 64 10\nstyle: auto mixed arrow muted")
    styles = distinct_styles([random_style(rng) for _ in range(5)], rng)
    candidates = [layout_plan(plan.with_style(style)) for style in styles]
    data = np.random.default_rng(0)
    rated, ratings = data.normal(size=(50, scorer.latent_dim)), data.integers(0, 6, 50)
    pixels = images.thumbnails(candidates)
    features = np.stack([diagram_features(d) for d in candidates])
    latents = scorer.encode(candidates)
    big, big_ratings = data.normal(size=(10_000, scorer.latent_dim)), data.integers(0, 6, 10_000)

    rows = [
        (
            "score 5 candidates end to end with reasons (Scorer.rank, 50 ratings)",
            timed(lambda: scorer.rank(candidates, rated, ratings, recommend=3), args.repeats),
            150,
        ),
        ("  render 5 thumbnails", timed(lambda: images.thumbnails(candidates), args.repeats), None),
        (
            "  geometry features x5",
            timed(lambda: [diagram_features(d) for d in candidates], args.repeats),
            None,
        ),
        (
            "  measured aesthetics + reasons x5",
            timed(
                lambda: [
                    scorer.readability_model.reasons(aesthetics.measure(d)) for d in candidates
                ],
                args.repeats,
            ),
            None,
        ),
        (
            "  CNN ensemble (5 nets) on 5",
            timed(lambda: scorer.readability_model.predict_arrays(pixels, features), args.repeats),
            None,
        ),
        (
            "  encode 5 (its own render)",
            timed(lambda: scorer.encode(candidates), args.repeats),
            None,
        ),
        (
            "  k-NN, 50 ratings",
            timed(lambda: knn.predict(latents, rated, ratings), args.repeats),
            None,
        ),
        (
            "k-NN, 5 candidates over 10,000 ratings",
            timed(lambda: knn.predict(latents, big, big_ratings), args.repeats),
            5,
        ),
    ]
    print(
        f"Scoring speed - {date.today()}, {cpu_name()} ({torch.get_num_threads()} torch "
        f"threads), `.venv/bin/python bench/scoring_speed.py --repeats {args.repeats}"
        f"{f' --threads {args.threads}' if args.threads else ''}`\n"
    )
    print("| step | median ms | p90 ms | target ms |\n|---|---:|---:|---:|")
    for name, (median, p90), target in rows:
        print(f"| {name} | {median:.1f} | {p90:.1f} | {'' if target is None else f'<= {target}'} |")


if __name__ == "__main__":
    main()
