"""Servers on loopback for the runtime tests and the load benchmark: daphne, Celery, Redis.

`Stack` starts the processes of one deployment with the settings they share
(the embedded runtime: one daphne with its worker thread on a SQLite file;
scale-out: daphne, Celery workers and Redis on PostgreSQL) and stops them
at the end. The generator is the small stand-in from tests/fake_generator.py
and the scorer the small fixed one from tests/tiny_scorer.py: these are about
the runtime, not the models.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.loopback import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


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


def redis_command(port: int, directory: Path | str) -> list[str]:
    """Return the command line of a throwaway redis-server on loopback (nothing persisted)."""
    return [
        "redis-server", "--port", str(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", str(directory),
    ]  # fmt: skip


@contextmanager
def redis_server(directory: Path | str) -> Iterator[str]:
    """Run a throwaway redis-server on loopback; yield its URL; stop it at the end."""
    port = free_port()
    server = subprocess.Popen(redis_command(port, directory), stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=15)


class Stack:
    """The processes of one scale-out deployment, all on loopback, stopped at the end."""

    def __init__(self, tmp_path: Path, database_url: str = "", mode: str = "celery", **env: str):
        """Processes share `database_url`, or SQLite in `tmp_path` when it is empty.

        `mode` "celery" is the scale-out runtime (Redis channel layer and
        broker); "thread" the embedded one (the worker thread in daphne, the
        in-memory channel layer). `env` overrides the settings below.
        """
        self.tmp = tmp_path
        self.redis_port = free_port()
        self.web_port = free_port()
        self.processes: list[subprocess.Popen] = []
        self.workers = 0
        self.web: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "WORKER_MODE": mode,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0" if mode == "celery" else "",
            "DATABASE_URL": database_url,
            "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
            "JOB_GENERATOR_FACTORY": "tests.fake_generator.build",
            "FAKE_GENERATOR_DELAY": "0.6",
            "JOB_HEARTBEAT_SECONDS": "1",
            "JOB_STALE_SECONDS": "4",
            "JOB_MAX_ATTEMPTS": "2",
            "WORKER_AUTOSTART": "0" if mode == "celery" else "1",
            "PYTHONPATH": str(ROOT),
            **env,
        }

    def start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        env = {**self.env, **(env or {})}
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)
        self.processes.append(process)
        return process

    def start_redis(self) -> None:
        redis = self.start("redis", redis_command(self.redis_port, self.tmp))
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

    def start_web(self, name: str = "daphne") -> subprocess.Popen:
        self.web = self.start(
            name,
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.web_port)]
            # As scripts/run.sh serves it: handshakes may wait 20 s, not 5.
            + ["--websocket_connect_timeout", "20", "diagramsite.asgi:application"],
            env=self.arenas(),
        )
        wait_for_port(self.web_port, self.web)
        return self.web

    def start_worker(self) -> subprocess.Popen:
        self.workers += 1
        return self.start(
            f"worker{self.workers}",
            [str(BIN / "celery"), "-A", "diagramsite", "worker", "--pool=solo", "-c", "1"]
            + ["--loglevel=INFO", "-n", f"w{self.workers}@%h", "--without-gossip"]
            + ["--without-mingle", "--without-heartbeat"],
            # Workers too: each runs jobs in one thread and its reaper in another,
            # the pattern that left glibc's extra arenas holding freed memory in daphne.
            env=self.arenas(),
        )

    def arenas(self) -> dict:
        """Two malloc arenas, as scripts/run.sh sets for daphne; an explicit env value wins."""
        return {"MALLOC_ARENA_MAX": self.env.get("MALLOC_ARENA_MAX", "2")}

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
