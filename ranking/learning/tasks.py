"""Celery task: the scale-out path (WORKER_MODE=celery) runs training runs here."""

from diagramsite.celery import app
from ranking.learning.runs import execute_run


@app.task(name="learning.run_training", acks_late=False, ignore_result=True)
def run_training_task(run_id: int) -> str:
    """Run training run `run_id`; a run that is not queued any more is left alone.

    Acknowledged on receipt (not late): a redelivered hour-long run would
    only find itself claimed; a lost worker is noticed by its silent heartbeat.
    """
    return execute_run(run_id).status
