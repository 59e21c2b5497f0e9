"""Register (or refresh) the default LLM configuration and scorer version."""

from django.core.management.base import BaseCommand

from ranking.models import LLMConfig, ScorerVersion
from ranking.seed import seed_defaults


class Command(BaseCommand):
    help = "Register the default LLM configuration and scorer version; activate them if none is."

    def handle(self, *args, **options):
        done = seed_defaults(LLMConfig, ScorerVersion)
        return "; ".join(done)
