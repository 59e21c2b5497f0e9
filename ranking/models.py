"""Stored things: model registrations, generation jobs, diagrams and ratings.

Logic about one kind of row lives here, on the model or its QuerySet; the
workflows that touch several kinds (submit a job, run it) live in
`ranking.services` and `ranking.runner`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from ranking.scoring import knn

MAX_COUNT = 10
MAX_SCORE = 5


def plan_structure(plan: str | None) -> str:
    """Return a plan's structure lines: what the model understood, without its style line."""
    lines = (plan or "").strip().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("style:")).strip()


def resolve_model_path(value: str) -> Path:
    """Return a registered weight path as an absolute Path (relative ones live under MODELS_DIR)."""
    path = Path(value)
    return path if path.is_absolute() else Path(settings.MODELS_DIR) / path


class ActivatableQuerySet(models.QuerySet):
    def active(self):
        """Return the one active registration, or None when none is active."""
        return self.filter(is_active=True).first()


class Activatable(models.Model):
    """A registration of which exactly one row may be active at a time.

    A conditional unique constraint makes a second active row impossible even
    under concurrent admin actions; `activate()` switches in one transaction.
    """

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActivatableQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="%(app_label)s_%(class)s_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (active)" if self.is_active else self.name

    def activate(self) -> None:
        """Make this the only active row of its kind."""
        model = type(self)
        with transaction.atomic():
            # Deactivate first so the partial unique index never sees two active rows.
            model.objects.filter(is_active=True).exclude(pk=self.pk).update(is_active=False)
            model.objects.filter(pk=self.pk).update(is_active=True, updated_at=timezone.now())
        self.refresh_from_db(fields=["is_active", "updated_at"])


class LLMConfig(Activatable):
    """A causal LLM (base + LoRA adapter) and how to generate with it."""

    class OutputFormat(models.TextChoices):
        PLAN = "plan", "Plan (laid out by the layout engine)"
        NODE_LIST = "node_list", "Node list (drawn as written)"

    class Device(models.TextChoices):
        AUTO = "auto", "Auto (GPU when available)"
        CPU = "cpu", "CPU"
        CUDA = "cuda", "CUDA GPU"

    base_model = models.CharField(
        max_length=500,
        blank=True,
        help_text="Local directory or hub id of the base model. Empty: the base model "
        "cached by `manage.py fetch_base_model` (settings.MODEL_CACHE_DIR).",
    )
    adapter_path = models.CharField(
        max_length=500,
        blank=True,
        help_text="LoRA adapter directory, relative to models/ unless absolute. Empty: base only.",
    )
    output_format = models.CharField(
        max_length=20, choices=OutputFormat.choices, default=OutputFormat.PLAN
    )
    generation_settings = models.JSONField(
        default=dict,
        blank=True,
        help_text='e.g. {"max_new_tokens": 160, "temperature": 0.8, "top_p": 0.95}',
    )
    device = models.CharField(max_length=10, choices=Device.choices, default=Device.AUTO)

    class Meta(Activatable.Meta):
        verbose_name = "LLM configuration"

    def base_model_location(self) -> str:
        """Return where the base model loads from: the registered value or the local cache."""
        return self.base_model or str(settings.MODEL_CACHE_DIR)

    def adapter_location(self) -> Path | None:
        """Return the adapter's absolute path, or None for the bare base model."""
        return resolve_model_path(self.adapter_path) if self.adapter_path else None


class ScorerVersion(Activatable):
    """A readability CNN ensemble and an autoencoder that rank candidates."""

    readability_path = models.CharField(
        max_length=500, help_text="CNN ensemble weights, relative to models/ unless absolute."
    )
    autoencoder_path = models.CharField(
        max_length=500, help_text="Autoencoder weights, relative to models/ unless absolute."
    )
    knn_k = models.PositiveSmallIntegerField(
        default=knn.DEFAULT_K,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="How many of the user's rated diagrams predict a new one's rating.",
    )

    class Meta(Activatable.Meta):
        verbose_name = "scorer version"

    def readability_location(self) -> Path:
        """Return the CNN ensemble's absolute path."""
        return resolve_model_path(self.readability_path)

    def autoencoder_location(self) -> Path:
        """Return the autoencoder's absolute path."""
        return resolve_model_path(self.autoencoder_path)


class JobQuerySet(models.QuerySet):
    def for_user(self, user):
        """Return the jobs `user` owns (none for an anonymous user)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def in_flight(self):
        """Return the jobs that are queued or running."""
        return self.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])

    def queued(self):
        """Return queued jobs, oldest first (the order workers take them)."""
        return self.filter(status=Job.Status.QUEUED).order_by("created_at", "pk")

    def stale(self, older_than_seconds: float):
        """Return running jobs whose worker has not reported for `older_than_seconds`."""
        cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
        return self.filter(status=Job.Status.RUNNING).filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
        )


class Job(models.Model):
    """One request to generate and rank `count` diagrams for a prompt."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Stage(models.TextChoices):
        QUEUED = "queued", "Queued"
        LOADING_MODEL = "loading_model", "Loading model"
        GENERATING = "generating", "Generating"
        LAYING_OUT = "laying_out", "Laying out"
        SCORING = "scoring", "Scoring"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    prompt = models.TextField()
    count = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(MAX_COUNT)]
    )
    recommend = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(MAX_COUNT)]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.QUEUED)
    # While the job runs, everything a late websocket join needs: tokens per
    # candidate, finished candidates' node lists and plans, messages. Written
    # by the worker; trimmed to counts when the job ends (ranking.runner).
    progress = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True, help_text="Who ran it last.")
    llm_config = models.ForeignKey(
        LLMConfig, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    scorer = models.ForeignKey(
        ScorerVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ranking_job_user_created"),
            models.Index(fields=["status", "created_at"], name="ranking_job_status_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1, count__lte=MAX_COUNT), name="ranking_job_count_range"
            ),
            models.CheckConstraint(
                condition=Q(recommend__gte=1, recommend__lte=F("count")),
                name="ranking_job_recommend_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.status}): {self.prompt[:40]}"

    def get_absolute_url(self) -> str:
        return f"/jobs/{self.pk}/"

    @property
    def group_name(self) -> str:
        """Return the channel-layer group that carries this job's events."""
        return f"job-{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def duration_seconds(self) -> float | None:
        """Return seconds from start to finish, or None while not finished."""
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    def _update(
        self, only_if_status: list[str] | None = None, attempt: int | None = None, **fields
    ) -> bool:
        """Write `fields` (only while the status is one of `only_if_status`); return success.

        A conditional UPDATE is the claim: two workers racing for one row cannot
        both succeed, on SQLite or PostgreSQL. `attempt` fences a worker to its
        own run: after the reaper took the job back (and maybe another worker
        claimed it, counting a new attempt) the old worker's writes match no row.
        """
        rows = Job.objects.filter(pk=self.pk)
        if only_if_status is not None:
            rows = rows.filter(status__in=only_if_status)
        if attempt is not None:
            rows = rows.filter(attempts=attempt)
        changed = rows.update(**fields) == 1
        if changed:
            self.refresh_from_db()
        return changed

    def mark_running(self, worker: str = "") -> bool:
        """Claim a queued job for this worker; return False if it was not queued."""
        now = timezone.now()
        return self._update(
            only_if_status=[self.Status.QUEUED],
            status=self.Status.RUNNING,
            stage=self.Stage.LOADING_MODEL,
            started_at=now,
            heartbeat_at=now,
            finished_at=None,
            attempts=F("attempts") + 1,
            worker=worker[:200],
            error="",
        )

    def mark_done(self, attempt: int | None = None, progress: dict | None = None) -> bool:
        """Finish a running job successfully (only run `attempt` of it, when given).

        `progress` replaces the progress record (a finished job keeps counts only).
        """
        extra = {} if progress is None else {"progress": progress}
        return self._update(
            only_if_status=[self.Status.RUNNING],
            attempt=attempt,
            status=self.Status.DONE,
            stage=self.Stage.DONE,
            finished_at=timezone.now(),
            **extra,
        )

    def mark_failed(
        self, reason: str, attempt: int | None = None, progress: dict | None = None
    ) -> bool:
        """Finish a job with a reason the user and staff can read.

        Without `attempt` (staff, the reaper) a queued or running job; with it
        (a worker) only that run of the job, while it is still running.
        """
        statuses = [self.Status.RUNNING] if attempt else [self.Status.QUEUED, self.Status.RUNNING]
        extra = {} if progress is None else {"progress": progress}
        return self._update(
            only_if_status=statuses,
            attempt=attempt,
            **extra,
            status=self.Status.FAILED,
            stage=self.Stage.FAILED,
            error=reason[:5000],
            finished_at=timezone.now(),
        )

    def requeue(self, reason: str) -> bool:
        """Put a running job back in the queue after its worker vanished."""
        progress = dict(self.progress or {})
        progress.update({"requeued": reason, "tokens": [], "finished": 0, "candidates": []})
        # Fenced to the run the reaper saw: a job claimed again meanwhile stays with its worker.
        return self._update(
            only_if_status=[self.Status.RUNNING],
            attempt=self.attempts,
            status=self.Status.QUEUED,
            stage=self.Stage.QUEUED,
            progress=progress,
            heartbeat_at=None,
        )

    def beat(self, attempt: int | None = None) -> bool:
        """Record that the worker running this job (run `attempt` of it, when given) is alive.

        Fenced: an old worker's heartbeat must not hide the death of the new one.
        """
        rows = Job.objects.filter(pk=self.pk, status=self.Status.RUNNING)
        if attempt is not None:
            rows = rows.filter(attempts=attempt)
        return rows.update(heartbeat_at=timezone.now()) == 1


class DiagramQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the diagrams `user` may see: their own, nobody else's."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def rated_by(self, user):
        """Return `user`'s diagrams that `user` has rated."""
        return self.visible_to(user).filter(ratings__user=user)

    def unrated_by(self, user):
        """Return `user`'s diagrams that `user` has not rated."""
        return self.visible_to(user).exclude(ratings__user=user)


class Diagram(models.Model):
    """One ranked candidate of a job, stored as its node list."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="diagrams")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diagrams"
    )
    rank = models.PositiveSmallIntegerField(help_text="1 is the best.")
    recommended = models.BooleanField(default=False)
    node_list = models.TextField()
    plan = models.TextField(blank=True)
    structure_rank = models.PositiveSmallIntegerField(
        default=0,
        help_text="Which reading of the prompt its plan is: 0 the model's best, 1+ alternatives.",
    )
    readability = models.FloatField()
    user_score = models.FloatField(
        null=True, blank=True, help_text="Predicted rating; empty before the user rated anything."
    )
    final_score = models.FloatField()
    # float32 bytes of the autoencoder latent: a rating never needs a re-encode.
    latent = models.BinaryField(editable=False)
    # Whose autoencoder made `latent`: latents of different versions live in
    # different spaces, so k-NN only compares latents of the active version.
    latent_scorer = models.ForeignKey(
        ScorerVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The diagram this one was edited from (a revision); null for a generated candidate.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = DiagramQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-job_id", "rank"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ranking_diag_user_created"),
            models.Index(fields=["user", "final_score"], name="ranking_diag_user_final"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["job", "rank"], name="ranking_diagram_unique_rank"),
        ]

    def __str__(self) -> str:
        return f"Diagram {self.pk} (job {self.job_id}, rank {self.rank})"

    def get_absolute_url(self) -> str:
        return f"/diagrams/{self.pk}/"

    @property
    def final_out_of_5(self) -> float:
        """Return the final score on the 0-5 scale of ratings and readability.

        The stored final score is readability (0-5) alone until the user has
        ratings, then readability + predicted rating (0-10); pages show it on
        one scale: the readability, or the average of the two.
        """
        return self.final_score if self.user_score is None else self.final_score / 2

    @property
    def plan_structure(self) -> str:
        """Return the plan without its style line ("" for a node-list generator's diagram)."""
        return plan_structure(self.plan)

    @staticmethod
    def pack_latent(vector) -> bytes:
        """Return a latent vector as float32 bytes for storage."""
        return np.asarray(vector, dtype=np.float32).reshape(-1).tobytes()

    @property
    def latent_vector(self) -> np.ndarray:
        """Return the stored latent as a float32 vector."""
        return np.frombuffer(bytes(self.latent), dtype=np.float32)

    @property
    def svg_url(self) -> str:
        return reverse("ranking-api-diagram-svg", args=[self.pk])

    @property
    def png_url(self) -> str:
        return reverse("ranking-api-diagram-png", args=[self.pk])

    @property
    def nodelist_url(self) -> str:
        return reverse("ranking-api-diagram-nodelist", args=[self.pk])


class RatingQuerySet(models.QuerySet):
    def for_user(self, user):
        """Return the ratings `user` gave."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class Rating(models.Model):
    """A user's 0-5 judgement of one of their diagrams."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings"
    )
    diagram = models.ForeignKey(Diagram, on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(MAX_SCORE)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "diagram"], name="ranking_rating_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=MAX_SCORE), name="ranking_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} rated diagram {self.diagram_id}: {self.score}"


class CorrectionQuerySet(models.QuerySet):
    def for_user(self, user):
        """Return the corrections `user` made."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class Correction(models.Model):
    """A user's edit of a diagram's plan: the training signal the model learns from.

    Kept apart from the saved revision so the pair (what the model wrote, what
    the user wanted) survives whatever happens to the diagrams later.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="corrections"
    )
    diagram = models.ForeignKey(
        Diagram,
        on_delete=models.CASCADE,
        related_name="corrections",
        help_text="The revision the user saved.",
    )
    source_diagram = models.ForeignKey(
        Diagram,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The diagram edited: a candidate or an earlier revision.",
    )
    prompt = models.TextField()
    model_plan = models.TextField(
        blank=True, help_text="The plan the model wrote (the first diagram of the lineage)."
    )
    saved_plan = models.TextField()
    structure_changed = models.BooleanField(
        help_text="Its structure differs from the model's plan (not only style)."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        kind = "structure" if self.structure_changed else "style"
        return f"Correction {self.pk} by {self.user} ({kind}) -> diagram {self.diagram_id}"
