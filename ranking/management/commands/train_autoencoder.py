"""manage.py train_autoencoder: train the style autoencoder whose latents the k-NN compares."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Train the convolutional autoencoder on varied synthetic renders into --output; "
        "writes train_log.jsonl there."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        from ranking.scoring.train_autoencoder import Settings

        default = Settings()
        parser.add_argument(
            "--output",
            default=str(Path(settings.MODELS_DIR) / "scoring" / "autoencoder"),
            help="weights directory (default: models/scoring/autoencoder)",
        )
        parser.add_argument("--renders", type=int, default=default.renders)
        parser.add_argument("--epochs", type=int, default=default.epochs)
        parser.add_argument("--latent", type=int, default=default.latent_dim)
        parser.add_argument(
            "--style-weight",
            type=float,
            default=default.style_weight,
            help="weight of the auxiliary style loss (0: a plain autoencoder)",
        )
        parser.add_argument("--seed", type=int, default=default.seed)
        parser.add_argument(
            "--threads", type=int, default=default.threads, help="torch CPU threads"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, **options):
        from ranking.scoring.train_autoencoder import Settings, train

        run = Settings(
            renders=options["renders"],
            epochs=options["epochs"],
            latent_dim=options["latent"],
            style_weight=options["style_weight"],
            seed=options["seed"],
            threads=options["threads"],
        )
        summary = train(Path(options["output"]), run, progress=not options["no_progress"])
        accuracy = summary["final"]["held_style_accuracy"]
        shown = ", ".join(f"{k} {v:.2f}" for k, v in accuracy.items())
        return (
            f"autoencoder (latent {run.latent_dim}) on {summary['renders']} renders in "
            f"{summary['seconds']:.0f}s -> {options['output']}; held-out style accuracy: {shown}"
        )
