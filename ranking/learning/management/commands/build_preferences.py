"""Management command: write the preference pairs users' ratings and corrections make."""

from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_datetime

from ranking.learning import pairs as pairs_mod


class Command(BaseCommand):
    help = (
        "Write one JSON line per preference pair {prompt, chosen, rejected, source, weight, "
        "created_at}: corrections (saved plan over the model's), ratings of one job's diagrams "
        "by their owner at least --min-gap apart, and with --readability the most over the "
        "least readable diagram of unrated jobs. Pairs are de-duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="JSONL file to write")
        parser.add_argument("--since", default=None, help="only judgements after this ISO time")
        parser.add_argument("--min-gap", type=int, default=pairs_mod.MIN_RATING_GAP)
        parser.add_argument(
            "--readability", action="store_true", help="add readability pairs of unrated jobs"
        )

    def handle(self, *args, **opts):
        since = parse_datetime(opts["since"]) if opts["since"] else None
        found = pairs_mod.build_pairs(
            since=since, include_readability=opts["readability"], min_rating_gap=opts["min_gap"]
        )
        written = pairs_mod.write_jsonl(found, opts["output"])
        counts = pairs_mod.counts_by_source(found)
        by_source = ", ".join(f"{source} {n}" for source, n in counts.items())
        return f"{written} pairs written to {opts['output']} ({by_source})"
