import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ranking.batch import BatchError, BatchGenerator, read_requests


class Command(BaseCommand):
    help = (
        "Generate COUNT candidate diagrams per prompt of a JSONL file and rank them. "
        "Input lines: {'id', 'prompt'}. Output, one line per input in the same order: "
        "{'id', 'prompt', 'seconds', 'candidates': [{'rank', 'recommended', 'node_list', "
        "'readability', 'readability_reasons', 'user_score', 'final_score', ...}]} "
        "sorted by rank, or "
        "{'id', 'prompt', 'error'} for a prompt that fails (the run goes on). "
        "Ranking: final = CNN readability (0-5) + the k-NN predicted rating from USERNAME's "
        "own ratings (0-5; null without --user or before they rated anything)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="JSONL file of {'id', 'prompt'}")
        parser.add_argument("--output", required=True, help="JSONL file to write")
        parser.add_argument("--count", type=int, default=5, help="candidates per prompt (1-10)")
        parser.add_argument("--recommend", type=int, default=3, help="top K to flag (1..count)")
        parser.add_argument("--user", help="username whose ratings personalise the ranking")
        parser.add_argument("--seed", type=int, help="sampling seed (reproducible runs)")

    def handle(self, *args, **options):
        count, recommend = options["count"], options["recommend"]
        if not 1 <= count <= 10:
            raise CommandError("--count must be between 1 and 10")
        if not 1 <= recommend <= count:
            raise CommandError("--recommend must be between 1 and --count")
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"no user named {options['user']!r}") from None
        try:
            with open(options["input"], encoding="utf-8") as handle:
                requests = list(read_requests(handle))
        except OSError as exc:
            raise CommandError(f"cannot read --input: {exc}") from exc
        try:
            batch = BatchGenerator(user)
        except BatchError as exc:
            raise CommandError(str(exc)) from exc

        failed = 0
        with open(options["output"], "w", encoding="utf-8") as out:
            for number, request in enumerate(requests, start=1):
                if "error" not in request:
                    seed = None if options["seed"] is None else options["seed"] + number
                    try:
                        request = {
                            "id": request["id"],
                            **batch.run(request["prompt"], count, recommend, seed),
                        }
                    except Exception as exc:  # one bad prompt must not stop the batch
                        request = {**request, "error": f"{type(exc).__name__}: {exc}"}
                if "error" in request:
                    failed += 1
                    self.stderr.write(f"{request['id']}: {request['error']}")
                out.write(json.dumps(request) + "\n")
                out.flush()
        return f"{len(requests)} prompts, {len(requests) - failed} ok, {failed} failed"
