"""Celery tasks: the scale-out path (WORKER_MODE=celery) runs jobs here."""

from diagramsite.celery import app
from ranking.runner import run_job


@app.task(name="ranking.run_job", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job_task(job_id: int) -> str:
    """Run job `job_id`; a duplicate or late delivery is a no-op ("skipped")."""
    return run_job(job_id)
