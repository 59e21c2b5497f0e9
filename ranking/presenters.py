"""Shape stored jobs and diagrams for the pages: progress summaries, ratings, grouping."""

from __future__ import annotations

from itertools import groupby

from django.db.models import Case, F, FloatField, OuterRef, Subquery, When

from ranking.models import Job, Rating

# The progress stage table: the one definition, which job.js reads from the
# page (`stage_table`, as JSON) so the bar does not jump when live events
# take over. Labels are the Job.Stage labels.
STAGE_LABELS = dict(Job.Stage.choices)
# The stages a user sees, in order (the progress bar's steps).
STAGES = tuple(
    (stage, STAGE_LABELS[stage])
    for stage in ("queued", "loading_model", "generating", "laying_out", "scoring")
)
# Share of the bar each stage covers (start, end) in percent. Generation is
# most of the wall time on a CPU, so it gets most of the bar.
STAGE_SPAN = {
    "queued": (0, 2),
    "loading_model": (2, 10),
    "generating": (10, 75),
    "laying_out": (75, 88),
    "scoring": (88, 99),
    "done": (100, 100),
    "failed": (100, 100),
}
# A plan is a few dozen tokens; used only to move the bar before the first candidate finishes.
EXPECTED_TOKENS_PER_CANDIDATE = 60


def stage_table() -> dict:
    """Return the stage table for job.js: spans, labels, expected tokens per candidate."""
    return {
        "span": {stage: list(span) for stage, span in STAGE_SPAN.items()},
        "labels": STAGE_LABELS,
        "expected_tokens_per_candidate": EXPECTED_TOKENS_PER_CANDIDATE,
    }


def _token_total(tokens) -> int:
    """Return the tokens generated so far from a count or a per-candidate list."""
    if isinstance(tokens, list):
        return sum(int(t) for t in tokens if isinstance(t, int | float))
    return int(tokens) if isinstance(tokens, int | float) else 0


def progress_summary(job: Job) -> dict:
    """Return what the progress bar shows for `job`: stage, label, percent, tokens, finished."""
    progress = job.progress if isinstance(job.progress, dict) else {}
    stage = job.stage if job.stage in STAGE_SPAN else Job.Stage.QUEUED.value
    tokens = _token_total(progress.get("tokens"))
    candidates = progress.get("candidates") or []
    finished = progress.get("finished")
    finished = int(finished) if isinstance(finished, int | float) else len(candidates)
    start, end = STAGE_SPAN[stage]
    if stage == Job.Stage.GENERATING.value:
        expected = max(job.count * EXPECTED_TOKENS_PER_CANDIDATE, 1)
        within = max(finished / job.count, min(tokens / expected, 0.95))
    elif stage == Job.Stage.LAYING_OUT.value:
        within = finished / job.count
    else:
        within = 0.0
    percent = round(start + (end - start) * min(max(within, 0.0), 1.0))
    return {
        "status": job.status,
        "stage": stage,
        "stage_label": STAGE_LABELS.get(stage, stage),
        "percent": percent,
        "tokens": tokens,
        "candidates_done": min(finished, job.count),
        "count": job.count,
    }


def with_score_out_of_5(diagrams):
    """Return the queryset annotated with `score_out_of_5` (as Diagram.final_out_of_5)."""
    return diagrams.annotate(
        score_out_of_5=Case(
            When(user_score__isnull=True, then=F("final_score")),
            default=F("final_score") / 2.0,
            output_field=FloatField(),
        )
    )


def with_my_rating(diagrams, user):
    """Return the diagram queryset annotated with `my_rating`: user's score or None."""
    mine = Rating.objects.filter(diagram=OuterRef("pk"), user=user).values("score")[:1]
    return diagrams.annotate(my_rating=Subquery(mine))


def group_by_job(diagrams) -> list[dict]:
    """Return consecutive diagrams of one job as [{"job", "diagrams"}] in page order."""
    return [
        {"job": rows[0].job, "diagrams": rows}
        for rows in (list(g) for _, g in groupby(diagrams, key=lambda d: d.job_id))
    ]
