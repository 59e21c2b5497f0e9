"""manage.py render_diagram IN.txt --png OUT.png --svg OUT.svg: draw a node-list file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ranking.diagrams import nodelist, render


class Command(BaseCommand):
    help = "Render a node-list file to PNG and/or SVG (1000 x 600). Unreadable lines are skipped."
    # Drawing a file needs no database or model weights, so the weight checks'
    # warnings would only be noise here.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("input", help="node-list text file, one shape per line")
        parser.add_argument("--png", help="write a PNG here")
        parser.add_argument("--svg", help="write an SVG here")

    def handle(self, *args, **options):
        if not options["png"] and not options["svg"]:
            raise CommandError("give --png OUT.png, --svg OUT.svg or both")
        try:
            text = Path(options["input"]).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise CommandError(f"cannot read {options['input']}: {exc.strerror}") from exc
        result = nodelist.parse(text)
        for error in result.errors:
            self.stderr.write(f"skipped {error}")
        if not result.diagram.nodes:
            raise CommandError(f"{options['input']} holds no readable shape")
        written = []
        try:
            if options["png"]:
                Path(options["png"]).write_bytes(render.png_bytes(result.diagram))
                written.append(options["png"])
            if options["svg"]:
                Path(options["svg"]).write_text(render.render_svg(result.diagram), encoding="utf-8")
                written.append(options["svg"])
        except OSError as exc:
            raise CommandError(f"cannot write output: {exc}") from exc
        return (
            f"rendered {len(result.diagram.nodes)} shapes "
            f"({len(result.errors)} lines skipped) to {', '.join(written)}"
        )
