"""Scale-out end to end: PostgreSQL, redis-server, a Celery worker process, daphne, a websocket.

The production shape on loopback: every process shares one PostgreSQL
database (a throwaway cluster, tests/pgserver.py) through DATABASE_URL. A
job submitted through the API (token auth) is run by the Celery worker,
its progress travels worker -> Redis channel layer -> daphne -> websocket,
a rating given through the API ranks the next job, and killing the worker
with SIGKILL mid-job ends in a re-queue on a fresh worker, not a lost job.
The generator is the small one from tests/fake_generator.py (slowed down so there is a "mid-job" to kill in)
and the scorer is the small fixed one from tests/tiny_scorer.py: this test
is about the runtime; tests/test_worker.py runs the real models.
"""

from __future__ import annotations

import shutil
import signal

import pytest

from tests.prerequisites import need
from tests.stack import Stack, api, follow, is_final

PROMPT = (
    "DL model consist of 6 input size, 3, 4 nodes in intermediate layers, and 2 output elements"
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture
def stack(tmp_path, postgresql_server):
    # A missing Redis fails (or, by hand, skips) this test, not the whole run at import.
    need(
        shutil.which("redis-server") is not None,
        "redis-server is missing (scripts/system_packages.sh)",
    )
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
