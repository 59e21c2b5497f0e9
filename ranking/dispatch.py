"""Hand queued jobs to whatever runs them (settings.WORKER_MODE), and the reaper that re-sends.

Above the workers in the layering: `services.submit_job` dispatches a new
job here, and the reaper passes of the Celery workers (`reap`) re-send the
jobs they take back. The embedded worker thread needs no dispatch from its
own reaper: its loop takes queued jobs itself.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from ranking import runner
from ranking.models import Job
from ranking.tasks import run_job_task
from ranking.worker import embedded_worker

log = logging.getLogger(__name__)


def dispatch_job(job_id: int) -> None:
    """Hand a queued job to the worker of settings.WORKER_MODE.

    A failure to enqueue leaves the job queued (never lost): the workers'
    reaper sends it again later.
    """
    mode = settings.WORKER_MODE
    # Remember when it was last sent, so the reaper can tell a lost message.
    Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(heartbeat_at=timezone.now())
    if mode == "thread":
        embedded_worker.wake()
    elif mode == "celery":
        try:
            run_job_task.apply_async(args=[job_id])
        except Exception:
            log.exception("could not enqueue job %s; it stays queued for the reaper", job_id)
    elif mode != "off":
        log.error("unknown WORKER_MODE %r: job %s stays queued", mode, job_id)


def reap(stale_after: float | None = None, max_attempts: int | None = None) -> dict:
    """Take back the jobs of dead workers and re-send them and any lost message."""
    return runner.requeue_stale_jobs(stale_after, max_attempts, dispatch=dispatch_job)
