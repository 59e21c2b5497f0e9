"""Measure submit-to-done time through the API and the websocket, with the real pipeline.

Run by hand (not in CI): `.venv/bin/python bench/bench_jobs.py [--prompts 20] [--count 5]`.
Serves the app with daphne on loopback (embedded runtime: in-process worker,
SQLite, in-memory channel layer; `--celery` runs it on redis-server + one
Celery worker instead; `--postgres` uses a throwaway PostgreSQL cluster
through DATABASE_URL instead of SQLite), submits prompts one after another
through `POST /api/jobs/` with a token and follows each over `/ws/jobs/<id>/`.
Prints median and p95 of submit-to-first-progress, submit-to-first-candidate
and submit-to-done. The first job includes loading the model; it is
reported separately and left out of the statistics.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_scaleout import Stack, api  # noqa: E402 (reuses the test's process helpers)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_one(stack: Stack, token: str, session: str, prompt: str, count: int) -> dict:
    """Submit one prompt; return seconds to first progress, first candidate and done."""
    from websockets.sync.client import connect

    started = time.perf_counter()
    job = api(stack, token, "POST", "/api/jobs/", {"prompt": prompt, "count": count})
    times: dict[str, float] = {}
    with connect(
        f"ws://127.0.0.1:{stack.web_port}/ws/jobs/{job['id']}/",
        origin=f"http://127.0.0.1:{stack.web_port}",
        additional_headers={"Cookie": f"sessionid={session}"},
        proxy=None,
    ) as ws:
        while True:
            message = json.loads(ws.recv(timeout=600))
            now = time.perf_counter() - started
            kind = message["type"]
            if kind == "state" and message["status"] in ("done", "failed"):
                kind = "done" if message["status"] == "done" else "error"
            if kind in ("progress", "candidate"):
                times.setdefault(kind, now)
            if kind in ("done", "error"):
                times["done"] = now
                times["ok"] = kind == "done"
                return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--celery", action="store_true", help="redis-server + a Celery worker")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    args = parser.parse_args()
    prompts = [
        json.loads(line)["prompt"]
        for line in (ROOT / "bench" / "free_prompts.jsonl").read_text().splitlines()
        if line.strip()
    ]
    postgres = None
    if args.postgres:
        from tests.pgserver import PostgresServer, find_bindir

        postgres = PostgresServer(find_bindir())
        postgres.start()
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="bench-jobs-")),
        postgres.create_database("bench") if postgres else "",
    )
    # The real LLM, and the runtime's own heartbeat and stale limits rather
    # than the test stack's (1 s and 4 s, made for killing a worker mid-job).
    for name in (
        "JOB_GENERATOR_FACTORY",
        "FAKE_GENERATOR_DELAY",
        "JOB_HEARTBEAT_SECONDS",
        "JOB_STALE_SECONDS",
        "JOB_MAX_ATTEMPTS",
    ):
        stack.env.pop(name)
    stack.env.update(MAX_JOBS_IN_FLIGHT="100", LOG_LEVEL="WARNING")
    if not args.celery:
        stack.env.update(WORKER_MODE="thread", REDIS_URL="", WORKER_AUTOSTART="1")
    try:
        if args.celery:
            stack.start_redis()
        stack.manage("migrate", "--noinput", "-v", "0")
        token, session = stack.create_user()
        stack.start_web()
        if args.celery:
            stack.start_worker()
        warm = run_one(stack, token, session, prompts[0], args.count)
        print(f"first job (loads the model): done in {warm['done']:.1f} s")
        rows = []
        for i in range(args.prompts):
            prompt = prompts[(i + 1) % len(prompts)]
            result = run_one(stack, token, session, prompt, args.count)
            rows.append(result)
            status = "ok" if result["ok"] else "FAILED"
            print(f"{i + 1:2d} {result['done']:6.2f} s {status}  {prompt[:60]}")
        ok = [r for r in rows if r["ok"]]
        runtime = ("celery" if args.celery else "embedded") + (
            ", PostgreSQL" if args.postgres else ", SQLite"
        )
        print(f"\n{len(ok)}/{len(rows)} done; count={args.count}; runtime={runtime}")
        print("| measure | median s | p95 s |")
        for key, name in (
            ("progress", "submit -> first progress event"),
            ("candidate", "submit -> first candidate"),
            ("done", "submit -> done"),
        ):
            values = [r[key] for r in ok if key in r]
            if values:
                print(
                    f"| {name} | {statistics.median(values):.2f} | {percentile(values, 0.95):.2f} |"
                )
    finally:
        stack.stop()
        if postgres:
            postgres.stop()


if __name__ == "__main__":
    main()
