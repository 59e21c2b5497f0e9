"""Run one job: claim it, generate candidates, score and rank them, store the diagrams.

The same `run_job` runs in the embedded worker thread and in Celery worker
processes. The job row is the source of truth: a claim is a conditional
UPDATE, progress is written to the row as well as published, and a worker
that vanishes mid-job is noticed by its missing heartbeat (`requeue_stale_jobs`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from ranking import drawrank, engines, events
from ranking.models import Diagram, Job, LLMConfig, Rating, ScorerVersion

log = logging.getLogger(__name__)


class JobError(Exception):
    """A failure whose message is meant for the user and staff (no traceback needed)."""


class JobTakenBack(Exception):
    """The reaper took this run's job back: the worker gives it up and writes nothing more."""


def worker_name() -> str:
    """Return this process's name as recorded on the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


class Heartbeat:
    """Touch the job's heartbeat from a side thread while the job runs.

    Model loading or one long generate call may report nothing for a while;
    the heartbeat tells the reaper the worker is still alive regardless.
    """

    def __init__(self, job_id: int, interval: float, attempt: int | None = None):
        self.job_id = job_id
        self.attempt = attempt
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def _run(self):
        try:
            while not self._stop.wait(self.interval):
                Job(pk=self.job_id).beat(self.attempt)
        except Exception:
            log.exception("heartbeat of job %s stopped", self.job_id)
        finally:
            connection.close()


# What a finished job's progress keeps (ProgressReporter.final, the reaper).
KEPT_WHEN_FINISHED = (
    "count",
    "finished",
    "tokens_total",
    "personalised",
    "rated_count",
    "requeued",
)


def finished_progress(progress: dict | None) -> dict:
    """Return the counts and facts of a job's progress, without the candidates."""
    progress = progress or {}
    return {key: progress[key] for key in KEPT_WHEN_FINISHED if key in progress}


class ProgressReporter:
    """Keep a job's progress on its row and publish it to the job's websocket group.

    Token counts arrive many times a second: they are published at most every
    PUBLISH_EVERY seconds and written at most every PERSIST_EVERY seconds;
    stage changes and finished candidates always go out at once.
    """

    PUBLISH_EVERY = 0.25
    PERSIST_EVERY = 1.0

    def __init__(self, job: Job):
        self.job_id = job.pk
        # Which run of the job this reporter speaks for (see Job._update).
        self.attempt = job.attempts
        self.stage = job.stage
        self.progress = {
            "count": job.count,
            "tokens": [0] * job.count,
            "tokens_total": 0,
            "finished": 0,
            "candidates": [],
            "message": "",
        }
        if (job.progress or {}).get("requeued"):
            self.progress["requeued"] = job.progress["requeued"]
        self._published = 0.0
        self._persisted = 0.0
        self._lock = threading.Lock()

    def set_stage(self, stage: str, message: str = "") -> None:
        """Enter a new stage and tell everyone now."""
        with self._lock:
            self.stage = str(stage)  # a plain string in events, not the Stage enum
            self.progress["message"] = message
        self._flush(force=True)

    def tokens(self, per_candidate, finished: int | None = None) -> None:
        """Record tokens generated so far for each candidate."""
        with self._lock:
            counts = [int(n) for n in per_candidate][: self.progress["count"]]
            counts += [0] * (self.progress["count"] - len(counts))
            self.progress["tokens"] = counts
            self.progress["tokens_total"] = sum(counts)
            if finished is not None:
                self.progress["finished"] = int(finished)
        self._flush(force=False)

    def candidate(
        self, index: int, node_list: str, plan: str = "", structure_rank: int = 0
    ) -> None:
        """Record a finished candidate and send it so the page can show it at once.

        No rendered SVG: the page draws the preview from the candidate route
        (ranking.views.job_candidate_svg), which reads the node list kept here.
        """
        entry = {
            "index": index,
            "node_list": node_list,
            "plan": plan,
            "structure_rank": structure_rank,
        }
        with self._lock:
            self.progress["candidates"].append(entry)
            self.progress["finished"] = max(
                self.progress["finished"], len(self.progress["candidates"])
            )
        # Stored before it is sent: a browser joining in between finds it in
        # the `state` message. One event carries the candidate and the
        # progress (its new count): a progress event of its own after every
        # candidate was a third more messages per job for each web process.
        self._persist()
        self._publish(time.monotonic(), "candidate", **entry)

    def note(self, **values) -> None:
        """Store extra facts in the progress (e.g. whether the ranking was personalised)."""
        with self._lock:
            self.progress.update(values)
        self._persist()

    def final(self) -> dict:
        """Return the progress a finished job keeps: counts and facts, no candidates.

        The ranked diagrams are rows of their own once the job ends; the
        finished-candidate list and per-candidate tokens only served the page
        while it waited.
        """
        with self._lock:
            return finished_progress(self.progress)

    def snapshot(self) -> dict:
        """Return a copy of the progress without the heavy candidate bodies."""
        with self._lock:
            light = {k: v for k, v in self.progress.items() if k != "candidates"}
            return {**light, "tokens": list(self.progress["tokens"])}

    def _flush(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._persisted >= self.PERSIST_EVERY:
            self._persist()
        if force or now - self._published >= self.PUBLISH_EVERY:
            self._publish(now)

    def _publish(self, now: float, kind: str = "progress", **fields) -> None:
        """Send a `kind` event carrying `fields` and the progress so far."""
        self._published = now
        events.publish(
            self.job_id,
            {"type": kind, "stage": self.stage, **fields, "progress": self.snapshot()},
        )

    def _persist(self) -> None:
        with self._lock:
            self._persisted = time.monotonic()
            progress = {**self.progress, "candidates": list(self.progress["candidates"])}
            stage = self.stage
        # Only while this run still owns the job: one the reaper took back is
        # not ours to write, and the run stops here instead of working on.
        written = Job.objects.filter(
            pk=self.job_id, status=Job.Status.RUNNING, attempts=self.attempt
        ).update(stage=stage, progress=progress, heartbeat_at=timezone.now())
        if not written:
            raise JobTakenBack(f"job {self.job_id} run {self.attempt} was taken back")


def run_job(job_id: int, worker: str | None = None) -> str:
    """Run queued job `job_id` to done or failed; return its final status or "skipped".

    Skips a job that is not queued (another worker claimed it, or a duplicate
    message arrived after it finished). Never raises for a pipeline failure:
    the job is marked failed with the reason and an `error` event goes out.
    """
    _recycle_connection()
    try:
        job = Job.objects.get(pk=job_id)
    except Job.DoesNotExist:
        log.warning("job %s vanished before it ran", job_id)
        return "skipped"
    if not job.mark_running(worker or worker_name()):
        return "skipped"
    reporter = ProgressReporter(job)
    try:
        with Heartbeat(job.pk, settings.JOB_HEARTBEAT_SECONDS, job.attempts):
            _run_claimed(job, reporter)
        return Job.Status.DONE
    except JobTakenBack:
        # Not a failure: the job is queued again or runs elsewhere now.
        log.info("job %s run %s was taken back; giving it up", job.pk, job.attempts)
        return "taken back"
    except Exception as exc:
        if isinstance(exc, (JobError, *_user_facing_errors())):
            reason = str(exc)
            log.warning("job %s failed: %s", job.pk, reason)
        else:
            reason = f"Internal error ({type(exc).__name__}: {exc}); staff can see the log."
            log.exception("job %s failed", job.pk)
        fail_job(job, reason, progress=reporter.final())
        return Job.Status.FAILED
    finally:
        _recycle_connection()


def _recycle_connection() -> None:
    """Close this thread's database connection if it is broken or past CONN_MAX_AGE.

    Not inside a caller's transaction (a test case, or a command that wraps
    jobs in one): Django closes a connection whose autocommit differs from
    the settings, which on PostgreSQL would throw that transaction away.
    """
    if not connection.in_atomic_block:
        close_old_connections()


def _user_facing_errors() -> tuple:
    try:
        return engines.user_facing_errors()
    except ImportError:  # a broken install: every error is then an internal one
        return ()


def fail_job(job: Job, reason: str, progress: dict | None = None) -> None:
    """Mark this run of `job` failed with `reason` and tell its websocket group.

    Only while this run still owns the job: a run the reaper took back
    fails nothing (the job is queued again or running elsewhere).
    """
    if job.mark_failed(reason, attempt=job.attempts, progress=progress):
        events.publish(job.pk, {"type": "error", "status": Job.Status.FAILED, "error": reason})


def _run_claimed(job: Job, reporter: ProgressReporter) -> None:
    # Read the active registrations now, per job: a model staff activated
    # a moment ago is used without restarting the worker.
    llm_config = LLMConfig.objects.active()
    scorer_version = ScorerVersion.objects.active()
    if llm_config is None:
        raise JobError("No LLM configuration is active: staff must activate one in the admin.")
    if scorer_version is None:
        raise JobError("No scorer version is active: staff must activate one in the admin.")
    Job.objects.filter(pk=job.pk, attempts=reporter.attempt).update(
        llm_config=llm_config, scorer=scorer_version
    )

    reporter.set_stage(Job.Stage.LOADING_MODEL, f"Loading {llm_config.name}")
    generator = engines.generator_for(llm_config)
    scorer = engines.scorer_for(scorer_version)
    rated_latents, ratings = user_ratings(job.user_id, scorer_version, scorer)

    reporter.set_stage(Job.Stage.GENERATING)
    drawn = drawrank.draw_and_rank(
        job.prompt,
        job.count,
        job.recommend,
        generator=generator,
        scorer=scorer,
        rated_latents=rated_latents,
        ratings=ratings,
        k=scorer_version.knn_k,
        on_progress=lambda event: _report(reporter, event),
        on_candidate=lambda c: reporter.candidate(
            c.index, c.node_list, plan=c.plan, structure_rank=c.structure_rank
        ),
    )
    if not drawn.candidates:
        raise JobError(
            "The model wrote no usable diagram for this prompt. Try rephrasing it "
            "or generating again."
        )
    reporter.note(personalised=drawn.personalised, rated_count=len(ratings))
    _store(job, reporter, drawn.candidates, scorer_version)
    # The event says done; the page fetches the ranked results (one source: the rows).
    events.publish(job.pk, {"type": "done", "status": Job.Status.DONE})


def _report(reporter: ProgressReporter, event: dict) -> None:
    """Pass the pipeline's progress to the reporter: stage changes and token counts."""
    stage = event.get("stage")
    # "loading_model" is skipped: the model was loaded before drawing began.
    if stage in ("generating", "laying_out", "scoring") and stage != reporter.stage:
        reporter.set_stage(stage)
    if "tokens" in event:
        reporter.tokens(event["tokens"], event.get("finished"))


def _store(job: Job, reporter: ProgressReporter, ranked, scorer_version: ScorerVersion) -> None:
    """Store the ranked candidates and finish the job, in one transaction."""
    # One timestamp for the whole job: "newest first, then by rank" needs no join.
    created_at = timezone.now()
    with transaction.atomic():
        # Finish first: the conditional UPDATE is the fence (and on PostgreSQL
        # it locks the row until commit), so a run that lost the job stores
        # nothing and a job never gets two sets of diagrams.
        if not job.mark_done(attempt=reporter.attempt, progress=reporter.final()):
            raise JobTakenBack(f"job {job.pk} run {reporter.attempt} was taken back")
        for candidate in ranked:
            Diagram.objects.create(
                job=job,
                user_id=job.user_id,
                rank=candidate.rank,
                recommended=candidate.recommended,
                node_list=candidate.node_list,
                plan=candidate.plan,
                structure_rank=candidate.structure_rank,
                readability=candidate.readability,
                user_score=candidate.user_score,
                final_score=candidate.final_score,
                latent=Diagram.pack_latent(candidate.latent),
                latent_scorer=scorer_version,
                created_at=created_at,
            )


def user_ratings(user_id: int, scorer_version: ScorerVersion, scorer):
    """Return (latents, scores) of the diagrams this user rated, in the active AE space.

    Only this user's ratings of this user's diagrams: nobody else's taste
    ever enters the prediction. Latents made by another scorer version are
    re-encoded once and stored.
    """
    rows = list(
        Rating.objects.filter(user_id=user_id, diagram__user_id=user_id)
        .select_related("diagram")
        .order_by("pk")
    )
    stale = [r.diagram for r in rows if r.diagram.latent_scorer_id != scorer_version.pk]
    if stale:
        fresh = drawrank.encode(scorer, [d.node_list for d in stale])
        for diagram, latent in zip(stale, fresh, strict=True):
            diagram.latent = Diagram.pack_latent(latent)
            diagram.latent_scorer = scorer_version
            Diagram.objects.filter(pk=diagram.pk).update(
                latent=diagram.latent, latent_scorer=scorer_version
            )
    latents = [r.diagram.latent_vector for r in rows]
    scores = [float(r.score) for r in rows]
    return latents, scores


def requeue_stale_jobs(
    stale_after: float | None = None,
    max_attempts: int | None = None,
    dispatch: Callable[[int], None] | None = None,
) -> dict:
    """Take back running jobs whose worker stopped reporting; return what was done.

    A job is re-queued while it has had fewer than `max_attempts` runs, then
    failed with a reason. `dispatch(job_id)` hands each re-queued job to a
    worker, and queued jobs whose dispatch is older than `stale_after` are
    dispatched again (a lost broker message must not strand a prompt); the
    caller passes it (ranking.dispatch.reap does), because sending is a layer
    above this one. Without it (the embedded worker, whose loop takes queued
    jobs itself) nothing is sent and lost messages are not looked for.
    Returns {"requeued": [...ids], "failed": [...], "redispatched": [...]}.
    """
    stale_after = settings.JOB_STALE_SECONDS if stale_after is None else stale_after
    max_attempts = settings.JOB_MAX_ATTEMPTS if max_attempts is None else max_attempts
    report = {"requeued": [], "failed": [], "redispatched": []}
    for job in Job.objects.stale(stale_after):
        if job.attempts >= max_attempts:
            reason = (
                f"The worker running this job stopped {job.attempts} times "
                f"(last: {job.worker or 'unknown'}); giving up."
            )
            if job.mark_failed(reason, progress=finished_progress(job.progress)):
                events.publish(job.pk, {"type": "error", "status": "failed", "error": reason})
                report["failed"].append(job.pk)
        elif job.requeue(f"worker {job.worker or 'unknown'} stopped; retrying"):
            report["requeued"].append(job.pk)
            events.publish(
                job.pk,
                {"type": "progress", "stage": Job.Stage.QUEUED, "progress": job.progress},
            )
            if dispatch is not None:
                dispatch(job.pk)
    if dispatch is not None:
        cutoff = timezone.now() - timedelta(seconds=stale_after)
        lost = Job.objects.queued().filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
        )
        for job_id in lost.values_list("pk", flat=True):
            report["redispatched"].append(job_id)
            dispatch(job_id)
    if any(report.values()):
        log.info("reaper: %s", report)
    return report
