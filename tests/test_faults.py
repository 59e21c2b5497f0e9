"""Fault paths of the job runtime: a worker that lost its job, racing submits, a killed server.

Each test drives the interleaving it is about with real threads or
processes; the ones that must fail without the code that prevents the
fault say which code that is.
"""

import signal
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from ranking import engines, events, runner
from ranking.models import Diagram, Job, LLMConfig, ScorerVersion
from ranking.seed import seed_defaults
from ranking.services import JobLimitExceeded, submit_job
from tests.fake_generator import FakeGenerator
from tests.stack import Stack, api, follow, is_final
from tests.tiny_scorer import register_tiny_scorer

PROMPT = "DL model with 4 inputs, 8 and 6 hidden nodes, and 2 outputs"


@pytest.fixture
def published(monkeypatch):
    sent = []
    monkeypatch.setattr(events, "publish", lambda job_id, event: sent.append((job_id, event)))
    return sent


@pytest.fixture
def fake_llm(settings, tmp_path):
    settings.JOB_GENERATOR_FACTORY = "tests.fake_generator.build"
    # Transactional tests start from an empty database: register what the seed would.
    seed_defaults(LLMConfig, ScorerVersion)
    register_tiny_scorer(tmp_path / "scorer")
    engines.clear_cache()
    yield
    engines.clear_cache()


class Gates:
    """Holds the worker threads named in `held` inside generate() until released."""

    def __init__(self, monkeypatch, *held: str):
        self.entered = {name: threading.Event() for name in held}
        self.release = {name: threading.Event() for name in held}
        real = FakeGenerator.generate

        def gated(generator, *args, **kwargs):
            name = threading.current_thread().name
            if name in self.entered:
                self.entered[name].set()
                self.release[name].wait(60)
            return real(generator, *args, **kwargs)

        monkeypatch.setattr(FakeGenerator, "generate", gated)


def in_thread(name: str, results: dict, job_id: int) -> threading.Thread:
    """Start `run_job(job_id)` as worker `name` in its own thread; its result lands in `results`."""

    def work():
        try:
            results[name] = runner.run_job(job_id, worker=name)
        finally:
            connection.close()

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread


def reap(job: Job) -> None:
    """The reaper finds `job` silent (its worker stalled) and takes it back."""
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    assert runner.requeue_stale_jobs(stale_after=60, max_attempts=5)["requeued"] == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_an_old_worker_gives_up_a_requeued_job_quietly(alice, fake_llm, published, monkeypatch):
    # Fault 1: worker A stalls, the reaper re-queues its job; when A wakes up
    # its finish must not fail the job that now waits for another worker.
    gates = Gates(monkeypatch, "worker-a")
    job = submit_job(alice, PROMPT, count=3, recommend=1)
    results = {}
    a = in_thread("worker-a", results, job.pk)
    assert gates.entered["worker-a"].wait(30)
    reap(job)
    gates.release["worker-a"].set()
    a.join(60)

    assert results["worker-a"] == "taken back"
    job.refresh_from_db()
    assert (job.status, job.error) == ("queued", "")
    assert not Diagram.objects.filter(job=job).exists()
    assert not [e for _, e in published if e["type"] in ("error", "done")]

    # Worker B picks the job up and finishes it as the second attempt.
    assert runner.run_job(job.pk, worker="worker-b") == "done"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker) == ("done", 2, "worker-b")
    assert job.diagrams.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_job_store_one_set_of_diagrams(alice, fake_llm, published, monkeypatch):
    # Faults 1 and 4: A stalls, the job is re-delivered to B; A wakes while B
    # runs. Only B (the run that owns the job) finishes it, once.
    gates = Gates(monkeypatch, "worker-a", "worker-b")
    job = submit_job(alice, PROMPT, count=3, recommend=1)
    results = {}
    a = in_thread("worker-a", results, job.pk)
    assert gates.entered["worker-a"].wait(30)
    reap(job)
    b = in_thread("worker-b", results, job.pk)
    assert gates.entered["worker-b"].wait(30)
    gates.release["worker-a"].set()
    a.join(60)
    job.refresh_from_db()
    assert (results["worker-a"], job.status, job.worker) == ("taken back", "running", "worker-b")
    gates.release["worker-b"].set()
    b.join(60)

    assert results["worker-b"] == "done"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("done", 2, "")
    assert sorted(job.diagrams.values_list("rank", flat=True)) == [1, 2, 3]
    assert [e["type"] for _, e in published].count("done") == 1
    assert not [e for _, e in published if e["type"] == "error"]
    # A late duplicate message of the finished job changes nothing.
    assert runner.run_job(job.pk, worker="worker-c") == "skipped"
    assert job.diagrams.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_in_flight_limit_holds_for_simultaneous_submits(alice, settings, monkeypatch):
    # Fault 2: only PostgreSQL runs these transactions at the same time
    # (SQLite serialises writers); tests/test_postgres.py runs this file there.
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: runs through tests/test_postgres.py")
    from ranking.models import JobQuerySet

    settings.MAX_JOBS_IN_FLIGHT = 2
    # Widen the window between counting and inserting, so that without the
    # row lock in submit_job every thread would count 0 and all get in.
    counted = JobQuerySet.count

    def slow_count(queryset):
        n = counted(queryset)
        threading.Event().wait(0.2)
        return n

    monkeypatch.setattr(JobQuerySet, "count", slow_count)
    threads = 8
    start = threading.Barrier(threads)
    outcomes = []

    def submit():
        try:
            start.wait(10)
            submit_job(alice, PROMPT, count=2, recommend=1)
            outcomes.append("accepted")
        except JobLimitExceeded:
            outcomes.append("refused")
        finally:
            connections.close_all()

    workers = [threading.Thread(target=submit) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(outcomes) == ["accepted"] * 2 + ["refused"] * (threads - 2)
    assert Job.objects.filter(user=alice).count() == 2


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_killed_embedded_server_requeues_and_finishes_its_job(tmp_path):
    # Fault 3: the default runtime (daphne with its worker thread, SQLite)
    # dies by SIGKILL mid-job; after a restart the job runs again to done.
    stack = Stack(
        tmp_path,
        mode="thread",
        FAKE_GENERATOR_DELAY="0.8",
        JOB_STALE_SECONDS="3",
        JOB_HEARTBEAT_SECONDS="1",
    )
    try:
        stack.manage("migrate", "--noinput", "-v", "0")
        stack.use_tiny_scorer()
        token, session = stack.create_user()
        web = stack.start_web()
        job = api(
            stack, token, "POST", "/api/jobs/", {"prompt": PROMPT, "count": 4, "recommend": 2}
        )
        seen = follow(stack, session, job["id"], lambda m: m["type"] == "candidate")
        assert seen[-1]["index"] == 0
        web.send_signal(signal.SIGKILL)
        web.wait(timeout=10)
        assert api_status(stack, job["id"]) == ("running", 1)

        stack.start_web("daphne-restarted")
        messages = follow(stack, session, job["id"], is_final)
        assert messages[-1]["type"] == "done", messages[-1]
        finished = api(stack, token, "GET", f"/api/jobs/{job['id']}/")
        assert (finished["status"], finished["attempts"]) == ("done", 2)
        assert [d["rank"] for d in finished["diagrams"]] == [1, 2, 3, 4]
        assert api_status(stack, job["id"]) == ("done", 2)
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()


def api_status(stack: Stack, job_id: int) -> tuple:
    """Read a job's status and attempts straight from the stack's SQLite file (no server needed)."""
    import sqlite3

    with sqlite3.connect(stack.tmp / "db.sqlite3") as db:
        status, attempts = db.execute(
            "SELECT status, attempts FROM ranking_job WHERE id = ?", (job_id,)
        ).fetchone()
    return status, attempts
