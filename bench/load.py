"""Load benchmark: many users at once on loopback, embedded and scale-out runtimes.

USERS users submit jobs through the API (token auth) as fast as the
in-flight limit lets them; every accepted job is watched by TABS browser
tabs (websockets with the user's session cookie) from the moment it is
accepted. Measured per runtime:

- submit-to-done: from sending the POST to the first tab seeing `done`, p50/p95;
  and the delivery delay: from the job's `finished_at` (the API) to that tab;
- events lost: a tab that never sees `done` (or a `state` that says done)
  before the timeout; split by what the API says of the job then: done
  (the event was lost on the way) or still unfinished (a slow job);
- HTTP 429s (the intended in-flight limit) and every other error (other
  statuses, refused sockets, jobs that failed);
- server memory (RSS of daphne, and of each Celery worker) after a warm-up
  of WARMUP jobs (models loaded, caches filled), after half of JOBS and
  after all of them: growth that stops after the first half is caches and
  the allocator's high-water mark; growth in the second half as large as in
  the first is a leak.

Runtimes, both started by tests/stack.py as the runtime tests start them:
embedded = one daphne with its worker thread, SQLite, in-memory channel
layer; scale-out = daphne + 2 Celery workers (--pool=solo) + redis-server +
PostgreSQL (tests/pgserver.py), Redis channel layer and cache.

The generator is the stand-in from tests/fake_generator.py
(JOB_GENERATOR_FACTORY, FAKE_GENERATOR_DELAY=0) and the scorer the small
fixed one from tests/tiny_scorer.py: on a shared CPU core the real LLM
would take minutes per job, and this measures the runtime (queueing,
events, database, memory), not the model. Everything after the generator
(plan parsing, layout, scoring, k-NN, storing) is the real pipeline.

    taskset -c 1 nice -n 10 .venv/bin/python bench/load.py --runtime both --jobs 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pgserver import PostgresServer, find_bindir  # noqa: E402
from tests.stack import Stack  # noqa: E402

PROMPTS = [
    "DL model with 4 inputs, 8 and 6 hidden nodes, and 2 outputs",
    "DL model consist of 6 input size, 3, 4 nodes in intermediate layers, and 2 output elements",
    "a neural network with 3 inputs, one hidden layer of 5 and 1 output",
]


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MiB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def create_users(stack: Stack, n: int) -> list[dict]:
    """Create `n` users; return their API tokens and session ids."""
    script = (
        "import json\n"
        "from django.contrib.auth.models import User\n"
        "from django.test import Client\n"
        "from rest_framework.authtoken.models import Token\n"
        "out = []\n"
        f"for i in range({n}):\n"
        "    user = User.objects.create_user(f'load{i}', password='a-long-password-1')\n"
        "    client = Client(); client.force_login(user)\n"
        "    out.append({'token': Token.objects.create(user=user).key,\n"
        "                'session': client.cookies['sessionid'].value})\n"
        "print(json.dumps(out))\n"
    )
    return json.loads(stack.manage("shell", "-v", "0", "-c", script).strip().splitlines()[-1])


def post_job(port: int, token: str, prompt: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/jobs/",
        method="POST",
        data=json.dumps({"prompt": prompt, "count": 3, "recommend": 2}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def job_info(port: int, token: str, job_id: int) -> dict:
    """Return the job as the API tells its owner."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/jobs/{job_id}/",
        headers={"Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


class Run:
    """The tallies of one load run."""

    def __init__(self):
        self.latencies: list[float] = []
        self.delivery_delays: list[float] = []
        self.accepted = 0
        self.too_many = 0
        self.errors: list[str] = []
        self.tabs = 0
        self.lost = 0
        self.lost_job_done = 0
        self.unfinished_jobs = 0
        self.failed_jobs = 0
        self.retries = 0
        self.retry_reasons: dict[str, int] = {}


async def watch(
    port: int, session: str, job_id: int, started: float, seen: dict, run: Run, timeout
):
    """One browser tab: follow the job's socket until done, reconnecting like job.js does.

    A refused or dropped socket is retried with job.js's backoff (1 s, 2 s, 4 s
    ... up to 30 s, each drawn from the upper half of its step as
    `DiagramSite.reconnectDelay` does; the `state` message after a reconnect
    says where the job is); a tab that has not seen `done` when `timeout`
    runs out is lost. Return whether the tab saw the job end.
    """
    from websockets.asyncio.client import connect

    run.tabs += 1
    deadline = time.monotonic() + timeout
    failures = 0
    while time.monotonic() < deadline:
        try:
            async with connect(
                f"ws://127.0.0.1:{port}/ws/jobs/{job_id}/",
                origin=f"http://127.0.0.1:{port}",
                additional_headers={"Cookie": f"sessionid={session}"},
                proxy=None,
                open_timeout=30,
            ) as ws:
                while True:
                    left = max(0.1, deadline - time.monotonic())
                    message = json.loads(await asyncio.wait_for(ws.recv(), left))
                    kind, status = message.get("type"), message.get("status")
                    if kind == "done" or (kind == "state" and status == "done"):
                        seen.setdefault("done", time.monotonic() - started)
                        seen.setdefault("done_wall", time.time())
                        return True
                    if status == "failed":
                        seen["failed"] = True
                        return True
        except TimeoutError:
            break
        except Exception as exc:  # refused or dropped: retried, and counted
            run.retries += 1
            run.retry_reasons[type(exc).__name__] = run.retry_reasons.get(type(exc).__name__, 0) + 1
            failures += 1
            ceiling = min(30.0, 2.0 ** (failures - 1))
            delay = ceiling / 2 + random.random() * ceiling / 2
            await asyncio.sleep(min(delay, max(0.0, deadline - time.monotonic())))
    return False


async def user_loop(port, user: dict, quota: list, run: Run, tabs: int, timeout, index: int):
    """Submit jobs until the shared quota is used up; watch each accepted one with `tabs` tabs."""
    watchers = []
    n = 0
    while quota[0] > 0:
        started = time.monotonic()
        status, body = await asyncio.to_thread(
            post_job, port, user["token"], PROMPTS[(index + n) % len(PROMPTS)]
        )
        n += 1
        if status == 429:
            run.too_many += 1
            await asyncio.sleep(0.5)  # a client backing off, not hammering
            continue
        if status != 201:
            run.errors.append(f"POST /api/jobs/: HTTP {status}")
            await asyncio.sleep(0.5)
            continue
        quota[0] -= 1
        run.accepted += 1
        seen: dict = {}

        async def job_done(job_id=body["id"], started=started, seen=seen):
            ended = await asyncio.gather(
                *(
                    watch(port, user["session"], job_id, started, seen, run, timeout)
                    for _ in range(tabs)
                )
            )
            job = await asyncio.to_thread(job_info, port, user["token"], job_id)
            if "done_wall" in seen and job.get("finished_at"):
                finished = datetime.fromisoformat(job["finished_at"].replace("Z", "+00:00"))
                run.delivery_delays.append(seen["done_wall"] - finished.timestamp())
            missed = ended.count(False)
            if missed:
                run.lost += missed
                if job["status"] == "done":
                    run.lost_job_done += missed
                else:
                    run.unfinished_jobs += 1
            if "done" in seen:
                run.latencies.append(seen["done"])
            elif seen.get("failed"):
                run.failed_jobs += 1
                run.errors.append(f"job {job_id} failed")

        watchers.append(asyncio.create_task(job_done()))
    await asyncio.gather(*watchers)


async def drive(port, users, jobs: int, tabs: int, timeout: float, run: Run | None = None) -> Run:
    """Submit `jobs` jobs and watch them; add the tallies to `run` (a new one if None)."""
    run = run or Run()
    quota = [jobs]
    await asyncio.gather(
        *(user_loop(port, u, quota, run, tabs, timeout, i) for i, u in enumerate(users))
    )
    return run


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(stack: Stack, pids: dict, args) -> dict:
    """Warm up, then run the load; return the figures.

    Users stop submitting once `jobs` were accepted; jobs already in flight
    at that moment still count, so "jobs" may exceed the quota by a few.
    """
    users = create_users(stack, args.users)
    started = time.monotonic()
    asyncio.run(drive(stack.web_port, users, args.warmup, args.tabs, args.timeout))
    memory_before = {name: rss_mb(pid) for name, pid in pids.items()}
    loaded = time.monotonic()
    first_half = args.jobs // 2
    run = asyncio.run(drive(stack.web_port, users, first_half, args.tabs, args.timeout))
    time.sleep(2)  # let the last writes settle before reading memory
    memory_middle = {name: rss_mb(pid) for name, pid in pids.items()}
    run = asyncio.run(
        drive(stack.web_port, users, args.jobs - first_half, args.tabs, args.timeout, run)
    )
    elapsed = time.monotonic() - loaded
    time.sleep(2)
    memory_after = {name: rss_mb(pid) for name, pid in pids.items()}
    return {
        "jobs": run.accepted,
        "users": args.users,
        "tabs_per_job": args.tabs,
        "seconds": round(elapsed, 1),
        "warmup_seconds": round(loaded - started, 1),
        "jobs_per_second": round(run.accepted / elapsed, 2) if elapsed else None,
        "submit_to_done_p50_s": round(percentile(run.latencies, 0.5), 2),
        "submit_to_done_p95_s": round(percentile(run.latencies, 0.95), 2),
        "submit_to_done_max_s": round(max(run.latencies), 2) if run.latencies else None,
        "mean_s": round(statistics.fmean(run.latencies), 2) if run.latencies else None,
        "delivery_delay_p50_s": round(percentile(run.delivery_delays, 0.5), 2),
        "delivery_delay_p95_s": round(percentile(run.delivery_delays, 0.95), 2),
        "tabs": run.tabs,
        "events_lost": run.lost,
        "events_lost_job_done": run.lost_job_done,
        "jobs_unfinished_at_timeout": run.unfinished_jobs,
        "socket_reconnects": run.retries,
        "reconnect_reasons": run.retry_reasons,
        "http_429": run.too_many,
        "errors": len(run.errors),
        "error_samples": run.errors[:5],
        "failed_jobs": run.failed_jobs,
        "rss_mb_before": {k: round(v, 1) for k, v in memory_before.items()},
        "rss_mb_middle": {k: round(v, 1) for k, v in memory_middle.items()},
        "rss_mb_after": {k: round(v, 1) for k, v in memory_after.items()},
    }


# The deployment's heartbeat and reaper timings (settings.py defaults), not the
# fault tests' fast ones that tests/stack.py sets: with a 4 s stale window the
# reaper re-sends every job still waiting in a long Celery queue, every 4 s.
DEPLOYED = {"JOB_HEARTBEAT_SECONDS": "5", "JOB_STALE_SECONDS": "60", "LOG_LEVEL": "WARNING"}


@contextmanager
def running(runtime: str, tmp: Path, **env: str):
    """Start `runtime` ("embedded" or "scale-out") on loopback; yield (stack, {name: pid}).

    `env` overrides DEPLOYED and tests/stack.py's settings in every process.
    Everything started is stopped at the end; on an error the logs are printed.
    """
    env = {"FAKE_GENERATOR_DELAY": "0", **DEPLOYED, **env}
    server = PostgresServer(find_bindir()) if runtime == "scale-out" else None
    if server:
        server.start()
        stack = Stack(tmp, server.create_database("load"), mode="celery", **env)
    else:
        stack = Stack(tmp, mode="thread", **env)
    try:
        if server:
            stack.start_redis()
        # --skip-checks: with DEBUG=0 the fake generator is refused (ranking.E003).
        stack.manage("migrate", "--noinput", "-v", "0", "--skip-checks")
        stack.use_tiny_scorer()
        pids = {"daphne": stack.start_web().pid}
        if server:
            pids |= {f"worker{i}": stack.start_worker().pid for i in (1, 2)}
        yield stack, pids
    except BaseException:
        print(stack.logs(), file=sys.stderr)
        raise
    finally:
        stack.stop()
        if server:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runtime", choices=["embedded", "scale-out", "both"], default="both")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--tabs", type=int, default=3, help="websockets per job")
    parser.add_argument("--jobs", type=int, default=500, help="jobs measured per runtime")
    parser.add_argument(
        "--warmup", type=int, default=20, help="jobs before the first memory reading"
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds a tab waits for done")
    parser.add_argument("--output", help="write the figures as JSON here too")
    args = parser.parse_args()
    results = {
        "machine": f"{platform.node()} {platform.machine()}, {platform.processor() or 'cpu'}",
        "python": platform.python_version(),
        "generator": "tests/fake_generator.py stand-in (FAKE_GENERATOR_DELAY=0), tiny scorer",
        "command": " ".join(sys.argv),
    }
    runtimes = ["embedded", "scale-out"] if args.runtime == "both" else [args.runtime]
    for runtime in runtimes:
        with tempfile.TemporaryDirectory(prefix=f"diagramsite-load-{runtime}-") as tmp:
            with running(runtime, Path(tmp)) as (stack, pids):
                results[runtime] = measure(stack, pids, args)
        print(json.dumps({runtime: results[runtime]}, indent=2), flush=True)
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
