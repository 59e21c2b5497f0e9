"""manage.py score_diagrams --input IN.jsonl --output OUT.jsonl: readability of node lists."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ranking.diagrams import geometry, nodelist
from ranking.scoring.weights import ScorerWeightsError

BATCH = 64  # diagrams per forward pass: fast, and memory stays small


def scorer_paths(options) -> tuple:
    """Return (readability dir, autoencoder dir): options, else the active version's or defaults."""
    from ranking.models import ScorerVersion, resolve_model_path
    from ranking.seed import DEFAULT_SCORER

    try:
        version = ScorerVersion.objects.active()
    except DatabaseError:  # no database yet: the shipped weights
        version = None
    readability = options["readability"] or (
        version.readability_path if version else DEFAULT_SCORER["readability_path"]
    )
    autoencoder = version.autoencoder_path if version else DEFAULT_SCORER["autoencoder_path"]
    return resolve_model_path(readability), resolve_model_path(autoencoder)


def read_line(number: int, line: str) -> tuple[str, object, str | None]:
    """Return (id, parsed diagram or None, error or None) for one input line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"line-{number}", None, f"invalid JSON: {exc.msg}"
    if not isinstance(row, dict):
        return f"line-{number}", None, "expected a JSON object"
    ident = row.get("id", f"line-{number}")
    text = row.get("node_list")
    if not isinstance(text, str) or not text.strip():
        return ident, None, "missing or empty 'node_list'"
    result = nodelist.parse(text)
    if not result.diagram.nodes:
        return ident, None, "no readable shape in 'node_list'"
    return ident, result, None


class Command(BaseCommand):
    help = (
        "Score the readability (0-5, CNN ensemble) of each node list in a JSONL file. "
        "Input lines: {'id', 'node_list'}. Output, one line per input in order: "
        "{'id', 'readability', 'reasons' (the costliest measured defects, in words), 'nodes', "
        "'edges', 'overlaps', 'off_canvas', 'crossings', 'skipped_lines'} or {'id', 'error'} "
        "for a bad line (the run goes on)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="JSONL file of {'id', 'node_list'}")
        parser.add_argument("--output", required=True, help="JSONL file to write")
        parser.add_argument(
            "--readability",
            help="CNN ensemble directory (default: the active scorer version's)",
        )

    def handle(self, *args, **options):
        from ranking.scoring.readability import ReadabilityEnsemble

        try:
            with open(options["input"], encoding="utf-8") as handle:
                lines = [(n, line) for n, line in enumerate(handle, start=1) if line.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read --input: {exc}") from exc
        directory, _ = scorer_paths(options)
        try:
            model = ReadabilityEnsemble.load(directory)
        except ScorerWeightsError as exc:
            raise CommandError(str(exc)) from exc

        rows = [read_line(number, line) for number, line in lines]
        good = [i for i, row in enumerate(rows) if row[2] is None]
        scores: dict[int, float] = {}
        reasons: dict[int, list[str]] = {}
        for start in range(0, len(good), BATCH):
            chunk = good[start : start + BATCH]
            predicted, explained = model.assess([rows[i][1].diagram for i in chunk])
            scores.update(zip(chunk, predicted.tolist(), strict=True))
            reasons.update(zip(chunk, explained, strict=True))

        try:
            with open(options["output"], "w", encoding="utf-8") as out:
                for i, (ident, parsed, error) in enumerate(rows):
                    if error is not None:
                        record = {"id": ident, "error": error}
                    else:
                        record = {
                            "id": ident,
                            "readability": round(scores[i], 4),
                            "reasons": reasons[i],
                            **geometry.geometry_report(parsed.diagram),
                            "skipped_lines": len(parsed.errors),
                        }
                    out.write(json.dumps(record) + "\n")
        except OSError as exc:
            raise CommandError(f"cannot write --output: {exc}") from exc
        failed = len(rows) - len(good)
        mean = sum(scores.values()) / len(scores) if scores else float("nan")
        return (
            f"scored {len(good)} of {len(rows)} diagrams ({failed} errors), "
            f"mean readability {mean:.2f}, written to {options['output']}"
        )
