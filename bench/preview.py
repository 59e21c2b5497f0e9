"""Measure the plan editor's live preview: POST /api/preview/ for a 12-node flowchart.

Run by hand: `.venv/bin/python bench/preview.py [--repeat 200]` (pin it with
`taskset -c 1` on a shared machine). Uses a throw-away SQLite database and
Django's test client, so a request goes through the whole stack a browser's
goes through (middleware, session and CSRF checks, DRF, JSON) except the
socket. Prints the median and p95 of the request, and of its parts: parsing,
layout, node list, SVG. The target (issue 12) is a median of at most 100 ms.
"""

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# 12 nodes, 13 edges: a realistic process with a fan-in, a fan-out and a loop back.
PLAN_12 = """flow
raw logs > ingest job > events
events > sessionizer > sessions
sessions > feature builder > features, labels
features, labels > trainer > model
model > evaluator > report
report > - > sessionizer
style: right mixed arrow blue labels medium"""


def timed(fn, repeat: int) -> list[float]:
    """Return the wall times (ms) of `repeat` calls of fn after two warm-up calls."""
    fn(), fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    return f"median {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-preview-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="diagramsite.settings",
        SQLITE_PATH=f"{tmp}/db.sqlite3",
        WORKER_MODE="off",
        LOG_LEVEL="ERROR",
    )
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from ranking.diagrams import nodelist, render
    from ranking.generation.layout import layout_plan
    from ranking.generation.plan import parse_plan

    # A 400 is what the second row measures, not news.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="bench-password-1")
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)

    plan = parse_plan(PLAN_12)
    diagram = layout_plan(plan)
    edges = len(diagram.edges())
    print(f"plan: {len(diagram.nodes)} nodes, {edges} edges")
    assert len(diagram.nodes) == 12

    def request():
        response = client.post("/api/preview/", {"plan": PLAN_12}, content_type="application/json")
        assert response.status_code == 200, response.content

    def bad_request():
        response = client.post(
            "/api/preview/",
            {"plan": PLAN_12.replace("> model\n", "> model >\n")},
            content_type="application/json",
        )
        assert response.status_code == 400, response.content

    rows = {
        "POST /api/preview/ (12 nodes)": request,
        "POST /api/preview/ (a line error)": bad_request,
        "  parse_plan": lambda: parse_plan(PLAN_12),
        "  layout_plan": lambda: layout_plan(plan),
        "  nodelist.dumps": lambda: nodelist.dumps(diagram),
        "  render_svg": lambda: render.render_svg(diagram),
    }
    print(f"{platform.node()}, {platform.processor() or platform.machine()}, {os.cpu_count()} cpus")
    for name, fn in rows.items():
        print(f"{name:36s} {summary(timed(fn, args.repeat))}")


if __name__ == "__main__":
    main()
