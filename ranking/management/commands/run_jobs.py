"""Run queued jobs in this process: drain the queue once, or keep serving like a worker."""

from django.core.management.base import BaseCommand

from ranking.runner import requeue_stale_jobs
from ranking.worker import EmbeddedWorker, run_pending


class Command(BaseCommand):
    help = (
        "Run queued diagram jobs here. --once runs what is queued now and exits; without it "
        "this process is a worker like the embedded thread (Ctrl-C stops it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain the queue, then exit.")

    def handle(self, *args, once=False, **options):
        if once:
            reaped = requeue_stale_jobs()
            ran = run_pending()
            taken_back = len(reaped["requeued"]) + len(reaped["failed"])
            return f"ran {ran} job(s); took back {taken_back} from dead workers"
        worker = EmbeddedWorker()
        worker.ensure_started()
        self.stdout.write("running jobs; Ctrl-C stops after the current one")
        try:
            while worker.running:
                worker.join(timeout=1)
        except KeyboardInterrupt:
            worker.stop()
        return "stopped"
