"""Measure REST API and page latency with 10,000 diagrams in one user's history.

Run by hand: `.venv/bin/python bench/bench_api_history.py [--diagrams 10000] [--repeat 30]`.
Uses a throw-away SQLite database; prints median and p95 per endpoint.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diagrams", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-api-")
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
    from django.utils import timezone

    from ranking.models import Diagram, Job, Rating
    from tests.jobdata import sample_node_list

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="bench-password-1")
    per_job = 5
    node_list = sample_node_list(8)
    latent = Diagram.pack_latent([0.1] * 32)
    start = time.perf_counter()
    jobs = Job.objects.bulk_create(
        Job(
            user=user, prompt=f"prompt {i}", count=per_job, recommend=3, status="done", stage="done"
        )
        for i in range(args.diagrams // per_job)
    )
    now = timezone.now()
    diagrams = Diagram.objects.bulk_create(
        Diagram(
            job=job,
            user=user,
            rank=rank,
            recommended=rank <= 3,
            node_list=node_list,
            readability=4.0 - rank / 2,
            final_score=4.0 - rank / 2,
            latent=latent,
            created_at=now - timezone.timedelta(seconds=i),
        )
        for i, job in enumerate(jobs)
        for rank in range(1, per_job + 1)
    )
    Rating.objects.bulk_create(
        Rating(user=user, diagram=d, score=i % 6) for i, d in enumerate(diagrams[::3])
    )
    print(f"stored {len(diagrams)} diagrams in {time.perf_counter() - start:.1f} s")

    client = Client()
    client.force_login(user)
    last = diagrams[-1].pk
    endpoints = {
        "GET /api/diagrams/": "/api/diagrams/",
        "GET /api/diagrams/?page=400": "/api/diagrams/?page=400",
        "GET /api/diagrams/?rated=false&min_score=2": "/api/diagrams/?rated=false&min_score=2",
        "GET /api/jobs/": "/api/jobs/",
        f"GET /api/jobs/<id>/ ({per_job} diagrams)": f"/api/jobs/{jobs[-1].pk}/",
        "GET /api/diagrams/<id>/svg/": f"/api/diagrams/{last}/svg/",
        "GET /api/diagrams/<id>/png/": f"/api/diagrams/{last}/png/",
        "page /history/": "/history/",
        "page /history/?page=80": "/history/?page=80",
        "page /history/?rated=unrated&min_score=2": "/history/?rated=unrated&min_score=2",
        "page /jobs/<id>/": f"/jobs/{jobs[-1].pk}/",
        "page /diagrams/<id>/": f"/diagrams/{last}/",
    }
    print(f"| endpoint | median ms | p95 ms |  ({args.repeat} requests each)")
    for name, url in endpoints.items():
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        print(f"| {name} | {statistics.median(times):.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
