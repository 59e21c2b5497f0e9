"""The Celery app for scale-out workers (WORKER_MODE=celery, broker on REDIS_URL).

Start a worker with `celery -A diagramsite worker --pool=solo -c 1` (one job
at a time per process, so one model in memory per GPU). Settings come from
Django's settings with the CELERY_ prefix: late acks, re-queue when a worker
process is lost, prefetch 1. Each worker also runs a reaper thread that takes
back jobs whose worker died (see ranking.dispatch.reap).
"""

import logging
import os
import threading

from celery import Celery
from celery.signals import task_postrun, worker_ready, worker_shutdown

from ranking.memory import TrimEvery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diagramsite.settings")

app = Celery("diagramsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["ranking", "ranking.learning"])

log = logging.getLogger(__name__)
_reaper_stop = threading.Event()
# With a full collection: the Redis clients of published events free each
# other only through the cycle collector (ranking.memory).
_trim = TrimEvery(collect=True)


def _reap_forever() -> None:
    from django.conf import settings
    from django.db import close_old_connections

    from ranking.dispatch import reap

    interval = max(1.0, settings.JOB_STALE_SECONDS / 4)
    while True:
        try:
            reap()
        except Exception:
            log.exception("reaper pass failed")
        finally:
            close_old_connections()
        if _reaper_stop.wait(interval):
            return


@worker_ready.connect
def start_reaper(**kwargs) -> None:
    """Take back jobs of dead workers now and every JOB_STALE_SECONDS / 4 from now on."""
    threading.Thread(target=_reap_forever, name="diagramsite-reaper", daemon=True).start()


@worker_shutdown.connect
def stop_reaper(**kwargs) -> None:
    _reaper_stop.set()


@task_postrun.connect
def trim_heap_now_and_then(**kwargs) -> None:
    """Collect garbage and give the C heap's freed memory back after every 20th task."""
    _trim.job_finished()
