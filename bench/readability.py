"""Benchmark the readability ensemble against human ratings (run by hand, not in CI).

    .venv/bin/python bench/readability.py [--weights DIR] [--retrain [--threads 1]]

Reads the out-of-fold predictions that `manage.py train_readability` wrote
next to the weights (oof.jsonl: every human rating scored by the one fold
network that never trained on it, nor on its degradations) - or, with
--retrain, trains a fresh ensemble into a temporary directory first.
Rows, for the LLM-drawn g-labels (0-4) and for all 840 labels:
- the CNN ensemble (out of fold);
- constant median: the median of the training folds' labels (for the
  g-rows, of their g-labels: a model that knows a diagram is LLM-drawn);
- geometry-feature ridge: the labelling rule alone (a ridge regression from
  the geometry features to the g-labels of the training folds), same folds,
  5 for a diagram without overlaps or shapes off the canvas;
- the same ridge without that override: what a residual network's frozen
  skip predicts before the CNN adds its correction;
- readability-v2: the same out-of-fold CNN scores kept within the floor and
  ceiling of the measured aesthetics (ranking.scoring.aesthetics.RuleBounds,
  read from --rule-config; scales set by hand, not fitted on these labels);
- the measured-aesthetics rule alone (5 minus the costs);
- the old system's CNN as reported (g-labels only: MAE 1.46, Spearman 0.53).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scoring_speed import cpu_name  # noqa: E402
from ranking.diagrams import nodelist  # noqa: E402
from ranking.diagrams.data import load_readability_labels  # noqa: E402
from ranking.scoring import aesthetics  # noqa: E402
from ranking.scoring.features import diagram_features  # noqa: E402
from ranking.scoring.metrics import agreement, fit_ridge  # noqa: E402
from ranking.scoring.ranker import DEFAULT_READABILITY_DIR, MODELS_DIR  # noqa: E402

OLD_CNN = {"mae": 1.46, "rmse": None, "spearman": 0.53}


def baselines(oof: list[dict]) -> dict:
    """Return {name: (g-metrics, all-metrics)} of the baselines on the same folds."""
    rows = {r["id"]: r for r in load_readability_labels()}
    ids = [o["id"] for o in oof]
    fold = np.array([o["fold"] for o in oof])
    score = np.array([o["score"] for o in oof])
    is_g = np.array([i.startswith("g") for i in ids])
    features = np.stack(
        [diagram_features(nodelist.parse(rows[i]["node_list"]).diagram) for i in ids]
    )
    median, ridge, plain = np.zeros(len(ids)), np.zeros(len(ids)), np.zeros(len(ids))
    for f in np.unique(fold):
        train, valid = fold != f, fold == f
        median[valid & is_g] = np.median(score[train & is_g])
        median[valid & ~is_g] = np.median(score[train])
        rule = fit_ridge(features[train & is_g], score[train & is_g])
        # The rule only knows g-items; a diagram without overlaps or shapes off the
        # canvas gets 5, as when it labels degradations.
        clean = (features[valid][:, 3] == 0) & (features[valid][:, 6] == 0)
        ridge[valid] = np.where(clean, 5.0, np.clip(rule(features[valid]), 0, 4))
        plain[valid] = np.clip(rule(features[valid]), 0, 5)
    median_all = np.zeros(len(ids))
    for f in np.unique(fold):
        median_all[fold == f] = np.median(score[fold != f])
    return {
        "constant median": (agreement(median[is_g], score[is_g]), agreement(median_all, score)),
        "geometry-feature ridge (labelling rule)": (
            agreement(ridge[is_g], score[is_g]),
            agreement(ridge, score),
        ),
        "geometry-feature ridge alone (the nets' frozen rule)": (
            agreement(plain[is_g], score[is_g]),
            agreement(plain, score),
        ),
    }


def with_rule(oof: list[dict], rule_config: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return (out-of-fold CNN scores within the rule's bounds, the rule's own scores)."""
    config = json.loads(rule_config.read_text(encoding="utf-8"))
    rule = aesthetics.RuleBounds.from_config(config["rule"])
    rows = {r["id"]: r for r in load_readability_labels()}
    weights = dict(rule.weights)
    bounded, alone = [], []
    for o in oof:
        m = aesthetics.measure(nodelist.parse(rows[o["id"]]["node_list"]).diagram)
        # A retrained v2 writes the raw CNN score as "cnn" next to the bounded one.
        bounded.append(rule.apply(o.get("cnn", o["predicted"]), m))
        alone.append(aesthetics.rule_score(m, weights))
    return np.array(bounded), np.array(alone)


def cell(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default=str(DEFAULT_READABILITY_DIR))
    parser.add_argument("--retrain", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--rule-config",
        default=str(MODELS_DIR / "scoring" / "readability-v2" / "config.json"),
        help="config.json whose rule block bounds the CNN (readability-v2's)",
    )
    args = parser.parse_args()
    directory = Path(args.weights)
    if args.retrain:
        from ranking.scoring.train_readability import Settings, train

        directory = Path(tempfile.mkdtemp(prefix="readability-"))
        train(directory, Settings(threads=args.threads))
    oof = [json.loads(line) for line in open(directory / "oof.jsonl", encoding="utf-8")]
    cv = json.loads((directory / "cv.json").read_text(encoding="utf-8"))
    score = np.array([o["score"] for o in oof])
    # The networks alone: a bounded ensemble writes their raw score as "cnn".
    predicted = np.array([o.get("cnn", o["predicted"]) for o in oof])
    is_g = np.array([o["id"].startswith("g") for o in oof])
    v2, rule_alone = with_rule(oof, Path(args.rule_config))
    table = {
        f"CNN ensemble ({cv['settings']['folds']}-fold, out of fold)": (
            agreement(predicted[is_g], score[is_g]),
            agreement(predicted, score),
        ),
        "readability-v2: CNN ensemble within measured-aesthetics bounds (out of fold)": (
            agreement(v2[is_g], score[is_g]),
            agreement(v2, score),
        ),
        "measured-aesthetics rule alone (5 - costs)": (
            agreement(rule_alone[is_g], score[is_g]),
            agreement(rule_alone, score),
        ),
        **baselines(oof),
        "old system's CNN (as reported)": (OLD_CNN, None),
    }
    shown = directory.relative_to(ROOT) if directory.is_relative_to(ROOT) else directory
    print(
        f"Readability - {date.today()}, {cpu_name()}, `.venv/bin/python bench/readability.py"
        f"{' --retrain' if args.retrain else ''}` (weights: {shown}; "
        f"training took {cv['seconds']:.0f}s, 1 thread)\n"
    )
    print(
        "| model | g MAE | g RMSE | g Spearman | all MAE | all RMSE | all Spearman |\n"
        "|---|---:|---:|---:|---:|---:|---:|"
    )
    for name, (g, everything) in table.items():
        everything = everything or {}
        print(
            f"| {name} | {cell(g['mae'])} | {cell(g['rmse'])} | {cell(g['spearman'])} | "
            f"{cell(everything.get('mae'))} | {cell(everything.get('rmse'))} | "
            f"{cell(everything.get('spearman'))} |"
        )
    print(
        f"\ng-labels: n = {int(is_g.sum())}; all labels: n = {len(oof)}. "
        "Targets on g: MAE <= 0.55, Spearman >= 0.6 (issue 13)."
    )


if __name__ == "__main__":
    main()
