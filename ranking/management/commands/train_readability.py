"""manage.py train_readability: train the K-fold readability CNN ensemble."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Train the readability CNN ensemble (K folds on the human ratings plus degraded "
        "synthetic diagrams) into --output, its scores kept within the measured-aesthetics "
        "bounds; writes train_log.jsonl, oof.jsonl and cv.json there."
    )
    requires_system_checks = []  # the weights it would warn about are what this writes

    def add_arguments(self, parser):
        from ranking.scoring.train_readability import Settings

        default = Settings()
        parser.add_argument(
            "--output",
            default=str(Path(settings.MODELS_DIR) / "scoring" / "readability-v2"),
            help="weights directory (default: models/scoring/readability-v2, the active scorer's)",
        )
        parser.add_argument("--folds", type=int, default=default.folds)
        parser.add_argument("--epochs", type=int, default=default.epochs)
        parser.add_argument(
            "--synth", type=int, default=default.synth, help="clean synthetic diagrams"
        )
        parser.add_argument("--seed", type=int, default=default.seed)
        parser.add_argument(
            "--threads", type=int, default=default.threads, help="torch CPU threads"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, **options):
        from ranking.scoring.train_readability import Settings, train

        run = Settings(
            folds=options["folds"],
            epochs=options["epochs"],
            synth=options["synth"],
            seed=options["seed"],
            threads=options["threads"],
        )
        summary = train(Path(options["output"]), run, progress=not options["no_progress"])
        g, everything = summary["g"], summary["all"]
        return (
            f"{run.folds}-fold ensemble in {summary['seconds']:.0f}s -> {options['output']}; "
            f"out-of-fold g-labels MAE {g['mae']:.3f} Spearman {g['spearman']:.3f}, "
            f"all labels MAE {everything['mae']:.3f} Spearman {everything['spearman']:.3f}"
        )
