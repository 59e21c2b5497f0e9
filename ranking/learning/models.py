"""Stored things of learning from users: training runs (with their reports) and activations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    LLM = "llm", "LLM adapter (preference tuning)"
    SCORER = "scorer", "Readability ensemble"


class TrainingRunQuerySet(models.QuerySet):
    def in_flight(self):
        """Return runs that are queued or running (at most one exists)."""
        return self.filter(status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING])

    def finished(self):
        return self.filter(status=TrainingRun.Status.DONE)


class TrainingRun(models.Model):
    """One training of a new version from users' data: queued, run by a worker, reported.

    The report (data, loss curve, before/after figures) is stored here and in
    the version's own directory, and the run points at the version it made.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LLM)
    name = models.CharField(max_length=100, help_text="Name of the version it registers.")
    method = models.CharField(max_length=10, blank=True, help_text="orpo or dpo (LLM runs).")
    steps = models.PositiveIntegerField(default=0)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # {"stage", "step", "steps", "loss", "eta_seconds", "message"}: what the staff page shows.
    progress = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_from_llm = models.ForeignKey(
        "ranking.LLMConfig", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_from_scorer = models.ForeignKey(
        "ranking.ScorerVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    llm_config = models.OneToOneField(
        "ranking.LLMConfig",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_run",
    )
    scorer = models.OneToOneField(
        "ranking.ScorerVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_run",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = TrainingRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One run at a time: the worker trains on the same CPUs that serve jobs.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status__in=["queued", "running"]),
                name="learning_one_run_in_flight",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} run {self.name} ({self.status})"

    @property
    def version(self):
        """Return the LLMConfig or ScorerVersion this run registered (None before it finished)."""
        return self.llm_config if self.kind == Kind.LLM else self.scorer

    def claim(self) -> bool:
        """Mark a queued run running; False if someone else took it (or it is not queued)."""
        now = timezone.now()
        changed = TrainingRun.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.RUNNING, started_at=now, heartbeat_at=now
        )
        if changed:
            self.refresh_from_db()
        return changed == 1

    def set_progress(self, **values) -> None:
        """Merge `values` into the stored progress (and beat the heartbeat)."""
        self.progress = {**(self.progress or {}), **values}
        TrainingRun.objects.filter(pk=self.pk).update(
            progress=self.progress, heartbeat_at=timezone.now()
        )

    def finish(self, report: dict, version) -> None:
        """Store the report and the registered version; the run is done."""
        self.report = report
        self.status = self.Status.DONE
        self.finished_at = timezone.now()
        if self.kind == Kind.LLM:
            self.llm_config = version
        else:
            self.scorer = version
        self.progress = {**(self.progress or {}), "stage": "done", "eta_seconds": 0}
        self.save()

    def fail(self, reason: str) -> None:
        self.status = self.Status.FAILED
        self.error = reason[:5000]
        self.finished_at = timezone.now()
        self.progress = {**(self.progress or {}), "stage": "failed"}
        self.save()


class Activation(models.Model):
    """Staff switched the active LLM or scorer: who, when, and what was active before.

    Roll back activates `previous` of the latest activation of that kind.
    """

    kind = models.CharField(max_length=10, choices=Kind.choices)
    llm_config = models.ForeignKey(
        "ranking.LLMConfig", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_llm = models.ForeignKey(
        "ranking.LLMConfig", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scorer = models.ForeignKey(
        "ranking.ScorerVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_scorer = models.ForeignKey(
        "ranking.ScorerVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        now, before = (
            (self.llm_config, self.previous_llm)
            if self.kind == Kind.LLM
            else (self.scorer, self.previous_scorer)
        )
        return f"{self.get_kind_display()}: {before} -> {now}"
