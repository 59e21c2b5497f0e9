"""The embedded worker: one thread in the web process that runs queued jobs.

Used when WORKER_MODE=thread (the default: nothing to install). It takes
queued jobs oldest first, runs them one at a time (one model in memory), and
every few seconds takes back jobs whose worker stopped (a previous process
that was killed mid-job). After every 20th job it hands the C heap's freed
memory back to the OS (ranking.memory).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, reset_queries

from ranking.memory import TrimEvery
from ranking.models import Job
from ranking.runner import requeue_stale_jobs, run_job

log = logging.getLogger(__name__)


def run_pending(limit: int | None = None) -> int:
    """Run queued jobs in this thread until none is left (or `limit` ran); return how many ran."""
    ran = 0
    while limit is None or ran < limit:
        job_id = Job.objects.queued().values_list("pk", flat=True).first()
        if job_id is None:
            break
        if run_job(job_id) != "skipped":
            ran += 1
    return ran


class EmbeddedWorker:
    """A daemon thread that runs jobs; `wake()` starts it lazily and nudges it."""

    POLL_SECONDS = 5.0

    def __init__(self):
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._last_reap = 0.0
        self._trim = TrimEvery()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def ensure_started(self) -> None:
        """Start the worker thread unless it runs already."""
        with self._lock:
            if self.running:
                return
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._loop, name="diagramsite-worker", daemon=True
            )
            self._thread.start()
            log.info("embedded worker started")

    def wake(self) -> None:
        """Start the worker if needed and make it look for queued jobs now."""
        self.ensure_started()
        self._wake.set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the worker thread to end (or `timeout` seconds)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the worker to stop after the current job and wait for it."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._reap_now_and_then()
                job_id = Job.objects.queued().values_list("pk", flat=True).first()
                if job_id is not None:
                    if run_job(job_id) != "skipped":
                        self._trim.job_finished()
                    continue
            except Exception:
                # The loop must outlive any one failure (database locked, ...).
                log.exception("embedded worker loop failed; retrying")
                time.sleep(1)
            finally:
                # DEBUG (scripts/run.sh's default) logs every query; Django
                # empties the log per request, and this thread sees none: it
                # held the last 9,000 queries with their parameters, and
                # daphne grew ~1.5 MiB per 100 jobs (docs/benchmarks.md, "Load").
                reset_queries()
                close_old_connections()
            self._wake.wait(self.POLL_SECONDS)
            self._wake.clear()
        close_old_connections()

    def _reap_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._last_reap >= max(1.0, settings.JOB_STALE_SECONDS / 4):
            self._last_reap = now
            requeue_stale_jobs()


embedded_worker = EmbeddedWorker()
