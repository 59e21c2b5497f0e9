"""manage.py export_corrections OUT.jsonl: every saved plan edit as one JSON line (oldest first)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ranking.corrections import write_jsonl
from ranking.models import Correction


class Command(BaseCommand):
    help = (
        "Write users' plan corrections (prompt, the model's plan, the saved plan, who, when) "
        "as JSON lines for training."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="JSONL file to write (replaced).")
        parser.add_argument("--since", help="Only corrections on or after this date (YYYY-MM-DD).")
        parser.add_argument("--user", help="Only this user's corrections (username).")
        parser.add_argument(
            "--changed",
            choices=["structure", "style"],
            help="Only edits that changed the structure, or only restyles.",
        )

    def handle(self, *args, **options):
        corrections = Correction.objects.all()
        if options["since"]:
            try:
                since = date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError("--since takes a date: YYYY-MM-DD") from exc
            corrections = corrections.filter(created_at__date__gte=since)
        if options["user"]:
            corrections = corrections.filter(user__username=options["user"])
        if options["changed"]:
            corrections = corrections.filter(structure_changed=options["changed"] == "structure")
        count = write_jsonl(corrections, options["output"])
        self.stdout.write(
            f"wrote {count} correction{'s' if count != 1 else ''} to {options['output']}"
        )
