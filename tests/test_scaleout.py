"""Scale-out end to end: PostgreSQL, redis-server, a Celery worker process, daphne, a websocket.

The production shape on loopback: every process shares one PostgreSQL
database (a throwaway cluster, tests/pgserver.py) through DATABASE_URL. A
job submitted through the API (token auth) is run by the Celery worker,
its progress travels worker -> Redis channel layer -> daphne -> websocket,
a rating given through the API ranks the next job, and killing the worker
with SIGKILL mid-job ends in a re-queue on a fresh worker, not a lost job. The generator is the small one from
tests/fake_generator.py (slowed down so there is a "mid-job" to kill in)
and the scorer is the small fixed one from tests/tiny_scorer.py: this test
is about the runtime; tests/test_worker.py runs the real models.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.loopback import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROMPT = (
    "DL model consist of 6 input size, 3, 4 nodes in intermediate layers, and 2 output elements"
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

if shutil.which("redis-server") is None:
    if os.environ.get("CI") or os.environ.get("TESTS_REQUIRE_ALL") == "1":
        raise RuntimeError("redis-server is required: run scripts/system_packages.sh")
    pytest.skip("redis-server is missing (scripts/system_packages.sh)", allow_module_level=True)


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


class Stack:
    """The processes of one scale-out deployment, all on loopback, stopped at the end."""

    def __init__(self, tmp_path: Path, database_url: str = ""):
        """Processes share `database_url`, or SQLite in `tmp_path` when it is empty."""
        self.tmp = tmp_path
        self.redis_port = free_port()
        self.web_port = free_port()
        self.processes: list[subprocess.Popen] = []
        self.workers = 0
        self.env = {
            **os.environ,
            "WORKER_MODE": "celery",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "DATABASE_URL": database_url,
            "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
            "JOB_GENERATOR_FACTORY": "tests.fake_generator.build",
            "FAKE_GENERATOR_DELAY": "0.6",
            "JOB_HEARTBEAT_SECONDS": "1",
            "JOB_STALE_SECONDS": "4",
            "JOB_MAX_ATTEMPTS": "2",
            "WORKER_AUTOSTART": "0",
            "PYTHONPATH": str(ROOT),
        }

    def start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        self.processes.append(process)
        return process

    def start_redis(self) -> None:
        redis = self.start(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.tmp)],
        )
        wait_for_port(self.redis_port, redis)

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def create_user(self) -> tuple[str, str]:
        """Create a user; return (API token, session id for the websocket)."""
        script = (
            "from django.contrib.auth.models import User\n"
            "from django.test import Client\n"
            "from rest_framework.authtoken.models import Token\n"
            "user = User.objects.create_user('carol', password='a-long-password-1')\n"
            "client = Client(); client.force_login(user)\n"
            "print(Token.objects.create(user=user).key, client.cookies['sessionid'].value)\n"
        )
        token, session = self.manage("shell", "-c", script).split()[-2:]
        return token, session

    def use_tiny_scorer(self) -> None:
        """Register and activate the small fixed scorer (tests/tiny_scorer.py) in this database."""
        script = (
            "from tests.tiny_scorer import register_tiny_scorer\n"
            f"register_tiny_scorer({str(self.tmp / 'scorer')!r})\n"
        )
        self.manage("shell", "-c", script)

    def start_web(self) -> None:
        web = self.start(
            "daphne",
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.web_port)]
            + ["diagramsite.asgi:application"],
        )
        wait_for_port(self.web_port, web)

    def start_worker(self) -> subprocess.Popen:
        self.workers += 1
        return self.start(
            f"worker{self.workers}",
            [str(BIN / "celery"), "-A", "diagramsite", "worker", "--pool=solo", "-c", "1"]
            + ["--loglevel=INFO", "-n", f"w{self.workers}@%h", "--without-gossip"]
            + ["--without-mingle", "--without-heartbeat"],
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.tmp.glob("*.log"))
        )


@pytest.fixture
def stack(tmp_path, postgresql_server):
    # Separate processes sharing a SQLite file is not how this is deployed.
    stack = Stack(tmp_path, postgresql_server.create_database("scaleout"))
    try:
        stack.start_redis()
        stack.manage("migrate", "--noinput", "-v", "0")
        stack.use_tiny_scorer()
        stack.start_web()
        yield stack
    finally:
        stack.stop()


def api(stack: Stack, token: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.web_port}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def is_final(message: dict) -> bool:
    """Return True for the message that ends a job's stream (or a state of a finished job)."""
    return message["type"] in ("done", "error") or message.get("status") in ("done", "failed")


def follow(stack: Stack, session: str, job_id: int, until, seconds: float = 120) -> list[dict]:
    """Collect the job's websocket messages until `until(message)` is true; return them all."""
    from websockets.sync.client import connect

    received = []
    deadline = time.monotonic() + seconds
    with connect(
        f"ws://127.0.0.1:{stack.web_port}/ws/jobs/{job_id}/",
        origin=f"http://127.0.0.1:{stack.web_port}",
        additional_headers={"Cookie": f"sessionid={session}"},
        proxy=None,
    ) as ws:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no end event; got {[m['type'] for m in received]}")
            message = json.loads(ws.recv(timeout=remaining))
            received.append(message)
            if until(message):
                return received


def test_a_job_runs_on_a_celery_worker_and_survives_a_killed_worker(stack, postgresql_server):
    token, session = stack.create_user()
    worker = stack.start_worker()
    try:
        # 1. A job runs end to end; progress reaches the browser through Redis.
        job = api(
            stack, token, "POST", "/api/jobs/", {"prompt": PROMPT, "count": 3, "recommend": 2}
        )
        assert job["status"] == "queued"
        messages = follow(stack, session, job["id"], is_final)
        kinds = [m["type"] for m in messages]
        assert kinds[0] == "state"
        assert kinds[-1] == "done", messages[-1]
        assert "progress" in kinds and kinds.count("candidate") == 3
        finished = api(stack, token, "GET", f"/api/jobs/{job['id']}/")
        assert (finished["status"], finished["attempts"]) == ("done", 1)
        assert [d["rank"] for d in finished["diagrams"]] == [1, 2, 3]
        assert sum(d["recommended"] for d in finished["diagrams"]) == 2
        assert finished["personalised"] is False

        # A rating given through the API is kept and ranks carol's next job.
        last = finished["diagrams"][-1]
        rating = api(stack, token, "PUT", f"/api/diagrams/{last['id']}/rating/", {"score": 5})
        assert rating["score"] == 5
        rated = api(stack, token, "GET", f"/api/jobs/{job['id']}/")
        assert [d["rating"] for d in rated["diagrams"]] == [None, None, 5]

        # 2. Kill the worker mid-job: the job is re-queued and a new worker finishes it.
        job = api(
            stack, token, "POST", "/api/jobs/", {"prompt": PROMPT, "count": 5, "recommend": 3}
        )
        follow(stack, session, job["id"], lambda m: m["type"] == "candidate")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        running = api(stack, token, "GET", f"/api/jobs/{job['id']}/")
        assert running["status"] == "running"
        worker = stack.start_worker()
        messages = follow(stack, session, job["id"], is_final)
        assert messages[-1]["type"] == "done", messages[-1]
        finished = api(stack, token, "GET", f"/api/jobs/{job['id']}/")
        assert (finished["status"], finished["attempts"]) == ("done", 2)
        assert len(finished["diagrams"]) == 5
        assert finished["personalised"] is True
        assert all(d["user_score"] is not None for d in finished["diagrams"])

        # What the processes stored is in PostgreSQL.
        rows = postgresql_server.execute(
            "SELECT status, attempts, (SELECT count(*) FROM ranking_diagram d WHERE d.job_id = j.id)"
            " FROM ranking_job j ORDER BY j.id",
            database="scaleout",
        )
        assert rows == [("done", 1, 3), ("done", 2, 5)]
        ratings = postgresql_server.execute(
            "SELECT diagram_id, score FROM ranking_rating", database="scaleout"
        )
        assert ratings == [(last["id"], 5)]
    except BaseException:
        print(stack.logs())
        raise
