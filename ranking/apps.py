import os
import sys

from django.apps import AppConfig


def _serving() -> bool:
    """Return True when this process serves web requests (not tests, migrate or shell)."""
    if os.environ.get("WORKER_AUTOSTART") in {"0", "1"}:
        return os.environ["WORKER_AUTOSTART"] == "1"
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    if program in {"daphne", "uvicorn", "gunicorn", "hypercorn"}:
        return True
    # runserver's autoreloader parent only watches files; the child serves.
    return "runserver" in sys.argv and os.environ.get("RUN_MAIN") == "true"


class RankingConfig(AppConfig):
    name = "ranking"
    verbose_name = "Diagrams and ranking"

    def ready(self):
        from django.conf import settings

        from ranking import checks  # noqa: F401 (registers the system checks)

        if settings.WORKER_MODE == "thread" and _serving():
            # Start now so jobs left queued by a previous process run without
            # waiting for the next submit.
            from ranking.worker import embedded_worker

            embedded_worker.ensure_started()
